package cmd

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

var updateCorpus = flag.Bool("update", false, "rewrite testdata/corpus/*.golden from the current scan")

// The corpus under testdata/corpus is what the judges describe: a
// tree of realistic files (configs, CI files, code, keys, CRLF, CJK text
// before tokens) with planted fake tokens of every provider, and a tree of
// placeholders and lookalikes (documentation keys, xxxx fillers, lock
// files, minified JS). The planted tree's findings (rule, path, line,
// column, fingerprint) must equal its golden file, written only by
// `go test ./cmd -run TestCorpus -update`; the lookalikes must yield
// nothing. The tokens are fake and generated; the repository's own
// .scour.yaml excludes testdata/.
func TestCorpusPlanted(t *testing.T) {
	t.Parallel()
	got := corpusFindings(t, filepath.Join("..", "testdata", "corpus", "planted"), ExitFindings)
	golden := filepath.Join("..", "testdata", "corpus", "planted.golden")
	if *updateCorpus {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("findings differ from %s (run with -update after checking the change):\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

func TestCorpusLookalikes(t *testing.T) {
	t.Parallel()
	got := corpusFindings(t, filepath.Join("..", "testdata", "corpus", "lookalikes"), ExitClean)
	if len(got) != 0 {
		t.Errorf("placeholders and lookalikes were reported:\n%s", got)
	}
}

// corpusFindings scans dir with the built-in rules (and no config: the
// repository's .scour.yaml would exclude testdata/, and its .scourignore, which
// may name the same fake secrets, must not hide them) and returns one line
// per location, "rule path:line:column fingerprint-prefix", sorted.
func corpusFindings(t *testing.T, dir string, wantCode int) []byte {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(empty, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "scan", "--no-history", "--no-repo-config", "--config", empty, "--format", "json", "--show-secrets", dir)
	if code != wantCode {
		t.Fatalf("scan %s: exit %d, want %d\n%s", dir, code, wantCode, errOut)
	}
	var rep struct {
		Findings []struct {
			RuleID      string `json:"rule_id"`
			Fingerprint string `json:"fingerprint"`
			Locations   []struct {
				Path         string `json:"path"`
				Line, Column int
			} `json:"locations"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var lines []string
	for _, f := range rep.Findings {
		for _, l := range f.Locations {
			lines = append(lines, fmt.Sprintf("%s %s:%d:%d %s\n", f.RuleID, filepath.ToSlash(l.Path), l.Line, l.Column, f.Fingerprint[:16]))
		}
	}
	sort.Strings(lines)
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
	}
	return b.Bytes()
}
