package githistory

import (
	"context"
	"fmt"
	"github.com/scour-dev/scour/internal/gitobj"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/source"
)

func TestDeletedFileIsFoundAndAttributed(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("DELETED")
	g.WriteFile("README", "hello\n")
	g.Commit("init")
	g.WriteFile("config/app.env", "API_KEY="+tok+"\n")
	added := g.Commit("add config")
	g.Remove("config/app.env")
	g.Commit("remove config")

	r, c := scanRepo(t, g.Dir, Options{})
	it := one(t, c, tok)
	if it.Origin.Kind != "blob" || it.Origin.Unreachable {
		t.Fatalf("origin = %+v", it.Origin)
	}
	loc := firstLoc(t, r, it)
	wantCommit(t, loc, added, "config/app.env")
	if loc.Commit.AuthorName != gittest.AuthorName || loc.Commit.AuthorEmail != gittest.AuthorEmail || loc.Commit.Message != "add config" {
		t.Fatalf("commit metadata = %+v", loc.Commit)
	}
	if want := gittest.Epoch.Add(1 * 60e9); !loc.Commit.Date.Equal(want) {
		t.Fatalf("date = %v, want %v", loc.Commit.Date, want)
	}
	st := r.Stats()
	if st.Commits != 3 || st.Refs != 1 || st.Blobs != 2 {
		t.Fatalf("stats = %+v, want 3 commits, 1 ref, 2 blobs", st)
	}
	if len(c.skipped) != 0 {
		t.Fatalf("skipped: %v", c.skipped)
	}
}

func TestUnmergedBranchTagAndAnnotatedTag(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	onBranch, onTag, onAnnotated := fakeToken("BRANCH"), fakeToken("TAG"), fakeToken("ANNOTATED")
	g.WriteFile("a.txt", "a\n")
	g.Commit("init")

	g.CheckoutNew("feature")
	g.WriteFile("b.txt", onBranch)
	branchCommit := g.Commit("on branch")
	g.Checkout("main")

	g.CheckoutNew("tmp")
	g.WriteFile("c.txt", onTag)
	tagCommit := g.Commit("tagged only")
	g.Tag("v1")
	g.WriteFile("d.txt", onAnnotated)
	annCommit := g.Commit("annotated only")
	g.TagAnnotated("v2", "release 2", "HEAD")
	g.Checkout("main")
	g.Git("branch", "-D", "tmp")

	r, c := scanRepo(t, g.Dir, Options{})
	wantCommit(t, firstLoc(t, r, one(t, c, onBranch)), branchCommit, "b.txt")
	wantCommit(t, firstLoc(t, r, one(t, c, onTag)), tagCommit, "c.txt")
	wantCommit(t, firstLoc(t, r, one(t, c, onAnnotated)), annCommit, "d.txt")
}

func TestMergeResolutionIsAttributedToTheMerge(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("MERGE")
	g.WriteFile("conf", "base\n")
	g.Commit("init")
	g.CheckoutNew("side")
	g.WriteFile("conf", "side\n")
	g.Commit("side change")
	g.Checkout("main")
	g.WriteFile("conf", "main\n")
	g.Commit("main change")
	merge := g.Merge("side", "merge side", func() {
		g.WriteFile("conf", "resolved "+tok+"\n")
	})
	r, c := scanRepo(t, g.Dir, Options{})
	wantCommit(t, firstLoc(t, r, one(t, c, tok)), merge, "conf")
}

func TestRenamedFileKeepsFirstCommitAndAddsNewPath(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("RENAME")
	g.WriteFile("old/name.txt", "key "+tok+"\n")
	first := g.Commit("add")
	g.Git("mv", "old", "new")
	renamed := g.Commit("rename")
	r, c := scanRepo(t, g.Dir, Options{})
	it := one(t, c, tok)
	locs := r.Locations(it.Origin.BlobID)
	if len(locs) != 2 {
		t.Fatalf("locations = %+v, want 2", locs)
	}
	wantCommit(t, locs[0], first, "old/name.txt")
	wantCommit(t, locs[1], renamed, "new/name.txt")
}

func TestRevertedCommit(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("REVERT")
	g.WriteFile("x", "one\n")
	g.Commit("init")
	g.WriteFile("x", "one\n"+tok+"\n")
	bad := g.Commit("oops")
	g.Revert("HEAD")
	r, c := scanRepo(t, g.Dir, Options{})
	wantCommit(t, firstLoc(t, r, one(t, c, tok)), bad, "x")
}

