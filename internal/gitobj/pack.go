package gitobj

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// Object types as stored in a pack header.
const (
	TypeCommit   = int8(plumbing.CommitObject)
	TypeTree     = int8(plumbing.TreeObject)
	TypeBlob     = int8(plumbing.BlobObject)
	TypeTag      = int8(plumbing.TagObject)
	TypeOfsDelta = int8(plumbing.OFSDeltaObject)
	TypeRefDelta = int8(plumbing.REFDeltaObject)
)

// Base markers in Entry.Base.
const (
	NoBase       = -1 // a whole object
	ExternalBase = -2 // REF_DELTA whose base is not in this pack
	BadBase      = -3 // header could not be parsed
)

// MaxDeflateRatio bounds how much a zlib stream can inflate (deflate's best
// case is about 1032:1). A header claiming more than its compressed bytes
// can hold is corrupt, and nothing is allocated for it.
const MaxDeflateRatio = 1040

// Pack is a mapped pack file and its index. Safe for concurrent use.
type Pack struct {
	name  string
	data  []byte
	unmap func() error
	idx   *Index

	once  sync.Once
	table *Table

	// resident, when set, counts the bytes inflated from the mapping and
	// drops its pages from the process when they pass a limit (see
	// Store.LimitResident).
	resident *residency
}

// OpenPack maps a pack and its index and checks the pack's header.
func OpenPack(idxPath, packPath string) (*Pack, error) {
	idx, err := OpenIndex(idxPath)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(packPath)
	if err != nil {
		idx.Close()
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		idx.Close()
		return nil, err
	}
	data, unmap, err := mapFile(f, st.Size())
	if err != nil {
		idx.Close()
		return nil, err
	}
	p, err := NewPack(packPath, data, idx)
	if err != nil {
		unmap()
		idx.Close()
		return nil, err
	}
	p.unmap = unmap
	return p, nil
}

// NewPack makes a Pack of a pack's bytes and its index (for tests and
// fuzzing; OpenPack maps files).
func NewPack(name string, data []byte, idx *Index) (*Pack, error) {
	if len(data) < 12+hashLen || !bytes.Equal(data[:4], []byte("PACK")) {
		return nil, &CorruptError{Where: name, Err: fmt.Errorf("%w: no PACK signature", ErrBadPack)}
	}
	if v := binary.BigEndian.Uint32(data[4:8]); v != 2 && v != 3 {
		return nil, &CorruptError{Where: name, Err: fmt.Errorf("%w: unsupported version %d", ErrBadPack, v)}
	}
	return &Pack{name: name, data: data, idx: idx}, nil
}

// Name is the pack file's path.
func (p *Pack) Name() string { return p.name }

// Index is the pack's index.
func (p *Pack) Index() *Index { return p.idx }

// Close unmaps the pack and its index.
func (p *Pack) Close() error {
	var err error
	if p.unmap != nil {
		err = p.unmap()
		p.unmap = nil
	}
	p.data = nil
	if e := p.idx.Close(); err == nil {
		err = e
	}
	return err
}

// Header is an entry's header, read at its offset.
type Header struct {
	Type   int8  // as stored: a whole type or a delta type
	Size   int64 // inflated size of the entry's data (the delta payload, for deltas)
	Data   int64 // offset of the zlib stream
	BaseAt int64 // OFS_DELTA: offset of the base
	BaseID plumbing.Hash
}

// HeaderAt reads the header of the entry at off, which must end before end
// (the next entry, or the trailer).
func (p *Pack) HeaderAt(off, end int64) (Header, error) {
	var h Header
	trailer := int64(len(p.data) - hashLen)
	end = min(end, trailer)
	if off < 12 || off >= end {
		return h, ErrBadHeader
	}
	b := p.data[off:end]
	c := b[0]
	h.Type = int8((c >> 4) & 7)
	size := int64(c & 0x0f)
	n, shift := 1, uint(4)
	for c&0x80 != 0 {
		if n >= len(b) || shift > 56 {
			return h, ErrBadHeader
		}
		c = b[n]
		n++
		size |= int64(c&0x7f) << shift
		shift += 7
	}
	h.Size = size
	switch h.Type {
	case TypeCommit, TypeTree, TypeBlob, TypeTag:
	case TypeOfsDelta:
		if n >= len(b) {
			return h, ErrBadHeader
		}
		c = b[n]
		n++
		rel := int64(c & 0x7f)
		for c&0x80 != 0 {
			if n >= len(b) || rel > 1<<48 {
				return h, ErrBadHeader
			}
			c = b[n]
			n++
			rel = ((rel + 1) << 7) | int64(c&0x7f)
		}
		if rel <= 0 || rel > off-12 {
			return h, fmt.Errorf("%w: delta base offset out of the pack", ErrBadHeader)
		}
		h.BaseAt = off - rel
	case TypeRefDelta:
		if n+hashLen > len(b) {
			return h, ErrBadHeader
		}
		copy(h.BaseID[:], b[n:n+hashLen])
		n += hashLen
	default:
		return h, fmt.Errorf("%w: unknown object type %d", ErrBadHeader, h.Type)
	}
	h.Data = off + int64(n)
	if h.Data >= end {
		return h, ErrBadHeader
	}
	if comp := end - h.Data; h.Size > comp*MaxDeflateRatio+64 {
		return h, fmt.Errorf("%w: size %d cannot come from %d compressed bytes", ErrBadHeader, h.Size, comp)
	}
	return h, nil
}

