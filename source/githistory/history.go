package githistory

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj"
	"github.com/scour-dev/scour/source"
)

// commitNode is a commit in the walk.
type commitNode struct {
	hash        plumbing.Hash
	tree        plumbing.Hash
	parents     []int32 // indexes of parents that are present
	when        int64
	order       int32 // position in the parents-first walk
	unreachable bool
	inRange     bool
	// outside are parents the walk stopped at (already scanned, in an
	// incremental scan): not walked, but their trees are what this commit
	// is compared with.
	outside []plumbing.Hash
}

// loc is one (commit, path) where a blob appears in history. commit is -1
// for blobs a tag points at directly (path is then the tag's name).
type loc struct {
	commit int32
	path   string
	// bases are the blobs at the same path in the commit's parents (range
	// scans only): what the commit changed, for Repo.InBase.
	bases []plumbing.Hash
}

// blobInfo is what history knows of a blob.
type blobInfo struct {
	locs      []loc // oldest first
	reachable bool  // from a ref (not only from unreachable commits)
	excluded  bool  // every path it has is excluded
	// seen: the scan handed it on or lost it (scan.seen), set by
	// scan.count once the reading is done, for reportMissing.
	seen bool
}

// history is the result of walking commits and trees: for every blob,
// every (commit, path) that introduced it.
type history struct {
	obj     rawReader
	shallow map[plumbing.Hash]bool
	commits []commitNode
	index   map[plumbing.Hash]int32
	blobs   map[plumbing.Hash]*blobInfo
	// walked holds every tree id walked, with the first path walkTree
	// walked it at; seenAt the other (id, path) pairs walkTree walked.
	// Nearly every tree is walked at one path only, so one lookup in
	// walked decides both whether a tree was walked at this path and
	// whether it was walked before elsewhere (two maps, one lookup each,
	// were a tenth of the walk's CPU: the lookups miss the CPU's caches).
	walked    map[plumbing.Hash]treeMark
	seenAt    map[treeKey]struct{}
	treesSeen int // (tree, path) pairs walkTree walked
	skip      func(source.Skipped)
	entries   [][]treeEntry // reusable per depth

	// lastTree is, per directory path, the content of the tree last walked
	// there in full: a new tree at the same path shares most entries with
	// it, and those are already recorded, so walkTree skips them instead
	// of looking each up (the blobs map lookups were a tenth of the walk's
	// CPU on etcd). Bounded to lastTreeMax bytes (lastTreeBytes held);
	// past it, paths not yet held are walked in full.
	lastTree      map[string]lastTree
	lastTreeBytes int
	endsAt        [][]int32 // entry ends, reusable per depth
	// treeBuf holds, per depth, a buffer the next tree read there is built
	// in: a tree kept in lastTree gives its place to the one it replaces,
	// so trees are not allocated, zeroed and collected one by one (a
	// gigabyte of them on a large history). commitBuf is the same for
	// commits.
	treeBuf     [][]byte
	commitBuf   []byte
	lastTreeMax int
	// refused counts trees not walked (refused by the walk's bounds, or
	// unreadable): a walk during which it grew is not complete, and its
	// tree is not kept in lastTree.
	refused int
	// tipHeaders are the headers of the commits refs point at, parsed when
	// the refs were peeled, for collect (each read once, not twice).
	tipHeaders map[plumbing.Hash]commitHeader
	missing    int // commits or trees that could not be read
	shallowed  bool
	nextOrder  int32

	// Bounds on hostile trees: the trees on the path being walked (a tree
	// listing itself or an ancestor is a loop), tree ids walked at any
	// path, and how many more entries trees met again at new paths may
	// cost (a "tree bomb" repeats one subtree under many names).
	ancestors map[plumbing.Hash]int
	rewalk    int
	bombed    bool
	looped    bool // a tree containing itself was reported
	cycled    bool // commits whose parents loop were reported
}

