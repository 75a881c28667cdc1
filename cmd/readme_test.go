package cmd

import (
	"os"
	"strings"
	"testing"

	"github.com/scour-dev/scour/rules"
)

// The README's hand-kept provider table names every built-in provider.
func TestReadmeListsEveryProvider(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	set, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range set.Rules() {
		if seen[r.Provider] {
			continue
		}
		seen[r.Provider] = true
		if !strings.Contains(readme, "| `"+r.Provider+"` |") {
			t.Errorf("README's provider table lacks %q (a row with | `%s` |)", r.Provider, r.Provider)
		}
	}
}

// The README's quick start is exactly the two commands the project promises.
func TestReadmeQuickStart(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := "## Quick start\n\n```sh\ngo run . scan\ngo test -race ./...\n```\n"
	if !strings.Contains(string(data), want) {
		t.Errorf("README quick start is not exactly:\n%s", want)
	}
}
