package gitobj

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Index is a mapped version 2 pack index: a fanout table, the sorted
// object ids, and their offsets in the pack. Its shape is checked when
// opened, so lookups never read out of bounds.
type Index struct {
	data   []byte
	unmap  func() error
	n      int
	fanout [256]uint32
	large  int // entries of the 64-bit offset table
}

const (
	idxHeader = 8 + 256*4
	hashLen   = 20
)

// OpenIndex maps and checks a pack index file.
func OpenIndex(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	data, unmap, err := mapFile(f, st.Size())
	if err != nil {
		return nil, err
	}
	x, err := ParseIndex(data)
	if err != nil {
		unmap()
		return nil, &CorruptError{Where: path, Err: err}
	}
	x.unmap = unmap
	return x, nil
}

// ParseIndex reads an index from its bytes, which it keeps.
func ParseIndex(data []byte) (*Index, error) {
	if len(data) < idxHeader+2*hashLen || !bytes.Equal(data[:8], []byte("\xfftOc\x00\x00\x00\x02")) {
		return nil, fmt.Errorf("%w: not a version 2 pack index", ErrBadIndex)
	}
	x := &Index{data: data}
	prev := uint32(0)
	for i := range x.fanout {
		v := binary.BigEndian.Uint32(data[8+4*i:])
		if v < prev {
			return nil, fmt.Errorf("%w: fanout table not sorted", ErrBadIndex)
		}
		x.fanout[i], prev = v, v
	}
	n := int64(x.fanout[255])
	// Ids, CRCs and 32-bit offsets, then 64-bit offsets, then two checksums.
	fixed := idxHeader + n*(hashLen+4+4) + 2*hashLen
	rest := int64(len(data)) - fixed
	if rest < 0 || rest%8 != 0 {
		return nil, fmt.Errorf("%w: %d objects do not fit in %d bytes", ErrBadIndex, n, len(data))
	}
	x.n, x.large = int(n), int(rest/8)
	return x, nil
}

// Close unmaps the index.
func (x *Index) Close() error {
	if x.unmap == nil {
		return nil
	}
	err := x.unmap()
	x.unmap, x.data = nil, nil
	return err
}

// Len is the number of objects.
func (x *Index) Len() int { return x.n }

// Hash is the id of the i-th object in id order.
func (x *Index) Hash(i int) plumbing.Hash {
	var h plumbing.Hash
	copy(h[:], x.data[idxHeader+i*hashLen:])
	return h
}

// Offset is where the i-th object starts in the pack.
func (x *Index) Offset(i int) (int64, error) {
	at := idxHeader + x.n*(hashLen+4) + i*4
	off := binary.BigEndian.Uint32(x.data[at:])
	if off&0x80000000 == 0 {
		return int64(off), nil
	}
	k := int(off & 0x7fffffff)
	if k >= x.large {
		return 0, fmt.Errorf("%w: 64-bit offset %d of %d", ErrBadIndex, k, x.large)
	}
	v := binary.BigEndian.Uint64(x.data[idxHeader+x.n*(hashLen+8)+k*8:])
	if v > 1<<62 {
		return 0, fmt.Errorf("%w: offset %d", ErrBadIndex, v)
	}
	return int64(v), nil
}

// Find returns the position of id, by binary search within the range the
// fanout table gives for its first byte.
func (x *Index) Find(id plumbing.Hash) (int, bool) {
	lo := 0
	if id[0] > 0 {
		lo = int(x.fanout[id[0]-1])
	}
	hi := int(x.fanout[id[0]])
	// Ids are compared by their first 8 bytes as a number, which decides
	// all but the last step (bytes.Compare per step was a tenth of the
	// history walk's CPU: every commit and tree is found this way).
	key := binary.BigEndian.Uint64(id[:8])
	lo, hi = x.interpolate(id, key, lo, hi)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		at := idxHeader + m*hashLen
		k := binary.BigEndian.Uint64(x.data[at : at+8])
		c := 0
		switch {
		case k < key:
			c = -1
		case k > key:
			c = 1
		default:
			c = bytes.Compare(x.data[at+8:at+hashLen], id[8:])
		}
		switch {
		case c == 0:
			return m, true
		case c < 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	return 0, false
}

// FindPrefix appends to dst the ids that start with the hex digits of
// prefix (lower case, at most 40), stopping after max.
func (x *Index) FindPrefix(prefix string, dst []plumbing.Hash, max int) []plumbing.Hash {
	lo, ok := prefixBytes(prefix)
	if !ok {
		return dst
	}
	start := 0
	if lo[0] > 0 {
		start = int(x.fanout[lo[0]-1])
	}
	end := int(x.fanout[lo[0]])
	// Lower bound of lo within [start, end).
	for start < end {
		m := int(uint(start+end) >> 1)
		at := idxHeader + m*hashLen
		if bytes.Compare(x.data[at:at+hashLen], lo[:]) < 0 {
			start = m + 1
		} else {
			end = m
		}
	}
	for i := start; i < x.n && len(dst) < max; i++ {
		h := x.Hash(i)
		if !strings.HasPrefix(h.String(), prefix) {
			break
		}
		dst = append(dst, h)
	}
	return dst
}

// prefixBytes is the smallest id with the given hex prefix.
func prefixBytes(prefix string) (plumbing.Hash, bool) {
	var h plumbing.Hash
	if prefix == "" || len(prefix) > 40 {
		return h, false
	}
	full := prefix + strings.Repeat("0", 40-len(prefix))
	if _, err := hex.Decode(h[:], []byte(full)); err != nil {
		return h, false
	}
	return h, true
}
