package gitobj

import (
	"math/rand/v2"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestBaseCacheMaybe: the slot counters in front of the cache's map never
// hide an entry, through insertions, evictions and a slot that saturates
// (300 entries in one slot, then evicted one by one).
func TestBaseCacheMaybe(t *testing.T) {
	p1, p2 := &Pack{}, &Pack{}
	const size, n = 100, 300
	c := baseCache{max: size * n} // holds n entries
	var same []int64              // offsets sharing one slot
	for off := int64(0); len(same) < n; off++ {
		if maybeSlot(off) == 7 {
			same = append(same, off)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var other []int64
	for range 2 * n {
		other = append(other, rng.Int64N(1<<40))
	}
	check := func(when string, offs []int64) {
		t.Helper()
		for _, off := range offs {
			for _, p := range []*Pack{p1, p2} {
				k := baseKey{p, off}
				be, inMap := c.m[k]
				data, typ, ok := c.get(k)
				if ok != inMap {
					t.Fatalf("%s: get(%d) = %v, the map says %v", when, off, ok, inMap)
				}
				if ok && (&data[0] != &be.Value.(*baseEntry).data[0] || typ != plumbing.BlobObject) {
					t.Fatalf("%s: get(%d) returned another entry", when, off)
				}
			}
		}
	}
	check("empty", same)
	for i, off := range same {
		p := p1
		if i%3 == 0 {
			p = p2
		}
		c.put(baseKey{p, off}, make([]byte, size), plumbing.BlobObject)
	}
	check("saturated", same)
	// get moves what it finds to the front: evicting in the order of
	// insertion needs the counters read directly.
	for _, off := range other {
		c.put(baseKey{p1, off}, make([]byte, size), plumbing.BlobObject)
		for k := range c.m {
			if c.maybe[maybeSlot(k.off)] == 0 {
				t.Fatalf("entry at %d hidden by its slot's counter", k.off)
			}
		}
	}
	check("evicted", same)
	check("evicted", other)
	if len(c.m) != n || c.l.Len() != n {
		t.Fatalf("%d entries in the map, %d in the list, want %d", len(c.m), c.l.Len(), n)
	}
}
