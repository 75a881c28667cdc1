package githistory

import (
	"context"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj"
	"github.com/scour-dev/scour/source"
)

// Delta-aware matching (docs/design.md §14): the walker tells the sink how
// each blob was built from its delta base, so the sink matches only the new
// bytes and carries the rest of the base's matches over.

// emitDelta hands blob i (hash h, content data) to the visitor's deltaBlob
// with its delta's copy runs when its base was handed over with a memo,
// and returns a memo for i's own deltas when it has any.
func (w *treeWalker) emitDelta(ctx context.Context, i int32, h plumbing.Hash, data []byte, baseMemo *source.Memo) (*source.Memo, error) {
	var memo *source.Memo
	if w.t.IsBase(i) {
		memo = &source.Memo{}
	}
	var d *source.Delta
	if baseMemo != nil && baseMemo.Value != nil {
		// w.copies are i's copy runs: apply built i last.
		d = &source.Delta{Base: baseMemo, BaseSize: baseSize(w.delta), Copies: w.copies}
	}
	return memo, w.v.deltaBlob(ctx, h, data, memo, d)
}

// baseSize is the base size a delta declares (it was checked against the
// base when the delta was applied).
func baseSize(delta []byte) int64 {
	dp, err := gitobj.ParseDelta(delta)
	if err != nil {
		return 0
	}
	return int64(dp.SrcSize)
}

// appendCopy adds a copy run to runs, merging it into the last one when
// it continues it both in the blob and in the base.
func appendCopy(runs []source.Copy, dst, src, n int64) []source.Copy {
	if k := len(runs); k > 0 && runs[k-1].Dst+runs[k-1].Len == dst && runs[k-1].Src+runs[k-1].Len == src {
		runs[k-1].Len += n
		return runs
	}
	return append(runs, source.Copy{Dst: dst, Src: src, Len: n})
}
