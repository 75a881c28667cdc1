package githistory

import (
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj"
)

// seenSet records the blobs a scan handed on (with their size) or lost
// (size -1), for every worker at once.
//
// The objects of one pack, the biggest (usePack), are recorded by their
// entry in its table: a bit each, and their size. Half a million objects
// are 70 KB of bits, which stay in the CPU's caches, where a map of their
// ids missed them on nearly every lookup (the pack walkers ask about every
// blob twice). Everything else (loose objects, objects of other packs that
// the big one lacks, and whatever was recorded before usePack) is keyed by
// id in shards of a map, split by the id's first byte so that workers
// rarely wait on each other. An object is in one place or the other, never
// both: ids are looked up in the big pack first.
type seenSet struct {
	pack  *gitobj.Pack
	table *gitobj.Table
	bits  []atomic.Uint64
	sizes []int64 // by table entry; valid where the bit is set

	shards [64]struct {
		mu sync.Mutex
		m  map[plumbing.Hash]int64
	}
}

// usePack makes p's objects recorded by table entry from now on. Not
// concurrently with anything else: objects recorded by id before that p
// holds move to the bits. A pack whose index repeats or misplaces ids
// (damaged or forged) is not used: one id could then be two entries.
func (s *seenSet) usePack(p *gitobj.Pack) {
	if s.pack != nil || !p.Index().IDsSorted() {
		return
	}
	t := p.Table()
	s.pack, s.table = p, t
	s.bits = make([]atomic.Uint64, (len(t.Entries)+63)/64)
	s.sizes = make([]int64, len(t.Entries))
	for k := range s.shards {
		sh := &s.shards[k]
		for id, size := range sh.m {
			if i, ok := s.entry(id); ok {
				s.addAt(i, size)
				delete(sh.m, id)
			}
		}
	}
}

// entry is id's entry in the table of usePack's pack, if it has one.
func (s *seenSet) entry(id plumbing.Hash) (int32, bool) {
	if s.pack == nil {
		return 0, false
	}
	off, ok := s.pack.Find(id)
	if !ok {
		return 0, false
	}
	i, ok := s.table.Lookup(off)
	// The table leaves out entries whose offset is damaged or repeated.
	return i, ok && s.table.Hashes[i] == id
}

// byEntry reports whether p's objects are recorded by table entry
// (addAt, hasAt).
func (s *seenSet) byEntry(p *gitobj.Pack) bool { return p != nil && p == s.pack }

// addAt records entry i of usePack's pack and reports whether it was new.
func (s *seenSet) addAt(i int32, size int64) bool {
	w, bit := &s.bits[i/64], uint64(1)<<(i%64)
	if w.Or(bit)&bit != 0 {
		return false
	}
	s.sizes[i] = size
	return true
}

func (s *seenSet) hasAt(i int32) bool {
	return s.bits[i/64].Load()&(uint64(1)<<(i%64)) != 0
}

func (s *seenSet) shard(id plumbing.Hash) int { return int(id[0]) % len(s.shards) }

// add records id and reports whether it was new.
func (s *seenSet) add(id plumbing.Hash, size int64) bool {
	if i, ok := s.entry(id); ok {
		return s.addAt(i, size)
	}
	sh := &s.shards[s.shard(id)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[id]; ok {
		return false
	}
	if sh.m == nil {
		sh.m = map[plumbing.Hash]int64{}
	}
	sh.m[id] = size
	return true
}

func (s *seenSet) has(id plumbing.Hash) bool {
	if i, ok := s.entry(id); ok {
		return s.hasAt(i)
	}
	sh := &s.shards[s.shard(id)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	_, ok := sh.m[id]
	return ok
}

// scanned says whether id was handed on (not lost); not concurrently
// with add.
func (s *seenSet) scanned(id plumbing.Hash) bool {
	if i, ok := s.entry(id); ok {
		return s.hasAt(i) && s.sizes[i] >= 0
	}
	sh := &s.shards[s.shard(id)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	size, ok := sh.m[id]
	return ok && size >= 0
}

// each calls fn for every id; not concurrently with add.
func (s *seenSet) each(fn func(id plumbing.Hash, size int64)) {
	for i := range s.shards {
		for id, size := range s.shards[i].m {
			fn(id, size)
		}
	}
	for k := range s.bits {
		for w := s.bits[k].Load(); w != 0; w &= w - 1 {
			i := k*64 + bits.TrailingZeros64(w)
			fn(s.table.Hashes[i], s.sizes[i])
		}
	}
}
