package githistory

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj"
	"github.com/scour-dev/scour/internal/gittest"
)

// FuzzPack damages a real pack and reads it every way the scan does: a
// damaged pack must give errors, never a panic (which the reader would
// report as "internal error").
func FuzzPack(f *testing.F) {
	if testing.Short() {
		f.Skip("builds a repository")
	}
	g := gittest.Init(f)
	for i := 0; i < 4; i++ {
		g.WriteFile("a.txt", bigText(200+i*3))
		g.WriteFile("d/b.txt", strings.Repeat("b", i+1))
		g.Commit("c")
	}
	g.Repack("-a", "-d", "-f", "--depth=10")
	pk := g.Packs()[0]
	packData, err := os.ReadFile(pk)
	if err != nil {
		f.Fatal(err)
	}
	idxData, err := os.ReadFile(strings.TrimSuffix(pk, ".pack") + ".idx")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint32(0), byte(0), uint16(0))
	f.Add(uint32(12), byte(0xff), uint16(1))
	f.Add(uint32(len(packData)/2), byte(0x5a), uint16(8))
	f.Fuzz(func(t *testing.T, at uint32, x byte, n uint16) {
		data := bytes.Clone(packData)
		for i := int(at) % len(data); i < len(data) && n > 0; i, n = i+1, n-1 {
			data[i] ^= x
		}
		idx, err := gitobj.ParseIndex(idxData)
		if err != nil {
			t.Fatal(err)
		}
		p, err := gitobj.NewPack("fuzz.pack", data, idx)
		if err != nil {
			return
		}
		st := &gitobj.Store{Dirs: []string{t.TempDir()}, Packs: []*gitobj.Pack{p}}
		v := &packVisitor{
			want: func(plumbing.Hash) bool { return true },
			blob: func(context.Context, plumbing.Hash, []byte) error { return nil },
			fail: func(_ plumbing.Hash, err error, _ []plumbing.Hash) {
				if strings.Contains(err.Error(), "internal error") {
					t.Fatal(err)
				}
			},
			reader:  func() *gitobj.Reader { return st.NewReader(1<<20, 1<<20) },
			maxSize: 1 << 20,
			workers: 1,
		}
		if err := walkBlobs(context.Background(), p, v); err != nil {
			t.Fatal(err)
		}
		rd := st.NewReader(1<<20, 1<<20)
		for _, h := range p.Table().Hashes {
			if _, _, err := rd.Read(h); err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("reading %s: %v", h, err)
			}
		}
	})
}

func FuzzParseObjects(f *testing.F) {
	f.Add([]byte("100644 a.txt\x00aaaaaaaaaaaaaaaaaaaa40000 d\x00bbbbbbbbbbbbbbbbbbbb"))
	f.Add([]byte("tree " + strings.Repeat("a", 40) + "\nparent " + strings.Repeat("b", 40) + "\ncommitter A <a@b> 1577836800 +0000\n\nmsg"))
	f.Add([]byte("object " + strings.Repeat("c", 40) + "\ntype commit\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := parseTree(data, nil)
		checkCursor(t, data, entries, err)
		_, _ = parseCommitHeader(data)
		_, _ = parseTagTarget(data)
	})
}

// checkCursor checks, for any tree bytes, that entry sizes tile the tree
// and that readTreeDiff against an old tree, the same bytes less one
// entry, says what parsing it whole says (checkTreeDiff).
func checkCursor(t *testing.T, data []byte, entries []treeEntry, err error) {
	at := 0
	for _, e := range entries {
		at += e.size
	}
	if err == nil && at != len(data) {
		t.Fatalf("entry sizes add up to %d, tree has %d bytes", at, len(data))
	}
	if err != nil {
		return
	}
	for drop := range entries {
		start := 0
		for _, e := range entries[:drop] {
			start += e.size
		}
		old := append(append([]byte(nil), data[:start]...), data[start+entries[drop].size:]...)
		checkTreeDiff(t, old, data)
		checkTreeDiff(t, data, old)
	}
}

func holds(tree []byte, e *treeEntry) bool {
	for len(tree) > 0 {
		o, rest, ok := nextEntry(tree)
		if !ok {
			return false
		}
		if bytes.Equal(o.name, e.name) && o.kind == e.kind && o.hash == e.hash {
			return true
		}
		tree = rest
	}
	return false
}

func TestTreeDiffOrder(t *testing.T) {
	ent := func(mode, name string, id byte) string {
		return mode + " " + name + "\x00" + strings.Repeat(string(rune(id)), 20)
	}
	// git's order: "a.c" before the tree "a" (compared as "a/"), "a0" after.
	oldTree := ent("100644", "a.c", 'x') + ent("40000", "a", 'y') + ent("100644", "a0", 'z') + ent("100644", "b", 'w')
	newTree := ent("100644", "a.c", 'x') + ent("40000", "a", 'Y') + ent("100755", "a0", 'z') + ent("100644", "b", 'w') + ent("100644", "c", 'v')
	entries, err := parseTree([]byte(oldTree), nil)
	if err != nil {
		t.Fatal(err)
	}
	last := lastTree{data: []byte(oldTree)}
	at := 0
	for _, e := range entries {
		at += e.size
		last.ends = append(last.ends, int32(at))
	}
	h := &history{obj: oneTree(newTree)}
	d, err := h.readTreeDiff(plumbing.ZeroHash, 0, last, true)
	if err != nil {
		t.Fatal(err)
	}
	// a.c same; tree a changed; a0 changed mode only (same blob at the same
	// path: already recorded); b same; c new.
	var got []string
	for _, e := range d.changed {
		got = append(got, string(e.name))
	}
	if want := []string{"a", "c"}; !slices.Equal(got, want) {
		t.Fatalf("changed = %v, want %v", got, want)
	}
	checkTreeDiff(t, []byte(oldTree), []byte(newTree))
	checkTreeDiff(t, []byte(newTree), []byte(oldTree))
}
