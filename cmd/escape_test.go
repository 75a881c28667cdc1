package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/hostile"
	"github.com/scour-dev/scour/report"
)

// Nothing a repository contains reaches a terminal or a CI log raw: a
// repository with file names, a symlink target, an author, an e-mail and
// a commit message built to forge workflow commands, drive the terminal,
// reorder text or break UTF-8, scanned with a rule pack whose description
// does the same, yields in every format and on stderr (skip list, summary,
// debug lines) only escaped text, and every finding is still reported.
func TestHostileTextIsEscapedInEveryOutput(t *testing.T) {
	t.Parallel()
	dir := hostile.Repo(t)
	pack := hostile.Pack(t)
	for _, format := range report.Formats() {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", "scan", "--format", format, "--rules", pack,
				"--max-file-size", hostile.MaxFileSize, "-v", dir)
			if code != ExitFindings {
				t.Fatalf("exit %d, want 1; stderr:\n%s", code, errOut)
			}
			hostile.Check(t, format+" stdout", out, format == "github")
			hostile.Check(t, format+" stderr", errOut, false)
			if !strings.Contains(errOut, `scour: skipped "k\n::error::skipped\x1b[31m #\x23[stop-commands]tok.bin"`) {
				t.Errorf("stderr does not name the skipped file, quoted:\n%s", errOut)
			}
			if format == "json" {
				var rep report.JSONReport
				if err := json.Unmarshal([]byte(out), &rep); err != nil {
					t.Fatal(err)
				}
				// Every hostile file, the rule pack's token and the
				// symlink's target (a blob in history) are found.
				if len(rep.Findings) < len(hostile.Names)+1 {
					t.Errorf("%d findings, want at least %d", len(rep.Findings), len(hostile.Names)+1)
				}
				paths := map[string]bool{}
				for _, f := range rep.Findings {
					for _, l := range f.Locations {
						paths[l.Path] = true
						if c := l.Commit; c != nil && c.AuthorName == "" {
							t.Errorf("%s: no author", l.Path)
						}
					}
				}
				// JSON keeps valid names as they are, and quotes the one
				// that is not UTF-8 with \x escapes (not U+FFFD).
				for _, want := range []string{hostile.Names[0], hostile.Names[4], `"h\xff\xfe not utf8.env"`} {
					if !paths[want] {
						t.Errorf("JSON lacks path %q; has %v", want, paths)
					}
				}
			}
		})
	}
	t.Run("working tree", func(t *testing.T) {
		code, out, errOut := runCLI(t, "", "scan", "--no-history", "--rules", pack, "--max-file-size", hostile.MaxFileSize, dir)
		if code != ExitFindings {
			t.Fatalf("exit %d, want 1; stderr:\n%s", code, errOut)
		}
		hostile.Check(t, "stdout", out, false)
		hostile.Check(t, "stderr", errOut, false)
	})
	t.Run("staged", func(t *testing.T) {
		staged := hostile.Staged(t)
		for _, format := range []string{"text", "github", "csv"} {
			code, out, errOut := runCLI(t, "", "staged", "-C", staged, "--format", format)
			if code != ExitFindings {
				t.Fatalf("%s: exit %d, want 1; stderr:\n%s", format, code, errOut)
			}
			hostile.Check(t, "staged "+format+" stdout", out, format == "github")
			hostile.Check(t, "staged "+format+" stderr", errOut, false)
		}
	})
	t.Run("rules check", func(t *testing.T) {
		_, out, errOut := runCLI(t, "", "rules", "list", "--rules", pack)
		hostile.Check(t, "stdout", out, false)
		hostile.Check(t, "stderr", errOut, false)
	})
}
