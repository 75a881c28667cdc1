package gitobj

import (
	"bytes"
	"container/list"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing"
)

// MaxChain bounds delta chains, across packs: git's own limit is 4095 and
// real packs stay under 250; a longer chain is corrupt or hostile.
const MaxChain = 10000

// Store is a repository's object directories (its own and its
// alternates) with their packs mapped. Safe for concurrent use; each
// goroutine reads through its own Reader.
type Store struct {
	Dirs  []string
	Packs []*Pack
	// Problems are packs that could not be opened, and pack files without
	// an index; the objects in them are not readable.
	Problems []PackProblem
}

// PackProblem is a pack that could not be used.
type PackProblem struct {
	Path string
	Err  error
}

// ObjectDirs is a git directory's object directory (in the common
// directory of a linked worktree) followed by its alternates
// (objects/info/alternates, as made by clone --shared or --reference),
// recursively, at most 16.
func ObjectDirs(gitDir string) []string {
	if c, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		common := strings.TrimSpace(string(c))
		if !filepath.IsAbs(common) {
			common = filepath.Join(gitDir, common)
		}
		gitDir = filepath.Clean(common)
	}
	dirs := []string{filepath.Join(gitDir, "objects")}
	seen := map[string]bool{dirs[0]: true}
	for i := 0; i < len(dirs) && len(dirs) < 16; i++ {
		b, err := os.ReadFile(filepath.Join(dirs[i], "info", "alternates"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if !filepath.IsAbs(line) {
				line = filepath.Join(dirs[i], line)
			}
			line = filepath.Clean(line)
			if !seen[line] {
				seen[line] = true
				dirs = append(dirs, line)
			}
		}
	}
	return dirs
}

// OpenStore maps every pack of the object directories that has an index.
// Packs that cannot be opened are listed in Problems, not fatal.
func OpenStore(dirs []string) *Store {
	s := &Store{Dirs: dirs}
	for _, od := range dirs {
		idxs, _ := filepath.Glob(filepath.Join(od, "pack", "*.idx"))
		packs, _ := filepath.Glob(filepath.Join(od, "pack", "*.pack"))
		hasIdx := map[string]bool{}
		for _, idx := range idxs {
			base := strings.TrimSuffix(idx, ".idx")
			hasIdx[base] = true
			p, err := OpenPack(idx, base+".pack")
			if err != nil {
				s.Problems = append(s.Problems, PackProblem{Path: base + ".pack", Err: err})
				continue
			}
			s.Packs = append(s.Packs, p)
		}
		for _, pk := range packs {
			if !hasIdx[strings.TrimSuffix(pk, ".pack")] {
				s.Problems = append(s.Problems, PackProblem{Path: pk, Err: &CorruptError{Where: pk, Err: errors.New("pack has no .idx index (git index-pack can rebuild it)")}})
			}
		}
	}
	return s
}

// LimitResident bounds the pages of the store's pack mappings that stay
// in the process: once about limit bytes have been inflated from them
// since the last drop, every pack's pages are dropped from the mapping
// (madvise MADV_DONTNEED; the page cache keeps them, and the next read
// faults them back in cheaply). Without it, reading a 4 GB pack once
// leaves 4 GB of it resident in the process, which counts against its
// memory. The count is of inflated bytes, which overstates the mapped
// bytes read, so the bound errs low. Call it before reading; 0 or less
// leaves the mappings alone. Where no mapping is used (the pack was read
// into memory) it does nothing.
func (s *Store) LimitResident(limit int64) {
	if limit <= 0 {
		return
	}
	r := &residency{limit: limit, packs: s.Packs}
	for _, p := range s.Packs {
		p.resident = r
	}
}

// ResidentDrops is how many times LimitResident dropped the packs' pages.
func (s *Store) ResidentDrops() int64 {
	for _, p := range s.Packs {
		if p.resident != nil {
			return p.resident.drops.Load()
		}
	}
	return 0
}

// residency is the shared count of LimitResident.
type residency struct {
	limit int64
	read  atomic.Int64
	mu    sync.Mutex
	packs []*Pack
	drops atomic.Int64 // how many times the pages were dropped (tests)
}

