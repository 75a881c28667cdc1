package githistory

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/source"
)

// ErrNoBase is returned by RangeBase when there is no range, or its start
// is empty ("..B" scans everything reachable from B).
var ErrNoBase = errors.New("no range base")

// RangeBase returns the start A of Options.Range ("A..B") as given and a
// function reading a file of A's tree by slash path, up to limit bytes
// (fs.ErrNotExist when A has no such file). A range scan takes the
// repository's own configuration from there rather than from the working
// tree, so that a pull request cannot exclude, disable or ignore its own
// secrets. Objects are read through the bounded reader, never go-git.
func (r *Repo) RangeBase() (string, func(name string, limit int64) ([]byte, error), error) {
	if r.opts.Range == "" {
		return "", nil, ErrNoBase
	}
	s := &scan{r: r, sink: discardSink{}}
	s.openStore()
	s.hist = newHistory(&odb{rd: s.store.NewReader(1<<20, 1<<20)}, nil, func(source.Skipped) {})
	a, _, aid, _, err := r.resolveRange(s.resolveRev)
	if err != nil {
		return "", nil, err
	}
	if a == "" {
		return "", nil, ErrNoBase
	}
	hd, err := s.hist.header(aid)
	if err != nil {
		return "", nil, fmt.Errorf("range base %s: %w", a, err)
	}
	read := func(name string, limit int64) ([]byte, error) {
		return r.readPath(hd.tree, name, limit)
	}
	return a, read, nil
}

// readPath reads the blob at the slash path name below tree.
func (r *Repo) readPath(tree plumbing.Hash, name string, limit int64) ([]byte, error) {
	parts := strings.Split(name, "/")
	id := tree
	for i, part := range parts {
		t, data, err := r.obj.read(id) // trees up to MaxBlobSize, as the walk reads them
		if err != nil {
			return nil, err
		}
		if t != plumbing.TreeObject {
			return nil, notA(id, t, plumbing.TreeObject)
		}
		mode, next, err := lookupEntry(data, part)
		if err != nil {
			return nil, err
		}
		last := i == len(parts)-1
		switch {
		case mode == "":
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		case last && mode == "120000":
			// As on disk (internal/treefile): a link is never followed.
			return nil, fmt.Errorf("%s: a symbolic link in %s: not read", name, r.opts.Range)
		case last && mode != "100644" && mode != "100755" && mode != "100664",
			!last && mode != "40000" && mode != "040000":
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}
		id = next
	}
	t, data, err := r.obj.readLimit(id, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if t != plumbing.BlobObject {
		return nil, notA(id, t, plumbing.BlobObject)
	}
	return append([]byte(nil), data...), nil
}

// lookupEntry finds name in a tree object: its mode ("" when absent) and id.
func lookupEntry(tree []byte, name string) (string, plumbing.Hash, error) {
	for len(tree) > 0 {
		sp := bytes.IndexByte(tree, ' ')
		nul := bytes.IndexByte(tree, 0)
		if sp <= 0 || nul < sp || len(tree) < nul+21 {
			return "", plumbing.ZeroHash, errBadTree
		}
		if string(tree[sp+1:nul]) == name {
			var id plumbing.Hash
			copy(id[:], tree[nul+1:nul+21])
			return string(tree[:sp]), id, nil
		}
		tree = tree[nul+21:]
	}
	return "", plumbing.ZeroHash, nil
}
