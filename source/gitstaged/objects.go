package gitstaged

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj"
)

// objects reads single objects by id through the one hardened object
// reader (internal/gitobj). A pre-commit check needs a handful (the HEAD
// commit, the trees along changed paths, the changed blobs): pack indexes
// are mapped and searched, never decoded whole, so the cost grows with the
// commit, not with the repository.
type objects struct {
	store *gitobj.Store
	rd    *gitobj.Reader
}

// Limits on what one object may inflate to: HEAD's commit and trees are
// structure (git's own trees stay far below this), blobs are content.
const (
	maxStructure = 64 << 20
	maxBlob      = 256 << 20
)

func openObjects(gitDir string) *objects {
	st := gitobj.OpenStore(gitobj.ObjectDirs(gitDir))
	return &objects{store: st, rd: st.NewReader(maxBlob, 8<<20)}
}

func (o *objects) close() {
	if o.store != nil {
		o.store.Close()
	}
}

// read returns the object's type and content, up to limit bytes. Damaged
// or hostile input is an error, never a panic or unbounded memory.
func (o *objects) read(h plumbing.Hash, limit int64) (plumbing.ObjectType, []byte, error) {
	return o.rd.ReadLimit(h, limit)
}

// openLoose opens a loose object for streaming, with its own inflater (the
// caller may read it from another goroutine): its type, its size, and a
// reader positioned after the header.
func (o *objects) openLoose(h plumbing.Hash) (plumbing.ObjectType, int64, io.ReadCloser, error) {
	return gitobj.OpenLoose(o.store.LoosePath(h))
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
