package githistory

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
)

// Object types as stored in a pack.
const (
	objCommit   = 1
	objTree     = 2
	objBlob     = 3
	objTag      = 4
	objOfsDelta = 6
	objRefDelta = 7
)

// Base markers in packObj.base.
const (
	noBase       = -1 // a whole object
	externalBase = -2 // REF_DELTA whose base is not in this pack
	badBase      = -3 // header could not be parsed
)

// maxDeflateRatio bounds how much a zlib stream can inflate (deflate's
// best case is about 1032:1). A header claiming more is corrupt, and we
// refuse to allocate for it.
const maxDeflateRatio = 1040

// packObj is one entry of a pack: where it is and what it is, read from its
// header only.
type packObj struct {
	off  int64 // start of the entry
	data int64 // start of its zlib stream
	end  int64 // end of the entry (start of the next one)
	size int64 // inflated size (of the delta, for deltas)
	base int32 // index of the delta base, or a marker
	typ  int8  // resolved type: commit, tree, blob or tag (0: unknown)
	raw  int8  // type in the header, deltas included
}

// pack is a mapped pack file with a table of its objects in offset order.
type pack struct {
	name    string
	data    []byte
	unmap   func() error
	objs    []packObj
	hashes  []plumbing.Hash
	ext     map[int32]plumbing.Hash // REF_DELTA bases outside the pack
	kids    []int32                 // delta children, grouped by base (CSR)
	kidsAt  []int32                 // kids of i are kids[kidsAt[i]:kidsAt[i+1]]
	bad     []string                // header problems found while indexing
	orphans int                     // deltas never reached from a whole object
	idx     *idxfile.MemoryIndex
}

// openPack reads an index and maps its pack, then reads every object header.
func openPack(idxPath, packPath string) (*pack, error) {
	f, err := os.Open(idxPath)
	if err != nil {
		return nil, err
	}
	idx := idxfile.NewMemoryIndex()
	err = idxfile.NewDecoder(f).Decode(idx)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", idxPath, err)
	}
	pf, err := os.Open(packPath)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	st, err := pf.Stat()
	if err != nil {
		return nil, err
	}
	data, unmap, err := mapFile(pf, st.Size())
	if err != nil {
		return nil, err
	}
	p := &pack{name: packPath, data: data, unmap: unmap, idx: idx}
	if err := p.index(idx); err != nil {
		unmap()
		return nil, err
	}
	return p, nil
}

func (p *pack) close() error {
	if p.unmap == nil {
		return nil
	}
	err := p.unmap()
	p.unmap, p.data = nil, nil
	return err
}

// index fills the object table from the pack index and the object headers.
func (p *pack) index(idx *idxfile.MemoryIndex) error {
	if len(p.data) < 32 || !bytes.Equal(p.data[:4], []byte("PACK")) {
		return errors.New("not a pack file")
	}
	if v := binary.BigEndian.Uint32(p.data[4:8]); v != 2 && v != 3 {
		return fmt.Errorf("unsupported pack version %d", v)
	}
	iter, err := idx.EntriesByOffset()
	if err != nil {
		return err
	}
	defer iter.Close()
	for {
		e, err := iter.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		p.objs = append(p.objs, packObj{off: int64(e.Offset)})
		p.hashes = append(p.hashes, e.Hash)
	}
	if n := binary.BigEndian.Uint32(p.data[8:12]); int(n) != len(p.objs) {
		p.bad = append(p.bad, fmt.Sprintf("pack header says %d objects, index has %d", n, len(p.objs)))
	}
	trailer := int64(len(p.data) - 20)
	for i := range p.objs {
		o := &p.objs[i]
		o.end = trailer
		if i+1 < len(p.objs) {
			o.end = p.objs[i+1].off
		}
		if err := p.readHeader(i, idx); err != nil {
			o.base = badBase
			p.bad = append(p.bad, fmt.Sprintf("object %s at offset %d: %v", p.hashes[i], o.off, err))
		}
	}
	p.link()
	return nil
}

var errBadHeader = errors.New("corrupt object header")