func (r *residency) add(n int64) {
	if r.read.Add(n) < r.limit {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.read.Load() < r.limit { // another reader dropped them meanwhile
		return
	}
	r.read.Store(0)
	r.drops.Add(1)
	for _, p := range r.packs {
		if p.data != nil && p.unmap != nil {
			dropPages(p.data)
		}
	}
}

// Close unmaps every pack.
func (s *Store) Close() error {
	var errs []error
	for _, p := range s.Packs {
		errs = append(errs, p.Close())
	}
	s.Packs = nil
	return errors.Join(errs...)
}

// LoosePath is the file of loose object id: in the first object directory
// that has it, else where the first would have it.
func (s *Store) LoosePath(id plumbing.Hash) string {
	hex := id.String()
	for _, od := range s.Dirs {
		p := filepath.Join(od, hex[:2], hex[2:])
		if _, err := os.Lstat(p); err == nil {
			return p
		}
	}
	return filepath.Join(s.Dirs[0], hex[:2], hex[2:])
}

// ListLoose lists the ids of loose objects from their file names.
func (s *Store) ListLoose() []plumbing.Hash {
	var out []plumbing.Hash
	for _, od := range s.Dirs {
		dirs, _ := filepath.Glob(filepath.Join(od, "[0-9a-f][0-9a-f]"))
		for _, d := range dirs {
			ents, err := os.ReadDir(d)
			if err != nil {
				continue
			}
			for _, e := range ents {
				if id, ok := ParseHash(filepath.Base(d) + e.Name()); ok {
					out = append(out, id)
				}
			}
		}
	}
	return out
}

// FindPrefix lists the objects whose id starts with the hex digits of
// prefix, in packs and loose, at most max of them (duplicates included).
func (s *Store) FindPrefix(prefix string, max int) []plumbing.Hash {
	prefix = strings.ToLower(prefix)
	if _, ok := prefixBytes(prefix); !ok || len(prefix) < 2 {
		return nil
	}
	var out []plumbing.Hash
	for _, p := range s.Packs {
		out = p.idx.FindPrefix(prefix, out, max)
	}
	for _, od := range s.Dirs {
		ents, _ := os.ReadDir(filepath.Join(od, prefix[:2]))
		for _, e := range ents {
			if len(out) >= max {
				return out
			}
			if id, ok := ParseHash(prefix[:2] + e.Name()); ok && strings.HasPrefix(id.String(), prefix) {
				out = append(out, id)
			}
		}
	}
	return out
}

// ParseHash parses 40 hex digits.
func ParseHash(s string) (plumbing.Hash, bool) {
	if len(s) != 40 {
		return plumbing.ZeroHash, false
	}
	var id plumbing.Hash
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return plumbing.ZeroHash, false
	}
	return id, true
}

// locate finds the pack and offset of id.
func (s *Store) locate(id plumbing.Hash) (*Pack, int64, bool) {
	for _, p := range s.Packs {
		if off, ok := p.Find(id); ok {
			return p, off, true
		}
	}
	return nil, 0, false
}

// Reader reads objects by id from a Store, resolving delta chains with a
// small cache of delta bases. Not safe for concurrent use.
type Reader struct {
	s *Store
	// Limit is the largest object (or intermediate delta base) read.
	Limit  int64
	z      Inflater
	loose  Loose
	cache  baseCache
	chain  []link
	delta  []byte
	inSet  map[baseKey]struct{} // entries of the chain being resolved, when long
	setLen int                  // how many of them inSet holds
	// Work counts the bytes this reader has inflated and built from
	// deltas: reading by id re-resolves chains, and callers that read many
	// objects this way watch it to switch to a pack-order walk.
	Work int64
}

// NewReader makes a reader of objects up to limit bytes, keeping up to
// cacheBytes of delta bases.
func (s *Store) NewReader(limit int64, cacheBytes int) *Reader {
	return &Reader{s: s, Limit: limit, cache: baseCache{max: cacheBytes}}
}

// Read returns object id's type and content. The content may be shared
// with the cache and must not be modified.
func (r *Reader) Read(id plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	return r.ReadLimit(id, r.Limit)
}

// ReadLimit is Read with a different limit.
func (r *Reader) ReadLimit(id plumbing.Hash, limit int64) (t plumbing.ObjectType, data []byte, err error) {
	defer func() {
		// Last resort: input must never crash the program.
		if p := recover(); p != nil {
			t, data, err = 0, nil, &CorruptError{Where: "object " + id.String(), Err: fmt.Errorf("internal error: %v", p)}
		}
	}()
	if p, off, ok := r.s.locate(id); ok {
		return r.ReadAt(p, off, limit)
	}
	return r.loose.Read(r.s.LoosePath(id), id, limit)
}

