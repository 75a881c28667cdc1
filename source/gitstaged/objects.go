package gitstaged

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// objects reads single objects by id. A pre-commit check needs a handful
// (the HEAD commit, the trees along changed paths, the changed blobs), but
// go-git's storage decodes every pack index whole on first use, a cost
// that grows with the repository, not with the commit. This looks ids up in
// the pack indexes by binary search, as git does, and falls back to go-git
// for anything it does not handle (alternates, unusual layouts).
type objects struct {
	fs       billy.Filesystem // the git directory (commondir-aware)
	fallback storer.EncodedObjectStorer
	packs    []*packIdx
	opened   bool
	z        io.ReadCloser // reused: a new inflater costs more than a small object
}

// inflate returns a zlib reader over r, reusing the previous one.
func (o *objects) inflate(r io.Reader) (io.Reader, error) {
	if o.z == nil {
		z, err := zlib.NewReader(r)
		if err != nil {
			return nil, err
		}
		o.z = z
		return z, nil
	}
	if err := o.z.(zlib.Resetter).Reset(r, nil); err != nil {
		return nil, err
	}
	return o.z, nil
}

type packIdx struct {
	idx, pack billy.File
	fanout    [256]uint32
}

var errNotFound = errors.New("object not found")

// maxObject bounds what one object may claim to inflate to (a corrupt
// header must not make us allocate gigabytes).
const maxObject = 1 << 32

func (o *objects) close() {
	for _, p := range o.packs {
		p.idx.Close()
		p.pack.Close()
	}
	o.packs = nil
}

// readN reads exactly n bytes. It grows its buffer as data arrives rather
// than trusting a size from a header that may be corrupt.
func readN(r io.Reader, n int64) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(min(n, 1<<20)))
	if _, err := io.CopyN(&buf, r, n); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf.Bytes(), nil
}

// read returns the object's type and content. Damaged input is an error,
// never a panic (go-git's delta code is not hardened against it).
func (o *objects) read(h plumbing.Hash) (t plumbing.ObjectType, data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, data, err = 0, nil, fmt.Errorf("object %s: damaged: %v", h, r)
		}
	}()
	return o.readObject(h)
}

func (o *objects) readObject(h plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	if o.fs != nil {
		t, data, err := o.readLoose(h)
		if err == nil || !errors.Is(err, errNotFound) {
			return t, data, err
		}
		t, data, err = o.readPacked(h)
		if err == nil || !errors.Is(err, errNotFound) {
			return t, data, err
		}
	}
	obj, err := o.fallback.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return 0, nil, err
	}
	r, err := obj.Reader()
	if err != nil {
		return 0, nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	return obj.Type(), data, err
}

func (o *objects) readLoose(h plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	hex := h.String()
	f, err := o.fs.Open("objects/" + hex[:2] + "/" + hex[2:])
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil, errNotFound
	}
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	z, err := o.inflate(bufio.NewReader(f))
	if err != nil {
		return 0, nil, fmt.Errorf("loose object %s: %w", h, err)
	}
	br := bufio.NewReader(z)
	hdr, err := br.ReadString(0)
	if err != nil {
		return 0, nil, fmt.Errorf("loose object %s: bad header: %w", h, err)
	}
	typ, size, ok := strings.Cut(strings.TrimSuffix(hdr, "\x00"), " ")
	n, err := strconv.ParseInt(size, 10, 64)
	t, terr := plumbing.ParseObjectType(typ)
	if !ok || err != nil || terr != nil || n < 0 || n > maxObject {
		return 0, nil, fmt.Errorf("loose object %s: bad header %q", h, hdr)
	}
	data, err := readN(br, n)
	if err != nil {
		return 0, nil, fmt.Errorf("loose object %s: %w", h, err)
	}
	return t, data, nil
}