// maxCommitHeaders is how much of an oversized commit is read for its
// tree, parents and date.
const maxCommitHeaders = 1 << 20

// Bounds of the tree walk. git refuses trees deeper than 4096 levels
// (core.maxTreeDepth); rewalkBudget bounds the entries of trees walked
// again because they appear at a new path (renamed or copied
// directories): past it their blobs keep only the paths already known.
const (
	maxTreeDepth = 4096
	rewalkBudget = 1 << 20
	maxBlobLocs  = 4096 // locations kept per blob
)

func newHistory(obj rawReader, shallow map[plumbing.Hash]bool, skip func(source.Skipped)) *history {
	return &history{
		obj: obj, shallow: shallow, skip: skip,
		index:     map[plumbing.Hash]int32{},
		blobs:     map[plumbing.Hash]*blobInfo{},
		walked:    map[plumbing.Hash]treeMark{},
		seenAt:    map[treeKey]struct{}{},
		ancestors: map[plumbing.Hash]int{},
		rewalk:    rewalkBudget,
		lastTree:  map[string]lastTree{},
		// Most repositories' directories fit many times over; see
		// lastTreeBytesFor for the share of the memory budget.
		lastTreeMax: lastTreeBytesFor(DefaultMemoryBudget),
	}
}

// sizeFor sizes the maps of blobs and trees, while empty, for walking the
// whole history of the objects of packs: each holds a third to a half of
// a repository's objects, and growing them one doubling at a time was a
// twentieth of the walk's CPU.
func (h *history) sizeFor(packs []*gitobj.Pack) {
	n := 0
	for _, p := range packs {
		n += p.Index().Len()
	}
	if len(h.blobs) == 0 && len(h.walked) == 0 {
		h.blobs = make(map[plumbing.Hash]*blobInfo, n/3)
		h.walked = make(map[plumbing.Hash]treeMark, n/3)
	}
}

// lastTreeBytesFor bounds history.lastTree: a 24th of the memory budget
// (32 MiB at the default).
func lastTreeBytesFor(budget int64) int { return int(max(budget/24, 1<<20)) }

// header reads a commit's tree, parents and time from the commit object.
// The commit-graph file is not used: it is not checked against the
// commits, so a damaged or forged one (a parent loop, a parent swapped)
// could hide history from the scan while git log shows it.
func (h *history) header(id plumbing.Hash) (commitHeader, error) {
	if hd, ok := h.tipHeaders[id]; ok {
		delete(h.tipHeaders, id)
		return hd, nil
	}
	// The header parsed copies what it keeps: the buffer is reused.
	t, data, err := h.obj.readInto(id, h.commitBuf)
	if err == nil && cap(data) <= maxScratch {
		h.commitBuf = data
	}
	if gitobj.IsTooLarge(err) {
		// A commit bigger than the limit (a huge message, or a bomb): its
		// headers come first, and they are all the walk needs. Not reading
		// them would hide every commit behind it.
		t, data, err = h.obj.readPrefix(id, maxCommitHeaders)
	}
	if err != nil {
		return commitHeader{}, err
	}
	if t != plumbing.CommitObject {
		return commitHeader{}, notA(id, t, plumbing.CommitObject)
	}
	return parseCommitHeader(data)
}