func TestResetHardNeedsAllObjects(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok, loose := fakeToken("RESET"), fakeToken("DANGLING")
	g.WriteFile("x", "one\n")
	base := g.Commit("init")
	g.WriteFile("secret.txt", tok)
	lost := g.Commit("leak")
	g.ResetHard(base)
	g.ExpireReflogs()
	blob := g.HashObject(loose) // a blob in no tree at all

	r, c := scanRepo(t, g.Dir, Options{})
	unreported(t, r, c, tok)
	unreported(t, r, c, loose)
	if st := r.Stats(); st.Unreachable != 0 || st.Blobs != 1 {
		t.Fatalf("stats %+v: want 1 blob, none unreachable", st)
	}

	for _, packed := range []bool{false, true} {
		if packed {
			g.GC() // prune=never: the unreachable objects move into packs
		}
		r, c := scanRepo(t, g.Dir, Options{AllObjects: true})
		it := one(t, c, tok)
		loc := firstLoc(t, r, it)
		wantCommit(t, loc, lost, "secret.txt")
		if !loc.Unreachable {
			t.Fatalf("location %+v not unreachable", loc)
		}
		d := one(t, c, loose)
		if dl := firstLoc(t, r, d); d.Origin.BlobID != blob || !dl.Unreachable || dl.Commit != nil {
			t.Fatalf("dangling blob location = %+v", dl)
		}
		if st := r.Stats(); st.Unreachable != 2 {
			t.Fatalf("packed=%v: stats %+v, want 2 unreachable blobs", packed, st)
		}
	}
}

func TestPackedAndLooseObjects(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	packedTok, looseTok := fakeToken("PACKED"), fakeToken("LOOSE")
	g.WriteFile("p.txt", packedTok)
	pc := g.Commit("packed")
	g.Repack()
	g.WriteFile("l.txt", looseTok)
	lc := g.Commit("loose")
	lb := g.BlobID("HEAD", "l.txt")
	if _, err := os.Stat(g.LooseObjectPath(lb)); err != nil {
		t.Fatalf("blob not loose: %v", err)
	}
	if len(g.Packs()) != 1 {
		t.Fatalf("want one pack")
	}
	r, c := scanRepo(t, g.Dir, Options{})
	wantCommit(t, firstLoc(t, r, one(t, c, packedTok)), pc, "p.txt")
	wantCommit(t, firstLoc(t, r, one(t, c, looseTok)), lc, "l.txt")
}

// bigText is deterministic text that delta-compresses well.
func bigText(lines int) string {
	var b strings.Builder
	for i := 0; i < lines; i++ {
		b.WriteString("line ")
		b.WriteString(strings.Repeat(string(rune('a'+i%26)), 20+i%17))
		b.WriteString("\n")
	}
	return b.String()
}

func TestDeltaBlobWhoseBaseLacksTheSecret(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("DELTA")
	text := bigText(4000)
	g.WriteFile("big.txt", text)
	g.Commit("big")
	g.WriteFile("big.txt", text+"token="+tok+"\n")
	leak := g.Commit("append")
	// And more versions, for a longer chain.
	for i := 0; i < 5; i++ {
		g.AppendFile("big.txt", bigText(10+i))
		g.Commit("more")
	}
	g.Repack("-a", "-d", "-f", "--depth=50", "--window=250")
	leakBlob := g.BlobID(leak, "big.txt")
	if !g.IsDelta(leakBlob) {
		t.Fatal("the leaking blob is not stored as a delta; the test proves nothing")
	}
	r, c := scanRepo(t, g.Dir, Options{Workers: 2})
	got := c.with(tok)
	if len(got) != 6 {
		t.Fatalf("%d blobs contain the token, want 6", len(got))
	}
	for _, it := range got {
		if it.Origin.BlobID == leakBlob {
			wantCommit(t, firstLoc(t, r, it), leak, "big.txt")
			return
		}
	}
	t.Fatal("leaking blob not yielded")
}

