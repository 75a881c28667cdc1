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
		// w.delta still holds i's delta: apply was its last use.
		d = copiesOf(w.delta, baseMemo, w.copies[:0])
		if d != nil {
			w.copies = d.Copies
		}
	}
	return memo, w.v.deltaBlob(ctx, h, data, memo, d)
}

// copiesOf lists the copy runs of delta, merging runs that continue each
// other in the base, appended to buf (the walker's, reused from blob to
// blob: the sink is done with them when it returns); nil when the delta
// cannot be read (then the blob is scanned in full).
func copiesOf(delta []byte, base *source.Memo, buf []source.Copy) *source.Delta {
	dp, err := gitobj.ParseDelta(delta)
	if err != nil {
		return nil
	}
	d := &source.Delta{Base: base, BaseSize: int64(dp.SrcSize), Copies: buf}
	var dst int64
	for {
		op, ok := dp.Next()
		if !ok {
			break
		}
		if op.Insert == nil {
			n := len(d.Copies)
			if n > 0 && d.Copies[n-1].Dst+d.Copies[n-1].Len == dst && d.Copies[n-1].Src+d.Copies[n-1].Len == int64(op.Off) {
				d.Copies[n-1].Len += int64(op.Len)
			} else {
				d.Copies = append(d.Copies, source.Copy{Dst: dst, Src: int64(op.Off), Len: int64(op.Len)})
			}
		}
		dst += int64(op.Len)
	}
	if dp.Err() != nil || uint64(dst) != dp.DstSize {
		return nil
	}
	return d
}