// collect adds every commit reachable from tips that is not yet known,
// stopping at commits stop reports (nil: none). It returns the indexes of
// the new commits.
func (h *history) collect(tips []plumbing.Hash, stop func(plumbing.Hash) bool, unreachable bool) []int32 {
	var added []int32
	// The parents of added[k] are pids[from[k]:from[k+1]]; links holds,
	// beside each, what it resolved to: its index, linkOutside, or -1.
	// Each id on the stack is a tip (at -1) or the parent at links[at],
	// noted when it is popped: one lookup in index per parent, not two.
	type pending struct {
		id plumbing.Hash
		at int32
	}
	var links []int32
	var pids []plumbing.Hash
	from := []int32{0}
	stack := make([]pending, 0, len(tips))
	for _, id := range tips {
		stack = append(stack, pending{id, -1})
	}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		id, link := top.id, int32(-1)
		if j, ok := h.index[id]; ok {
			link = j
		} else if stop != nil && stop(id) {
			link = linkOutside
		} else if hd, err := h.header(id); err != nil {
			h.missing++
			h.skip(source.Skipped{Path: "commit " + id.String(), Reason: reasonFor(err), Detail: "its tree and ancestors are not scanned: " + err.Error()})
			h.index[id] = -1
		} else {
			i := int32(len(h.commits))
			h.index[id] = i
			link = i
			h.commits = append(h.commits, commitNode{hash: id, tree: hd.tree, when: hd.when, unreachable: unreachable})
			added = append(added, i)
			if h.shallow[id] {
				h.shallowed = true // a shallow clone's boundary: its parents are not here
			} else {
				for _, p := range hd.parents {
					stack = append(stack, pending{p, int32(len(links))})
					links, pids = append(links, -1), append(pids, p)
				}
			}
			from = append(from, int32(len(links)))
		}
		if top.at >= 0 {
			links[top.at] = link
		}
	}
	for k, i := range added {
		c := &h.commits[i]
		for at := from[k]; at < from[k+1]; at++ {
			switch j := links[at]; {
			case j >= 0:
				c.parents = append(c.parents, j)
			case j == linkOutside:
				c.outside = append(c.outside, pids[at])
			}
		}
	}
	return added
}

// linkOutside marks, in collect, a parent the walk stopped at.
const linkOutside = -2

// sortParentsFirst orders commits so that every commit comes after its
// parents, and among commits ready at the same time the oldest first.
func (h *history) sortParentsFirst(set []int32) []int32 {
	// Indexed by commit (slices, not maps: the set is most of the commits).
	n := len(h.commits)
	in := make([]int32, n)
	member := make([]bool, n)
	done := make([]bool, n)
	for _, i := range set {
		member[i] = true
	}
	// kids[kidsAt[p]:kidsAt[p+1]] are p's children in the set.
	kidsAt := make([]int32, n+1)
	for _, i := range set {
		for _, p := range h.commits[i].parents {
			if member[p] {
				in[i]++
				kidsAt[p+1]++
			}
		}
	}
	for p := range n {
		kidsAt[p+1] += kidsAt[p]
	}
	kids := make([]int32, kidsAt[n])
	fill := slices.Clone(kidsAt[:n])
	for _, i := range set {
		for _, p := range h.commits[i].parents {
			if member[p] {
				kids[fill[p]] = i
				fill[p]++
			}
		}
	}
	q := &commitHeap{h: h}
	for _, i := range set {
		if in[i] == 0 {
			q.items = append(q.items, i)
		}
	}
	heap.Init(q)
	out := make([]int32, 0, len(set))
	for len(out) < len(set) {
		if q.Len() == 0 {
			// Parent links that loop (commit objects that do not match
			// their ids): take the oldest waiting commit anyway, so that
			// nothing after the loop is lost.
			var pick int32 = -1
			for _, i := range set {
				if !done[i] && (pick < 0 || q.older(i, pick)) {
					pick = i
				}
			}
			if !h.cycled {
				h.cycled = true
				h.skip(source.Skipped{Path: "commit " + h.commits[pick].hash.String(), Reason: ReasonCorrupt,
					Detail: "commits whose parents loop back to them (objects that do not match their ids): walked in date order, nothing left out"})
			}
			in[pick] = 0
			heap.Push(q, pick)
		}
		i := heap.Pop(q).(int32)
		if done[i] {
			continue
		}
		done[i] = true
		out = append(out, i)
		for _, k := range kids[kidsAt[i]:kidsAt[i+1]] {
			if in[k]--; in[k] == 0 {
				heap.Push(q, k)
			}
		}
	}
	return out
}

