package githistory

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// knownSet is what a sweep's store keeps between scans: the ids every
// scan handled (Repo.Handled).
type knownSet map[plumbing.Hash]bool

func (k knownSet) HasRaw(id []byte) bool { return len(id) == 20 && k[plumbing.Hash(id)] }
func (k knownSet) Len() int              { return len(k) }

func (k knownSet) add(ids []plumbing.Hash) {
	for _, id := range ids {
		k[id] = true
	}
}

// rescan scans dir incrementally against known, adds what it handled, and
// returns the stats (Blobs: the blobs read).
func rescan(t *testing.T, dir string, known knownSet, allObjects bool) (Stats, *Repo, *collector) {
	t.Helper()
	r, c := scanRepo(t, dir, Options{Known: known, AllObjects: allObjects})
	known.add(r.Handled())
	return r.Stats(), r, c
}

func TestIncrementalReadsOnlyNewObjects(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	for i, name := range []string{"a.txt", "b.txt", "c.txt"} {
		g.WriteFile(name, "content "+name+"\n")
		g.WriteFile("dir/"+name, fakeToken("OLD"+string(rune('A'+i)))+"\n")
		g.Commit("add " + name)
	}
	known := knownSet{}
	st, _, _ := rescan(t, g.Dir, known, false)
	if st.Blobs != 6 || st.Commits != 3 {
		t.Fatalf("first scan: %+v", st)
	}

	// Unchanged: no commit walked, no blob read.
	if st, _, _ = rescan(t, g.Dir, known, false); st.Blobs != 0 || st.Commits != 0 {
		t.Fatalf("unchanged: %+v", st)
	}

	// One commit: its new blobs only (a new file, a changed one; a copy
	// of an old file is not read again), attributed to it.
	g.WriteFile("new.txt", fakeToken("PUSHED")+"\n")
	g.WriteFile("a.txt", "changed\n")
	g.WriteFile("copy.txt", "content b.txt\n")
	pushed := g.Commit("one push")
	st, r, c := rescan(t, g.Dir, known, false)
	if st.Blobs != 2 || st.Commits != 1 || st.KnownBlobs != 1 {
		t.Fatalf("one pushed commit: %+v", st)
	}
	wantCommit(t, firstLoc(t, r, one(t, c, fakeToken("PUSHED"))), pushed, "new.txt")
	none(t, c, fakeToken("OLDA"))

	// A force-push rewriting history: only the objects that are new.
	g.ResetHard("HEAD~2")
	g.WriteFile("dir/b.txt", fakeToken("REWRITTEN")+"\n")
	rewritten := g.Commit("rewrite")
	st, r, c = rescan(t, g.Dir, known, false)
	if st.Blobs != 1 || st.Commits != 1 {
		t.Fatalf("force-push: %+v", st)
	}
	wantCommit(t, firstLoc(t, r, one(t, c, fakeToken("REWRITTEN"))), rewritten, "dir/b.txt")

	// Repacking changes packs, not object ids: nothing to read.
	g.Git("repack", "-adf")
	g.Git("gc", "-q")
	if st, _, _ = rescan(t, g.Dir, known, false); st.Blobs != 0 || st.Commits != 0 {
		t.Fatalf("after repack and gc: %+v", st)
	}

	// --all-objects: a new blob no ref reaches is read, alone; the commits
	// the force-push left behind were scanned while reachable.
	blob := fakeToken("DANGLING")
	if _, err := g.RunInput([]byte(blob+"\n"), "hash-object", "-w", "--stdin"); err != nil {
		t.Fatal(err)
	}
	before := len(known)
	if st, _, _ = rescan(t, g.Dir, knownSet(clone(known)), false); st.Blobs != 0 {
		t.Fatalf("without --all-objects an unreachable blob was read: %+v", st)
	}
	st, r, c = rescan(t, g.Dir, known, true)
	if st.Blobs != 1 || st.Unreachable != 1 || st.Commits != 0 {
		t.Fatalf("--all-objects with one new unreachable blob: %+v", st)
	}
	if locs := r.Locations(one(t, c, blob).Origin.BlobID); len(locs) != 1 || !locs[0].Unreachable {
		t.Fatalf("unreachable blob's locations: %+v", locs)
	}
	if len(known) != before+1 {
		t.Errorf("known grew by %d, want the one blob", len(known)-before)
	}
	if st, _, _ = rescan(t, g.Dir, known, true); st.Blobs != 0 {
		t.Fatalf("--all-objects again: %+v", st)
	}
}

func clone(k knownSet) map[plumbing.Hash]bool {
	out := make(map[plumbing.Hash]bool, len(k))
	for id := range k {
		out[id] = true
	}
	return out
}

// TestIncrementalDanglingCommits: commits no ref reaches, once scanned,
// are not walked again; ones that appear later are.
func TestIncrementalDanglingCommits(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	g.WriteFile("a.txt", "one\n")
	g.Commit("one")
	g.WriteFile("b.txt", fakeToken("GONE")+"\n")
	g.Commit("two")
	g.ResetHard("HEAD~1")
	known := knownSet{}
	st, _, c := rescan(t, g.Dir, known, true)
	if st.Unreachable != 1 || st.Commits != 2 {
		t.Fatalf("first --all-objects scan: %+v", st)
	}
	one(t, c, fakeToken("GONE"))
	g.WriteFile("c.txt", fakeToken("LATER")+"\n")
	g.Commit("three")
	g.ResetHard("HEAD~1")
	st, _, c = rescan(t, g.Dir, known, true)
	if st.Blobs != 1 || st.Unreachable != 1 || st.Commits != 1 {
		t.Fatalf("a new dangling commit: %+v", st)
	}
	one(t, c, fakeToken("LATER"))
}
