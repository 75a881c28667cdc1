package githistory

import (
	"container/list"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/objfile"
)

// rawReader reads one object by id: its type and content. The content may
// be shared with a cache and must not be modified.
type rawReader interface {
	read(want plumbing.ObjectType, id plumbing.Hash) (plumbing.ObjectType, []byte, error)
}

// odb reads commits and trees for the history walk straight from the
// mapped packs, resolving delta chains through a small cache of delta
// bases, then from loose objects, then through go-git for anything else.
// Reading trees this way costs about half of go-git's EncodedObject. Not
// safe for concurrent use: the walk is one goroutine.
type odb struct {
	objDirs  []string
	packs    []*pack
	fallback *objectReader
	maxSize  int64
	z        inflater
	scratch  []byte
	cache    baseCache
}

const baseCacheBytes = 64 << 20

// maxChain bounds delta chain recursion: git's own limit is 4095 and
// real packs stay under 250; a deeper chain is a corrupt or hostile pack.
const maxChain = 10000

var errChain = errors.New("delta chain too deep")

func (d *odb) read(want plumbing.ObjectType, id plumbing.Hash) (t plumbing.ObjectType, data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("reading object %s: %v", id, r)
		}
	}()
	for _, p := range d.packs {
		i, ok := p.find(id)
		if !ok {
			continue
		}
		data, typ, err := d.resolve(p, i, 0)
		if err != nil {
			return 0, nil, err
		}
		return plumbing.ObjectType(typ), data, nil
	}
	if t, data, err := d.readLoose(id); err == nil {
		return t, data, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, nil, err
	}
	return d.readFallback(want, id)
}

func (d *odb) readFallback(want plumbing.ObjectType, id plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	if d.fallback == nil {
		return 0, nil, errMissing
	}
	return d.fallback.read(want, id)
}

func (d *odb) readLoose(id plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	if len(d.objDirs) == 0 {
		return 0, nil, os.ErrNotExist
	}
	f, err := os.Open(loosePath(d.objDirs, id))
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	zr, err := objfile.NewReader(f)
	if err != nil {
		return 0, nil, err
	}
	defer zr.Close()
	t, size, err := zr.Header()
	if err != nil {
		return 0, nil, err
	}
	if size > d.maxSize {
		return 0, nil, fmt.Errorf("object of %d bytes is over the %d-byte limit", size, d.maxSize)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(zr, data); err != nil {
		return 0, nil, err
	}
	return t, data, nil
}

// resolve builds object i of p, from its chain of delta bases.
func (d *odb) resolve(p *pack, i int32, depth int) ([]byte, int8, error) {
	if depth > maxChain {
		return nil, 0, errChain
	}
	key := baseKey{p, i}
	if data, ok := d.cache.get(key); ok {
		return data, p.objs[i].typ, nil
	}
	o := &p.objs[i]
	var data []byte
	typ := o.typ
	switch {
	case o.base == badBase:
		return nil, 0, fmt.Errorf("object at offset %d of %s: %w", o.off, filepath.Base(p.name), errBadHeader)
	case o.base == noBase:
		if o.size > d.maxSize {
			return nil, 0, fmt.Errorf("object of %d bytes is over the %d-byte limit", o.size, d.maxSize)
		}
		var err error
		if data, err = d.z.inflate(p, i, nil); err != nil {
			return nil, 0, err
		}
	default:
		var base []byte
		var err error
		if o.base == externalBase {
			var t plumbing.ObjectType
			t, base, err = d.readFallback(plumbing.AnyObject, p.ext[i])
			typ = int8(t)
		} else {
			base, typ, err = d.resolve(p, o.base, depth+1)
		}
		if err != nil {
			return nil, 0, err
		}
		delta, err := d.z.inflate(p, i, d.scratch)
		if err != nil {
			return nil, 0, err
		}
		d.scratch = delta
		if data, err = applyDelta(base, delta, uint64(d.maxSize)); err != nil {
			return nil, 0, err
		}
	}
	if p.kidsAt[i+1] > p.kidsAt[i] {
		d.cache.put(key, data) // a delta base: other objects will want it
	}
	return data, typ, nil
}

// find returns the index of object id in p.
func (p *pack) find(id plumbing.Hash) (int32, bool) {
	if p.idx == nil {
		return 0, false
	}
	off, err := p.idx.FindOffset(id)
	if err != nil {
		return 0, false
	}
	j := sort.Search(len(p.objs), func(k int) bool { return p.objs[k].off >= off })
	if j < len(p.objs) && p.objs[j].off == off {
		return int32(j), true
	}
	return 0, false
}

type baseKey struct {
	p *pack
	i int32
}

// baseCache is a least-recently-used cache of delta bases, bounded in bytes.
type baseCache struct {
	m     map[baseKey]*list.Element
	l     list.List
	bytes int
}

type baseEntry struct {
	k    baseKey
	data []byte
}

func (c *baseCache) get(k baseKey) ([]byte, bool) {
	e, ok := c.m[k]
	if !ok {
		return nil, false
	}
	c.l.MoveToFront(e)
	return e.Value.(*baseEntry).data, true
}

func (c *baseCache) put(k baseKey, data []byte) {
	if len(data) > baseCacheBytes/4 {
		return
	}
	if c.m == nil {
		c.m = map[baseKey]*list.Element{}
	}
	if _, ok := c.m[k]; ok {
		return
	}
	c.m[k] = c.l.PushFront(&baseEntry{k, data})
	c.bytes += len(data)
	for c.bytes > baseCacheBytes {
		e := c.l.Back()
		be := e.Value.(*baseEntry)
		c.l.Remove(e)
		delete(c.m, be.k)
		c.bytes -= len(be.data)
	}
}