func (q *commitHeap) older(a, b int32) bool {
	ca, cb := &q.h.commits[a], &q.h.commits[b]
	if ca.when != cb.when {
		return ca.when < cb.when
	}
	return bytes.Compare(ca.hash[:], cb.hash[:]) < 0 // as their hex forms compare
}

type commitHeap struct {
	h     *history
	items []int32
}

func (q *commitHeap) Len() int           { return len(q.items) }
func (q *commitHeap) Less(a, b int) bool { return q.older(q.items[a], q.items[b]) }
func (q *commitHeap) Swap(a, b int)      { q.items[a], q.items[b] = q.items[b], q.items[a] }
func (q *commitHeap) Push(x any)         { q.items = append(q.items, x.(int32)) }
func (q *commitHeap) Pop() any {
	x := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return x
}

// attribute walks the trees of commits in order and records, for each
// blob, the (commit, path) pairs where it appears in a tree not seen
// before. Trees are compared by id only and each tree is read once (the
// "seen tree" walk), so the cost is the number of distinct trees, not
// commits times files.
func (h *history) attribute(ctx context.Context, order []int32) error {
	for k, ci := range order {
		if k%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		h.commits[ci].order = h.nextOrder
		h.nextOrder++
		h.walkTree(ci, h.commits[ci].tree, "", 0)
	}
	return nil
}

// treeMark is what walked holds of a tree: the path hash walkTree first
// walked it at, if it did (walkTaggedTree and introduce mark trees too).
type treeMark struct {
	path   uint64
	atPath bool
}

// seen reports whether walkTree walked tree id at the path of hash path;
// m and known are walked[id].
func (h *history) seen(id plumbing.Hash, path uint64, m treeMark, known bool) bool {
	if !known || !m.atPath {
		return false
	}
	if m.path == path {
		return true
	}
	_, ok := h.seenAt[treeKey{id, path}]
	return ok
}

func (h *history) walkTree(ci int32, id plumbing.Hash, prefix string, depth int) {
	ph := pathHash(prefix)
	m, known := h.walked[id]
	if h.seen(id, ph, m, known) {
		return
	}
	h.walkNew(ci, id, prefix, ph, depth, m, known)
}

// walkNew walks tree id at prefix (of hash ph), which walkTree has not
// walked there; m and known are walked[id].
func (h *history) walkNew(ci int32, id plumbing.Hash, prefix string, ph uint64, depth int, m treeMark, known bool) {
	again, ok := h.enter(ci, id, prefix, depth, known)
	if !ok {
		h.refused++
		return
	}
	defer h.leave(id)
	if !known || !m.atPath {
		h.walked[id] = treeMark{path: ph, atPath: true}
	} else {
		h.seenAt[treeKey{id, ph}] = struct{}{}
	}
	h.treesSeen++
	last, hasLast := h.lastTree[prefix]
	d, err := h.readTreeDiff(id, depth, last, hasLast)
	if again {
		h.rewalk -= d.count
	}
	if err != nil {
		h.refused++
		h.missing++
		h.skip(source.Skipped{Path: pathOr(prefix, "/") + " in commit " + h.commits[ci].hash.String(), Reason: reasonFor(err), Detail: "tree " + id.String() + ": " + err.Error()})
		return
	}
	// Entries the last tree walked in full at this path also holds are
	// recorded already: their blobs have this path, their subtrees were
	// walked here (record and walkTree would change nothing), unless the
	// walk made a blob reachable that was not: the reachable commits are
	// all walked before the unreachable ones, so it cannot. readTreeDiff
	// left them out.
	refused := h.refused
	for i := range d.changed {
		e := &d.changed[i]
		switch e.kind {
		case entryTree:
			ph := pathHash2(prefix, e.name)
			if m, known := h.walked[e.hash]; !h.seen(e.hash, ph, m, known) {
				h.walkNew(ci, e.hash, join(prefix, e.name), ph, depth+1, m, known)
			}
		case entryBlob:
			h.record(e.hash, ci, prefix, e.name)
		}
	}
	if h.refused == refused {
		h.keepLast(prefix, depth, d, hasLast, last)
	}
}