// Inflate inflates the entry data at h into exactly h.Size bytes.
func (p *Pack) Inflate(z *Inflater, h Header, dst []byte) ([]byte, error) {
	out, err := z.Inflate(p.data[h.Data:len(p.data)-hashLen], h.Size, dst)
	if p.resident != nil {
		p.resident.add(h.Size)
	}
	return out, err
}

// Find returns the offset of object id in the pack.
func (p *Pack) Find(id plumbing.Hash) (int64, bool) {
	i, ok := p.idx.Find(id)
	if !ok {
		return 0, false
	}
	off, err := p.idx.Offset(i)
	return off, err == nil
}

func (p *Pack) where(off int64) string {
	return fmt.Sprintf("%s offset %d", filepath.Base(p.name), off)
}

// Entry is one object of a pack's table.
type Entry struct {
	Off  int64 // start of the entry
	End  int64 // end of the entry (start of the next one)
	Hdr  Header
	Base int32 // index of the delta base in the table, or a marker
	Type int8  // resolved type: commit, tree, blob or tag (0: unknown)
}

// Table is every entry of a pack in offset order, with its delta tree:
// each entry's base and children. Read-only once built.
type Table struct {
	Entries  []Entry
	Hashes   []plumbing.Hash
	Problems []string // damaged entries, found while building
	Orphans  int      // deltas that no whole object reaches
	kids     []int32  // delta children, grouped by base (CSR)
	kidsAt   []int32  // kids of i are kids[kidsAt[i]:kidsAt[i+1]]
}

// Children are the entries that are deltas of entry i.
func (t *Table) Children(i int32) []int32 { return t.kids[t.kidsAt[i]:t.kidsAt[i+1]] }

// IsBase reports whether some entry is a delta of entry i.
func (t *Table) IsBase(i int32) bool { return t.kidsAt[i+1] > t.kidsAt[i] }

// Lookup returns the table index of the entry at off.
func (t *Table) Lookup(off int64) (int32, bool) {
	j, ok := slices.BinarySearchFunc(t.Entries, off, func(e Entry, off int64) int { return cmp.Compare(e.Off, off) })
	return int32(j), ok
}

// Table reads every entry header once (on first call) and links the delta
// tree. Entries whose header is damaged have Base BadBase and are listed
// in Problems.
func (p *Pack) Table() *Table {
	p.once.Do(func() { p.table = p.buildTable() })
	return p.table
}

// offEnt is an index entry (its position i) at its offset in the pack.
type offEnt struct {
	off int64
	i   int
}

// packedIndexBits is how many low bits of a packed sort key hold the
// entry's position in the index (sortByOffset).
const packedIndexBits = 24

// sortByOffset sorts ents by offset; entries at the same offset (a
// damaged index) by position.
func sortByOffset(ents []offEnt) {
	var maxOff int64
	maxI := 0
	for _, e := range ents {
		maxOff, maxI = max(maxOff, e.off), max(maxI, e.i)
	}
	if maxI >= 1<<packedIndexBits || maxOff >= 1<<(64-packedIndexBits) || maxOff < 0 {
		slices.SortFunc(ents, func(a, b offEnt) int { return cmp.Or(cmp.Compare(a.off, b.off), cmp.Compare(a.i, b.i)) })
		return
	}
	// Sorted as numbers (the offset above the position), without a
	// comparison function: it took a fifth of building a table.
	keys := make([]uint64, len(ents))
	var most uint64
	for k, e := range ents {
		keys[k] = uint64(e.off)<<packedIndexBits | uint64(e.i)
		most |= keys[k]
	}
	keys = radixSort(keys, most)
	for k, key := range keys {
		ents[k] = offEnt{int64(key >> packedIndexBits), int(key & (1<<packedIndexBits - 1))}
	}
}

