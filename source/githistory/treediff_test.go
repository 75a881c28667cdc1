package githistory

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// oneTree is a rawReader holding one tree object.
type oneTree []byte

func (o oneTree) read(plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	return plumbing.TreeObject, o, nil
}

func (o oneTree) readInto(plumbing.Hash, []byte) (plumbing.ObjectType, []byte, error) {
	return plumbing.TreeObject, o, nil
}

func (o oneTree) readPrefix(plumbing.Hash, int64) (plumbing.ObjectType, []byte, error) {
	return plumbing.TreeObject, o, nil
}

// checkTreeDiff checks that readTreeDiff of data against the last tree
// old says what parsing data whole says: the same error, the same count
// and entry ends, and as changed the entries old does not hold (in git's
// order; out of order, a subsequence of the entries that holds every one
// old does not hold), and that keepLast then holds data.
func checkTreeDiff(t *testing.T, old, data []byte) {
	oldEntries, err := parseTree(old, nil)
	if err != nil {
		return // a last tree always parsed
	}
	var last lastTree
	last.data = old
	at := 0
	for _, e := range oldEntries {
		at += e.size
		last.ends = append(last.ends, int32(at))
	}
	want, wantErr := parseTree(data, nil)
	h := &history{obj: oneTree(data), lastTree: map[string]lastTree{}, lastTreeMax: 1 << 30}
	d, err := h.readTreeDiff(plumbing.ZeroHash, 0, last, true)
	if (err == nil) != (wantErr == nil) || d.count != len(want) {
		t.Fatalf("old %q new %q: error %v count %d, parsing whole: %v %d", old, data, err, d.count, wantErr, len(want))
	}
	if err != nil {
		return
	}
	var ends []int32
	var notHeld []treeEntry
	at = 0
	for _, e := range want {
		at += e.size
		ends = append(ends, int32(at))
		if e.kind != entryGitlink && !holds(old, &e) {
			notHeld = append(notHeld, e)
		}
	}
	if !slices.Equal(d.ends, ends) {
		t.Fatalf("old %q new %q: ends %v, want %v", old, data, d.ends, ends)
	}
	same := func(a, b treeEntry) bool {
		return bytes.Equal(a.name, b.name) && a.hash == b.hash && a.kind == b.kind && a.size == b.size
	}
	if inOrder(oldEntries) && inOrder(want) {
		if !slices.EqualFunc(d.changed, notHeld, same) {
			t.Fatalf("old %q new %q: changed %v, want %v", old, data, d.changed, notHeld)
		}
	} else {
		// A subsequence of want holding every entry of notHeld.
		i, k := 0, 0
		for _, e := range want {
			if i < len(d.changed) && same(d.changed[i], e) {
				i++
				if k < len(notHeld) && same(notHeld[k], e) {
					k++
				}
			} else if k < len(notHeld) && same(notHeld[k], e) {
				t.Fatalf("old %q new %q: entry %q left out, not held", old, data, e.name)
			}
		}
		if i != len(d.changed) {
			t.Fatalf("old %q new %q: changed %v not entries of the tree", old, data, d.changed)
		}
	}
	h.treeBuf = make([][]byte, 1)
	h.keepLast("", 0, d, true, lastTree{data: old, ends: slices.Clone(last.ends)})
	if kept := h.lastTree[""]; !slices.Equal(kept.ends, ends) || !bytes.Equal(kept.data, data) {
		t.Fatalf("old %q new %q: kept ends %v, want %v", old, data, kept.ends, ends)
	}
}

// inOrder reports whether entries are in git's order, with no name twice.
func inOrder(entries []treeEntry) bool {
	for i := 1; i < len(entries); i++ {
		a, b := entries[i-1], entries[i]
		if gitCompare(a.name, a.kind, b.name, b.kind) >= 0 {
			return false
		}
	}
	return true
}

func treeEnt(mode, name string, id byte) string {
	return mode + " " + name + "\x00" + strings.Repeat(string(rune(id)), 20)
}

func treeDiffSeeds() [][2]string {
	var base, grown, edited, cut []string
	for i := range 12 {
		base = append(base, treeEnt("100644", fmt.Sprintf("f%02d", i), 'a'+byte(i)))
	}
	grown = append(append(append([]string{}, base[:5]...), treeEnt("100644", "f04x", 'z')), base[5:]...)
	edited = slices.Clone(base)
	edited[7] = treeEnt("100644", "f07", 'Z')
	cut = append(slices.Clone(base[:3]), base[4:]...)
	j := func(s []string) string { return strings.Join(s, "") }
	return [][2]string{
		{j(base), j(grown)}, {j(grown), j(base)}, {j(base), j(edited)}, {j(base), j(cut)},
		{j(base), j(base[:6])}, {j(base), j(base[6:])}, {"", j(base)}, {j(base), ""},
		{j(base), j(base) + "1"}, // a damaged entry after the shared ones
		// An entry of the new tree runs over the shared suffix's start.
		{j(base), j(base[:5]) + "100644 long\x00" + j(base[6:])},
		{j(base), j(edited[:7]) + "1\x00 x\x00" + strings.Repeat("q", 20) + j(base[8:])},
		// Changes far apart, an entry gone, one added, a mode changed.
		{j(base), j(edited[:2]) + j(edited[3:7]) + treeEnt("100644", "f06x", 'y') + j(edited[7:10]) + treeEnt("100755", "f10", 'k') + j(edited[11:])},
		{j(base), treeEnt("160000", "f00", 'a') + j(base[1:])},
		{j(base), treeEnt("40000", "f00", 'a') + j(base[1:])},
		{j(base), j(base[:4]) + j(base[:4]) + j(base[4:])}, // out of order
	}
}

func TestTreeDiff(t *testing.T) {
	for _, s := range treeDiffSeeds() {
		checkTreeDiff(t, []byte(s[0]), []byte(s[1]))
	}
}

func FuzzTreeDiff(f *testing.F) {
	for _, s := range treeDiffSeeds() {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, old, data []byte) {
		checkTreeDiff(t, old, data)
	})
}
