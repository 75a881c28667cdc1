package githistory

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	cgraph "github.com/go-git/go-git/v5/plumbing/format/commitgraph/v2"
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
}

// history is the result of walking commits and trees: for every blob,
// every (commit, path) that introduced it.
type history struct {
	obj       rawReader
	graph     cgraph.Index // nil without a commit-graph file
	shallow   map[plumbing.Hash]bool
	commits   []commitNode
	index     map[plumbing.Hash]int32
	blobs     map[plumbing.Hash]*blobInfo
	seenTrees map[treeKey]struct{}
	skip      func(source.Skipped)
	entries   [][]treeEntry // reusable per depth
	missing   int           // commits or trees that could not be read
	shallowed bool
	nextOrder int32
}

func newHistory(obj rawReader, graph cgraph.Index, shallow map[plumbing.Hash]bool, skip func(source.Skipped)) *history {
	return &history{
		obj: obj, graph: graph, shallow: shallow, skip: skip,
		index:     map[plumbing.Hash]int32{},
		blobs:     map[plumbing.Hash]*blobInfo{},
		seenTrees: map[treeKey]struct{}{},
	}
}

// header reads a commit's tree, parents and time, from the commit-graph
// when it has the commit, else from the commit object.
func (h *history) header(id plumbing.Hash) (commitHeader, error) {
	if hd, ok := h.graphHeader(id); ok {
		return hd, nil
	}
	t, data, err := h.obj.read(plumbing.CommitObject, id)
	if err != nil {
		return commitHeader{}, err
	}
	if t != plumbing.CommitObject {
		return commitHeader{}, fmt.Errorf("object %s is a %s, not a commit", id, t)
	}
	return parseCommitHeader(data)
}

// graphHeader reads a commit from the commit-graph file. A damaged graph
// is not fatal: the commit object is read instead.
func (h *history) graphHeader(id plumbing.Hash) (hd commitHeader, ok bool) {
	if h.graph == nil {
		return hd, false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	i, err := h.graph.GetIndexByHash(id)
	if err != nil {
		return hd, false
	}
	d, err := h.graph.GetCommitDataByIndex(i)
	if err != nil {
		return hd, false
	}
	return commitHeader{tree: d.TreeHash, parents: d.ParentHashes, when: d.When.Unix()}, true
}

// collect adds every commit reachable from tips that is not yet known,
// stopping at commits in stop. It returns the indexes of the new commits.
func (h *history) collect(tips []plumbing.Hash, stop map[plumbing.Hash]bool, unreachable bool) []int32 {
	var added []int32
	parents := map[int32][]plumbing.Hash{}
	stack := append([]plumbing.Hash(nil), tips...)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, ok := h.index[id]; ok || stop[id] {
			continue
		}
		hd, err := h.header(id)
		if err != nil {
			h.missing++
			h.skip(source.Skipped{Path: "commit " + id.String(), Reason: reasonFor(err), Detail: "its tree and ancestors are not scanned: " + err.Error()})
			h.index[id] = -1
			continue
		}
		i := int32(len(h.commits))
		h.index[id] = i
		h.commits = append(h.commits, commitNode{hash: id, tree: hd.tree, when: hd.when, unreachable: unreachable})
		added = append(added, i)
		if h.shallow[id] {
			h.shallowed = true
			continue // a shallow clone's boundary: its parents are not here
		}
		parents[i] = hd.parents
		for _, p := range hd.parents {
			stack = append(stack, p)
		}
	}
	for _, i := range added {
		for _, p := range parents[i] {
			if j, ok := h.index[p]; ok && j >= 0 {
				h.commits[i].parents = append(h.commits[i].parents, j)
			}
		}
	}
	return added
}

func reasonFor(err error) string {
	if errors.Is(err, errMissing) {
		return "missing object"
	}
	return "corrupt object"
}

// sortParentsFirst orders commits so that every commit comes after its
// parents, and among commits ready at the same time the oldest first.
func (h *history) sortParentsFirst(set []int32) []int32 {
	in := map[int32]int{}
	kids := map[int32][]int32{}
	member := make(map[int32]bool, len(set))
	for _, i := range set {
		member[i] = true
	}
	for _, i := range set {
		for _, p := range h.commits[i].parents {
			if member[p] {
				in[i]++
				kids[p] = append(kids[p], i)
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
	for q.Len() > 0 {
		i := heap.Pop(q).(int32)
		out = append(out, i)
		for _, k := range kids[i] {
			if in[k]--; in[k] == 0 {
				heap.Push(q, k)
			}
		}
	}
	return out
}

type commitHeap struct {
	h     *history
	items []int32
}

func (q *commitHeap) Len() int { return len(q.items) }
func (q *commitHeap) Less(a, b int) bool {
	ca, cb := &q.h.commits[q.items[a]], &q.h.commits[q.items[b]]
	if ca.when != cb.when {
		return ca.when < cb.when
	}
	return strings.Compare(ca.hash.String(), cb.hash.String()) < 0
}
func (q *commitHeap) Swap(a, b int) { q.items[a], q.items[b] = q.items[b], q.items[a] }
func (q *commitHeap) Push(x any)    { q.items = append(q.items, x.(int32)) }
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

func (h *history) walkTree(ci int32, id plumbing.Hash, prefix string, depth int) {
	key := treeKey{id, pathHash(prefix)}
	if _, ok := h.seenTrees[key]; ok {
		return
	}
	h.seenTrees[key] = struct{}{}
	entries, err := h.readTree(id, depth)
	if err != nil {
		h.missing++
		h.skip(source.Skipped{Path: pathOr(prefix, "/") + " in commit " + h.commits[ci].hash.String(), Reason: reasonFor(err), Detail: "tree " + id.String() + ": " + err.Error()})
		return
	}
	for _, e := range entries {
		switch e.kind {
		case entryTree:
			if _, ok := h.seenTrees[treeKey{e.hash, pathHash2(prefix, e.name)}]; !ok {
				h.walkTree(ci, e.hash, join(prefix, e.name), depth+1)
			}
		case entryBlob:
			h.record(e.hash, ci, prefix, e.name)
		}
	}
}

// readTree reads and parses a tree into a buffer reused per depth. The
// entries alias the object's bytes, which stay alive with them.
func (h *history) readTree(id plumbing.Hash, depth int) ([]treeEntry, error) {
	t, data, err := h.obj.read(plumbing.TreeObject, id)
	if err != nil {
		return nil, err
	}
	if t != plumbing.TreeObject {
		return nil, fmt.Errorf("object %s is a %s, not a tree", id, t)
	}
	for len(h.entries) <= depth {
		h.entries = append(h.entries, nil)
	}
	entries, err := parseTree(data, h.entries[depth])
	h.entries[depth] = entries
	return entries, err
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
	entries, err := h.readTree(tree, depth)
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
