package githistory

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"
)

// treeEntry is one entry of a tree object.
type treeEntry struct {
	name []byte // aliases the tree's bytes
	hash plumbing.Hash
	kind int8 // entryBlob, entryTree, entryGitlink
	size int  // bytes of the entry in its tree (mode, name, id)
}

const (
	entryBlob    = 1
	entryTree    = 2
	entryGitlink = 3
)

var errBadTree = errors.New("corrupt tree object")

// parseTree splits a tree object into entries ("mode SP name NUL id").
func parseTree(data []byte, dst []treeEntry) ([]treeEntry, error) {
	dst = dst[:0]
	for len(data) > 0 {
		e, rest, ok := nextEntry(data)
		if !ok {
			return dst, errBadTree
		}
		data = rest
		dst = append(dst, e)
	}
	return dst, nil
}

// nextEntry parses the tree entry at the start of data and returns the
// rest; ok is false when data does not start with a whole entry.
func nextEntry(data []byte) (e treeEntry, rest []byte, ok bool) {
	sp := bytes.IndexByte(data, ' ')
	if sp <= 0 {
		return e, nil, false
	}
	mode := data[:sp]
	data = data[sp+1:]
	nul := bytes.IndexByte(data, 0)
	if nul < 0 || len(data) < nul+1+20 {
		return e, nil, false
	}
	e = treeEntry{name: data[:nul], kind: entryBlob, size: sp + 1 + nul + 21}
	copy(e.hash[:], data[nul+1:nul+21])
	switch {
	case bytes.Equal(mode, []byte("40000")) || bytes.Equal(mode, []byte("040000")):
		e.kind = entryTree
	case bytes.Equal(mode, []byte("160000")):
		e.kind = entryGitlink
	}
	return e, data[nul+21:], true
}

// gitCompare orders tree entries as git sorts them: by name, a tree's
// name compared as if it ended in '/'.
func gitCompare(a []byte, ak int8, b []byte, bk int8) int {
	n := min(len(a), len(b))
	if d := bytes.Compare(a[:n], b[:n]); d != 0 {
		return d
	}
	ca, cb := nameEnd(a, ak, n), nameEnd(b, bk, n)
	switch {
	case ca < cb:
		return -1
	case ca > cb:
		return 1
	}
	return len(a) - len(b)
}

func nameEnd(name []byte, kind int8, n int) int {
	if n < len(name) {
		return int(name[n])
	}
	if kind == entryTree {
		return '/'
	}
	return 0
}

// commitHeader is what the walk needs of a commit object.
type commitHeader struct {
	tree    plumbing.Hash
	parents []plumbing.Hash
	when    int64 // committer time, Unix seconds
}

var errBadCommit = errors.New("corrupt commit object")

func parseCommitHeader(data []byte) (commitHeader, error) {
	var c commitHeader
	seenTree := false
	for len(data) > 0 {
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			nl = len(data)
		}
		line := data[:nl]
		data = data[min(nl+1, len(data)):]
		if len(line) == 0 {
			break // end of headers
		}
		key, val, _ := bytes.Cut(line, []byte(" "))
		switch string(key) {
		case "tree":
			h, ok := parseHash(val)
			if !ok {
				return c, errBadCommit
			}
			c.tree, seenTree = h, true
		case "parent":
			h, ok := parseHash(val)
			if !ok {
				return c, errBadCommit
			}
			c.parents = append(c.parents, h)
		case "committer":
			c.when = signatureTime(val)
		}
	}
	if !seenTree {
		return c, errBadCommit
	}
	return c, nil
}

func parseHash(b []byte) (plumbing.Hash, bool) {
	if len(b) != 40 {
		return plumbing.ZeroHash, false
	}
	var h plumbing.Hash
	if _, err := hex.Decode(h[:], b); err != nil {
		return plumbing.ZeroHash, false
	}
	return h, true
}

// signatureTime reads the Unix time of "Name <email> 1234567890 +0000".
func signatureTime(sig []byte) int64 {
	gt := bytes.LastIndexByte(sig, '>')
	if gt < 0 {
		return 0
	}
	f := bytes.Fields(sig[gt+1:])
	if len(f) == 0 {
		return 0
	}
	t, _ := strconv.ParseInt(string(f[0]), 10, 64)
	return t
}

// parseTagTarget reads the target of an annotated tag object.
func parseTagTarget(data []byte) (plumbing.Hash, bool) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	val, ok := bytes.CutPrefix(line, []byte("object "))
	if !ok {
		return plumbing.ZeroHash, false
	}
	return parseHash(val)
}
