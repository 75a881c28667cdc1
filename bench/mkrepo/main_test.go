package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

func head(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "for-each-ref").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// The same flags make the same repository: same commits, byte for byte.
func TestDeterministic(t *testing.T) {
	gittest.RequireGit(t)
	c := config{commits: 40, files: 20, churn: 2, size: 512, tokens: 3, branches: 1, seed: 7, repack: true, depth: 50}
	var heads []string
	for i := 0; i < 2; i++ {
		c.out = filepath.Join(t.TempDir(), "repo")
		if err := run(c); err != nil {
			t.Fatal(err)
		}
		heads = append(heads, head(t, c.out))
	}
	if heads[0] != heads[1] {
		t.Fatalf("two runs differ:\n%s\n%s", heads[0], heads[1])
	}
	// Every planted token is in history.
	out, err := exec.Command("git", "-C", c.out, "log", "-p", "--all").Output()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < c.tokens; i++ {
		if !strings.Contains(string(out), Token(c.seed, i)) {
			t.Errorf("token %d not planted", i)
		}
	}
}
