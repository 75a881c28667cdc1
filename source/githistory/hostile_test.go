package githistory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj"
	ot "github.com/scour-dev/scour/internal/gitobj/gitobjtest"
	"github.com/scour-dev/scour/source"
)

// Hostile repositories, written object by object: each must end with a
// clear skip notice and the rest of the scan intact.

func crafted(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := ot.InitBare(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func must(t *testing.T, _ []plumbing.Hash, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func fakeID(b byte) plumbing.Hash {
	var h plumbing.Hash
	for i := range h {
		h[i] = b
	}
	return h
}

// commitTree adds a commit of tree to the pack objects and points main at it.
func commitTree(t *testing.T, dir string, tree plumbing.Hash, objs []ot.Object) {
	t.Helper()
	c := ot.CommitData(tree, "hostile")
	objs = append(objs, ot.Object{Type: ot.Commit, Data: c})
	ids, err := ot.WritePack(dir, objs)
	must(t, ids, err)
	if err := ot.SetRef(dir, "refs/heads/main", ot.Hash(ot.Commit, c)); err != nil {
		t.Fatal(err)
	}
}

// scanBoth runs a whole-history scan and a range scan of everything
// reachable from main, and checks what is common to both.
func scanBoth(t *testing.T, dir string, opts Options, check func(t *testing.T, r *Repo, c *collector)) {
	for _, rng := range []string{"", "..refs/heads/main"} {
		t.Run("range="+rng, func(t *testing.T) {
			o := opts
			o.Range = rng
			r, c := scanRepo(t, dir, o)
			check(t, r, c)
		})
	}
}

func TestRefDeltaOwnBaseIsSkipped(t *testing.T) {
	t.Parallel()
	dir := crafted(t)
	tok := fakeToken("SELFREF")
	secret := []byte(tok + "\n")
	self := fakeID(0x5e)
	tree := ot.TreeData(
		ot.Entry{Mode: "100644", Name: "s", ID: ot.Hash(ot.Blob, secret)},
		ot.Entry{Mode: "100644", Name: "x", ID: self},
	)
	commitTree(t, dir, ot.Hash(ot.Tree, tree), []ot.Object{
		{Type: ot.Blob, Data: secret},
		{Type: ot.RefDelta, ID: self, BaseID: self, Data: ot.Delta(3, 3, []byte("abc"))},
		{Type: ot.Tree, Data: tree},
	})
	scanBoth(t, dir, Options{}, func(t *testing.T, r *Repo, c *collector) {
		if got := firstLoc(t, r, one(t, c, tok)); got.Path != "s" {
			t.Errorf("secret at %q", got.Path)
		}
		if !hasSkip(c, ReasonCorrupt, "loops back") {
			t.Errorf("the looping delta is not reported: %v", c.skipped)
		}
	})
}

func TestTreeListingItselfIsNotFollowed(t *testing.T) {
	t.Parallel()
	dir := crafted(t)
	tok := fakeToken("SELFTREE")
	secret := []byte(tok + "\n")
	self := fakeID(0x7e)
	tree := ot.TreeData(
		ot.Entry{Mode: "100644", Name: "s", ID: ot.Hash(ot.Blob, secret)},
		ot.Entry{Mode: "40000", Name: "x", ID: self},
	)
	commitTree(t, dir, self, []ot.Object{
		{Type: ot.Blob, Data: secret},
		{Type: ot.Tree, ID: self, Data: tree},
	})
	scanBoth(t, dir, Options{}, func(t *testing.T, r *Repo, c *collector) {
		if got := firstLoc(t, r, one(t, c, tok)); got.Path != "s" {
			t.Errorf("secret at %q", got.Path)
		}
		if !hasSkip(c, ReasonCorrupt, "contains itself") {
			t.Errorf("the loop is not reported: %v", c.skipped)
		}
	})
}

// TestTreeBombIsBounded: one subtree repeated 32 times per level, 5 levels
// deep, is 33 million paths. The walk stops re-walking it past its budget,
// says so, and still scans the blob.
func TestTreeBombIsBounded(t *testing.T) {
	t.Parallel()
	dir := crafted(t)
	tok := fakeToken("BOMB")
	secret := []byte(tok + "\n")
	sid := ot.Hash(ot.Blob, secret)
	objs := []ot.Object{{Type: ot.Blob, Data: secret}}
	mode, id := "100644", sid
	for level := 0; level < 5; level++ {
		var ents []ot.Entry
		for i := 0; i < 32; i++ {
			ents = append(ents, ot.Entry{Mode: mode, Name: fmt.Sprintf("%c%02d", 'a'+level, i), ID: id})
		}
		data := ot.TreeData(ents...)
		objs = append(objs, ot.Object{Type: ot.Tree, Data: data})
		mode, id = "40000", ot.Hash(ot.Tree, data)
	}
	root := ot.TreeData(ot.Entry{Mode: "40000", Name: "bomb", ID: id}, ot.Entry{Mode: "100644", Name: "s", ID: sid})
	objs = append(objs, ot.Object{Type: ot.Tree, Data: root})
	commitTree(t, dir, ot.Hash(ot.Tree, root), objs)
	scanBoth(t, dir, Options{}, func(t *testing.T, r *Repo, c *collector) {
		one(t, c, tok)
		if !hasSkip(c, ReasonTooLarge, "tree bomb") {
			t.Errorf("the bomb is not reported: %v", c.skipped)
		}
	})
}

// TestBigBlobsAreNotReadWhole: over MaxBlobSize, a blob (whole, or built
// by a delta whose payload alone is over the limit) is reported too large
// without being inflated, in range scans (read by id) as in whole scans.
func TestBigBlobsAreNotReadWhole(t *testing.T) {
	t.Parallel()
	dir := crafted(t)
	tok := fakeToken("SMALL")
	secret := []byte(tok + "\n")
	big := bytes.Repeat([]byte("0123456789abcdef"), 256<<10) // 4 MB
	base := []byte("base\n")
	payload := ot.Delta(uint64(len(base)), uint64(len(big)), big) // all inserts
	deltaID := fakeID(0xde)
	tree := ot.TreeData(
		ot.Entry{Mode: "100644", Name: "big", ID: ot.Hash(ot.Blob, big)},
		ot.Entry{Mode: "100644", Name: "base", ID: ot.Hash(ot.Blob, base)},
		ot.Entry{Mode: "100644", Name: "delta", ID: deltaID},
		ot.Entry{Mode: "100644", Name: "s", ID: ot.Hash(ot.Blob, secret)},
	)
	commitTree(t, dir, ot.Hash(ot.Tree, tree), []ot.Object{
		{Type: ot.Blob, Data: big},
		{Type: ot.Blob, Data: base},
		{Type: ot.OfsDelta, Base: 1, ID: deltaID, Data: payload},
		{Type: ot.Blob, Data: secret},
		{Type: ot.Tree, Data: tree},
	})
	scanBoth(t, dir, Options{MaxBlobSize: 1 << 20}, func(t *testing.T, r *Repo, c *collector) {
		one(t, c, tok)
		one(t, c, "base")
		for _, p := range []string{"big", "delta"} {
			found := false
			for _, s := range c.skipped {
				found = found || (s.Path == p && s.Reason == ReasonTooLarge)
			}
			if !found {
				t.Errorf("%s not reported too large: %v", p, c.skipped)
			}
		}
	})
}

// TestLooseObjectsWithTrailingBytes: bytes after a loose object's zlib
// stream do not hide its content (git ignores them too).
func TestLooseObjectsWithTrailingBytes(t *testing.T) {
	t.Parallel()
	dir := crafted(t)
	tok := fakeToken("TRAILING")
	secret := []byte(tok + "\n")
	tree := ot.TreeData(ot.Entry{Mode: "100644", Name: "s", ID: ot.Hash(ot.Blob, secret)})
	commit := ot.CommitData(ot.Hash(ot.Tree, tree), "loose")
	junk := bytes.Repeat([]byte{0xff, 0x00, 'x'}, 1000)
	for _, o := range []struct {
		t    int8
		data []byte
	}{{ot.Blob, secret}, {ot.Tree, tree}, {ot.Commit, commit}} {
		if err := ot.WriteLoose(dir, ot.Hash(o.t, o.data), ot.LooseObject(o.t, o.data), junk); err != nil {
			t.Fatal(err)
		}
	}
	ot.SetRef(dir, "refs/heads/main", ot.Hash(ot.Commit, commit))
	scanBoth(t, dir, Options{}, func(t *testing.T, r *Repo, c *collector) {
		wantCommit(t, firstLoc(t, r, one(t, c, tok)), ot.Hash(ot.Commit, commit).String(), "s")
		if len(c.skipped) != 0 {
			t.Errorf("skipped: %v", c.skipped)
		}
	})
}

// TestHugeCommitIsNotReadAgainForItsAuthor: naming the commit that brought
// a secret reads its author within a bound: a commit that inflates to
// more keeps just its id.
func TestHugeCommitIsNotReadAgainForItsAuthor(t *testing.T) {
	t.Parallel()
	dir := crafted(t)
	tok := fakeToken("BIGCOMMIT")
	secret := []byte(tok + "\n")
	tree := ot.TreeData(ot.Entry{Mode: "100644", Name: "s", ID: ot.Hash(ot.Blob, secret)})
	commit := ot.CommitData(ot.Hash(ot.Tree, tree), strings.Repeat("m", maxCommitMeta+1))
	cid := ot.Hash(ot.Commit, commit)
	ot.WriteLoose(dir, cid, ot.LooseObject(ot.Commit, commit), nil)
	ids, err := ot.WritePack(dir, []ot.Object{{Type: ot.Blob, Data: secret}, {Type: ot.Tree, Data: tree}})
	must(t, ids, err)
	ot.SetRef(dir, "refs/heads/main", cid)
	r, c := scanRepo(t, dir, Options{})
	loc := firstLoc(t, r, one(t, c, tok))
	wantCommit(t, loc, cid.String(), "s")
	if loc.Commit.AuthorName != "" {
		t.Errorf("author %q read from a commit over the bound", loc.Commit.AuthorName)
	}
}

// TestCombOfDeltasHoldsFewBases: a delta tree shaped like a comb (each
// version has one leaf child and one child that carries on) made the
// walker keep every base of the spine until its leaf was built. Children
// are now built smallest subtree first, so a base is dropped before the
// walk goes down the spine.
func TestCombOfDeltasHoldsFewBases(t *testing.T) {
	t.Parallel()
	dir := crafted(t)
	const size, depth = 64 << 10, 200
	tok := fakeToken("COMB")
	root := bytes.Repeat([]byte("comb text line\n"), size/15)
	objs := []ot.Object{{Type: ot.Blob, Data: root}}
	var ents []ot.Entry
	ents = append(ents, ot.Entry{Mode: "100644", Name: "root", ID: ot.Hash(ot.Blob, root)})
	spine, prev := 0, root
	for k := 1; k <= depth; k++ {
		// The spine entry comes first in the pack: offset order alone
		// would descend the spine before building the leaf.
		next := append(bytes.Clone(prev), fmt.Sprintf("spine %d\n", k)...)
		leaf := append(bytes.Clone(prev), fmt.Sprintf("leaf %d\n", k)...)
		if k == depth/2 {
			leaf = append(leaf, tok...)
		}
		for _, v := range [][]byte{next, leaf} {
			objs = append(objs, ot.Object{Type: ot.OfsDelta, Base: spine, ID: ot.Hash(ot.Blob, v),
				Data: ot.Delta(uint64(len(prev)), uint64(len(v)), [2]uint32{0, uint32(len(prev))}, v[len(prev):])})
			ents = append(ents, ot.Entry{Mode: "100644", Name: fmt.Sprintf("f%05d", len(ents)), ID: ot.Hash(ot.Blob, v)})
		}
		spine, prev = len(objs)-2, next
	}
	tree := ot.TreeData(ents...)
	objs = append(objs, ot.Object{Type: ot.Tree, Data: tree})
	commitTree(t, dir, ot.Hash(ot.Tree, tree), objs)

	st := gitobj.OpenStore(gitobj.ObjectDirs(dir))
	defer st.Close()
	n := 0
	found := false
	v := &packVisitor{
		want: func(plumbing.Hash) bool { return true },
		blob: func(_ context.Context, id plumbing.Hash, d []byte) error {
			n++
			found = found || bytes.Contains(d, []byte(tok))
			return nil
		},
		fail:    func(h plumbing.Hash, err error, _ []plumbing.Hash) { t.Errorf("%s: %v", h, err) },
		reader:  func() *gitobj.Reader { return st.NewReader(1<<20, 0) },
		maxSize: 1 << 20,
		workers: 1,
	}
	for _, p := range st.Packs {
		if err := walkBlobs(context.Background(), p, v); err != nil {
			t.Fatal(err)
		}
	}
	if n != 2*depth+1 || !found {
		t.Fatalf("%d blobs (want %d), token found: %v", n, 2*depth+1, found)
	}
	// Offset order would hold the whole spine: depth bases of ~size bytes.
	if peak := v.peakHeld.Load(); peak > 4*size {
		t.Errorf("held up to %d bytes of bases, want at most a few (%d each)", peak, size)
	}
}

// panicSink panics on its first item, or on its first skip notice.
type panicSink struct {
	collector
	onSkip bool
}

func (p *panicSink) Item(ctx context.Context, it source.Item) error {
	if !p.onSkip {
		panic("sink bug")
	}
	return p.collector.Item(ctx, it)
}

func (p *panicSink) Skipped(s source.Skipped) {
	if p.onSkip {
		panic("sink bug on a notice")
	}
	p.collector.Skipped(s)
}

// TestPanicEndsTheScanWithAnError: a panic in any goroutine of the scan
// (the readers, or the history walk reporting damage) ends it with an
// error; the program goes on.
func TestPanicEndsTheScanWithAnError(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	g.WriteFile("a", fakeToken("PANIC"))
	g.WriteFile("d/b", "b")
	g.Commit("c")
	// A damaged tree makes the walk report it (through Skipped).
	sub := g.Git("rev-parse", "HEAD:d")
	if err := os.Remove(g.LooseObjectPath(strings.TrimSpace(sub))); err != nil {
		t.Fatal(err)
	}
	for _, onSkip := range []bool{false, true} {
		r, err := Open(g.Dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = r.Scan(context.Background(), &panicSink{onSkip: onSkip})
		r.Close()
		if err == nil || !strings.Contains(err.Error(), "internal error") {
			t.Errorf("onSkip=%v: err = %v, want an internal error", onSkip, err)
		}
	}
}

// TestDotGitFileToNowhereIsAnError: a .git file naming a directory that is
// not a repository must not turn a history scan into something smaller.
func TestDotGitFileToNowhereIsAnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".git"), []byte("gitdir: "+filepath.Join(dir, "nowhere")+"\n"), 0o644)
	if !IsRepository(dir) {
		t.Fatal("IsRepository = false: the caller would scan it as plain files")
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrNotRepository) || !strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("err = %v, want ErrNotRepository naming the target", err)
	}
}