// ReadPrefix returns up to n bytes from the start of object id, without
// inflating the rest, for objects stored whole (loose, or packed without
// a delta): what a caller needs of an object too big to read, such as a
// commit's headers. The prefix is not checked against the id. Deltified
// objects are read whole, within Limit.
func (r *Reader) ReadPrefix(id plumbing.Hash, n int64) (t plumbing.ObjectType, data []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			t, data, err = 0, nil, &CorruptError{Where: "object " + id.String(), Err: fmt.Errorf("internal error: %v", p)}
		}
	}()
	p, off, ok := r.s.locate(id)
	if !ok {
		t, size, rc, err := OpenLoose(r.s.LoosePath(id))
		if err != nil {
			return 0, nil, err
		}
		defer rc.Close()
		data = make([]byte, min(size, n))
		if _, err := io.ReadFull(rc, data); err != nil {
			return 0, nil, corrupt("loose object "+id.String(), streamErr(err))
		}
		return t, data, nil
	}
	h, err := p.HeaderAt(off, int64(len(p.data)))
	if err != nil {
		return 0, nil, corrupt(p.where(off), err)
	}
	if h.Type == TypeOfsDelta || h.Type == TypeRefDelta {
		return r.ReadAt(p, off, r.Limit)
	}
	zr, err := r.z.Reset(bytes.NewReader(p.data[h.Data : len(p.data)-hashLen]))
	if err != nil {
		return 0, nil, corrupt(p.where(off), err)
	}
	data = make([]byte, min(h.Size, n))
	if _, err := io.ReadFull(zr, data); err != nil {
		return 0, nil, corrupt(p.where(off), streamErr(err))
	}
	return plumbing.ObjectType(h.Type), data, nil
}

// link is one step of a delta chain being resolved.
type link struct {
	p   *Pack
	off int64
	h   Header
}

// ReadAt reads the pack entry at off, resolving its delta chain
// iteratively: across REF_DELTA hops into other packs or loose objects,
// with one bound on its whole length and a check for loops.
func (r *Reader) ReadAt(p *Pack, off int64, limit int64) (plumbing.ObjectType, []byte, error) {
	return r.readAt(p, off, limit, nil, false)
}

// readAt is ReadAt building the object in dst when it is big enough; own
// says the result must be the caller's alone (see ReadInto).
func (r *Reader) readAt(p *Pack, off int64, limit int64, dst []byte, own bool) (plumbing.ObjectType, []byte, error) {
	// The object may be in the cache, as the base of a delta read before:
	// copied out, it costs no inflating. (Only for ReadInto: other callers
	// have always had a buffer of their own, whatever Read documents.)
	if own {
		if data, t, ok := r.cache.get(baseKey{p, off}); ok {
			if int64(len(data)) > limit {
				return 0, nil, &TooLargeError{Size: int64(len(data)), Limit: limit}
			}
			return t, append(dst[:0], data...), nil
		}
	}
	chain := r.chain[:0]
	defer func() { r.chain = chain[:0] }()
	if r.setLen > 0 {
		clear(r.inSet)
		r.setLen = 0
	}
	var base []byte
	var btype plumbing.ObjectType
	haveBase := false
	for !haveBase {
		if len(chain) > MaxChain {
			return 0, nil, &CorruptError{Where: p.where(off), Err: ErrDeltaChain}
		}
		if len(chain) > 0 {
			if data, t, ok := r.cache.get(baseKey{p, off}); ok {
				base, btype, haveBase = data, t, true
				break
			}
		}
		h, err := p.HeaderAt(off, int64(len(p.data)))
		if err != nil {
			return 0, nil, corrupt(p.where(off), err)
		}
		chain = append(chain, link{p, off, h})
		switch h.Type {
		case TypeOfsDelta:
			off = h.BaseAt
		case TypeRefDelta:
			bp, boff, ok := r.s.locate(h.BaseID)
			if !ok {
				t, data, err := r.loose.Read(r.s.LoosePath(h.BaseID), h.BaseID, limit)
				if err != nil {
					return 0, nil, fmt.Errorf("delta base %s of %s: %w", h.BaseID, p.where(off), err)
				}
				base, btype, haveBase = data, t, true
				break
			}
			// OFS_DELTA bases are strictly earlier in their pack, so only a
			// REF_DELTA can lead back to an entry already in the chain.
			if r.inChain(chain, bp, boff) {
				return 0, nil, &CorruptError{Where: p.where(off), Err: ErrDeltaCycle}
			}
			p, off = bp, boff
		default:
			// A whole object: the bottom of the chain.
			if h.Size > limit {
				return 0, nil, &TooLargeError{Size: h.Size, Limit: limit}
			}
			var into []byte
			if len(chain) == 1 {
				into = dst // the object itself, not a base
			}
			data, err := p.Inflate(&r.z, h, into)
			if err != nil {
				return 0, nil, corrupt(p.where(off), err)
			}
			r.Work += int64(len(data))
			base, btype, haveBase = data, plumbing.ObjectType(h.Type), true
			chain = chain[:len(chain)-1]
			if len(chain) > 0 {
				r.cache.put(baseKey{p, off}, data, btype)
			}
		}
	}
	// Apply the deltas from the bottom up.
	for i := len(chain) - 1; i >= 0; i-- {
		l := chain[i]
		if l.h.Size > DeltaLimit(limit) {
			return 0, nil, &TooLargeError{Size: l.h.Size, Limit: DeltaLimit(limit), Delta: true}
		}
		delta, err := l.p.Inflate(&r.z, l.h, r.delta)
		if err != nil {
			return 0, nil, corrupt(l.p.where(l.off), err)
		}
		r.delta = delta
		var into []byte
		if i == 0 {
			into = dst // the object itself, not a base
		}
		out, err := ApplyDeltaInto(into, base, delta, uint64(limit))
		if err != nil {
			return 0, nil, corrupt(l.p.where(l.off), err)
		}
		r.Work += int64(len(delta) + len(out))
		base = out
		if i > 0 {
			r.cache.put(baseKey{l.p, l.off}, out, btype)
		}
	}
	return btype, base, nil
}