// lastTree is a tree kept in history.lastTree: its bytes and where each
// of its entries ends, so that a new tree at the same path is compared
// with it without parsing the entries they share.
type lastTree struct {
	data []byte
	ends []int32
}

// size is what a lastTree counts against its bound.
func (l lastTree) size() int { return cap(l.data) + 4*cap(l.ends) }

// maxScratch bounds the buffers the walk keeps for reuse (treeBuf,
// commitBuf): a bigger object is read into a buffer of its own.
const maxScratch = 1 << 20

// treeDiff is a tree read for walkTree.
type treeDiff struct {
	data    []byte
	changed []treeEntry // its entries the last tree at its path does not hold, in order
	ends    []int32     // where each of its entries ends (all of them, when read without error)
	count   int         // its entries (before the damaged one, if damaged)
}

// readTreeDiff reads tree id and lists its entries that last does not
// hold. A new version of a directory shares most bytes with the one
// before: runs of whole entries at the start, at the end and between the
// entries that changed. Those runs are found by comparing bytes (8 at a
// time) and passed over with last's entry ends, not parsed (parsing every
// entry of every tree was an eighth of the walk's CPU). The result is the
// same as parsing it whole: a shared run starts and ends at entry
// boundaries of both trees and last parsed without error, so a damaged
// entry can only be among those parsed.
func (h *history) readTreeDiff(id plumbing.Hash, depth int, last lastTree, hasLast bool) (d treeDiff, err error) {
	for len(h.entries) <= depth {
		h.entries = append(h.entries, nil)
		h.endsAt = append(h.endsAt, nil)
	}
	for len(h.treeBuf) <= depth {
		h.treeBuf = append(h.treeBuf, nil)
	}
	t, data, err := h.obj.readInto(id, h.treeBuf[depth])
	if err != nil {
		return d, err
	}
	if cap(data) <= maxScratch {
		h.treeBuf[depth] = data[:0]
	}
	if t != plumbing.TreeObject {
		return d, notA(id, t, plumbing.TreeObject)
	}
	changed, ends := h.entries[depth][:0], h.endsAt[depth][:0]
	defer func() {
		h.entries[depth], h.endsAt[depth] = changed, ends
		d.data, d.changed, d.ends, d.count = data, changed, ends, len(ends)
	}()
	if !hasLast {
		for at := 0; at < len(data); {
			e, _, ok := nextEntry(data[at:])
			if !ok {
				return d, errBadTree
			}
			changed = append(changed, e)
			at += e.size
			ends = append(ends, int32(at))
		}
		return d, nil
	}
	old := last.data
	// The shared suffix: from the first of last's entry boundaries within
	// it (lim), the same entries as data's from hi. Found first, so that
	// the prefix and the runs between stop before it.
	sfx := commonSuffix(data, old)
	from := len(old) - sfx
	j := sort.Search(len(last.ends), func(i int) bool { return int(last.ends[i]) >= from })
	lim, post := 0, 0 // last's entries from post on are in the suffix
	switch {
	case from > 0 && j < len(last.ends):
		lim, post = int(last.ends[j]), j+1
	case from > 0:
		lim, post = len(old), len(last.ends)
	}
	hi := lim - len(old) + len(data) // >= len(data)-sfx >= 0
	// data[a:] and old[b:] start with last's entry bi.
	a, b, bi := 0, 0, 0
	for a < hi {
		// A run of whole entries shared byte for byte.
		if n := commonPrefix(data[a:hi], old[b:lim]); n > 0 {
			k, shift := bi, int32(a-b)
			for k < post && int(last.ends[k]) <= b+n {
				ends = append(ends, last.ends[k]+shift)
				k++
			}
			if k > bi {
				nb := int(last.ends[k-1])
				a, b, bi = a+nb-b, nb, k
				continue
			}
		}
		e, _, ok := nextEntry(data[a:hi])
		if !ok {
			if hi < len(data) {
				// An entry of data runs past the suffix's start: start
				// again without a suffix.
				lim, post, hi = len(old), len(last.ends), len(data)
				a, b, bi = 0, 0, 0
				changed, ends = changed[:0], ends[:0]
				continue
			}
			return d, errBadTree
		}
		// Last's entries before e are not in data; the one named as e
		// holds it or not.
		held := false
		for b < lim {
			o, _, ok := nextEntry(old[b:lim])
			if !ok {
				b = lim
				break
			}
			c := gitCompare(o.name, o.kind, e.name, e.kind)
			if c > 0 {
				break
			}
			b += o.size
			bi++
			if c == 0 {
				held = o.kind == e.kind && o.hash == e.hash
				break
			}
		}
		if !held && e.kind != entryGitlink {
			changed = append(changed, e)
		}
		a += e.size
		ends = append(ends, int32(a))
	}
	shift := int32(len(data) - len(old))
	for _, e := range last.ends[post:] {
		ends = append(ends, e+shift)
	}
	return d, nil
}

