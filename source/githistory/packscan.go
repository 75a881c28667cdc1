package githistory

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj"
	"github.com/scour-dev/scour/source"
	"github.com/sourcegraph/conc/pool"
)

// packVisitor is what walkBlobs reports to.
type packVisitor struct {
	// want says whether a blob is to be scanned. Blobs not wanted are still
	// resolved when a wanted delta is built on them.
	want func(h plumbing.Hash) bool
	// blob receives each wanted blob, whole. It may be called from several
	// goroutines and may keep data.
	blob func(ctx context.Context, h plumbing.Hash, data []byte) error
	// deltaBlob, when set, is called instead of blob, with how the blob
	// was built from its delta base (deltamatch.go).
	deltaBlob func(ctx context.Context, h plumbing.Hash, data []byte, memo *source.Memo, d *source.Delta) error
	// handled and claim, when set, are the scan's record of the blobs it
	// handed on (seenSet), asked by the entry (i of pack p, id h): handled
	// says whether it was, claim records it with its size and reports
	// whether it was new. A blob handled is not wanted; one claim refuses
	// is not handed on.
	handled func(p *gitobj.Pack, i int32, h plumbing.Hash) bool
	claim   func(p *gitobj.Pack, i int32, h plumbing.Hash, size int64) bool
	// fail reports an object that could not be read, and the wanted blobs
	// that were lost with it (itself included when wanted).
	fail func(h plumbing.Hash, err error, lost []plumbing.Hash)
	// reader makes a reader for objects outside the walk's order: a
	// REF_DELTA base in another pack, or a delta base rebuilt because it
	// was not kept (see heldBudget). One per worker.
	reader  func() *gitobj.Reader
	maxSize int64
	workers int
	// held bounds the bytes of delta bases one worker keeps (heldBudget);
	// 0 means the default budget's share for two workers.
	held int
	// peakHeld is the most bytes of delta bases one worker held at once
	// (diagnostics, and tests of the memory bound).
	peakHeld atomic.Int64
}

// heldBudget bounds the bytes of delta bases one worker keeps while it
// walks a delta tree: a quarter of the memory budget, shared between the
// workers (96 MiB each for two at the default). Children are visited
// smallest subtree first, so at most log2(objects) bases are kept; past
// the budget a base is dropped and rebuilt from its chain when its next
// child needs it, trading time for a memory bound on hostile packs (a
// comb of big deltas).
func heldBudget(budget int64, workers int) int {
	return int(max(budget/4/int64(max(workers, 1)), 8<<20))
}

// walkBlobs reads every blob delta tree of the pack that holds a wanted blob,
// each from its whole base object down, depth first: every object is
// inflated once, no cache is needed, and memory is bounded by chain depth.
// Trees are spread over workers in pack order.
func walkBlobs(ctx context.Context, p *gitobj.Pack, v *packVisitor) error {
	wp := pool.New().WithErrors().WithContext(ctx).WithCancelOnError().WithFirstError().WithMaxGoroutines(max(v.workers, 1))
	submit(wp, p, v)
	return wp.Wait()
}

