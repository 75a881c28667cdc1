package gitobj

import (
	"container/list"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
	Limit int64
	z     Inflater
	loose Loose
	cache baseCache
	chain []link
	delta []byte
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
	chain := r.chain[:0]
	defer func() { r.chain = chain[:0] }()
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
			for _, l := range chain {
				if l.p == bp && l.off == boff {
					return 0, nil, &CorruptError{Where: p.where(off), Err: ErrDeltaCycle}
				}
			}
			p, off = bp, boff
		default:
			// A whole object: the bottom of the chain.
			if h.Size > limit {
				return 0, nil, &TooLargeError{Size: h.Size, Limit: limit}
			}
			data, err := p.Inflate(&r.z, h, nil)
			if err != nil {
				return 0, nil, corrupt(p.where(off), err)
			}
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
		out, err := ApplyDelta(base, delta, uint64(limit))
		if err != nil {
			return 0, nil, corrupt(l.p.where(l.off), err)
		}
		base = out
		if i > 0 {
			r.cache.put(baseKey{l.p, l.off}, out, btype)
		}
	}
	return btype, base, nil
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
}

type baseEntry struct {
	k    baseKey
	t    plumbing.ObjectType
	data []byte
}

func (c *baseCache) get(k baseKey) ([]byte, plumbing.ObjectType, bool) {
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
	}
	if _, ok := c.m[k]; ok {
		return
	}
	c.m[k] = c.l.PushFront(&baseEntry{k, t, data})
	c.bytes += len(data)
	for c.bytes > c.max {
		e := c.l.Back()
		be := e.Value.(*baseEntry)
		c.l.Remove(e)
		delete(c.m, be.k)
		c.bytes -= len(be.data)
	}
}