// inChain reports whether the entry at (p, off) is already in chain: by
// scanning a short chain, through a set once it grows (a hostile chain of
// thousands of REF_DELTAs must not cost a scan per hop).
func (r *Reader) inChain(chain []link, p *Pack, off int64) bool {
	if len(chain) <= 32 {
		for _, l := range chain {
			if l.p == p && l.off == off {
				return true
			}
		}
		return false
	}
	if r.inSet == nil {
		r.inSet = map[baseKey]struct{}{}
	}
	for _, l := range chain[r.setLen:] {
		r.inSet[baseKey{l.p, l.off}] = struct{}{}
	}
	r.setLen = len(chain)
	_, ok := r.inSet[baseKey{p, off}]
	return ok
}

// DeltaLimit is the largest delta payload that can build an object of
// limit bytes: all inserts, one opcode per 127 bytes, plus the sizes.
func DeltaLimit(limit int64) int64 { return limit + limit/64 + 64 }

type baseKey struct {
	p   *Pack
	off int64
}

// baseCache is a least-recently-used cache of delta bases, bounded in bytes.
type baseCache struct {
	max   int
	m     map[baseKey]*list.Element
	l     list.List
	bytes int
	// maybe counts the entries whose offset falls in each slot (saturating:
	// a full slot stays full): a slot at zero answers a lookup without the
	// map. Most lookups miss (the history walk asks about every tree and
	// commit it reads; a tenth are there), and the map's miss cost a cache
	// miss each (a tenth of the walk's reading); these 128 KB mostly stay
	// in cache.
	maybe []uint8
}

const maybeBits = 17

func maybeSlot(off int64) uint64 { return uint64(off) * 0x9e3779b97f4a7c15 >> (64 - maybeBits) }

type baseEntry struct {
	k    baseKey
	t    plumbing.ObjectType
	data []byte
}

func (c *baseCache) get(k baseKey) ([]byte, plumbing.ObjectType, bool) {
	if c.maybe == nil || c.maybe[maybeSlot(k.off)] == 0 {
		return nil, 0, false
	}
	e, ok := c.m[k]
	if !ok {
		return nil, 0, false
	}
	c.l.MoveToFront(e)
	be := e.Value.(*baseEntry)
	return be.data, be.t, true
}

func (c *baseCache) put(k baseKey, data []byte, t plumbing.ObjectType) {
	if len(data) > c.max/4 {
		return
	}
	if c.m == nil {
		c.m = map[baseKey]*list.Element{}
		c.maybe = make([]uint8, 1<<maybeBits)
	}
	if _, ok := c.m[k]; ok {
		return
	}
	c.m[k] = c.l.PushFront(&baseEntry{k, t, data})
	if n := &c.maybe[maybeSlot(k.off)]; *n < 255 {
		*n++
	}
	c.bytes += len(data)
	for c.bytes > c.max {
		e := c.l.Back()
		be := e.Value.(*baseEntry)
		c.l.Remove(e)
		delete(c.m, be.k)
		if n := &c.maybe[maybeSlot(be.k.off)]; *n < 255 {
			*n--
		}
		c.bytes -= len(be.data)
	}
}
