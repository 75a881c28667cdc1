package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fencedBlock returns the first ```yaml block of a doc that starts with
// firstLine.
func fencedBlock(t *testing.T, doc, firstLine string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", doc))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "```yaml\n"+firstLine)
	if i < 0 {
		t.Fatalf("docs/%s has no yaml block starting %q", doc, firstLine)
	}
	s = s[i+len("```yaml\n"):]
	j := strings.Index(s, "```")
	if j < 0 {
		t.Fatalf("docs/%s: unterminated block", doc)
	}
	return s[:j]
}

// The rule pack docs/rules.md shows passes `scour rules check`.
func TestDocsRulesExamplePasses(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "acme.yaml")
	writeTestFile(t, p, fencedBlock(t, "rules.md", "# acme.yaml"))
	if code, out, errOut := runCLI(t, "", "rules", "check", p); code != ExitClean {
		t.Errorf("docs/rules.md example pack: exit %d\n%s%s", code, out, errOut)
	}
}

// The complete example of docs/config.md passes `scour config check`.
func TestDocsConfigExamplePasses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, ".scour.yaml"), fencedBlock(t, "config.md", "# .scour.yaml"))
	writeTestFile(t, filepath.Join(dir, ".scour", "rules", "internal-tokens.yaml"), fencedBlock(t, "rules.md", "# acme.yaml"))
	if code, out, errOut := runCLI(t, "", "config", "check", dir); code != ExitClean {
		t.Errorf("docs/config.md example: exit %d\n%s%s", code, out, errOut)
	}
}