func TestEveryBlobOnceAcrossPacks(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	for i := 0; i < 20; i++ {
		g.WriteFile("f.txt", bigText(100+i))
		g.WriteFile("g.txt", bigText(50))
		g.Commit("c")
		if i%5 == 4 {
			g.Repack("-d") // incremental packs, some objects loose in between
		}
	}
	// A copy of every object in a second pack: duplicates across packs.
	g.Repack("-a")
	r, c := scanRepo(t, g.Dir, Options{Workers: 3})
	seen := map[string]int{}
	for _, it := range c.items {
		seen[it.Origin.BlobID]++
		if want := strings.TrimSpace(g.Git("cat-file", "-p", it.Origin.BlobID)); strings.TrimSpace(string(it.Data)) != want {
			t.Fatalf("blob %s content differs from git's", it.Origin.BlobID)
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("blob %s yielded %d times", id, n)
		}
	}
	want := g.Git("rev-list", "--all", "--objects", "--filter=object:type=blob")
	if n := len(strings.Fields(want)) / 2; n != len(seen) || int64(n) != r.Stats().Blobs {
		t.Fatalf("yielded %d blobs (stats %d), git has %d", len(seen), r.Stats().Blobs, n)
	}
}

// TestEveryBlobOnceOutsideTheBiggestPack: the scan records the biggest
// pack's blobs by their place in it and the others by id; a blob the
// biggest pack lacks, held by two small packs and loose as well, is still
// handed on once, with its path.
func TestEveryBlobOnceOutsideTheBiggestPack(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	for i := 0; i < 30; i++ {
		g.WriteFile(fmt.Sprintf("f%d.txt", i), bigText(20+i))
	}
	g.Commit("many")
	g.Repack("-a", "-d")
	tokX, tokY := fakeToken("OUTSIDEX"), fakeToken("OUTSIDEY")
	g.WriteFile("x.txt", tokX)
	g.WriteFile("y.txt", tokY)
	g.WriteFile("f0.txt", "changed")
	cx := g.Commit("new")
	x, y := g.BlobID("HEAD", "x.txt"), g.BlobID("HEAD", "y.txt")
	packDir := filepath.Join(g.GitDir, "objects", "pack", "pack")
	for _, ids := range []string{x + "\n" + y + "\n", x + "\n"} {
		if _, err := g.RunInput([]byte(ids), "pack-objects", "-q", packDir); err != nil {
			t.Fatal(err)
		}
	}
	if len(g.Packs()) != 3 {
		t.Fatalf("want three packs, have %d", len(g.Packs()))
	}
	if _, err := os.Stat(g.LooseObjectPath(x)); err != nil {
		t.Fatalf("blob not loose too: %v", err)
	}
	for _, opts := range []Options{{Workers: 2}, {Workers: 2, Excludes: []string{"nothing"}}} {
		r, c := scanRepo(t, g.Dir, opts)
		n := map[string]int{}
		for _, it := range c.items {
			n[it.Origin.BlobID]++
		}
		for id, k := range n {
			if k != 1 {
				t.Fatalf("blob %s yielded %d times", id, k)
			}
		}
		wantCommit(t, firstLoc(t, r, one(t, c, tokX)), cx, "x.txt")
		wantCommit(t, firstLoc(t, r, one(t, c, tokY)), cx, "y.txt")
		want := g.Git("rev-list", "--all", "--objects", "--filter=object:type=blob")
		if k := len(strings.Fields(want)) / 2; k != len(n) || int64(k) != r.Stats().Blobs {
			t.Fatalf("yielded %d blobs (stats %d), git has %d", len(n), r.Stats().Blobs, k)
		}
	}
}

func TestWorktreeFilesNotInHistory(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tracked, modified, untracked := fakeToken("TRACKED"), fakeToken("MODIFIED"), fakeToken("UNTRACKED")
	g.WriteFile("t.txt", tracked)
	g.WriteFile("m.txt", "clean\n")
	g.Commit("init")
	g.WriteFile("m.txt", "dirty "+modified)
	g.WriteFile("u.txt", untracked)
	r, c := scanRepo(t, g.Dir, Options{Worktree: &source.Dir{Root: g.Dir}})
	if it := one(t, c, tracked); it.Origin.Kind != "blob" {
		t.Fatalf("tracked file scanned as %+v, want only its blob", it.Origin)
	}
	for _, tok := range []string{modified, untracked} {
		it := one(t, c, tok)
		if it.Origin.Kind != "worktree" || it.Origin.BlobID == "" {
			t.Fatalf("origin = %+v, want worktree with blob id", it.Origin)
		}
	}
	if st := r.Stats(); st.Worktree != 2 {
		t.Fatalf("stats = %+v, want 2 worktree files", st)
	}
}