// commonPrefix is the length of the longest common prefix of a and b.
func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for ; i+8 <= n; i += 8 {
		if x := binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:]); x != 0 {
			return i + bits.TrailingZeros64(x)/8
		}
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// commonSuffix is the length of the longest common suffix of a and b.
func commonSuffix(a, b []byte) int {
	n := min(len(a), len(b))
	a, b = a[len(a)-n:], b[len(b)-n:]
	i := 0
	for ; i+8 <= n; i += 8 {
		if x := binary.BigEndian.Uint64(a[n-i-8:]) ^ binary.BigEndian.Uint64(b[n-i-8:]); x != 0 {
			return i + bits.TrailingZeros64(x)/8
		}
	}
	for i < n && a[n-i-1] == b[n-i-1] {
		i++
	}
	return i
}

// keepLast makes d's tree, read at depth, the last tree walked in full at
// prefix, within the bound on lastTree. The tree's buffer goes to
// lastTree, and the buffer of the tree it replaces to treeBuf[depth].
func (h *history) keepLast(prefix string, depth int, d treeDiff, hasLast bool, last lastTree) {
	if !hasLast && h.lastTreeBytes+cap(d.data)+4*len(d.ends) > h.lastTreeMax {
		return
	}
	var ends []int32
	if hasLast {
		ends = last.ends[:0]
	}
	kept := lastTree{data: d.data, ends: append(ends, d.ends...)}
	h.treeBuf[depth] = nil // d.data is kept, or dropped
	if hasLast {
		h.lastTreeBytes -= last.size()
		if cap(last.data) <= maxScratch {
			h.treeBuf[depth] = last.data[:0]
		}
	}
	if h.lastTreeBytes+kept.size() > h.lastTreeMax {
		delete(h.lastTree, prefix)
		return
	}
	h.lastTree[prefix] = kept
	h.lastTreeBytes += kept.size()
}

// walkTaggedTree records the blobs of a tree a ref points at directly,
// under the ref's name; the tree walk's bounds apply.
func (h *history) walkTaggedTree(id plumbing.Hash, ref, prefix string, depth int) {
	again, ok := h.enterMark(-1, id, prefix, depth)
	if !ok {
		return
	}
	defer h.leave(id)
	entries, err := h.readTree(id, depth)
	if again {
		h.rewalk -= len(entries)
	}
	if err != nil {
		h.missing++
		h.skip(source.Skipped{Path: prefix, Reason: reasonFor(err), Detail: "tree " + id.String() + ": " + err.Error()})
		return
	}
	for _, e := range entries {
		switch e.kind {
		case entryBlob:
			h.record(e.hash, -1, prefix, e.name)
		case entryTree:
			h.walkTaggedTree(e.hash, ref, join(prefix, e.name), depth+1)
		}
	}
}

