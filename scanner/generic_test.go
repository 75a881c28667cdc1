package scanner

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scour-dev/scour/source"
)

var updateGeneric = flag.Bool("update", false, "rewrite testdata/generic/planted.golden from the current scan")

// genericDir is the labelled set of the generic layer: planted/ holds
// realistic files with planted fake credentials of every generic kind
// (settings in each format, connection URLs, credential files, encoded
// values), labels.tsv lists each planted secret (path, line, secret;
// "PEM" for a private key), and lookalikes/ holds more lookalikes than
// there are plants: references, templates, CI secrets, placeholders,
// labelled hashes, public keys, i18n strings, test fixtures.
var genericDir = filepath.Join("..", "testdata", "generic")

type label struct {
	path   string
	line   int
	secret string
}

func readLabels(t *testing.T) []label {
	t.Helper()
	f, err := os.Open(filepath.Join(genericDir, "labels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []label
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") || sc.Text() == "" {
			continue
		}
		parts := strings.SplitN(sc.Text(), "\t", 3)
		n, err := strconv.Atoi(parts[1])
		if len(parts) != 3 || err != nil {
			t.Fatalf("labels.tsv: bad line %q", sc.Text())
		}
		out = append(out, label{parts[0], n, parts[2]})
	}
	return out
}

func scanDir(t *testing.T, s *Scanner, dir string) *Result {
	t.Helper()
	res, err := s.Run(context.Background(), &source.Dir{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestGenericCorpus scans the labelled set with the built-in catalogue and
// checks: the findings on planted/ equal planted.golden (rule,
// path:line:column, confidence, encoding; rewrite with -update after
// checking the change); every label is found; no lookalike is reported at
// any confidence. It logs precision and recall per --min-confidence level
// (the figures docs/rules.md quotes).
func TestGenericCorpus(t *testing.T) {
	t.Parallel()
	labels := readLabels(t)
	s, _ := builtinScannerOpts(t, 0, Options{MinConfidence: "low"})
	planted := scanDir(t, s, filepath.Join(genericDir, "planted"))
	look := scanDir(t, s, filepath.Join(genericDir, "lookalikes"))

	var lines []string
	for _, f := range planted.Findings {
		for _, l := range f.Locations {
			enc := ""
			if l.Encoding != "" {
				enc = " " + l.Encoding
			}
			lines = append(lines, fmt.Sprintf("%s %s:%d:%d %s%s", f.RuleID, filepath.ToSlash(l.Path), l.Line, l.Column, f.Confidence, enc))
		}
	}
	slices.Sort(lines)
	got := strings.Join(lines, "\n") + "\n"
	golden := filepath.Join(genericDir, "planted.golden")
	if *updateGeneric {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("findings differ from %s (run with -update after checking the change):\ngot:\n%s\nwant:\n%s", golden, got, want)
	}

	for _, f := range look.Findings {
		for _, l := range f.Locations {
			t.Errorf("lookalike reported: %s (%s) at %s:%d: %q", f.RuleID, f.Confidence, l.Path, l.Line, redact(f.Secret))
		}
	}

	// Precision and recall at each level: a finding is true when a label
	// names its place and secret.
	matches := func(f Finding, l Location) bool {
		for _, lb := range labels {
			if filepath.ToSlash(l.Path) == lb.path && l.Line == lb.line &&
				(f.Secret == lb.secret || lb.secret == "PEM" && (strings.Contains(f.Secret, "PRIVATE KEY") || f.RuleID == "private-key-base64")) {
				return true
			}
		}
		return false
	}
	for _, level := range Confidences {
		rank := confidenceRank(level)
		found := map[label]bool{}
		tp, fp := 0, 0
		for _, res := range []*Result{planted, look} {
			for _, f := range res.Findings {
				if confidenceRank(f.Confidence) < rank {
					continue
				}
				for _, l := range f.Locations {
					if !matches(f, l) {
						fp++
						continue
					}
					tp++
					for _, lb := range labels {
						if filepath.ToSlash(l.Path) == lb.path && l.Line == lb.line {
							found[lb] = true
						}
					}
				}
			}
		}
		precision := 1.0
		if tp+fp > 0 {
			precision = float64(tp) / float64(tp+fp)
		}
		t.Logf("--min-confidence %-6s: recall %d/%d (%.0f%%), precision %d/%d (%.0f%%)",
			level, len(found), len(labels), 100*float64(len(found))/float64(len(labels)), tp, tp+fp, 100*precision)
		if level == "low" {
			for _, lb := range labels {
				if !found[lb] {
					t.Errorf("planted secret not found: %s:%d", lb.path, lb.line)
				}
			}
		}
	}
}
