package githistory

import (
	"errors"
	"fmt"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj"
)

// rawReader reads one object by id: its type and content. The content may
// be shared with a cache and must not be modified.
type rawReader interface {
	read(id plumbing.Hash) (plumbing.ObjectType, []byte, error)
	// readInto is read building the content in dst when it is big enough
	// (gitobj.Reader.ReadInto): the content is then the caller's alone.
	readInto(id plumbing.Hash, dst []byte) (plumbing.ObjectType, []byte, error)
	// readPrefix reads the start of an object too big to read whole.
	readPrefix(id plumbing.Hash, n int64) (plumbing.ObjectType, []byte, error)
}

// walkCacheBytes is the delta base cache of the commit and tree walk: a
// twelfth of the memory budget (64 MiB at the default).
func walkCacheBytes(budget int64) int { return int(max(budget/12, 4<<20)) }

// odb reads objects for the history walk (one goroutine) straight from the
// mapped packs and loose objects.
type odb struct{ rd *gitobj.Reader }

func (d *odb) read(id plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	return d.rd.Read(id)
}

func (d *odb) readInto(id plumbing.Hash, dst []byte) (plumbing.ObjectType, []byte, error) {
	return d.rd.ReadInto(id, dst)
}

func (d *odb) readPrefix(id plumbing.Hash, n int64) (plumbing.ObjectType, []byte, error) {
	return d.rd.ReadPrefix(id, n)
}

// lockedReader reads objects out of the walk's order (commit metadata,
// Repo.InBase, REF_DELTA bases, small ranges) from any goroutine.
type lockedReader struct {
	mu sync.Mutex
	rd *gitobj.Reader
}

func (l *lockedReader) read(id plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	return l.readLimit(id, l.rd.Limit)
}

// work is how many bytes the reader has inflated and built.
func (l *lockedReader) work() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rd == nil {
		return 0
	}
	return l.rd.Work
}

func (l *lockedReader) readLimit(id plumbing.Hash, limit int64) (plumbing.ObjectType, []byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rd == nil {
		return 0, nil, gitobj.ErrNotFound
	}
	return l.rd.ReadLimit(id, limit)
}

// reasonFor is the Skipped reason of an object read error.
func reasonFor(err error) string {
	switch {
	case errors.Is(err, gitobj.ErrNotFound):
		return ReasonMissing
	case gitobj.IsTooLarge(err):
		return ReasonTooLarge
	}
	return ReasonCorrupt
}

func notA(id plumbing.Hash, t, want plumbing.ObjectType) error {
	return &gitobj.CorruptError{Where: "object " + id.String(), Err: fmt.Errorf("is a %s, not a %s", t, want)}
}