// enterMark is enter for walks that do not record where they walked a
// tree (walkTaggedTree, introduce): it marks the tree walked.
func (h *history) enterMark(ci int32, id plumbing.Hash, prefix string, depth int) (again, ok bool) {
	_, known := h.walked[id]
	again, ok = h.enter(ci, id, prefix, depth, known)
	if ok && !known {
		h.walked[id] = treeMark{}
	}
	return again, ok
}

// enter checks the bounds before tree id is walked at prefix, reporting
// (once each) a loop, a tree too deep, or the end of the rewalk budget;
// known says it was walked before (elsewhere), and is returned as again.
// A tree entered must be left, and marked walked by the caller.
func (h *history) enter(ci int32, id plumbing.Hash, prefix string, depth int, known bool) (again, ok bool) {
	// Built only to report: making it for every tree was a visible cost.
	where := func() string {
		if ci < 0 {
			return prefix // a tree a ref names: prefix starts with the ref
		}
		return pathOr(prefix, "/") + " in commit " + h.commits[ci].hash.String()
	}
	switch {
	case h.ancestors[id] > 0:
		if !h.looped {
			h.looped = true
			h.skip(source.Skipped{Path: where(), Reason: ReasonCorrupt, Detail: "tree " + id.String() + " contains itself (an object that does not match its id): the loop is not followed"})
		}
		return false, false
	case depth > maxTreeDepth:
		h.missing++
		h.skip(source.Skipped{Path: where(), Reason: ReasonCorrupt, Detail: fmt.Sprintf("tree %s is nested more than %d levels deep: not walked further", id, maxTreeDepth)})
		return false, false
	}
	if known && h.rewalk <= 0 {
		if !h.bombed {
			h.bombed = true
			h.skip(source.Skipped{Path: where(), Reason: ReasonTooLarge, Detail: fmt.Sprintf("directories repeated at more than %d paths (a tree bomb?): their contents are scanned, with only the paths already listed", rewalkBudget)})
		}
		return true, false
	}
	h.ancestors[id]++
	return known, true
}

func (h *history) leave(id plumbing.Hash) {
	if h.ancestors[id]--; h.ancestors[id] <= 0 {
		delete(h.ancestors, id)
	}
}

// readTree reads and parses a tree into a buffer reused per depth. The
// entries alias the object's bytes, which stay alive with them.
func (h *history) readTree(id plumbing.Hash, depth int) ([]treeEntry, error) {
	_, entries, err := h.readTreeData(id, depth)
	return entries, err
}

// readTreeData is readTree returning the tree's bytes too (shared with the
// reader's cache: not to be modified).
func (h *history) readTreeData(id plumbing.Hash, depth int) ([]byte, []treeEntry, error) {
	t, data, err := h.obj.read(id)
	if err != nil {
		return nil, nil, err
	}
	if t != plumbing.TreeObject {
		return nil, nil, notA(id, t, plumbing.TreeObject)
	}
	for len(h.entries) <= depth {
		h.entries = append(h.entries, nil)
	}
	entries, err := parseTree(data, h.entries[depth])
	h.entries[depth] = entries
	return data, entries, err
}

func (h *history) record(id plumbing.Hash, ci int32, prefix string, name []byte, bases ...plumbing.Hash) {
	b := h.blobs[id]
	if b == nil {
		b = &blobInfo{}
		h.blobs[id] = b
	}
	if ci < 0 || !h.commits[ci].unreachable {
		b.reachable = true
	}
	if len(b.locs) >= maxBlobLocs {
		return // a blob at thousands of paths: the first ones name it
	}
	for _, l := range b.locs {
		if samePath(l.path, prefix, name) {
			return
		}
	}
	b.locs = append(b.locs, loc{commit: ci, path: join(prefix, name), bases: bases})
}