func (p *pack) readHeader(i int, idx *idxfile.MemoryIndex) error {
	o := &p.objs[i]
	o.base = noBase
	if o.off < 12 || o.off >= o.end || o.end > int64(len(p.data)) {
		return errBadHeader
	}
	b := p.data[o.off:o.end]
	c := b[0]
	o.raw = int8((c >> 4) & 7)
	size := int64(c & 0x0f)
	n, shift := 1, uint(4)
	for c&0x80 != 0 {
		if n >= len(b) || shift > 56 {
			return errBadHeader
		}
		c = b[n]
		n++
		size |= int64(c&0x7f) << shift
		shift += 7
	}
	o.size = size
	switch o.raw {
	case objCommit, objTree, objBlob, objTag:
		o.typ = o.raw
	case objOfsDelta:
		if n >= len(b) {
			return errBadHeader
		}
		c = b[n]
		n++
		rel := int64(c & 0x7f)
		for c&0x80 != 0 {
			if n >= len(b) || rel > 1<<48 {
				return errBadHeader
			}
			c = b[n]
			n++
			rel = ((rel + 1) << 7) | int64(c&0x7f)
		}
		baseOff := o.off - rel
		j := sort.Search(i, func(k int) bool { return p.objs[k].off >= baseOff })
		if rel <= 0 || j >= i || p.objs[j].off != baseOff {
			return fmt.Errorf("delta base offset %d is not an object", baseOff)
		}
		o.base = int32(j)
	case objRefDelta:
		if n+20 > len(b) {
			return errBadHeader
		}
		var h plumbing.Hash
		copy(h[:], b[n:n+20])
		n += 20
		o.base = externalBase
		if off, err := idx.FindOffset(h); err == nil {
			j := sort.Search(len(p.objs), func(k int) bool { return p.objs[k].off >= off })
			if j < len(p.objs) && p.objs[j].off == off && j != i {
				o.base = int32(j)
			}
		}
		if o.base == externalBase {
			if p.ext == nil {
				p.ext = map[int32]plumbing.Hash{}
			}
			p.ext[int32(i)] = h
		}
	default:
		return fmt.Errorf("unknown object type %d", o.raw)
	}
	o.data = o.off + int64(n)
	if o.data > o.end {
		return errBadHeader
	}
	if comp := o.end - o.data; o.size > comp*maxDeflateRatio+64 {
		return fmt.Errorf("size %d cannot come from %d compressed bytes", o.size, comp)
	}
	return nil
}

// link builds the delta children lists and resolves every delta's type from
// its base (a delta has its base's type). Deltas that no whole object
// reaches (cycles in a corrupt pack) keep type 0.
func (p *pack) link() {
	n := len(p.objs)
	p.kidsAt = make([]int32, n+1)
	for _, o := range p.objs {
		if o.base >= 0 {
			p.kidsAt[o.base+1]++
		}
	}
	for i := 0; i < n; i++ {
		p.kidsAt[i+1] += p.kidsAt[i]
	}
	p.kids = make([]int32, p.kidsAt[n])
	fill := make([]int32, n)
	for i, o := range p.objs {
		if o.base >= 0 {
			b := o.base
			p.kids[p.kidsAt[b]+fill[b]] = int32(i)
			fill[b]++
		}
	}
	var stack []int32
	for i, o := range p.objs {
		if o.base != noBase && o.base != externalBase {
			continue
		}
		if o.base == externalBase {
			continue // typed when its base is read
		}
		stack = append(stack[:0], int32(i))
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, k := range p.children(j) {
				p.objs[k].typ = p.objs[j].typ
				stack = append(stack, k)
			}
		}
	}
	for _, o := range p.objs {
		if o.typ == 0 && o.base >= 0 {
			p.orphans++
		}
	}
}

func (p *pack) children(i int32) []int32 { return p.kids[p.kidsAt[i]:p.kidsAt[i+1]] }

// inflater inflates zlib streams of one pack; one per worker.
type inflater struct {
	br bytes.Reader
	zr io.ReadCloser
}

// inflate returns the inflated bytes of object i, exactly its declared size.
func (z *inflater) inflate(p *pack, i int32, dst []byte) ([]byte, error) {
	o := &p.objs[i]
	z.br.Reset(p.data[o.data:o.end])
	var err error
	if z.zr == nil {
		z.zr, err = zlib.NewReader(&z.br)
	} else {
		err = z.zr.(zlib.Resetter).Reset(&z.br, nil)
	}
	if err != nil {
		return nil, err
	}
	if int64(cap(dst)) < o.size {
		dst = make([]byte, o.size)
	}
	dst = dst[:o.size]
	if _, err := io.ReadFull(z.zr, dst); err != nil {
		return nil, fmt.Errorf("inflate: %w", err)
	}
	// Read to the end of the stream so zlib verifies its checksum: a
	// damaged object is reported rather than scanned as garbage.
	var one [1]byte
	for tries := 0; ; tries++ {
		n, err := z.zr.Read(one[:])
		if err == io.EOF && n == 0 {
			return dst, nil
		}
		if n > 0 || tries > 2 {
			return nil, errors.New("inflate: object longer than its header says")
		}
		if err != nil {
			return nil, fmt.Errorf("inflate: %w", err)
		}
	}
}
