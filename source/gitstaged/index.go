package gitstaged

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// ientry is what the comparison needs of an index entry.
type ientry struct {
	name  string
	mode  filemode.FileMode
	hash  plumbing.Hash
	stage int
	ita   bool // intent-to-add (`git add -N`)
}

// parseIndex reads a git index file (versions 2, 3 and 4, as documented in
// git's gitformat-index). go-git's index.Decoder reads the same format but
// decodes every field of every entry by reflection: 65 ms for 50,000
// entries, most of the pre-commit budget. This reads only name, mode, id and
// flags, verifies the trailing checksum, and refuses extensions it does not
// know that git marks as required (split and sparse indexes) instead of
// misreading them.
func parseIndex(data []byte) ([]ientry, map[string]cachedTree, error) {
	const hashLen = 20
	if len(data) < 12+hashLen || string(data[:4]) != "DIRC" {
		return nil, nil, errors.New("not a git index (bad signature or truncated)")
	}
	body, sum := data[:len(data)-hashLen], data[len(data)-hashLen:]
	// An all-zero checksum means git skipped it (index.skipHash).
	if !bytes.Equal(sum, make([]byte, hashLen)) {
		if h := sha1.Sum(body); !bytes.Equal(h[:], sum) {
			return nil, nil, errors.New("index checksum mismatch: the file is corrupt")
		}
	}
	version := binary.BigEndian.Uint32(body[4:])
	if version < 2 || version > 4 {
		return nil, nil, fmt.Errorf("unsupported index version %d", version)
	}
	count := binary.BigEndian.Uint32(body[8:])
	if uint64(count) > uint64(len(body))/22 {
		return nil, nil, fmt.Errorf("index claims %d entries in %d bytes: corrupt", count, len(body))
	}
	entries := make([]ientry, 0, count)
	// Names of v2/v3 entries are substrings of the file's bytes, not one
	// allocation each. data is never written after it is read, which is
	// what unsafe.String requires.
	text := unsafe.String(unsafe.SliceData(body), len(body))
	p := 12
	prev := ""
	truncated := errors.New("index entry truncated: the file is corrupt")
	for n := uint32(0); n < count; n++ {
		const fixed = 62 // stat data (40), object id (20), flags (2)
		if p+fixed > len(body) {
			return nil, nil, truncated
		}
		e := ientry{mode: filemode.FileMode(binary.BigEndian.Uint32(body[p+24:]))}
		copy(e.hash[:], body[p+40:p+60])
		flags := binary.BigEndian.Uint16(body[p+60:])
		e.stage = int(flags>>12) & 3
		start := p
		p += fixed
		if flags&0x4000 != 0 { // extended flags (version 3+)
			if version < 3 || p+2 > len(body) {
				return nil, nil, truncated
			}
			ext := binary.BigEndian.Uint16(body[p:])
			e.ita = ext&0x2000 != 0
			p += 2
		}
		if version == 4 {
			// The name is the previous one minus its last N bytes, plus a
			// NUL-terminated suffix; no padding.
			strip, k := offsetVarint(body[p:])
			if k == 0 || strip > uint64(len(prev)) {
				return nil, nil, truncated
			}
			p += k
			end := bytes.IndexByte(body[p:], 0)
			if end < 0 {
				return nil, nil, truncated
			}
			e.name = prev[:len(prev)-int(strip)] + string(body[p:p+end])
			p += end + 1
		} else {
			end := bytes.IndexByte(body[p:], 0)
			if end < 0 {
				return nil, nil, truncated
			}
			e.name = text[p : p+end]
			// 1 to 8 NULs pad the entry to a multiple of 8 bytes.
			p = start + (p+end-start+8)&^7
			if p > len(body) {
				return nil, nil, truncated
			}
		}
		switch {
		case e.name == "":
			// Entries of a split index may leave the name to the shared index.
			return nil, nil, errors.New("index entry without a path: the index is probably " +
				"a split index (core.splitIndex), which scour cannot read yet; turn it off for this repository")
		case strings.HasSuffix(e.name, "/"):
			return nil, nil, errors.New("index entry for a directory: the index is a sparse index " +
				"(index.sparse), which scour cannot read yet; turn it off for this repository")
		case e.name[0] == '/':
			return nil, nil, fmt.Errorf("index entry %q: not a relative path: the index is corrupt", e.name)
		}
		prev = e.name
		entries = append(entries, e)
	}
	var cache map[string]cachedTree
	for p < len(body) {
		if p+8 > len(body) {
			return nil, nil, errors.New("index extension truncated: the file is corrupt")
		}
		sig := body[p : p+4]
		size := binary.BigEndian.Uint32(body[p+4:])
		if uint64(size) > uint64(len(body)-p-8) {
			return nil, nil, errors.New("index extension truncated: the file is corrupt")
		}
		if sig[0] < 'A' || sig[0] > 'Z' {
			what := map[string]string{"link": "a split index (core.splitIndex)", "sdir": "a sparse index (index.sparse)"}[string(sig)]
			if what == "" {
				what = fmt.Sprintf("extension %q", sig)
			}
			return nil, nil, fmt.Errorf("the index uses %s, which scour cannot read yet; "+
				"turn it off for this repository to use scour staged", what)
		}
		if string(sig) == "TREE" {
			cache = parseCacheTree(body[p+8 : p+8+int(size)])
		}
		p += 8 + int(size) // other optional extensions (untracked cache...) are skipped
	}
	if !sort.SliceIsSorted(entries, func(i, j int) bool { return entries[i].name < entries[j].name }) {
		// Git keeps the index sorted; the tree builder depends on it.
		sort.SliceStable(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	}
	return entries, cache, nil
}

// offsetVarint decodes git's offset varint (each continuation adds one
// before shifting). It returns the value and the bytes used, 0 if invalid.
func offsetVarint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	c := b[0]
	v := uint64(c & 0x7f)
	i := 1
	for c&0x80 != 0 {
		if i >= len(b) || i > 9 {
			return 0, 0
		}
		c = b[i]
		i++
		v = ((v + 1) << 7) | uint64(c&0x7f)
	}
	return v, i
}

