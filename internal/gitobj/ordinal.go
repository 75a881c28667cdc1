package gitobj

import (
	"bytes"
	"encoding/binary"
)

// IDsSorted reports whether the index lists its ids in strictly
// increasing order, as git writes it: then every id is at one position
// only, and Find finds it. Only the fanout table is checked when an index
// is opened; a damaged or forged one may repeat or misplace ids, and
// callers that key objects by their place in a pack (rather than by id)
// check this first.
func (x *Index) IDsSorted() bool {
	ids := x.data[idxHeader : idxHeader+x.n*hashLen]
	for at := hashLen; at < len(ids); at += hashLen {
		a, b := binary.BigEndian.Uint64(ids[at-hashLen:]), binary.BigEndian.Uint64(ids[at:])
		if a > b || (a == b && bytes.Compare(ids[at-hashLen+8:at], ids[at+8:at+hashLen]) >= 0) {
			return false
		}
	}
	return true
}
