package gitobj_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj"
	"github.com/scour-dev/scour/internal/gitobj/gitobjtest"
	"github.com/scour-dev/scour/internal/gittest"
)

func bare(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := gitobjtest.InitBare(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func open(t *testing.T, gitDir string) *gitobj.Store {
	t.Helper()
	st := gitobj.OpenStore(gitobj.ObjectDirs(gitDir))
	t.Cleanup(func() { st.Close() })
	if len(st.Problems) > 0 {
		t.Fatalf("problems: %v", st.Problems)
	}
	return st
}

// TestReaderAgreesWithGit reads every object of a repository with delta
// chains (offset and ref deltas) and loose objects, and compares each with
// git cat-file.
func TestReaderAgreesWithGit(t *testing.T) {
	t.Parallel()
	g := gittest.Init(t)
	body := strings.Repeat("a line of text that deltas well\n", 200)
	for i := 0; i < 12; i++ {
		g.WriteFile("dir/file.txt", body+fmt.Sprintf("version %d\n", i))
		g.WriteFile(fmt.Sprintf("dir/n%d.txt", i), "x\n")
		g.Commit(fmt.Sprintf("c%d", i))
	}
	g.Git("-c", "repack.useDeltaBaseOffset=false", "repack", "-adfq", "--depth=50", "--window=50")
	g.WriteFile("loose.txt", "loose object\n")
	g.Commit("loose")

	st := open(t, g.GitDir)
	rd := st.NewReader(1<<20, 1<<20)
	// into reads every object into the buffer of the one before (ReadInto).
	into, buf := st.NewReader(1<<20, 1<<20), []byte(nil)
	cmd := exec.Command("git", "cat-file", "--batch-all-objects", "--batch")
	cmd.Dir = g.Dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(bytes.NewReader(out))
	n := 0
	for {
		hdr, err := br.ReadString('\n')
		if err == io.EOF {
			break
		}
		f := strings.Fields(hdr)
		size, _ := strconv.Atoi(f[2])
		want := make([]byte, size+1)
		io.ReadFull(br, want)
		want = want[:size]
		typ, got, err := rd.Read(plumbing.NewHash(f[0]))
		if err != nil {
			t.Fatalf("%s: %v", f[0], err)
		}
		if typ.String() != f[1] || !bytes.Equal(got, want) {
			t.Errorf("%s: got %s of %d bytes, git has %s of %d", f[0], typ, len(got), f[1], size)
		}
		typ, buf, err = into.ReadInto(plumbing.NewHash(f[0]), buf)
		if err != nil || typ.String() != f[1] || !bytes.Equal(buf, want) {
			t.Errorf("%s: ReadInto got %s of %d bytes (%v), git has %s of %d", f[0], typ, len(buf), err, f[1], size)
		}
		n++
	}
	if n < 40 {
		t.Errorf("only %d objects read", n)
	}
	refs := 0
	for _, p := range st.Packs {
		for _, e := range p.Table().Entries {
			if e.Hdr.Type == gitobj.TypeRefDelta {
				refs++
			}
		}
	}
	if refs < 10 {
		t.Errorf("only %d REF_DELTA entries: the test does not exercise delta resolution", refs)
	}
}

func wantCorrupt(t *testing.T, err, cause error) {
	t.Helper()
	var ce *gitobj.CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, cause) {
		t.Fatalf("err = %v, want a *CorruptError of %v", err, cause)
	}
}

// TestRefDeltaLoops: a REF_DELTA whose base is itself, and two that are
// each other's base across two packs, end with ErrDeltaCycle at once (no
// stack overflow, no walk to the chain bound). Other objects still read.
func TestRefDeltaLoops(t *testing.T) {
	t.Parallel()
	dir := bare(t)
	self := plumbing.NewHash(strings.Repeat("5e", 20))
	a := plumbing.NewHash(strings.Repeat("aa", 20))
	b := plumbing.NewHash(strings.Repeat("bb", 20))
	d := gitobjtest.Delta(3, 3, []byte("abc"))
	ok := []byte("a fine blob")
	if _, err := gitobjtest.WritePack(dir, []gitobjtest.Object{
		{Type: gitobjtest.Blob, Data: ok},
		{Type: gitobjtest.RefDelta, ID: self, BaseID: self, Data: d},
		{Type: gitobjtest.RefDelta, ID: a, BaseID: b, Data: d},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := gitobjtest.WritePack(dir, []gitobjtest.Object{
		{Type: gitobjtest.RefDelta, ID: b, BaseID: a, Data: d},
	}); err != nil {
		t.Fatal(err)
	}
	rd := open(t, dir).NewReader(1<<20, 1<<20)
	for _, id := range []plumbing.Hash{self, a, b} {
		_, _, err := rd.Read(id)
		wantCorrupt(t, err, gitobj.ErrDeltaCycle)
	}
	if _, data, err := rd.Read(gitobjtest.Hash(gitobjtest.Blob, ok)); err != nil || !bytes.Equal(data, ok) {
		t.Fatalf("the good blob: %q, %v", data, err)
	}
}

// TestSizesAreBoundedBeforeInflating: an object over the limit, and a
// delta whose own payload is over what any object within the limit needs,
// are *TooLargeError; a delta whose target is over the limit too.
func TestSizesAreBoundedBeforeInflating(t *testing.T) {
	t.Parallel()
	dir := bare(t)
	big := bytes.Repeat([]byte{'z'}, 3<<20)
	base := []byte("base")
	baseID := gitobjtest.Hash(gitobjtest.Blob, base)
	hugePayload := gitobjtest.Delta(4, 3<<20, big) // all inserts: payload over the limit
	hugeTarget := gitobjtest.Delta(4, 3<<20, [2]uint32{0, 4})
	ids, err := gitobjtest.WritePack(dir, []gitobjtest.Object{
		{Type: gitobjtest.Blob, Data: big},
		{Type: gitobjtest.Blob, Data: base},
		{Type: gitobjtest.OfsDelta, Base: 1, ID: plumbing.NewHash(strings.Repeat("01", 20)), Data: hugePayload},
		{Type: gitobjtest.RefDelta, BaseID: baseID, ID: plumbing.NewHash(strings.Repeat("02", 20)), Data: hugeTarget},
	})
	if err != nil {
		t.Fatal(err)
	}
	rd := open(t, dir).NewReader(1<<20, 1<<20)
	for i, id := range []plumbing.Hash{ids[0], ids[2], ids[3]} {
		_, _, err := rd.Read(id)
		var tl *gitobj.TooLargeError
		if !errors.As(err, &tl) || tl.Limit < 1<<20 {
			t.Fatalf("object %d: err = %v, want *TooLargeError", i, err)
		}
		if tl.Delta != (i == 1) {
			t.Errorf("object %d: Delta = %v", i, tl.Delta)
		}
	}
}

// TestLooseObjects: trailing bytes after the zlib stream are ignored (the
// content is intact and matches its id); a header claiming more than the
// limit is refused before anything is allocated; content that does not
// match the id, or is longer than its header, is corrupt.
func TestLooseObjects(t *testing.T) {
	t.Parallel()
	dir := bare(t)
	content := []byte("secret content")
	id := gitobjtest.Hash(gitobjtest.Blob, content)
	if err := gitobjtest.WriteLoose(dir, id, gitobjtest.LooseObject(gitobjtest.Blob, content), []byte("trailing garbage \x00\xff")); err != nil {
		t.Fatal(err)
	}
	bomb := plumbing.NewHash(strings.Repeat("b0", 20))
	gitobjtest.WriteLoose(dir, bomb, []byte("tree 4000000000\x00tiny"), nil)
	wrong := plumbing.NewHash(strings.Repeat("c0", 20))
	gitobjtest.WriteLoose(dir, wrong, gitobjtest.LooseObject(gitobjtest.Blob, content), nil)
	longer := gitobjtest.Hash(gitobjtest.Blob, []byte("ab"))
	gitobjtest.WriteLoose(dir, longer, []byte("blob 2\x00abc"), nil)

	rd := open(t, dir).NewReader(1<<20, 1<<20)
	if typ, data, err := rd.Read(id); err != nil || typ != plumbing.BlobObject || !bytes.Equal(data, content) {
		t.Fatalf("with trailing garbage: %v %q %v", typ, data, err)
	}
	if _, _, err := rd.Read(bomb); !gitobj.IsTooLarge(err) {
		t.Fatalf("loose bomb: err = %v, want too large", err)
	}
	// Its start can still be read, without inflating the rest.
	if typ, data, err := rd.ReadPrefix(bomb, 4); err != nil || typ != plumbing.TreeObject || string(data) != "tiny" {
		t.Fatalf("prefix of the bomb: %v %q %v", typ, data, err)
	}
	_, _, err := rd.Read(wrong)
	wantCorrupt(t, err, gitobj.ErrHash)
	_, _, err = rd.Read(longer)
	wantCorrupt(t, err, gitobj.ErrLonger)
	if _, _, err := rd.Read(plumbing.NewHash(strings.Repeat("dd", 20))); !errors.Is(err, gitobj.ErrNotFound) {
		t.Fatalf("absent: err = %v", err)
	}
}

// TestChainBound: an OFS_DELTA chain longer than MaxChain is refused.
func TestChainBound(t *testing.T) {
	t.Parallel()
	dir := bare(t)
	objs := []gitobjtest.Object{{Type: gitobjtest.Blob, Data: []byte("x")}}
	for i := 0; i <= gitobj.MaxChain+1; i++ {
		var id plumbing.Hash
		copy(id[:], fmt.Sprintf("%020d", i))
		objs = append(objs, gitobjtest.Object{Type: gitobjtest.OfsDelta, Base: i, ID: id, Data: gitobjtest.Delta(1, 1, [2]uint32{0, 1})})
	}
	ids, err := gitobjtest.WritePack(dir, objs)
	if err != nil {
		t.Fatal(err)
	}
	rd := open(t, dir).NewReader(1<<20, 0)
	_, _, err = rd.Read(ids[len(ids)-1])
	wantCorrupt(t, err, gitobj.ErrDeltaChain)
	if _, data, err := rd.Read(ids[100]); err != nil || string(data) != "x" {
		t.Fatalf("a chain of 100: %q %v", data, err)
	}
}

// TestRefChainBound: a chain of REF_DELTAs counts every hop against
// MaxChain (a reader that restarted its count at each hop would follow a
// hostile chain without end).
func TestRefChainBound(t *testing.T) {
	t.Parallel()
	dir := bare(t)
	base := []byte("x")
	objs := []gitobjtest.Object{{Type: gitobjtest.Blob, Data: base}}
	prev := gitobjtest.Hash(gitobjtest.Blob, base)
	for i := 0; i <= gitobj.MaxChain+1; i++ {
		var id plumbing.Hash
		copy(id[:], fmt.Sprintf("r%019d", i))
		objs = append(objs, gitobjtest.Object{Type: gitobjtest.RefDelta, BaseID: prev, ID: id, Data: gitobjtest.Delta(1, 1, [2]uint32{0, 1})})
		prev = id
	}
	if _, err := gitobjtest.WritePack(dir, objs); err != nil {
		t.Fatal(err)
	}
	// And a loop of 50 REF_DELTAs, past the length where the chain is
	// checked through a set.
	var loop []gitobjtest.Object
	for i := 0; i < 50; i++ {
		var id, base plumbing.Hash
		copy(id[:], fmt.Sprintf("L%019d", i))
		copy(base[:], fmt.Sprintf("L%019d", (i+1)%50))
		loop = append(loop, gitobjtest.Object{Type: gitobjtest.RefDelta, BaseID: base, ID: id, Data: gitobjtest.Delta(1, 1, [2]uint32{0, 1})})
	}
	if _, err := gitobjtest.WritePack(dir, loop); err != nil {
		t.Fatal(err)
	}
	rd := open(t, dir).NewReader(1<<20, 0)
	_, _, err := rd.Read(prev)
	wantCorrupt(t, err, gitobj.ErrDeltaChain)
	_, _, err = rd.Read(loop[7].ID)
	wantCorrupt(t, err, gitobj.ErrDeltaCycle)
	// The reader is still right afterwards.
	if _, data, err := rd.Read(gitobjtest.Hash(gitobjtest.Blob, base)); err != nil || string(data) != "x" {
		t.Fatalf("%q %v", data, err)
	}
}

func TestMissingIndexIsAProblem(t *testing.T) {
	t.Parallel()
	dir := bare(t)
	os.WriteFile(filepath.Join(dir, "objects", "pack", "pack-x.pack"), []byte("PACK"), 0o644)
	os.WriteFile(filepath.Join(dir, "objects", "pack", "pack-y.idx"), []byte("junk"), 0o644)
	st := gitobj.OpenStore(gitobj.ObjectDirs(dir))
	defer st.Close()
	if len(st.Problems) != 2 {
		t.Fatalf("problems = %v, want the pack without index and the bad index", st.Problems)
	}
}
