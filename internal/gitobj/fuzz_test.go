package gitobj_test

import (
	"testing"

	"github.com/scour-dev/scour/internal/gitobj"
	"github.com/scour-dev/scour/internal/gitobj/gitobjtest"
)

func FuzzApplyDelta(f *testing.F) {
	f.Add([]byte("hello world"), []byte{11, 5, 0x90, 5})        // copy 5 bytes from 0
	f.Add([]byte("abc"), []byte{3, 4, 0x91, 1, 2, 2, 'x', 'y'}) // copy + insert
	f.Add([]byte(""), []byte{0, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, base, delta []byte) {
		out, err := gitobj.ApplyDelta(base, delta, 1<<20)
		if err != nil {
			return
		}
		d, _ := gitobj.ParseDelta(delta)
		if uint64(len(out)) != d.DstSize {
			t.Fatalf("output %d bytes, delta says %d", len(out), d.DstSize)
		}
		// Rebuilding from the instructions gives the same bytes.
		var again []byte
		for op, ok := d.Next(); ok; op, ok = d.Next() {
			if op.Insert != nil {
				again = append(again, op.Insert...)
			} else {
				again = append(again, base[op.Off:op.Off+op.Len]...)
			}
		}
		if string(again) != string(out) {
			t.Fatal("instructions and ApplyDelta disagree")
		}
	})
}

// FuzzParseIndex fuzzes pack index parsing and lookups: a hostile index
// is an error or answers lookups, never a panic or a read out of bounds.
func FuzzParseIndex(f *testing.F) {
	_, idx, _ := gitobjtest.Pack([]gitobjtest.Object{
		{Type: gitobjtest.Blob, Data: []byte("a")},
		{Type: gitobjtest.Blob, Data: []byte("b")},
		{Type: gitobjtest.Tree, Data: []byte("")},
	})
	f.Add(idx)
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := gitobj.ParseIndex(data)
		if err != nil {
			return
		}
		for i := 0; i < x.Len(); i++ {
			id := x.Hash(i)
			_, _ = x.Offset(i)
			x.Find(id)
		}
		x.IDsSorted()
	})
}
