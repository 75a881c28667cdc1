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

func (o oneTree) readPrefix(plumbing.Hash, int64) (plumbing.ObjectType, []byte, error) {
	return plumbing.TreeObject, o, nil
}

// checkTreeDiff checks that readTreeDiff of data against the last tree
// old says what parsing data whole says: the same error, the same count,
// the same entries (those it leaves out byte for byte old's), and that
// keepLast then holds data's true entry ends.
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
	var got []treeEntry
	got = append(got, oldEntries[:d.pre]...)
	got = append(got, d.entries...)
	if d.post >= 0 {
		got = append(got, oldEntries[d.post:]...)
	}
	same := func(a, b treeEntry) bool {
		return bytes.Equal(a.name, b.name) && a.hash == b.hash && a.kind == b.kind && a.size == b.size
	}
	if !slices.EqualFunc(got, want, same) {
		t.Fatalf("old %q new %q: entries %v, parsing whole %v", old, data, got, want)
	}
	// The entries left out are old's bytes at the same place from the
	// start or from the end.
	if !bytes.Equal(data[:d.lo], old[:d.lo]) {
		t.Fatalf("old %q new %q: prefix %d not shared", old, data, d.lo)
	}
	h.keepLast("", d, true, lastTree{data: old, ends: slices.Clone(last.ends)})
	var ends []int32
	at = 0
	for _, e := range want {
		at += e.size
		ends = append(ends, int32(at))
	}
	if kept := h.lastTree[""]; !slices.Equal(kept.ends, ends) || !bytes.Equal(kept.data, data) {
		t.Fatalf("old %q new %q: kept ends %v, want %v", old, data, kept.ends, ends)
	}
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
