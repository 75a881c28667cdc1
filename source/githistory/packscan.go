package githistory

import (
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
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
	// fail reports an object that could not be read, and the wanted blobs
	// that were lost with it (itself included when wanted).
	fail func(h plumbing.Hash, err error, lost []plumbing.Hash)
	// external reads a REF_DELTA base that is not in this pack.
	external func(h plumbing.Hash) (typ int8, data []byte, err error)
	maxSize  int64
	workers  int
}

// walkBlobs reads every blob delta tree of the pack that holds a wanted blob,
// each from its whole base object down, depth first: every object is
// inflated once, no cache is needed, and memory is bounded by chain depth.
// Trees are spread over workers in pack order.
func (p *pack) walkBlobs(ctx context.Context, v *packVisitor) error {
	wp := pool.New().WithErrors().WithContext(ctx).WithCancelOnError().WithFirstError().WithMaxGoroutines(max(v.workers, 1))
	p.submit(wp, v)
	return wp.Wait()
}

// submit queues the pack's delta trees on wp, so that several packs share
// one set of workers.
func (p *pack) submit(wp *pool.ContextPool, v *packVisitor) {
	needed := make([]bool, len(p.objs))
	for i := range p.objs {
		o := &p.objs[i]
		if (o.typ == objBlob || o.typ == 0) && v.want(p.hashes[i]) {
			for j := int32(i); j >= 0 && !needed[j]; j = p.objs[j].base {
				needed[j] = true
			}
		}
	}
	var roots []int32
	for i, o := range p.objs {
		if needed[i] && (o.base == noBase || o.base == externalBase) {
			roots = append(roots, int32(i))
		}
	}
	workers := max(v.workers, 1)
	// Work is about the bytes built and matched: a delta tree costs roughly
	// its root's size times its number of objects (versions of one file
	// are of similar size). Batches of about 1/16 of a worker's share keep
	// every worker busy even when one pack holds few, big trees.
	cost := make([]int64, len(roots))
	var total int64
	var stack []int32
	for k, r := range roots {
		n := int64(0)
		stack = append(stack[:0], r)
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n++
			stack = append(stack, p.children(j)...)
		}
		cost[k] = max(p.objs[r].size, 1024) * n
		total += cost[k]
	}
	target := max(total/int64(workers*16), 1<<20)
	for start := 0; start < len(roots); {
		end, size := start, int64(0)
		for end < len(roots) && (end == start || size < target) {
			size += cost[end]
			end++
		}
		batch := roots[start:end]
		start = end
		wp.Go(func(ctx context.Context) error {
			w := &treeWalker{p: p, v: v, needed: needed}
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

type frame struct {
	data []byte
	kids []int32
	next int
}

type treeWalker struct {
	p      *pack
	v      *packVisitor
	needed []bool
	z      inflater
	delta  []byte
	stack  []frame
	// extBlob: the tree being walked hangs off a base outside the pack
	// that turned out to be a blob (its entries have type 0).
	extBlob bool
}

// walk resolves the delta tree under root. Errors from reading objects are
// reported through fail and end only the subtree; the returned error is
// from the sink or the context.
func (w *treeWalker) walk(ctx context.Context, root int32) (err error) {
	p := w.p
	defer func() {
		// Last resort: input must never crash the scan.
		if r := recover(); r != nil {
			w.lose(root, fmt.Errorf("internal error reading pack: %v", r))
			err = nil
		}
	}()
	var data []byte
	if p.objs[root].base == externalBase {
		typ, base, rerr := w.v.external(p.ext[root])
		if rerr != nil {
			w.lose(root, fmt.Errorf("delta base %s: %w", p.ext[root], rerr))
			return nil
		}
		if typ != objBlob {
			return nil
		}
		// The subtree's type was unknown until its base was read.
		w.extBlob = true
		defer func() { w.extBlob = false }()
		delta, rerr := w.z.inflate(p, root, w.delta)
		if rerr != nil {
			w.lose(root, rerr)
			return nil
		}
		w.delta = delta
		data, rerr = applyDelta(base, delta, uint64(w.v.maxSize))
		if rerr != nil {
			w.lose(root, rerr)
			return nil
		}
	} else {
		if p.objs[root].size > w.v.maxSize {
			w.lose(root, fmt.Errorf("blob of %d bytes is over the %d-byte limit", p.objs[root].size, w.v.maxSize))
			return nil
		}
		var rerr error
		data, rerr = w.z.inflate(p, root, nil)
		if rerr != nil {
			w.lose(root, rerr)
			return nil
		}
	}
	if err := w.emit(ctx, root, data); err != nil {
		return err
	}
	w.stack = append(w.stack[:0], frame{data: data, kids: p.children(root)})
	data = nil
	for len(w.stack) > 0 {
		f := &w.stack[len(w.stack)-1]
		if f.next == len(f.kids) {
			w.stack = w.stack[:len(w.stack)-1]
			continue
		}
		k := f.kids[f.next]
		f.next++
		base := f.data
		if f.next == len(f.kids) {
			// The last child: drop the frame now, so the base can be
			// freed as soon as this child is built.
			w.stack[len(w.stack)-1] = frame{}
			w.stack = w.stack[:len(w.stack)-1]
		}
		if !w.needed[k] {
			continue
		}
		delta, rerr := w.z.inflate(p, k, w.delta)
		if rerr != nil {
			w.lose(k, rerr)
			continue
		}
		w.delta = delta
		out, rerr := applyDelta(base, delta, uint64(w.v.maxSize))
		base = nil
		if rerr != nil {
			w.lose(k, rerr)
			continue
		}
		if err := w.emit(ctx, k, out); err != nil {
			return err
		}
		if kids := p.children(k); len(kids) > 0 {
			w.stack = append(w.stack, frame{data: out, kids: kids})
		}
	}
	return nil
}

func (w *treeWalker) emit(ctx context.Context, i int32, data []byte) error {
	h := w.p.hashes[i]
	if t := w.p.objs[i].typ; t != objBlob && !(t == 0 && w.extBlob) {
		return nil
	}
	if !w.v.want(h) {
		return nil
	}
	return w.v.blob(ctx, h, data)
}

// lose reports object i as unreadable along with the wanted blobs of its
// delta subtree, which cannot be built without it.
func (w *treeWalker) lose(i int32, err error) {
	p := w.p
	var lost []plumbing.Hash
	stack := []int32{i}
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if w.needed[j] && w.v.want(p.hashes[j]) {
			lost = append(lost, p.hashes[j])
		}
		stack = append(stack, p.children(j)...)
	}
	w.v.fail(p.hashes[i], err, lost)
}
