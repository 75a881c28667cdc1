package githistory

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

// TestLastTreeSameAttribution: the walk's comparison with the last tree
// at each path (history.lastTree) changes no attribution: with it off, at
// a bound that keeps only some trees, and at the default, every blob gets
// the same (commit, path) locations, over edits, renames of files and
// directories, a blob at several paths, branches and their merge, and
// unreachable commits.
func TestLastTreeSameAttribution(t *testing.T) {
	t.Parallel()
	g := gittest.Init(t)
	for d := range 4 {
		for f := range 5 {
			g.WriteFile(fmt.Sprintf("d%d/sub/f%d.txt", d, f), fmt.Sprintf("v0 %d %d\n", d, f))
		}
	}
	g.WriteFile("top.txt", "top\n")
	g.Commit("init")
	for c := range 12 {
		path := fmt.Sprintf("d%d/sub/f%d.txt", c%4, c%5)
		switch {
		case c > 3 && c%4 == 1:
			path = fmt.Sprintf("d1/moved/f%d.txt", c%5)
		case c > 5 && c%4 == 2 && c%5 == 0:
			path = "d2/f0.txt"
		}
		g.AppendFile(path, fmt.Sprintf("edit %d\n", c))
		if c == 3 {
			g.Git("mv", "d1/sub", "d1/moved") // a directory renamed
		}
		if c == 5 {
			g.Git("mv", "d2/sub/f0.txt", "d2/f0.txt") // a file moved up
		}
		if c == 7 {
			g.WriteFile("d3/copy.txt", "top\n") // the same blob at a second path
		}
		g.Commit(fmt.Sprintf("c%d", c))
	}
	g.CheckoutNew("side")
	g.AppendFile("d0/sub/f1.txt", "side\n")
	g.Commit("side")
	g.Checkout("main")
	g.AppendFile("d0/sub/f2.txt", "main\n")
	g.Commit("main")
	g.Merge("side", "merge", nil)
	// An unreachable commit: made on a branch then deleted.
	g.CheckoutNew("gone")
	g.AppendFile("d0/sub/f3.txt", "gone\n")
	g.WriteFile("d3/copy.txt", "top\n")
	g.Commit("gone")
	g.Checkout("main")
	g.Git("branch", "-D", "gone")

	walk := func(max int) (map[string][]string, *history) {
		r, err := Open(g.Dir, Options{AllObjects: true})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		s := &scan{r: r, sink: &collector{}}
		s.openStore()
		s.hist = newHistory(&odb{rd: s.store.NewReader(DefaultMaxBlobSize, 1<<20)}, nil, s.skip)
		s.hist.lastTreeMax = max
		if err := s.walkAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for id, b := range s.hist.blobs {
			var locs []string
			for _, l := range b.locs {
				c := "tag"
				if l.commit >= 0 {
					c = s.hist.commits[l.commit].hash.String()
				}
				locs = append(locs, c+" "+l.path)
			}
			out[fmt.Sprintf("%s reachable=%v", id, b.reachable)] = locs
		}
		return out, s.hist
	}
	off, _ := walk(0)
	some, h := walk(200)
	if h.lastTreeBytes > 200 {
		t.Errorf("lastTree holds %d bytes, bound 200", h.lastTreeBytes)
	}
	all, h := walk(lastTreeBytesFor(DefaultMemoryBudget))
	if len(h.lastTree) == 0 {
		t.Fatal("no tree was kept: the comparison was not exercised")
	}
	for name, got := range map[string]map[string][]string{"bounded": some, "default": all} {
		if len(got) != len(off) {
			t.Errorf("%s: %d blobs, without lastTree %d", name, len(got), len(off))
		}
		for k, want := range off {
			if !slices.Equal(got[k], want) {
				t.Errorf("%s: blob %s: locations %v, without lastTree %v", name, k, got[k], want)
			}
		}
	}
}