// radixSort sorts keys, all of whose bits lie in most: least significant
// digit first, 11 bits a pass, as many passes as most needs (five for the
// keys of a pack under 2 GiB), where slices.Sort took about 40 ms for the
// half million objects of a large repository. It may return the other
// buffer.
func radixSort(keys []uint64, most uint64) []uint64 {
	const digit = 11
	tmp := make([]uint64, len(keys))
	for shift := uint(0); shift < 64 && most>>shift != 0; shift += digit {
		var count [1 << digit]int
		for _, k := range keys {
			count[k>>shift&(1<<digit-1)]++
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, k := range keys {
			d := k >> shift & (1<<digit - 1)
			tmp[count[d]] = k
			count[d]++
		}
		keys, tmp = tmp, keys
	}
	return keys
}

func (p *Pack) buildTable() *Table {
	t := &Table{}
	n := p.idx.Len()
	t.Entries = make([]Entry, 0, n)
	t.Hashes = make([]plumbing.Hash, 0, n)
	ents := make([]offEnt, 0, n)
	for i := 0; i < n; i++ {
		off, err := p.idx.Offset(i)
		if err != nil {
			t.Problems = append(t.Problems, fmt.Sprintf("object %s: %v", p.idx.Hash(i), err))
			continue
		}
		ents = append(ents, offEnt{off, i})
	}
	sortByOffset(ents)
	// offs are the entries' offsets, in a slice of their own while the
	// table is built: linkBase's binary searches touch a tenth of the
	// memory they would in Entries.
	// The ids are copied afterwards in the index's order, each to its
	// entry (rank): reading them in offset order was a cache miss per id.
	offs := make([]int64, 0, len(ents))
	rank := make([]int32, n)
	for i := range rank {
		rank[i] = -1
	}
	prev := 0
	for _, e := range ents {
		if k := len(t.Entries); k > 0 && t.Entries[k-1].Off == e.off {
			t.Problems = append(t.Problems, fmt.Sprintf("objects %s and %s at the same offset %d", p.idx.Hash(prev), p.idx.Hash(e.i), e.off))
			continue
		}
		prev = e.i
		rank[e.i] = int32(len(t.Entries))
		t.Entries = append(t.Entries, Entry{Off: e.off})
		offs = append(offs, e.off)
	}
	t.Hashes = t.Hashes[:len(t.Entries)]
	for i, r := range rank {
		if r >= 0 {
			t.Hashes[r] = p.idx.Hash(i)
		}
	}
	if c := binary.BigEndian.Uint32(p.data[8:12]); int(c) != n {
		t.Problems = append(t.Problems, fmt.Sprintf("pack header says %d objects, index has %d", c, n))
	}
	trailer := int64(len(p.data) - hashLen)
	for i := range t.Entries {
		e := &t.Entries[i]
		e.End = trailer
		if i+1 < len(t.Entries) {
			e.End = t.Entries[i+1].Off
		}
		e.Base = NoBase
		h, err := p.HeaderAt(e.Off, e.End)
		if err == nil {
			err = t.linkBase(p, offs, i, h)
		}
		if err != nil {
			e.Base = BadBase
			t.Problems = append(t.Problems, fmt.Sprintf("object %s at offset %d: %v", t.Hashes[i], e.Off, err))
			continue
		}
		e.Hdr = h
	}
	t.link()
	return t
}

// linkBase sets entry i's base from its header h; offs are the entries'
// offsets.
func (t *Table) linkBase(p *Pack, offs []int64, i int, h Header) error {
	e := &t.Entries[i]
	switch h.Type {
	case TypeOfsDelta:
		// A base comes before its delta; a quarter of them (terraform)
		// just before.
		j := i - 1
		if j < 0 || offs[j] != h.BaseAt {
			k, ok := slices.BinarySearch(offs[:max(j, 0)], h.BaseAt)
			if !ok {
				return fmt.Errorf("%w: delta base offset %d is not an object", ErrBadHeader, h.BaseAt)
			}
			j = k
		}
		e.Base = int32(j)
	case TypeRefDelta:
		e.Base = ExternalBase
		if off, ok := p.Find(h.BaseID); ok {
			if j, ok := slices.BinarySearch(offs, off); ok && j != i {
				e.Base = int32(j)
			}
		}
	default:
		e.Type = h.Type
	}
	return nil
}

// link builds the children lists and gives every delta its base's type.
// Deltas that no whole object reaches (cycles of REF_DELTAs) keep type 0.
func (t *Table) link() {
	n := len(t.Entries)
	t.kidsAt = make([]int32, n+1)
	for _, e := range t.Entries {
		if e.Base >= 0 {
			t.kidsAt[e.Base+1]++
		}
	}
	for i := 0; i < n; i++ {
		t.kidsAt[i+1] += t.kidsAt[i]
	}
	t.kids = make([]int32, t.kidsAt[n])
	fill := make([]int32, n)
	for i, e := range t.Entries {
		if b := e.Base; b >= 0 {
			t.kids[t.kidsAt[b]+fill[b]] = int32(i)
			fill[b]++
		}
	}
	var stack []int32
	for i, e := range t.Entries {
		if e.Base != NoBase {
			continue // external bases are typed when read
		}
		stack = append(stack[:0], int32(i))
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, k := range t.Children(j) {
				t.Entries[k].Type = t.Entries[j].Type
				stack = append(stack, k)
			}
		}
	}
	for _, e := range t.Entries {
		if e.Type == 0 && e.Base >= 0 {
			t.Orphans++
		}
	}
}
