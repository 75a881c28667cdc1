package githistory

import (
	"context"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/source"
)

// worktreeSink passes on the working-tree files whose content is not a
// blob the history scan already covered (untracked and modified files),
// hashed as git hashes blobs.
type worktreeSink struct {
	s *scan
}

func (w *worktreeSink) Skipped(sk source.Skipped) { w.s.sink.Skipped(sk) }

func (w *worktreeSink) Item(ctx context.Context, it source.Item) error {
	data := it.Data
	if data == nil && it.Open != nil {
		if it.Size > w.s.r.opts.MaxBlobSize {
			// Too big to hash in memory: hand it on unfiltered.
			it.Origin.Kind = "worktree"
			w.s.worktree.Add(1)
			return w.s.sink.Item(ctx, it)
		}
		rc, err := it.Open()
		if err != nil {
			w.s.sink.Skipped(source.Skipped{Path: it.Origin.Path, Reason: "read error", Detail: err.Error()})
			return nil
		}
		data, err = io.ReadAll(io.LimitReader(rc, w.s.r.opts.MaxBlobSize+1))
		rc.Close()
		if err != nil {
			w.s.sink.Skipped(source.Skipped{Path: it.Origin.Path, Reason: "read error", Detail: err.Error()})
			return nil
		}
		if int64(len(data)) > w.s.r.opts.MaxBlobSize {
			w.s.sink.Skipped(source.Skipped{Path: it.Origin.Path, Reason: ReasonTooLarge, Detail: fmt.Sprintf("over %d bytes", w.s.r.opts.MaxBlobSize)})
			return nil
		}
	}
	id := plumbing.ComputeHash(plumbing.BlobObject, data)
	if (w.s.seen.scanned(id) && w.s.reported(id)) || w.s.known(id) {
		// Already scanned as part of history. A blob lost to damage is
		// scanned here instead: the file on disk is the only copy left.
		return nil
	}
	w.s.worktree.Add(1)
	o := it.Origin
	o.Kind = "worktree"
	o.BlobID = id.String()
	return w.s.sink.Item(ctx, source.Item{Origin: o, Data: data, Size: int64(len(data))})
}