func (o *objects) openPacks() error {
	o.opened = true
	infos, err := o.fs.ReadDir("objects/pack")
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, fi := range infos {
		name := fi.Name()
		if !strings.HasSuffix(name, ".idx") {
			continue
		}
		idx, err := o.fs.Open("objects/pack/" + name)
		if err != nil {
			return err
		}
		pack, err := o.fs.Open("objects/pack/" + strings.TrimSuffix(name, ".idx") + ".pack")
		if err != nil {
			idx.Close()
			continue // an index without its pack (being written or removed)
		}
		p := &packIdx{idx: idx, pack: pack}
		var hdr [8 + 256*4]byte
		if _, err := idx.ReadAt(hdr[:], 0); err != nil || string(hdr[:8]) != "\xfftOc\x00\x00\x00\x02" {
			idx.Close()
			pack.Close()
			return fmt.Errorf("pack index %s: unsupported or corrupt", name)
		}
		for i := range p.fanout {
			p.fanout[i] = binary.BigEndian.Uint32(hdr[8+4*i:])
		}
		o.packs = append(o.packs, p)
	}
	return nil
}

func (o *objects) readPacked(h plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	if !o.opened {
		if err := o.openPacks(); err != nil {
			return 0, nil, err
		}
	}
	for _, p := range o.packs {
		off, ok, err := p.find(h)
		if err != nil {
			return 0, nil, err
		}
		if ok {
			return o.readAt(p, off, 0)
		}
	}
	return 0, nil, errNotFound
}

// find looks h up in a version 2 pack index: the fanout table bounds the
// range of sorted ids that start with h's first byte.
func (p *packIdx) find(h plumbing.Hash) (int64, bool, error) {
	n := p.fanout[255]
	lo := uint32(0)
	if h[0] > 0 {
		lo = p.fanout[h[0]-1]
	}
	hi := p.fanout[h[0]]
	if lo >= hi {
		return 0, false, nil
	}
	names := make([]byte, (hi-lo)*20)
	if _, err := p.idx.ReadAt(names, int64(8+256*4)+int64(lo)*20); err != nil {
		return 0, false, fmt.Errorf("pack index: %w", err)
	}
	i, j := 0, int(hi-lo)
	for i < j {
		m := (i + j) / 2
		switch c := bytes.Compare(names[m*20:m*20+20], h[:]); {
		case c == 0:
			i, j = m, -1
		case c < 0:
			i = m + 1
		default:
			j = m
		}
	}
	if j != -1 {
		return 0, false, nil
	}
	pos := lo + uint32(i)
	var b [8]byte
	offTable := int64(8+256*4) + int64(n)*24
	if _, err := p.idx.ReadAt(b[:4], offTable+int64(pos)*4); err != nil {
		return 0, false, fmt.Errorf("pack index: %w", err)
	}
	off := int64(binary.BigEndian.Uint32(b[:4]))
	if off&0x80000000 != 0 { // index into the 64-bit offset table
		large := offTable + int64(n)*4 + (off&0x7fffffff)*8
		if _, err := p.idx.ReadAt(b[:], large); err != nil {
			return 0, false, fmt.Errorf("pack index: %w", err)
		}
		off = int64(binary.BigEndian.Uint64(b[:]))
	}
	return off, true, nil
}

