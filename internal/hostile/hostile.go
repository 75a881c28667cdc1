// Package hostile builds, at test time, a git repository and a rule pack
// whose names and texts attack the terminal and the CI log scour prints
// them to, and checks output for what must never get through: raw control,
// bidi and separator characters, bytes that are not UTF-8, and lines the
// GitHub Actions runner would obey as workflow commands. Tests of cmd and
// ci use it.
package hostile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/scour-dev/scour/internal/fixture"
	"github.com/scour-dev/scour/internal/gittest"
)

// Names are file names of the repository, each holding a secret so that
// each is the headline location of a finding.
var Names = []string{
	"a\n::error file=x.go::forged by a file name.env",
	"b ##[add-mask]masked.env",
	"::add-mask::c.env",
	"d\x1b[2J\x1b]0;title\x07.env",
	"e\u202etxt.exe.env",
	"f\u2066iso\u2069\u200b.env",
	"g\u2028line\u2029par.env",
	"h\xff\xfe not utf8.env",
	"i\r::warning::carriage.env",
	"j\x9b31m c1\x7f.env",
	"l##vso[task.setvariable variable=PATH]azure.env",
}

// BigName is a file larger than MaxFileSize: the skip list names it.
const BigName = "k\n::error::skipped\x1b[31m ##[stop-commands]tok.bin"

// MaxFileSize is the --max-file-size tests pass, below BigName's size.
const MaxFileSize = "2KB"

// Author, Email and Message are those of the commit that adds the files.
const (
	Author  = "Evil\x1b[31m\r::error::author ##[add-mask]a \u202eoops \xff"
	Email   = "e\x1b]0;t\x07@x##[error]y"
	Message = "fix\x1b[2J \u202e\n::error::from a commit message\n##[add-mask]m\n"
)

// Description is the description (and remediation) of the hostile rule.
const Description = "Hostile\n::error::from a rule pack \x1b[31m \u202e ##[add-mask]d \u2028"

// Repo builds the repository: one clean commit, then a commit by Author
// with Message that adds every file of Names (each with its own fake
// GitHub token), BigName, a file with the hostile rule's token, and a
// symlink whose target is hostile. It returns the work tree.
func Repo(t testing.TB) string {
	t.Helper()
	r := gittest.Init(t)
	r.WriteFile("README.md", "hostile names\n")
	r.Commit("init")
	for i, name := range Names {
		r.WriteBytes(name, []byte("TOKEN="+fixture.GitHubPAT(fmt.Sprint("hostile", i))+"\n"))
	}
	r.WriteBytes(BigName, bytes.Repeat([]byte("x\n"), 4096))
	r.WriteFile("rule.txt", "key = "+Token+"\n")
	if err := os.Symlink("\x1b[31m\n::error::symlink ##[add-mask]s", filepath.Join(r.Dir, "link\x1b[1m.env")); err != nil {
		t.Fatal(err)
	}
	r.Git("add", "-A")
	tree := r.Git("write-tree")
	parent := r.Head()
	when := gittest.Epoch.Add(time.Hour).Unix()
	// Written as a raw object: git's own commands strip some of this.
	commit := fmt.Sprintf("tree %s\nparent %s\nauthor %s <%s> %d +0000\ncommitter %s <%s> %d +0000\n\n%s",
		tree, parent, Author, Email, when, Author, Email, when, Message)
	id, err := r.RunInput([]byte(commit), "hash-object", "-t", "commit", "-w", "--stdin", "--literally")
	if err != nil {
		t.Fatal(err)
	}
	r.Git("update-ref", "HEAD", id)
	return r.Dir
}

// Staged builds a repository whose index (not yet committed) adds the
// files of Names, BigName and the symlink, for `scour staged`. It returns
// the work tree.
func Staged(t testing.TB) string {
	t.Helper()
	r := gittest.Init(t)
	r.WriteFile("README.md", "hostile names\n")
	r.Commit("init")
	for i, name := range Names {
		r.WriteBytes(name, []byte("TOKEN="+fixture.GitHubPAT(fmt.Sprint("staged", i))+"\n"))
	}
	r.WriteBytes(BigName, bytes.Repeat([]byte("x\n"), 4096))
	if err := os.Symlink("\x1b[31m\n::error::symlink ##[add-mask]s", filepath.Join(r.Dir, "link\x1b[1m.env")); err != nil {
		t.Fatal(err)
	}
	r.Git("add", "-A")
	return r.Dir
}

// Token is what the hostile rule finds (in rule.txt).
const Token = "HOSTILE_Q7f2Kx9LmP3vR8tYw4Zb6Nc1"

// Pack writes the hostile rule pack to a temporary directory and returns
// its path (for --rules).
func Pack(t testing.TB) string {
	t.Helper()
	q := func(s string) string { return fmt.Sprintf("%q", s) } // a YAML double-quoted scalar
	pack := "provider: hostile\nrules:\n" +
		"  - id: hostile-token\n" +
		"    description: " + q(Description) + "\n" +
		"    pattern: '(?P<secret>HOSTILE_[A-Za-z0-9]{24})'\n" +
		"    keywords: [HOSTILE_]\n" +
		"    confidence: high\n" +
		"    remediation: " + q(Description) + "\n" +
		"    examples:\n      - 'key = " + Token + "'\n" +
		"    negative_examples:\n      - 'key = HOSTILE_'\n"
	path := filepath.Join(t.TempDir(), "hostile.yaml")
	if err := os.WriteFile(path, []byte(pack), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Check reports, as test errors naming what, every place out lets hostile
// text through: bytes that are not UTF-8; control characters other than
// the line feed; C1 controls, format (bidi, zero-width) and separator
// characters; "##" anywhere (GitHub's "##[command]", Azure Pipelines'
// "##vso[...]", TeamCity's "##teamcity[...]"); a line that starts with "::" (after
// blanks), unless annotations is set and the line is one of scour's own
// ::error / ::warning commands with escaped properties.
func Check(t testing.TB, what, out string, annotations bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: not valid UTF-8: %q", what, firstInvalid(out))
	}
	for i, line := range strings.Split(out, "\n") {
		for _, r := range line {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
				unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
				t.Errorf("%s: line %d holds raw %U: %q", what, i+1, r, line)
				break
			}
		}
		if strings.Contains(line, "##") {
			t.Errorf("%s: line %d holds a runner command (##): %q", what, i+1, line)
		}
		trimmed := strings.TrimLeftFunc(line, unicode.IsSpace)
		if !strings.HasPrefix(trimmed, "::") {
			continue
		}
		if !annotations || trimmed != line {
			t.Errorf("%s: line %d is a workflow command: %q", what, i+1, line)
			continue
		}
		cmd, _, ok := strings.Cut(line[2:], "::")
		name, props, _ := strings.Cut(cmd, " ")
		if !ok || (name != "error" && name != "warning") || strings.Contains(props, ":") {
			t.Errorf("%s: line %d is not one of scour's annotations: %q", what, i+1, line)
		}
	}
}

func firstInvalid(s string) string {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return s[max(0, i-20):min(len(s), i+20)]
		}
		i += n
	}
	return ""
}
