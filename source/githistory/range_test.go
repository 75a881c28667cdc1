package githistory

import (
	"testing"
)

func TestRangeScansOnlyTheIntroducedBlobs(t *testing.T) {
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
	g := newRepo(t)
	g.WriteFile("a", fakeToken("A"))
	g.Commit("a")
	g.Branch("other")
	r, c := scanRepo(t, g.Dir, Options{Range: "other..main"})
	if len(c.items) != 0 || r.Note() == "" {
		t.Fatalf("items %d note %q", len(c.items), r.Note())
	}
}

func TestBadRangeIsAnError(t *testing.T) {
	g := newRepo(t)
	g.WriteFile("a", "a")
	g.Commit("a")
	for _, rg := range []string{"nope..main", "main", "main...main"} {
		r, err := Open(g.Dir, Options{Range: rg})
		if err != nil {
			continue
		}
		if err := r.Scan(t.Context(), &collector{}); err == nil {
			t.Errorf("range %q: no error", rg)
		}
		r.Close()
	}
}

func TestRangeWithEmptyBaseScansAllOfB(t *testing.T) {
	g := newRepo(t)
	tok := fakeToken("ROOT")
	g.WriteFile("a", tok)
	first := g.Commit("a")
	g.WriteFile("b", "b")
	g.Commit("b")
	r, c := scanRepo(t, g.Dir, Options{Range: "..HEAD"})
	wantCommit(t, firstLoc(t, r, one(t, c, tok)), first, "a")
}
