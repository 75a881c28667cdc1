package githistory

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

// RangeBase reads files as they are in the range's start, whatever the
// working tree and later commits hold; a path that is missing, or is a
// directory, is fs.ErrNotExist; a range without a start has no base.
func TestRangeBaseReadsTheStartCommit(t *testing.T) {
	t.Parallel()
	g := gittest.Init(t)
	g.WriteFile(".scour.yaml", "exclude: [fixtures/]\n")
	g.WriteFile("rules/team.yaml", "provider: team\n")
	if err := os.Symlink("/etc/passwd", filepath.Join(g.Dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	g.Git("add", "link.yaml")
	base := g.Commit("base")
	g.WriteFile(".scour.yaml", "exclude: ['**']\n")
	g.WriteFile(".scourignore", "x\n")
	head := g.Commit("change the config")
	g.WriteFile(".scour.yaml", "on disk only\n")

	r, err := Open(g.Dir, Options{Range: base + ".." + head})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rev, read, err := r.RangeBase()
	if err != nil || rev != base {
		t.Fatalf("RangeBase: %q, %v", rev, err)
	}
	for name, want := range map[string]string{".scour.yaml": "exclude: [fixtures/]\n", "rules/team.yaml": "provider: team\n"} {
		if got, err := read(name, 1<<20); err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{".scourignore", "rules", "rules/team.yaml/x", "missing/x"} {
		if _, err := read(name, 1<<20); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %v, want fs.ErrNotExist", name, err)
		}
	}
	if _, err := read("link.yaml", 1<<20); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a symbolic link: %v, want an error saying it is not read", err)
	}
	if _, err := read(".scour.yaml", 4); err == nil {
		t.Error("over the limit: no error")
	}

	r2, err := Open(g.Dir, Options{Range: ".." + head})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if _, _, err := r2.RangeBase(); !errors.Is(err, ErrNoBase) {
		t.Errorf("..B: %v, want ErrNoBase", err)
	}
}