func TestBareRepository(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("BARE")
	g.WriteFile("k", tok)
	c1 := g.Commit("k")
	bare := filepath.Join(t.TempDir(), "bare.git")
	g.Git("clone", "-q", "--bare", g.Dir, bare)
	if !IsRepository(bare) || IsRepository(t.TempDir()) {
		t.Fatal("IsRepository wrong")
	}
	r, c := scanRepo(t, bare, Options{})
	wantCommit(t, firstLoc(t, r, one(t, c, tok)), c1, "k")
	if r.WorkDir != "" {
		t.Fatalf("WorkDir = %q for a bare repository", r.WorkDir)
	}
}

func TestCommitGraphGivesTheSameAnswer(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("GRAPH")
	g.WriteFile("a", "a")
	g.Commit("a")
	g.WriteFile("b", tok)
	leak := g.Commit("b")
	g.WriteFile("c", "c")
	g.Commit("c")
	g.WriteCommitGraph()
	if _, err := os.Stat(filepath.Join(g.GitDir, "objects", "info", "commit-graph")); err != nil {
		t.Fatal(err)
	}
	r, c := scanRepo(t, g.Dir, Options{})
	wantCommit(t, firstLoc(t, r, one(t, c, tok)), leak, "b")
	if st := r.Stats(); st.Commits != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestEmptyRepository(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	r, c := scanRepo(t, g.Dir, Options{})
	if len(c.items) != 0 || len(c.skipped) != 0 || r.Note() == "" {
		t.Fatalf("items %d skipped %v note %q", len(c.items), c.skipped, r.Note())
	}
}

func TestNotARepository(t *testing.T) {
	t.Parallel()
	if _, err := Open(t.TempDir(), Options{}); err == nil {
		t.Fatal("Open of a plain directory succeeded")
	}
}

func TestContextCancelStopsTheScan(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	g.WriteFile("a", "a")
	g.Commit("a")
	r, err := Open(g.Dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Scan(ctx, &collector{}); err == nil {
		t.Fatal("Scan with a cancelled context returned nil")
	}
}

func TestExcludedPathsAreNotScanned(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	inTestdata, both, kept := fakeToken("TESTDATA"), fakeToken("BOTH"), fakeToken("KEPT")
	g.WriteFile("testdata/fixture.txt", inTestdata)
	g.WriteFile("rules/builtin/x.yaml", both)
	g.WriteFile("src/copy.txt", both)
	g.WriteFile("src/main.go", kept)
	g.Commit("all")
	r, c := scanRepo(t, g.Dir, Options{Excludes: []string{"testdata/", "/rules/builtin/"}})
	none(t, c, inTestdata)
	one(t, c, kept)
	it := one(t, c, both)
	locs := r.Locations(it.Origin.BlobID)
	if it.Origin.Path != "src/copy.txt" || len(locs) != 1 || locs[0].Path != "src/copy.txt" {
		t.Fatalf("origin %+v locations %+v: want only src/copy.txt", it.Origin, locs)
	}
	if _, err := Open(g.Dir, Options{Excludes: []string{"a/[/b"}}); err == nil {
		t.Fatal("bad pattern accepted")
	}
}

func TestStashNotesAndRemoteTrackingRefs(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	stashed, noted, remote := fakeToken("STASH"), fakeToken("NOTE"), fakeToken("REMOTE")
	g.WriteFile("a", "a\n")
	g.Commit("a")
	g.CheckoutNew("feature")
	g.WriteFile("r", remote)
	g.Commit("remote branch")
	g.Checkout("main")

	clone := filepath.Join(t.TempDir(), "clone")
	g.Git("clone", "-q", g.Dir, clone)
	c := gittest.Open(t, clone, false)
	c.WriteFile("a", "changed "+stashed)
	c.Git("stash")
	c.Git("notes", "add", "-m", "note "+noted, "HEAD")
	if c.Git("branch", "--list", "feature") != "" {
		t.Fatal("feature should exist only as a remote-tracking ref")
	}
	r, col := scanRepo(t, clone, Options{})
	one(t, col, stashed)
	one(t, col, noted)
	one(t, col, remote)
	if st := r.Stats(); st.Refs < 4 {
		t.Fatalf("stats %+v: want main, origin/main, origin/feature, stash, notes", st)
	}
}

func TestRefDeltaPack(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("REFDELTA")
	text := bigText(3000)
	g.WriteFile("big.txt", text)
	g.WriteFile("dir/tree-churn.txt", "0")
	g.Commit("big")
	for i := 0; i < 6; i++ {
		g.AppendFile("big.txt", bigText(5+i))
		g.WriteFile("dir/tree-churn.txt", strings.Repeat("1", i+1))
		if i == 2 {
			g.AppendFile("big.txt", tok+"\n")
		}
		g.Commit("more")
	}
	// REF_DELTA entries name their base by id instead of by offset.
	g.Git("-c", "repack.useDeltaBaseOffset=false", "repack", "-q", "-a", "-d", "-f", "--depth=50", "--window=250")
	if !g.IsDelta(g.BlobID("HEAD", "big.txt")) && !g.IsDelta(g.BlobID("HEAD~6", "big.txt")) {
		t.Fatal("no delta in the pack; the test proves nothing")
	}
	refDeltas := 0
	for _, pk := range g.Packs() {
		p, err := gitobj.OpenPack(strings.TrimSuffix(pk, ".pack")+".idx", pk)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Table().Entries {
			if e.Hdr.Type == gitobj.TypeRefDelta {
				refDeltas++
			}
		}
		p.Close()
	}
	if refDeltas == 0 {
		t.Fatal("no REF_DELTA entries in the pack")
	}
	_, c := scanRepo(t, g.Dir, Options{})
	if n := len(c.with(tok)); n != 4 {
		t.Fatalf("%d blobs with the token, want 4", n)
	}
	for _, it := range c.items {
		if want := g.Git("cat-file", "-p", it.Origin.BlobID); strings.TrimSpace(string(it.Data)) != strings.TrimSpace(want) {
			t.Fatalf("blob %s differs from git's", it.Origin.BlobID)
		}
	}
	if len(c.skipped) != 0 {
		t.Fatalf("skipped %v", c.skipped)
	}
}

func TestAlternates(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("ALTERNATE")
	g.WriteFile("a", tok)
	first := g.Commit("a")
	g.Repack()
	clone := filepath.Join(t.TempDir(), "shared")
	g.Git("clone", "-q", "--shared", g.Dir, clone)
	if _, err := os.Stat(filepath.Join(clone, ".git", "objects", "info", "alternates")); err != nil {
		t.Fatal(err)
	}
	r, c := scanRepo(t, clone, Options{})
	wantCommit(t, firstLoc(t, r, one(t, c, tok)), first, "a")
	if len(c.skipped) != 0 {
		t.Fatalf("skipped %v", c.skipped)
	}
}

func TestSHA256RepositoryIsAClearError(t *testing.T) {
	t.Parallel()
	gittest.RequireGit(t)
	dir := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", "--object-format=sha256", dir).CombinedOutput(); err != nil {
		t.Skipf("git cannot make SHA-256 repositories here: %v %s", err, out)
	}
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("err = %v", err)
	}
}