// submit queues the pack's delta trees on wp, so that several packs share
// one set of workers.
func submit(wp *pool.ContextPool, p *gitobj.Pack, v *packVisitor) {
	t := p.Table()
	n := len(t.Entries)
	needed := make([]bool, n)
	for i := range t.Entries {
		e := &t.Entries[i]
		if (e.Type == gitobj.TypeBlob || e.Type == 0) && v.wanted(p, t, int32(i)) {
			for j := int32(i); j >= 0 && !needed[j]; j = t.Entries[j].Base {
				needed[j] = true
			}
		}
	}
	// Subtree sizes, children before their base (bases come first in a
	// pack only for OFS_DELTA; REF_DELTA bases may follow, so do it by
	// an explicit post-order).
	weight := make([]int32, n)
	var roots []int32
	for i, e := range t.Entries {
		if needed[i] && (e.Base == gitobj.NoBase || e.Base == gitobj.ExternalBase) {
			roots = append(roots, int32(i))
		}
	}
	workers := max(v.workers, 1)
	// Work is about the bytes built and matched: a delta tree costs roughly
	// its root's size times its number of objects (versions of one file
	// are of similar size). Batches shrink as the work left does (guided
	// self-scheduling): each is 1/8 of a worker's share of what is left,
	// so the first are big and the last small, and the workers finish
	// together (fixed batches of 1/16 of a worker's share left one core
	// idle for up to one batch, about 1.5% of a whole-history scan).
	cost := make([]int64, len(roots))
	var total int64
	var order []int32
	for k, r := range roots {
		order = append(order[:0], r)
		for j := 0; j < len(order); j++ {
			order = append(order, t.Children(order[j])...)
		}
		for j := len(order) - 1; j >= 0; j-- {
			x := order[j]
			weight[x]++
			if b := t.Entries[x].Base; b >= 0 && x != r {
				weight[b] += weight[x]
			}
		}
		cost[k] = max(t.Entries[r].Hdr.Size, 1024) * int64(len(order))
		total += cost[k]
	}
	left := total
	for start := 0; start < len(roots); {
		target := max(left/int64(workers*8), 1<<20)
		end, size := start, int64(0)
		for end < len(roots) && (end == start || size < target) {
			size += cost[end]
			end++
		}
		left -= size
		batch := roots[start:end]
		start = end
		wp.Go(func(ctx context.Context) error {
			w := &treeWalker{p: p, t: t, v: v, needed: needed, weight: weight}
			for _, r := range batch {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := w.walk(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// wanted says whether entry i of pack p (table t) is a blob to scan, if
// it is a blob: want says so and it was not handed on already.
func (v *packVisitor) wanted(p *gitobj.Pack, t *gitobj.Table, i int32) bool {
	h := t.Hashes[i]
	return v.want(h) && (v.handled == nil || !v.handled(p, i, h))
}

type frame struct {
	i    int32  // the base object
	data []byte // its content, or nil when not kept (rebuilt on demand)
	kids []int32
	next int
	// memo is what the sink kept of the base for its deltas (nil when
	// the sink is not told about deltas).
	memo *source.Memo
}

type treeWalker struct {
	p      *gitobj.Pack
	t      *gitobj.Table
	v      *packVisitor
	needed []bool
	weight []int32 // objects in each subtree
	z      gitobj.Inflater
	rd     *gitobj.Reader
	delta  []byte
	// spare are buffers of blobs the walker is done with (leaves once
	// matched, bases once their last child is built), reused for the next
	// objects: most versions of a file are of similar size, and a fresh
	// slice per object cost an allocation, its zeroing and GC work (about
	// a tenth of a history scan's CPU on etcd).
	spare      [][]byte
	spareBytes int
	copies     []source.Copy // copy runs of the last delta applied, reused
	stack      []frame
	held       int // bytes of bases kept on the stack
	// extBlob: the tree being walked hangs off a base outside the pack
	// that turned out to be a blob (its entries have type 0).
	extBlob bool
}

func (w *treeWalker) reader() *gitobj.Reader {
	if w.rd == nil {
		w.rd = w.v.reader()
	}
	return w.rd
}

// walk resolves the delta tree under root. Errors from reading objects are
// reported through fail and end only the subtree; the returned error is
// from the sink or the context.
func (w *treeWalker) walk(ctx context.Context, root int32) (err error) {
	t := w.t
	defer func() {
		// Last resort: input must never crash the scan.
		if r := recover(); r != nil {
			w.lose(root, fmt.Errorf("internal error reading pack: %v", r))
			w.stack, w.held = w.stack[:0], 0
			err = nil
		}
	}()
	var data []byte
	e := &t.Entries[root]
	if e.Base == gitobj.ExternalBase {
		typ, base, rerr := w.reader().Read(e.Hdr.BaseID)
		if rerr != nil {
			w.lose(root, fmt.Errorf("delta base %s: %w", e.Hdr.BaseID, rerr))
			return nil
		}
		if typ != plumbing.BlobObject {
			return nil
		}
		// The subtree's type was unknown until its base was read.
		w.extBlob = true
		defer func() { w.extBlob = false }()
		if data, rerr = w.apply(root, base); rerr != nil {
			w.lose(root, rerr)
			return nil
		}
	} else {
		if e.Hdr.Size > w.v.maxSize {
			w.lose(root, &gitobj.TooLargeError{Size: e.Hdr.Size, Limit: w.v.maxSize})
			return nil
		}
		var rerr error
		data, rerr = w.p.Inflate(&w.z, e.Hdr, w.take(e.Hdr.Size))
		if rerr != nil {
			w.lose(root, rerr)
			return nil
		}
	}
	memo, err := w.emit(ctx, root, data, nil)
	if err != nil {
		return err
	}
	if !w.push(root, data, memo) {
		w.recycle(data)
	}
	data = nil
	for len(w.stack) > 0 {
		f := &w.stack[len(w.stack)-1]
		if f.next == len(f.kids) {
			w.recycle(f.data)
			w.pop()
			continue
		}
		k := f.kids[f.next]
		f.next++
		base, bi, bm := f.data, f.i, f.memo
		// owned: base is the frame's own buffer and this is its last
		// child, so it can be reused once the child is built.
		owned := f.next == len(f.kids) && base != nil
		if f.next == len(f.kids) {
			// The last child (the biggest subtree): drop the frame now, so
			// the base can be freed as soon as this child is built.
			w.pop()
		}
		if !w.needed[k] {
			continue
		}
		if base == nil {
			// Not kept: rebuild it from its chain.
			var rerr error
			if _, base, rerr = w.reader().ReadAt(w.p, t.Entries[bi].Off, w.v.maxSize); rerr != nil {
				w.lose(k, rerr)
				continue
			}
		}
		out, rerr := w.apply(k, base)
		if owned {
			w.recycle(base)
		}
		base = nil
		if rerr != nil {
			w.lose(k, rerr)
			continue
		}
		memo, err := w.emit(ctx, k, out, bm)
		if err != nil {
			return err
		}
		if !w.push(k, out, memo) {
			w.recycle(out)
		}
	}
	return nil
}

// apply builds delta object i on base.
func (w *treeWalker) apply(i int32, base []byte) ([]byte, error) {
	h := w.t.Entries[i].Hdr
	if lim := gitobj.DeltaLimit(w.v.maxSize); h.Size > lim {
		return nil, &gitobj.TooLargeError{Size: h.Size, Limit: lim, Delta: true}
	}
	delta, err := w.p.Inflate(&w.z, h, w.delta)
	if err != nil {
		return nil, err
	}
	w.delta = delta
	var dst []byte
	if d, err := gitobj.ParseDelta(delta); err == nil && d.DstSize <= uint64(w.v.maxSize) {
		dst = w.take(int64(d.DstSize))
	}
	if w.v.deltaBlob == nil {
		return gitobj.ApplyDeltaInto(dst, base, delta, uint64(w.v.maxSize))
	}
	// Delta-aware matching wants the copy runs (emitDelta): listed while
	// the delta is applied rather than by reading it again.
	w.copies = w.copies[:0]
	return gitobj.ApplyDeltaFunc(dst, base, delta, uint64(w.v.maxSize), func(dst, src, n uint64) {
		w.copies = appendCopy(w.copies, int64(dst), int64(src), int64(n))
	})
}

// Bounds of the spare buffers one walker keeps for reuse.
const (
	maxSpare      = 8
	maxSpareBytes = 16 << 20
)

// take returns a spare buffer of at least n bytes (the smallest that
// fits), or nil.
func (w *treeWalker) take(n int64) []byte {
	best := -1
	for i, b := range w.spare {
		if int64(cap(b)) >= n && (best < 0 || cap(b) < cap(w.spare[best])) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	b := w.spare[best]
	w.spare = slices.Delete(w.spare, best, best+1)
	w.spareBytes -= cap(b)
	return b
}

// recycle keeps b, which nothing else refers to any more (the sink is done
// with a blob when it returns), for take; past the bounds the smallest
// spare is let go.
func (w *treeWalker) recycle(b []byte) {
	if cap(b) == 0 || cap(b) > maxSpareBytes {
		return
	}
	w.spare = append(w.spare, b[:0])
	w.spareBytes += cap(b)
	for len(w.spare) > maxSpare || w.spareBytes > maxSpareBytes {
		small := 0
		for i, s := range w.spare {
			if cap(s) < cap(w.spare[small]) {
				small = i
			}
		}
		w.spareBytes -= cap(w.spare[small])
		w.spare = slices.Delete(w.spare, small, small+1)
	}
}

// push makes object i, built as data, the base of its children, smallest
// subtree first. Its data is kept only within the budget; push reports
// whether it was kept (if not, the caller may reuse it).
func (w *treeWalker) push(i int32, data []byte, memo *source.Memo) bool {
	kids := w.t.Children(i)
	if len(kids) == 0 {
		return false
	}
	if len(kids) > 1 {
		kids = slices.Clone(kids)
		slices.SortStableFunc(kids, func(a, b int32) int { return int(w.weight[a]) - int(w.weight[b]) })
	}
	limit := w.v.held
	if limit <= 0 {
		limit = heldBudget(DefaultMemoryBudget, 2)
	}
	if w.held+len(data) > limit && len(w.stack) > 0 {
		data = nil
	}
	w.held += len(data)
	for h := int64(w.held); ; {
		old := w.v.peakHeld.Load()
		if h <= old || w.v.peakHeld.CompareAndSwap(old, h) {
			break
		}
	}
	w.stack = append(w.stack, frame{i: i, data: data, kids: kids, memo: memo})
	return data != nil
}

func (w *treeWalker) pop() {
	top := len(w.stack) - 1
	w.held -= len(w.stack[top].data)
	w.stack[top] = frame{}
	w.stack = w.stack[:top]
}

// emit hands blob i to the visitor. baseMemo is its delta base's memo (nil
// for a whole object); the returned memo is for i's own deltas.
func (w *treeWalker) emit(ctx context.Context, i int32, data []byte, baseMemo *source.Memo) (*source.Memo, error) {
	h := w.t.Hashes[i]
	if t := w.t.Entries[i].Type; t != gitobj.TypeBlob && !(t == 0 && w.extBlob) {
		return nil, nil
	}
	if !w.v.want(h) {
		return nil, nil
	}
	if w.v.claim != nil && !w.v.claim(w.p, i, h, int64(len(data))) {
		return nil, nil // handed on already (from another pack)
	}
	if w.v.deltaBlob == nil {
		return nil, w.v.blob(ctx, h, data)
	}
	return w.emitDelta(ctx, i, h, data, baseMemo)
}

// lose reports object i as unreadable along with the wanted blobs of its
// delta subtree, which cannot be built without it.
func (w *treeWalker) lose(i int32, err error) {
	t := w.t
	var lost []plumbing.Hash
	stack := []int32{i}
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if w.needed[j] && w.v.wanted(w.p, t, j) {
			lost = append(lost, t.Hashes[j])
		}
		stack = append(stack, t.Children(j)...)
	}
	w.v.fail(t.Hashes[i], err, lost)
}