// introduce records the blobs of commit ci that differ from every parent
// at the same path: what the commit brought in (git's A..B view).
func (h *history) introduce(ci int32, tree plumbing.Hash, parents []plumbing.Hash, prefix string, depth int) {
	for _, p := range parents {
		if p == tree {
			return
		}
	}
	again, ok := h.enterMark(ci, tree, prefix, depth)
	if !ok {
		return
	}
	defer h.leave(tree)
	entries, err := h.readTree(tree, depth)
	if again {
		h.rewalk -= len(entries)
	}
	if err != nil {
		h.missing++
		h.skip(source.Skipped{Path: pathOr(prefix, "/") + " in commit " + h.commits[ci].hash.String(), Reason: reasonFor(err), Detail: "tree " + tree.String() + ": " + err.Error()})
		return
	}
	entries = append([]treeEntry(nil), entries...) // the buffer is reused below
	type pent struct {
		hash plumbing.Hash
		kind int8
	}
	var pmaps []map[string]pent
	// pblobs are the blobs the parents hold in this directory under any
	// name: a file renamed or copied within it brings no new content.
	pblobs := map[plumbing.Hash]bool{}
	for _, p := range parents {
		pe, err := h.readTree(p, depth)
		if err != nil {
			continue // a missing parent tree: compare with the others
		}
		m := make(map[string]pent, len(pe))
		for _, e := range pe {
			m[string(e.name)] = pent{e.hash, e.kind}
			if e.kind == entryBlob {
				pblobs[e.hash] = true
			}
		}
		pmaps = append(pmaps, m)
	}
	for _, e := range entries {
		if e.kind == entryGitlink {
			continue
		}
		same := false
		var sub, bases []plumbing.Hash
		for _, m := range pmaps {
			pe, ok := m[string(e.name)]
			if !ok {
				continue
			}
			if pe.hash == e.hash {
				same = true
				break
			}
			switch {
			case pe.kind == entryTree && e.kind == entryTree:
				sub = append(sub, pe.hash)
			case pe.kind == entryBlob && e.kind == entryBlob:
				bases = append(bases, pe.hash)
			}
		}
		if same {
			continue
		}
		if e.kind == entryTree {
			h.introduce(ci, e.hash, sub, join(prefix, e.name), depth+1)
		} else {
			if pblobs[e.hash] {
				bases = append(bases, e.hash) // renamed or copied: the content itself is the base
			}
			h.record(e.hash, ci, prefix, e.name, bases...)
		}
	}
}

// treeKey is a tree at a path. A tree seen before at the same path holds
// nothing new; at another path (a renamed or copied directory) its blobs
// get new locations, so it is walked again (its subtrees are in go-git's
// cache by then).
type treeKey struct {
	id   plumbing.Hash
	path uint64
}

// pathHash is FNV-1a of a path; pathHash2 of join(prefix, name) without
// building it.
func pathHash(p string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(p); i++ {
		h = (h ^ uint64(p[i])) * 1099511628211
	}
	return h
}

func pathHash2(prefix string, name []byte) uint64 {
	if prefix == "" {
		return pathHash(string(name))
	}
	h := pathHash(prefix)
	h = (h ^ '/') * 1099511628211
	for _, c := range name {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

func join(prefix string, name []byte) string {
	if prefix == "" {
		return string(name)
	}
	return prefix + "/" + string(name)
}

// samePath reports whether p == join(prefix, name) without building it.
func samePath(p, prefix string, name []byte) bool {
	if prefix == "" {
		return p == string(name)
	}
	return len(p) == len(prefix)+1+len(name) && strings.HasPrefix(p, prefix) && p[len(prefix)] == '/' && p[len(prefix)+1:] == string(name)
}

func pathOr(p, def string) string {
	if p == "" {
		return def
	}
	return p
}

// sortedBlobIDs is for deterministic reports of missing blobs.
func sortedBlobIDs(m map[plumbing.Hash]*blobInfo, keep func(plumbing.Hash, *blobInfo) bool) []plumbing.Hash {
	var ids []plumbing.Hash
	for id, b := range m {
		if keep(id, b) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
	return ids
}
