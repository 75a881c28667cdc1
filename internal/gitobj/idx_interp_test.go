package gitobj

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// makeIndex builds a version 2 index of ids (in the order given: unsorted
// ids make a damaged index), the i-th at offset 12+i.
func makeIndex(ids []plumbing.Hash) []byte {
	var b bytes.Buffer
	b.WriteString("\xfftOc\x00\x00\x00\x02")
	var fan [256]uint32
	for _, id := range ids {
		for j := int(id[0]); j < 256; j++ {
			fan[j]++
		}
	}
	for _, f := range fan {
		binary.Write(&b, binary.BigEndian, f)
	}
	for _, id := range ids {
		b.Write(id[:])
	}
	b.Write(make([]byte, 4*len(ids))) // CRCs
	for i := range ids {
		binary.Write(&b, binary.BigEndian, uint32(12+i))
	}
	b.Write(make([]byte, 2*hashLen))
	return b.Bytes()
}

// TestFindInterpolated: Find finds every id of large indexes, evenly
// spread (where interpolation guesses well) or crowded (ids that share
// long prefixes, or sit at one end of their first byte's range, where it
// guesses badly), and no id that is absent.
func TestFindInterpolated(t *testing.T) {
	hashes := func(n int, crowd func(*plumbing.Hash, int)) []plumbing.Hash {
		ids := make([]plumbing.Hash, n)
		for i := range ids {
			ids[i] = sha1.Sum([]byte(fmt.Sprint(i)))
			if crowd != nil {
				crowd(&ids[i], i)
			}
		}
		slices.SortFunc(ids, func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) })
		return slices.Compact(ids)
	}
	sets := map[string][]plumbing.Hash{
		"even":  hashes(200000, nil),
		"same8": hashes(5000, func(h *plumbing.Hash, _ int) { copy(h[:8], "abcdefgh") }),
		"same7": hashes(5000, func(h *plumbing.Hash, _ int) { copy(h[:7], "abcdefg") }),
		"skewed": hashes(50000, func(h *plumbing.Hash, i int) {
			h[0] = 7
			if i%100 != 0 {
				copy(h[1:5], []byte{0, 0, 0, 0})
			}
		}),
	}
	for name, ids := range sets {
		x, err := ParseIndex(makeIndex(ids))
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			if j, ok := x.Find(id); !ok || j != i {
				t.Fatalf("%s: Find(%s) = %d %v, want %d", name, id, j, ok, i)
			}
			absent := id
			absent[19] ^= 1
			if _, dup := slices.BinarySearchFunc(ids, absent, func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) }); !dup {
				if j, ok := x.Find(absent); ok {
					t.Fatalf("%s: Find(%s) = %d, not in the index", name, absent, j)
				}
			}
		}
	}
}

// TestFindUnsorted: a damaged index whose ids are out of order makes
// Find miss ids, never find a wrong one, read out of bounds or loop.
func TestFindUnsorted(t *testing.T) {
	ids := make([]plumbing.Hash, 3000)
	for i := range ids {
		ids[i] = sha1.Sum([]byte(fmt.Sprint(i)))
		ids[i][0] = 9
	}
	x, err := ParseIndex(makeIndex(ids))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if j, ok := x.Find(id); ok && x.Hash(j) != id {
			t.Fatalf("Find(%s) = %d, which holds %s", id, j, x.Hash(j))
		}
	}
}
