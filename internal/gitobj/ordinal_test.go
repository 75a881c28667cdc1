package gitobj

import (
	"bytes"
	"cmp"
	"crypto/sha1"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestIDsSorted: an index as git writes it is sorted; one with an id out
// of order, or repeated (also when only the last 12 bytes tell them
// apart), is not.
func TestIDsSorted(t *testing.T) {
	ids := make([]plumbing.Hash, 1000)
	for i := range ids {
		ids[i] = sha1.Sum([]byte(fmt.Sprint(i)))
	}
	slices.SortFunc(ids, func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) })
	check := func(name string, ids []plumbing.Hash, want bool) {
		t.Helper()
		x, err := ParseIndex(makeIndex(ids))
		if err != nil {
			t.Fatal(err)
		}
		if got := x.IDsSorted(); got != want {
			t.Errorf("%s: IDsSorted() = %v, want %v", name, got, want)
		}
	}
	check("sorted", ids, true)
	check("empty", nil, true)
	check("one", ids[:1], true)
	check("repeated", append(slices.Clone(ids[:500]), ids[499:]...), false)
	swapped := slices.Clone(ids)
	swapped[10], swapped[11] = swapped[11], swapped[10]
	check("swapped", swapped, false)
	// Two ids sharing their first 8 bytes, in either order.
	a, b := ids[20], ids[20]
	b[19]++
	pair := append(slices.Clone(ids[:20]), a, b)
	pair = append(pair, ids[21:]...)
	check("same8", pair, bytes.Compare(ids[21][:], b[:]) > 0)
	pair[20], pair[21] = b, a
	check("same8 swapped", pair, false)
}

// TestSortByOffset: packed keys and the comparison sort (for offsets or
// positions too big to pack) order entries alike, ties by position.
func TestSortByOffset(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, maxOff := range []int64{1 << 20, 1<<40 - 1, 1 << 40, 1 << 62} {
		ents := make([]offEnt, 5000)
		for i := range ents {
			ents[i] = offEnt{rng.Int64N(maxOff), i}
			if i%7 == 0 && i > 0 {
				ents[i].off = ents[i-1].off // a damaged index: a shared offset
			}
		}
		rng.Shuffle(len(ents), func(i, j int) { ents[i], ents[j] = ents[j], ents[i] })
		want := slices.Clone(ents)
		slices.SortFunc(want, func(a, b offEnt) int {
			if a.off != b.off {
				return cmp.Compare(a.off, b.off)
			}
			return cmp.Compare(a.i, b.i)
		})
		sortByOffset(ents)
		if !slices.Equal(ents, want) {
			t.Fatalf("offsets below %d: sorted differently", maxOff)
		}
	}
	big := []offEnt{{5, 1 << packedIndexBits}, {3, 2}, {5, 1}}
	sortByOffset(big)
	if !slices.Equal(big, []offEnt{{3, 2}, {5, 1}, {5, 1 << packedIndexBits}}) {
		t.Fatalf("positions past %d bits: %v", packedIndexBits, big)
	}
}
