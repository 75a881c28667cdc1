package githistory

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/source"
)

func hasSkip(c *collector, reason, contains string) bool {
	for _, s := range c.skipped {
		if s.Reason == reason && strings.Contains(s.Path+" "+s.Detail, contains) {
			return true
		}
	}
	return false
}

func TestShallowCloneScansWhatIsThere(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	old, recent := fakeToken("OLD"), fakeToken("RECENT")
	g.WriteFile("a", old)
	g.Commit("old")
	for i := 0; i < 3; i++ {
		g.WriteFile("n", strings.Repeat("n", i+1))
		g.Commit("filler")
	}
	g.WriteFile("b", recent)
	leak := g.Commit("recent")
	clone := filepath.Join(t.TempDir(), "shallow")
	g.Git("clone", "-q", "--depth=2", "file://"+g.Dir, clone)

	r, c := scanRepo(t, clone, Options{})
	wantCommit(t, firstLoc(t, r, one(t, c, recent)), leak, "b")
	// The old blob is still in the shallow tip's tree, so it is scanned,
	// attributed to the boundary commit.
	one(t, c, old)
	if !hasSkip(c, ReasonShallow, "shallow boundary") {
		t.Fatalf("shallow clone not reported: %v", c.skipped)
	}
	if st := r.Stats(); st.Commits != 2 {
		t.Fatalf("stats %+v, want 2 commits", st)
	}
}

func TestDeletedPackIsReportedAndTheRestScanned(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	early, late := fakeToken("EARLY"), fakeToken("LATE")
	g.WriteFile("e", early)
	g.Commit("early")
	g.Repack() // pack 1: the early commit, its tree and blob
	g.WriteFile("l", late)
	lateCommit := g.Commit("late")
	g.Repack("-d") // pack 2: only the new objects
	packs := g.Packs()
	if len(packs) != 2 {
		t.Fatalf("%d packs, want 2", len(packs))
	}
	// Delete the pack holding the early blob.
	earlyBlob := g.BlobID("HEAD", "e")
	for _, p := range packs {
		out := g.Git("verify-pack", "-v", strings.TrimSuffix(p, ".pack")+".idx")
		if strings.Contains(out, earlyBlob) {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	r, c := scanRepo(t, g.Dir, Options{})
	wantCommit(t, firstLoc(t, r, one(t, c, late)), lateCommit, "l")
	none(t, c, early)
	if !hasSkip(c, ReasonMissing, ".pack") {
		t.Fatalf("deleted pack not reported: %v", c.skipped)
	}
	if !hasSkip(c, ReasonMissing, "commit") {
		t.Fatalf("missing history not reported: %v", c.skipped)
	}
}

func TestCorruptLooseObjectIsReportedAndTheRestScanned(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	good, bad := fakeToken("GOOD"), fakeToken("BAD")
	g.WriteFile("good", good)
	g.WriteFile("bad", bad)
	g.Commit("both")
	p := g.LooseObjectPath(g.BlobID("HEAD", "bad"))
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, []byte("x\x9c not zlib at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, c := scanRepo(t, g.Dir, Options{})
	one(t, c, good)
	none(t, c, bad)
	if !hasSkip(c, ReasonCorrupt, "bad") {
		t.Fatalf("corrupt object not reported: %v", c.skipped)
	}
}

func TestCorruptPackedBlobIsReportedAndTheRestScanned(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	good, bad := fakeToken("GOOD"), fakeToken("BAD")
	g.WriteFile("good", good)
	g.WriteFile("bad", bad+strings.Repeat("\npadding", 50))
	g.Commit("both")
	g.Repack()
	badBlob := g.BlobID("HEAD", "bad")
	pk := g.Packs()[0]
	// Find the blob's offset and flip bytes in its zlib stream.
	var off int64 = -1
	for _, line := range strings.Split(g.Git("verify-pack", "-v", strings.TrimSuffix(pk, ".pack")+".idx"), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && f[0] == badBlob {
			var n int64
			for _, ch := range f[4] {
				n = n*10 + int64(ch-'0')
			}
			off = n
		}
	}
	if off < 0 {
		t.Fatal("blob not in pack")
	}
	data, err := os.ReadFile(pk)
	if err != nil {
		t.Fatal(err)
	}
	for i := off + 6; i < off+16; i++ {
		data[i] ^= 0x5a
	}
	os.Chmod(pk, 0o644)
	if err := os.WriteFile(pk, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, c := scanRepo(t, g.Dir, Options{})
	one(t, c, good)
	none(t, c, bad)
	if !hasSkip(c, ReasonCorrupt, "bad") {
		t.Fatalf("corrupt blob not reported: %v", c.skipped)
	}
}

func TestBrokenRefIsReported(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	tok := fakeToken("REF")
	g.WriteFile("a", tok)
	g.Commit("a")
	ref := filepath.Join(g.GitDir, "refs", "heads", "broken")
	if err := os.WriteFile(ref, []byte(strings.Repeat("ab", 20)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, c := scanRepo(t, g.Dir, Options{})
	one(t, c, tok)
	if !hasSkip(c, ReasonBrokenRef, "refs/heads/broken") {
		t.Fatalf("broken ref not reported: %v", c.skipped)
	}
}

func TestNothingScannableIsAnError(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	g.WriteFile("a", "a")
	g.Commit("a")
	g.Repack()
	for _, p := range g.Packs() {
		os.Remove(p)
	}
	r, err := Open(g.Dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := &collector{}
	if err := r.Scan(context.Background(), c); err == nil {
		t.Fatalf("Scan of a repository without objects returned nil; skipped %v", c.skipped)
	}
	if len(c.skipped) == 0 {
		t.Fatal("nothing reported")
	}
}

func TestPartialCloneReportsMissingBlobs(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	g.Git("config", "uploadpack.allowFilter", "true")
	tok, small := fakeToken("BIGBLOB"), fakeToken("SMALL")
	g.WriteFile("big", tok+strings.Repeat("z", 5000))
	g.Commit("big")
	g.WriteFile("big", "gone")
	g.WriteFile("small", small)
	g.Commit("small")
	clone := filepath.Join(t.TempDir(), "partial")
	g.Git("clone", "-q", "--no-checkout", "--filter=blob:limit=1k", "file://"+g.Dir, clone)
	_, c := scanRepo(t, clone, Options{})
	one(t, c, small)
	none(t, c, tok)
	if !hasSkip(c, ReasonMissing, "big") {
		t.Fatalf("missing blob not reported: %v", c.skipped)
	}
}

// A blob whose stored copy is corrupt is lost from history, but the same
// content in the working tree is still there to scan: it must not be
// skipped as "already scanned as part of history".
func TestCorruptBlobStillInWorktreeIsScannedFromDisk(t *testing.T) {
	t.Parallel()
	g := newRepo(t)
	good, bad := fakeToken("GOOD"), fakeToken("BADONDISK")
	g.WriteFile("good", good)
	g.WriteFile("bad", bad)
	g.Commit("both")
	p := g.LooseObjectPath(g.BlobID("HEAD", "bad"))
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, []byte("x\x9c not zlib at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, c := scanRepo(t, g.Dir, Options{Worktree: &source.Dir{Root: g.Dir}})
	one(t, c, good)
	if it := one(t, c, bad); it.Origin.Kind != "worktree" || it.Origin.Path != "bad" {
		t.Fatalf("corrupt blob's working-tree copy yielded as %+v, want worktree file bad", it.Origin)
	}
	if !hasSkip(c, ReasonCorrupt, "bad") {
		t.Fatalf("corrupt object not reported: %v", c.skipped)
	}
}