// readAt reads the pack entry at off, resolving deltas from their bases.
func (o *objects) readAt(p *packIdx, off int64, depth int) (plumbing.ObjectType, []byte, error) {
	if depth > 10000 {
		return 0, nil, errors.New("pack: delta chain too long (a loop?)")
	}
	br := bufio.NewReaderSize(io.NewSectionReader(p.pack, off, 1<<62), 4096)
	c, err := br.ReadByte()
	if err != nil {
		return 0, nil, fmt.Errorf("pack entry at %d: %w", off, err)
	}
	typ := plumbing.ObjectType((c >> 4) & 7)
	size := uint64(c & 0x0f)
	for shift := 4; c&0x80 != 0; shift += 7 {
		if c, err = br.ReadByte(); err != nil || shift > 60 {
			return 0, nil, fmt.Errorf("pack entry at %d: bad header", off)
		}
		size |= uint64(c&0x7f) << shift
	}
	if size > maxObject {
		return 0, nil, fmt.Errorf("pack entry at %d: claims %d bytes", off, size)
	}
	var baseType plumbing.ObjectType
	var base []byte
	switch typ {
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
	case plumbing.OFSDeltaObject:
		c, err := br.ReadByte()
		if err != nil {
			return 0, nil, fmt.Errorf("pack entry at %d: %w", off, err)
		}
		rel := int64(c & 0x7f)
		for c&0x80 != 0 {
			if c, err = br.ReadByte(); err != nil || rel > 1<<55 {
				return 0, nil, fmt.Errorf("pack entry at %d: bad delta offset", off)
			}
			rel = ((rel + 1) << 7) | int64(c&0x7f)
		}
		if rel <= 0 || rel > off {
			return 0, nil, fmt.Errorf("pack entry at %d: bad delta offset", off)
		}
		if baseType, base, err = o.readAt(p, off-rel, depth+1); err != nil {
			return 0, nil, err
		}
	case plumbing.REFDeltaObject:
		var bh plumbing.Hash
		if _, err := io.ReadFull(br, bh[:]); err != nil {
			return 0, nil, fmt.Errorf("pack entry at %d: %w", off, err)
		}
		if baseType, base, err = o.read(bh); err != nil {
			return 0, nil, fmt.Errorf("delta base %s: %w", bh, err)
		}
	default:
		return 0, nil, fmt.Errorf("pack entry at %d: unknown type %d", off, typ)
	}
	z, err := o.inflate(br)
	if err != nil {
		return 0, nil, fmt.Errorf("pack entry at %d: %w", off, err)
	}
	data, err := readN(z, int64(size))
	if err != nil {
		return 0, nil, fmt.Errorf("pack entry at %d: %w", off, err)
	}
	if baseType == 0 {
		return typ, data, nil
	}
	out, err := packfile.PatchDelta(base, data)
	if err != nil {
		return 0, nil, fmt.Errorf("pack entry at %d: %w", off, err)
	}
	return baseType, out, nil
}

// rawTreeEntry is one entry of a tree object.
type rawTreeEntry struct {
	name string
	mode uint32
	hash plumbing.Hash
}

// parseTree splits a tree object into its entries.
func parseTree(data []byte) ([]rawTreeEntry, error) {
	var out []rawTreeEntry
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp < 0 {
			return nil, errors.New("corrupt tree object")
		}
		mode, err := strconv.ParseUint(string(data[:sp]), 8, 32)
		if err != nil {
			return nil, errors.New("corrupt tree object: bad mode")
		}
		data = data[sp+1:]
		nul := bytes.IndexByte(data, 0)
		if nul < 0 || len(data) < nul+21 {
			return nil, errors.New("corrupt tree object")
		}
		e := rawTreeEntry{name: string(data[:nul]), mode: uint32(mode)}
		copy(e.hash[:], data[nul+1:nul+21])
		out = append(out, e)
		data = data[nul+21:]
	}
	return out, nil
}

// openLoose opens a loose object for streaming, with its own inflater (the
// caller may read it from another goroutine): its type, its size, and a
// reader positioned after the header.
func (o *objects) openLoose(h plumbing.Hash) (plumbing.ObjectType, int64, io.ReadCloser, error) {
	if o.fs == nil {
		return 0, 0, nil, errNotFound
	}
	hex := h.String()
	f, err := o.fs.Open("objects/" + hex[:2] + "/" + hex[2:])
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, nil, errNotFound
	}
	if err != nil {
		return 0, 0, nil, err
	}
	z, err := zlib.NewReader(bufio.NewReader(f))
	if err != nil {
		f.Close()
		return 0, 0, nil, fmt.Errorf("loose object %s: %w", h, err)
	}
	br := bufio.NewReader(z)
	hdr, err := br.ReadString(0)
	typ, size, ok := strings.Cut(strings.TrimSuffix(hdr, "\x00"), " ")
	n, nerr := strconv.ParseInt(size, 10, 64)
	t, terr := plumbing.ParseObjectType(typ)
	if err != nil || !ok || nerr != nil || terr != nil || n < 0 {
		f.Close()
		return 0, 0, nil, fmt.Errorf("loose object %s: bad header %q", h, hdr)
	}
	return t, n, &looseReader{Reader: io.LimitReader(br, n), f: f}, nil
}

type looseReader struct {
	io.Reader
	f billy.File
}

func (l *looseReader) Close() error { return l.f.Close() }