// cachedTree is a valid entry of the index's cache tree: the id of the tree
// git would write for a directory, and how many index entries it covers.
type cachedTree struct {
	hash  plumbing.Hash
	count int
}

// Bounds on the TREE extension: git's trees nest at most 4096 deep
// (core.maxTreeDepth), and the paths built from it may not outgrow the
// extension by much. A deep nesting of long names would otherwise cost
// memory quadratic in the extension's size.
const (
	maxCacheTreeDepth  = 4096
	cacheTreePathRatio = 16
)

// parseCacheTree reads the TREE extension: directories in pre-order, each
// "name NUL count SP subtrees LF" and, when count >= 0 (valid), its id.
// The result is keyed by directory path ("" for the root). It is only an
// accelerator: anything malformed or over the bounds yields nil and the
// trees are hashed.
func parseCacheTree(data []byte) map[string]cachedTree {
	out := map[string]cachedTree{}
	budget := len(data)*cacheTreePathRatio + 1<<16
	// An explicit stack of (path, subtrees left), not recursion.
	type level struct {
		path string
		left int
	}
	stack := make([]level, 0, 16)
	first := true
	for first || len(stack) > 0 {
		if !first {
			top := &stack[len(stack)-1]
			if top.left == 0 {
				stack = stack[:len(stack)-1]
				continue
			}
			top.left--
		}
		nul := bytes.IndexByte(data, 0)
		if nul < 0 {
			return nil
		}
		name := string(data[:nul])
		data = data[nul+1:]
		sp := bytes.IndexByte(data, ' ')
		nl := bytes.IndexByte(data, '\n')
		if sp < 0 || nl < sp {
			return nil
		}
		count, err1 := strconv.Atoi(string(data[:sp]))
		subs, err2 := strconv.Atoi(string(data[sp+1 : nl]))
		data = data[nl+1:]
		if err1 != nil || err2 != nil || subs < 0 || subs > len(data) {
			return nil
		}
		p := name
		switch {
		case first:
			p = ""
		case stack[len(stack)-1].path != "":
			p = stack[len(stack)-1].path + "/" + name
		}
		first = false
		if budget -= len(p); budget < 0 || len(stack) > maxCacheTreeDepth {
			return nil
		}
		if count >= 0 {
			if len(data) < 20 {
				return nil
			}
			var h plumbing.Hash
			copy(h[:], data[:20])
			data = data[20:]
			out[p] = cachedTree{h, count}
		}
		stack = append(stack, level{p, subs})
	}
	return out
}