// TestExcludesApplyToEveryKindOfScan: a blob only ever at excluded paths
// is not scanned, whether the scan is whole, a range or all objects; a
// blob also at a kept path is scanned and located there only.
func TestExcludesApplyToEveryKindOfScan(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	g.WriteFile("README", "r")
	base := g.Commit("base")
	fixture, kept, both := fakeToken("FIXTURE"), fakeToken("KEPT"), fakeToken("BOTH")
	g.WriteFile("testdata/fixture.txt", fixture)
	g.WriteFile("testdata/both.txt", both)
	g.WriteFile("src/both.txt", both)
	g.WriteFile("src/kept.txt", kept)
	g.Commit("add")
	for _, o := range []Options{{}, {Range: base + "..HEAD"}, {AllObjects: true}} {
		o.Excludes = []string{"testdata/"}
		t.Run(fmt.Sprintf("range=%q,all=%v", o.Range, o.AllObjects), func(t *testing.T) {
			r, c := scanRepo(t, g.Dir, o)
			none(t, c, fixture)
			one(t, c, kept)
			locs := r.Locations(one(t, c, both).Origin.BlobID)
			if len(locs) != 1 || locs[0].Path != "src/both.txt" {
				t.Errorf("both at %+v, want src/both.txt only", locs)
			}
			for _, s := range c.skipped {
				t.Errorf("skipped %+v", s)
			}
		})
	}
}
