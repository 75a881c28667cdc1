package githistory

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

func TestRangeScansOnlyTheIntroducedBlobs(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	before, inPR, unchanged := fakeToken("BEFORE"), fakeToken("INPR"), fakeToken("UNCHANGED")
	g.WriteFile("old", before)
	g.WriteFile("keep", unchanged)
	g.Commit("base")
	g.CheckoutNew("pr")
	g.WriteFile("new", inPR)
	prCommit := g.Commit("pr adds")
	g.WriteFile("other", "harmless")
	g.Commit("pr more")

	r, c := scanRepo(t, g.Dir, Options{Range: "main..pr"})
	wantCommit(t, firstLoc(t, r, one(t, c, inPR)), prCommit, "new")
	none(t, c, before)
	none(t, c, unchanged)
	if st := r.Stats(); st.Commits != 2 || st.Blobs != 2 {
		t.Fatalf("stats %+v, want 2 commits, 2 blobs", st)
	}

	// Merging main into the PR brings no new blobs from main.
	g.Checkout("main")
	g.WriteFile("mainonly", fakeToken("MAINONLY"))
	g.Commit("main moves on")
	g.Checkout("pr")
	g.Merge("main", "merge main", nil)
	_, c = scanRepo(t, g.Dir, Options{Range: "main..pr"})
	none(t, c, fakeToken("MAINONLY"))
	one(t, c, inPR)
}

func TestEmptyRangeIsANoOp(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	g.WriteFile("a", fakeToken("A"))
	g.Commit("a")
	g.Branch("other")
	r, c := scanRepo(t, g.Dir, Options{Range: "other..main"})
	if len(c.items) != 0 || r.Note() == "" {
		t.Fatalf("items %d note %q", len(c.items), r.Note())
	}
}

// A range that does not resolve is an error from Open, before any scan.
func TestBadRangeIsAnError(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	g.WriteFile("a", "a")
	g.Commit("a")
	for _, rg := range []string{"nope..main", "main", "main...main", "main..nope"} {
		r, err := Open(g.Dir, Options{Range: rg})
		if err == nil {
			r.Close()
			t.Errorf("range %q: Open gave no error", rg)
		}
	}
}

func TestRangeWithEmptyBaseScansAllOfB(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("ROOT")
	g.WriteFile("a", tok)
	first := g.Commit("a")
	g.WriteFile("b", "b")
	g.Commit("b")
	r, c := scanRepo(t, g.Dir, Options{Range: "..HEAD"})
	wantCommit(t, firstLoc(t, r, one(t, c, tok)), first, "a")
}

func TestRangePastTheShallowBoundaryIsAnError(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	for i := 0; i < 6; i++ {
		g.WriteFile("f", strings.Repeat("x", i+1))
		g.Commit("c")
	}
	base := g.RevParse("HEAD~5")
	clone := filepath.Join(t.TempDir(), "shallow")
	g.Git("clone", "-q", "--depth=2", "file://"+g.Dir, clone)
	// The base commit exists (fetched alone) but the history between is cut.
	c := gittest.Open(t, clone, false)
	c.Git("fetch", "-q", "--depth=1", "origin", base)
	r, err := Open(clone, Options{Range: base + "..HEAD"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	err = r.Scan(t.Context(), &collector{})
	if err == nil || !strings.Contains(err.Error(), "fetch more history") {
		t.Fatalf("err = %v, want a shallow-clone error", err)
	}
	// Within the clone's history the range works.
	_, col := scanRepo(t, clone, Options{Range: "HEAD~1..HEAD"})
	if len(col.items) != 1 {
		t.Fatalf("%d items, want 1", len(col.items))
	}
}

func TestRangeEndsMayBeTagsAndRelativeRevisions(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	g.WriteFile("a", "a")
	g.Commit("a")
	g.TagAnnotated("v1", "release", "HEAD")
	tok := fakeToken("AFTERTAG")
	g.WriteFile("b", tok)
	leak := g.Commit("b")
	g.WriteFile("c", "c")
	g.Commit("c")
	for _, rg := range []string{"v1..main", "v1..", "HEAD~2..HEAD", "refs/tags/v1..HEAD"} {
		r, c := scanRepo(t, g.Dir, Options{Range: rg})
		wantCommit(t, firstLoc(t, r, one(t, c, tok)), leak, "b")
		if st := r.Stats(); st.Commits != 2 {
			t.Fatalf("%s: %+v, want 2 commits", rg, st)
		}
	}
}

// go-git reports a revision that walks past the root commit (HEAD~5 in a
// three-commit history) as a bare io.EOF; the message must say what is wrong.
func TestRangePastTheRootCommitSaysSo(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	for _, n := range []string{"a", "b", "c"} {
		g.WriteFile(n, n)
		g.Commit(n)
	}
	for _, rg := range []string{"HEAD~5..HEAD", "HEAD~1..HEAD^2"} {
		r, err := Open(g.Dir, Options{Range: rg})
		if err == nil {
			r.Close()
		}
		if err == nil || strings.HasSuffix(err.Error(), "EOF") || !strings.Contains(err.Error(), "unknown revision") {
			t.Errorf("range %q: err = %v, want an unknown-revision message", rg, err)
		}
	}
}