func TestTaggedBlobAndSubmoduleEntry(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("TAGGEDBLOB")
	g.WriteFile("a", "a")
	g.Commit("a")
	blob := g.HashObject(tok)
	g.Git("tag", "blobtag", blob)
	// A submodule entry names a commit of another repository: nothing to read.
	g.Git("update-index", "--add", "--cacheinfo", "160000,"+strings.Repeat("1", 40)+",sub")
	g.CommitStaged("add submodule")
	r, c := scanRepo(t, g.Dir, Options{})
	it := one(t, c, tok)
	locs := r.Locations(it.Origin.BlobID)
	if len(locs) != 1 || locs[0].Path != "refs/tags/blobtag" || locs[0].Commit != nil || locs[0].Unreachable {
		t.Fatalf("locations %+v", locs)
	}
	if len(c.skipped) != 0 {
		t.Fatalf("skipped %v", c.skipped)
	}
}

func TestLinkedWorktree(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("WORKTREE")
	g.WriteFile("a", "a")
	g.Commit("a")
	g.CheckoutNew("side")
	g.WriteFile("s", tok)
	side := g.Commit("side")
	g.Checkout("main")
	wt := filepath.Join(t.TempDir(), "wt")
	g.Git("worktree", "add", "-q", wt, "side")
	r, c := scanRepo(t, wt, Options{})
	wantCommit(t, firstLoc(t, r, one(t, c, tok)), side, "s")
}
