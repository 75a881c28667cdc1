package githistory

import (
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// seenSet records the blobs a scan handed on (with their size) or lost
// (size -1), for every worker at once: sharded by the id's first byte, so
// workers rarely wait on each other.
type seenSet struct {
	shards [64]struct {
		mu sync.Mutex
		m  map[plumbing.Hash]int64
	}
}

func (s *seenSet) shard(id plumbing.Hash) int { return int(id[0]) % len(s.shards) }

// add records id and reports whether it was new.
func (s *seenSet) add(id plumbing.Hash, size int64) bool {
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
	sh := &s.shards[s.shard(id)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	_, ok := sh.m[id]
	return ok
}

// scanned says whether id was handed on (not lost).
func (s *seenSet) scanned(id plumbing.Hash) bool {
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
}
