package gitobj

import (
	"bytes"
	"encoding/binary"

	"github.com/go-git/go-git/v5/plumbing"
)

// interpolate narrows [lo, hi), the entries that may hold id (whose first
// 8 bytes are key), before Find's binary search. Ids are hashes, spread
// evenly: the entry whose key is a given fraction of the way through its
// first byte's range of keys is about that fraction of the way from lo to
// hi. One guess, then steps away from it doubling in length until past
// id, leave a few entries, all within a page or two, where a binary
// search probes a dozen entries in as many pages of a mapped index of
// hundreds of thousands of ids (a TLB miss and a cache miss each: the
// history walk finds every commit and tree by id). Each probe narrows the
// range as a binary search step does, by comparing id with the entry
// probed, so the result is the same for any index, sorted or not, even
// or not.
func (x *Index) interpolate(id plumbing.Hash, key uint64, lo, hi int) (int, int) {
	if hi-lo <= 16 {
		return lo, hi
	}
	frac := float64(key&(1<<56-1)) / (1 << 56)
	m := lo + int(frac*float64(hi-lo))
	m = min(max(m, lo), hi-1)
	c := x.compare(m, id, key)
	if c == 0 {
		return m, m + 1
	}
	for step := 8; ; step *= 2 {
		if c < 0 {
			lo = m + 1
			m += step
			if m >= hi {
				return lo, hi
			}
		} else {
			hi = m
			m -= step
			if m < lo {
				return lo, hi
			}
		}
		d := x.compare(m, id, key)
		switch {
		case d == 0:
			return m, m + 1
		case d < 0 && c > 0:
			return m + 1, hi
		case d > 0 && c < 0:
			return lo, m
		}
	}
}

// compare compares the id of entry m with id (whose first 8 bytes are key).
func (x *Index) compare(m int, id plumbing.Hash, key uint64) int {
	at := idxHeader + m*hashLen
	k := binary.BigEndian.Uint64(x.data[at : at+8])
	switch {
	case k < key:
		return -1
	case k > key:
		return 1
	}
	return bytes.Compare(x.data[at+8:at+hashLen], id[8:])
}
