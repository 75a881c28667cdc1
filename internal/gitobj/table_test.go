package gitobj

import (
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj/gitobjtest"
)

// TestTableDuplicateOffset: an index that gives two ids one offset yields
// one entry there and a problem naming both (and one for the pack's
// count of objects, which the index exceeds); the delta tree, ids and
// types of the rest are as in the pack.
func TestTableDuplicateOffset(t *testing.T) {
	a := []byte("the base blob, some text\n")
	objs := []gitobjtest.Object{
		{Type: gitobjtest.Blob, Data: a},
		{Type: gitobjtest.Blob, Data: []byte("another blob\n")},
		// a -> "xyz" (insert 3 bytes), then "xyz" -> "xy" (copy 2).
		{Type: gitobjtest.OfsDelta, Base: 0, ID: plumbing.Hash{1}, Data: []byte{byte(len(a)), 3, 3, 'x', 'y', 'z'}},
		{Type: gitobjtest.OfsDelta, Base: 2, ID: plumbing.Hash{2}, Data: []byte{3, 2, 0x90, 2}},
		{Type: gitobjtest.Blob, Data: []byte("last\n")},
	}
	data, idx, ids := gitobjtest.Pack(objs)
	x, err := ParseIndex(idx)
	if err != nil {
		t.Fatal(err)
	}
	offs := make([]int64, len(ids))
	for i, id := range ids {
		j, ok := x.Find(id)
		if !ok {
			t.Fatal("id not in its index")
		}
		if offs[i], err = x.Offset(j); err != nil {
			t.Fatal(err)
		}
	}
	dup := plumbing.Hash{0xee}
	idx2 := gitobjtest.Index(append(slices.Clone(ids), dup), append(slices.Clone(offs), offs[1]), data[len(data)-20:])
	x2, err := ParseIndex(idx2)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPack("test", data, x2)
	if err != nil {
		t.Fatal(err)
	}
	tb := p.Table()
	if len(tb.Entries) != len(objs) || len(tb.Hashes) != len(objs) {
		t.Fatalf("%d entries, %d ids, want %d", len(tb.Entries), len(tb.Hashes), len(objs))
	}
	if len(tb.Problems) != 2 || !strings.Contains(tb.Problems[0], "same offset") || !strings.Contains(tb.Problems[1], "index has 6") ||
		!strings.Contains(tb.Problems[0], ids[1].String()) || !strings.Contains(tb.Problems[0], dup.String()) {
		t.Fatalf("problems %q", tb.Problems)
	}
	for i, e := range tb.Entries {
		if e.Off != offs[i] {
			t.Fatalf("entry %d at %d, want %d", i, e.Off, offs[i])
		}
		if i != 1 && tb.Hashes[i] != ids[i] || i == 1 && tb.Hashes[i] != ids[1] && tb.Hashes[i] != dup {
			t.Fatalf("entry %d: id %s, want %s", i, tb.Hashes[i], ids[i])
		}
		if e.Type != TypeBlob {
			t.Fatalf("entry %d: type %d", i, e.Type)
		}
	}
	if tb.Entries[2].Base != 0 || tb.Entries[3].Base != 2 || !slices.Equal(tb.Children(0), []int32{2}) || !slices.Equal(tb.Children(2), []int32{3}) {
		t.Fatalf("delta tree: bases %d %d, children %v %v", tb.Entries[2].Base, tb.Entries[3].Base, tb.Children(0), tb.Children(2))
	}
	var z Inflater
	for i, e := range tb.Entries {
		out, err := p.Inflate(&z, e.Hdr, nil)
		if err != nil || string(out) != string(objs[i].Data) {
			t.Fatalf("entry %d: %q, %v", i, out, err)
		}
	}
}
