package gitobj

import (
	"bytes"
	"math/rand"
	"testing"
)

// applyByOps is the reference ApplyDelta: the instructions as Next yields
// them, appended.
func applyByOps(base, delta []byte) ([]byte, bool) {
	d, err := ParseDelta(delta)
	if err != nil || d.SrcSize != uint64(len(base)) {
		return nil, false
	}
	out := []byte{}
	for op, ok := d.Next(); ok; op, ok = d.Next() {
		if op.Insert != nil {
			out = append(out, op.Insert...)
		} else {
			out = append(out, base[op.Off:op.Off+op.Len]...)
		}
		if uint64(len(out)) > d.DstSize {
			return nil, false
		}
	}
	if d.Err() != nil || uint64(len(out)) != d.DstSize {
		return nil, false
	}
	return out, true
}

func appendLEB(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// randomDelta makes a delta of short and long copies and inserts, many of
// them at the ends of the base and of the target (where the word copies
// of ApplyDeltaFunc fall back to copy).
func randomDelta(r *rand.Rand, base []byte) []byte {
	var ops []byte
	size := 0
	for k := r.Intn(12); k >= 0; k-- {
		if r.Intn(2) == 0 || len(base) == 0 {
			n := 1 + r.Intn(20)
			if r.Intn(5) == 0 {
				n = 1 + r.Intn(127)
			}
			ops = append(ops, byte(n))
			for i := 0; i < n; i++ {
				ops = append(ops, byte(r.Intn(256)))
			}
			size += n
			continue
		}
		n := 1 + r.Intn(min(len(base), 24))
		if r.Intn(5) == 0 {
			n = 1 + r.Intn(len(base))
		}
		off := r.Intn(len(base) - n + 1)
		if r.Intn(3) == 0 {
			off = len(base) - n // at the end of the base
		}
		cmd := byte(0x80)
		var args []byte
		for i := 0; i < 4; i++ {
			if b := byte(off >> (8 * i)); b != 0 {
				cmd |= 1 << i
				args = append(args, b)
			}
		}
		for i := 0; i < 3; i++ {
			if b := byte(n >> (8 * i)); b != 0 {
				cmd |= 0x10 << i
				args = append(args, b)
			}
		}
		ops = append(append(ops, cmd), args...)
		size += n
	}
	d := appendLEB(appendLEB(nil, uint64(len(base))), uint64(size))
	return append(d, ops...)
}

// TestApplyDeltaMatchesOps: ApplyDeltaFunc builds what the instructions
// say, reports every copy, and refuses what the reference refuses: the
// delta cut anywhere, damaged anywhere, or with a wrong target size.
func TestApplyDeltaMatchesOps(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	var spare []byte
	for i := 0; i < 3000; i++ {
		base := make([]byte, r.Intn(100))
		if i%10 == 0 {
			base = make([]byte, r.Intn(70000))
		}
		r.Read(base)
		delta := randomDelta(r, base)
		variants := [][]byte{delta}
		for k := 0; k < 4; k++ {
			variants = append(variants, delta[:r.Intn(len(delta))])
			bad := bytes.Clone(delta)
			bad[r.Intn(len(bad))] ^= byte(1 << r.Intn(8))
			variants = append(variants, bad)
		}
		for _, v := range variants {
			want, ok := applyByOps(base, v)
			var copies [][3]uint64
			got, err := ApplyDeltaFunc(spare, base, v, 1<<20, func(dst, src, n uint64) {
				copies = append(copies, [3]uint64{dst, src, n})
			})
			if ok != (err == nil) || !bytes.Equal(got, want) {
				t.Fatalf("delta %x on %d bytes: err %v, reference ok %v, equal %v", v, len(base), err, ok, bytes.Equal(got, want))
			}
			if err != nil {
				continue
			}
			// Every copy reported is in the target where it says.
			for _, c := range copies {
				if !bytes.Equal(got[c[0]:c[0]+c[2]], base[c[1]:c[1]+c[2]]) {
					t.Fatalf("copy %v reported, not in the target", c)
				}
			}
			spare = got
		}
	}
}
