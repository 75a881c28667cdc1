package githistory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj"
	"github.com/scour-dev/scour/source"
	"github.com/sourcegraph/conc/pool"
)

// Reasons used in source.Skipped by this package.
const (
	ReasonMissing   = "missing object"
	ReasonCorrupt   = "corrupt object"
	ReasonBrokenRef = "broken ref"
	ReasonShallow   = "shallow clone"
	ReasonTooLarge  = "too large"
)

// maxMissingListed caps how many missing blobs are reported one by one; a
// partial clone can lack hundreds of thousands.
const maxMissingListed = 50

// smallScan is the number of blobs under which a range scan reads them by
// id rather than walking whole packs.
const smallScan = 2000

type scan struct {
	r      *Repo
	sink   source.Sink
	hist   *history
	store  *gitobj.Store
	packs  []*gitobj.Pack
	loose  []plumbing.Hash
	damage atomic.Int64 // problems reported that lost content

	blobs, bytes, unreach atomic.Int64
	worktree              atomic.Int64

	seen seenSet // blobs handed to the sink (size), or lost (-1)

	failMu   sync.Mutex
	failures []failure // reported once the walk is done, with paths
	tooLarge []plumbing.Hash
}

type failure struct {
	id   plumbing.Hash
	err  error
	lost []plumbing.Hash
}

// Scan walks the history, then hands every wanted blob to sink once.
// Damage (missing or corrupt objects, broken refs) is reported through
// sink.Skipped and the scan goes on; Scan returns an error only when
// nothing at all could be scanned, when ctx ends, or when sink fails.
func (r *Repo) Scan(ctx context.Context, sink source.Sink) error {
	s := &scan{r: r, sink: sink}
	err := func() (err error) {
		// Last resort: a bug met on strange input ends this scan with an
		// error instead of crashing the program; findings so far are kept.
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%s: internal error while scanning history: %v", r.GitDir, p)
			}
		}()
		return s.run(ctx)
	}()
	var handled func() []plumbing.Hash
	if err == nil && s.hist != nil && r.opts.Range == "" {
		handled = sync.OnceValue(s.handled)
	}
	r.mu.Lock()
	r.stats.Blobs, r.stats.Bytes = s.blobs.Load(), s.bytes.Load()
	r.stats.Unreachable, r.stats.Worktree = s.unreach.Load(), s.worktree.Load()
	r.handled = handled
	r.mu.Unlock()
	return err
}

// incremental says whether this scan skips what Options.Known holds.
func (s *scan) incremental() bool {
	k := s.r.opts.Known
	return k != nil && s.r.opts.Range == "" && k.Len() > 0
}

// known says whether an earlier scan handled id (Options.Known).
func (s *scan) known(id plumbing.Hash) bool {
	return s.incremental() && s.r.opts.Known.HasRaw(id[:])
}

// countWanted counts the blobs history holds that want keeps.
func (s *scan) countWanted(want func(plumbing.Hash) bool) int {
	n := 0
	for id := range s.hist.blobs {
		if want(id) {
			n++
		}
	}
	return n
}

// handled lists what this scan dealt with for good (Repo.Handled): the
// commits walked, the blobs read and reported, and the excluded blobs.
func (s *scan) handled() []plumbing.Hash {
	h := s.hist
	out := make([]plumbing.Hash, 0, len(h.commits)+len(h.blobs))
	for i := range h.commits {
		out = append(out, h.commits[i].hash)
	}
	s.seen.each(func(id plumbing.Hash, size int64) {
		if size >= 0 && s.reported(id) {
			out = append(out, id)
		}
	})
	for id, b := range h.blobs {
		if b.excluded {
			out = append(out, id)
		}
	}
	s.failMu.Lock()
	defer s.failMu.Unlock()
	for _, id := range s.tooLarge {
		if s.reported(id) {
			out = append(out, id)
		}
	}
	return out
}

// walkIncremental attributes the blobs that commits Options.Known lacks
// introduced, comparing each such commit with its parents (git's
// "log --not known" view): an unchanged repository walks no commit, one
// pushed commit costs that commit's changed trees. With AllObjects, the
// commits and blobs no ref reaches that Known lacks are added, unreachable.
func (s *scan) walkIncremental(ctx context.Context) error {
	h := s.hist
	stop := s.known
	tips := s.refTips()
	sets := [][]int32{h.collect(tips, stop, false)}
	if s.r.opts.AllObjects {
		var dangling []plumbing.Hash
		for _, p := range s.packs {
			t := p.Table()
			for i, e := range t.Entries {
				if e.Type == gitobj.TypeCommit {
					if _, ok := h.index[t.Hashes[i]]; !ok && !stop(t.Hashes[i]) {
						dangling = append(dangling, t.Hashes[i])
					}
				}
			}
		}
		for _, id := range s.loose {
			if _, ok := h.index[id]; ok || stop(id) {
				continue
			}
			if t, err := s.looseType(id); err == nil && t == plumbing.CommitObject {
				dangling = append(dangling, id)
			}
		}
		sets = append(sets, h.collect(dangling, stop, true))
	}
	var n int64
	for _, set := range sets {
		for k, ci := range h.sortParentsFirst(set) {
			if k%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			c := &h.commits[ci]
			c.order = h.nextOrder
			h.nextOrder++
			var ptrees []plumbing.Hash
			for _, p := range c.parents {
				ptrees = append(ptrees, h.commits[p].tree)
			}
			for _, p := range c.outside {
				// A parent an earlier scan walked: only its tree is read.
				if hd, err := h.header(p); err == nil {
					ptrees = append(ptrees, hd.tree)
				}
			}
			h.introduce(ci, c.tree, ptrees, "", 0)
			n++
		}
	}
	if s.r.opts.AllObjects {
		// Blobs no commit holds (written by hand, or left by a tree no
		// commit names) that Known lacks: unreachable, without a path.
		for _, p := range s.packs {
			t := p.Table()
			for i, e := range t.Entries {
				if id := t.Hashes[i]; e.Type == gitobj.TypeBlob && h.blobs[id] == nil && !stop(id) {
					h.blobs[id] = &blobInfo{}
				}
			}
		}
		for _, id := range s.loose {
			if h.blobs[id] != nil || stop(id) {
				continue
			}
			if t, err := s.looseType(id); err == nil && t == plumbing.BlobObject {
				h.blobs[id] = &blobInfo{}
			}
		}
	}
	var knownBlobs int64
	for id, b := range h.blobs {
		if stop(id) && !b.excluded {
			knownBlobs++
		}
	}
	s.r.mu.Lock()
	s.r.stats.Commits = n
	s.r.stats.KnownBlobs = knownBlobs
	s.r.mu.Unlock()
	return ctx.Err()
}

// walked reports the end of the history walk.
func (s *scan) walked(start time.Time) {
	h := s.hist
	if h.shallowed {
		s.sink.Skipped(source.Skipped{Path: s.r.GitDir, Reason: ReasonShallow, Detail: "history before the shallow boundary is not in this clone and was not scanned (fetch with --unshallow to scan it)"})
	}
	s.r.opts.Debugf("git: %d commits, %d trees, %d blobs attributed in %v", len(h.commits), h.treesSeen, len(h.blobs), time.Since(start))
}

// applyExcludes marks the blobs only ever seen at excluded paths, once the
// walk is done. Every kind of history scan (whole, range, all objects)
// decides what to read through this one rule; Locations leaves the
// excluded paths out of the rest.
func (s *scan) applyExcludes() {
	excl := s.r.excl
	if excl == nil {
		return
	}
	var n, byRepo int64
	for _, b := range s.hist.blobs {
		b.excluded = len(b.locs) > 0
		for _, l := range b.locs {
			if !excl.Excluded(l.path) {
				b.excluded = false
				break
			}
		}
		if !b.excluded {
			continue
		}
		n++
		if len(s.r.opts.RepoExcludes) == 0 {
			continue
		}
		for _, l := range b.locs {
			if !s.r.userExcl.Excluded(l.path) { // a nil userExcl excludes nothing
				byRepo++
				break
			}
		}
	}
	s.r.mu.Lock()
	s.r.stats.Excluded, s.r.stats.ExcludedByRepo = n, byRepo
	s.r.mu.Unlock()
}

// reported says whether a blob read from the database counts: with a range
// or AllObjects every blob read was wanted; otherwise only reachable ones.
func (s *scan) reported(id plumbing.Hash) bool {
	if s.r.opts.Range != "" || s.r.opts.AllObjects {
		return true
	}
	b := s.hist.blobs[id]
	return b != nil && b.reachable
}

// count fills the blob counters once the walk and the reading are done,
// and marks the blobs of history that were handed on or lost (seen): one
// pass over what was read, each looked up in history once (looking each
// blob of history up in seen again, by id, costs a lookup in the biggest
// pack's index per blob).
func (s *scan) count() {
	var dropped int
	defer func() {
		if dropped > 0 {
			s.r.opts.Debugf("git: %d unreachable blobs were read on the way and not reported (use --all-objects to report them)", dropped)
		}
	}()
	everyRead := s.r.opts.Range != "" || s.r.opts.AllObjects // as reported says
	s.seen.each(func(id plumbing.Hash, size int64) {
		b := s.hist.blobs[id]
		if b != nil {
			b.seen = true
		}
		if size < 0 {
			return
		}
		if !everyRead && (b == nil || !b.reachable) {
			dropped++
			return
		}
		s.blobs.Add(1)
		s.bytes.Add(size)
		if s.r.opts.Range == "" && (b == nil || !b.reachable) {
			s.unreach.Add(1)
		}
	})
}

func (s *scan) skip(sk source.Skipped) {
	s.damage.Add(1)
	s.sink.Skipped(sk)
}

func (s *scan) run(ctx context.Context) error {
	r := s.r
	debugf := r.opts.Debugf
	t0 := time.Now()
	s.openStore()
	debugf("git: %d packs, %d loose objects indexed in %v", len(s.packs), len(s.loose), time.Since(t0))
	tablesDone := make(chan struct{})
	go func() {
		defer close(tablesDone)
		// A panic here would end the program: it is reported instead, and
		// whatever needed the table fails on its own, within Scan.
		defer func() {
			if p := recover(); p != nil {
				s.skip(source.Skipped{Path: r.GitDir, Reason: ReasonCorrupt, Detail: fmt.Sprintf("internal error reading pack tables: %v", p)})
			}
		}()
		s.reportTables()
	}()
	// Reported before run returns, and done before the store is closed.
	defer func() { <-tablesDone }()

	walkReader := &odb{rd: s.store.NewReader(r.opts.MaxBlobSize, walkCacheBytes(r.opts.MemoryBudget))}
	h := newHistory(walkReader, readShallow(r.GitDir), s.skip)
	h.lastTreeMax = lastTreeBytesFor(r.opts.MemoryBudget)
	s.hist = h
	r.mu.Lock()
	r.hist, r.meta = h, nil
	r.mu.Unlock()

	t1 := time.Now()
	// blobType: every blob is wanted while speculating.
	wantAll := func(plumbing.Hash) bool { return true }
	var want func(plumbing.Hash) bool
	switch {
	case s.incremental():
		if err := s.walkIncremental(ctx); err != nil {
			return err
		}
		s.applyExcludes()
		want = func(id plumbing.Hash) bool {
			b := h.blobs[id]
			if b == nil || b.excluded || s.known(id) {
				return false
			}
			return b.reachable || r.opts.AllObjects
		}
		s.walked(t1)
		t2 := time.Now()
		if s.countWanted(want) < smallScan {
			if err := s.readByID(ctx, want); err != nil {
				return err
			}
		} else if err := s.readObjects(ctx, want); err != nil {
			return err
		}
		debugf("git: incremental read in %v", time.Since(t2))
	case r.opts.Range != "":
		n, err := s.walkRange(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		s.applyExcludes()
		want = func(id plumbing.Hash) bool {
			b := h.blobs[id]
			return b != nil && !b.excluded
		}
		s.walked(t1)
		t2 := time.Now()
		if len(h.blobs) < smallScan {
			if err := s.readByID(ctx, want); err != nil {
				return err
			}
		} else if err := s.readObjects(ctx, want); err != nil {
			return err
		}
		debugf("git: read in %v", time.Since(t2))
	case r.excl == nil:
		// Nearly every blob of a repository is reachable, so reading need
		// not wait for the walk: both run at once, on all cores, and the
		// few unreachable blobs read on the way are dropped from the
		// findings unless AllObjects asked for them (Locations).
		walkErr := make(chan error, 1)
		wctx, cancel := context.WithCancel(ctx)
		walkDone := make(chan struct{})
		// The walk must have ended before run returns, also when reading
		// panics: the caller may close the repository right after.
		defer func() { cancel(); <-walkDone }()
		go func() {
			defer close(walkDone)
			// A panic here would end the program: it ends the scan with an
			// error instead, keeping what was found so far.
			defer func() {
				if p := recover(); p != nil {
					walkErr <- fmt.Errorf("%s: internal error while walking history: %v", r.GitDir, p)
				}
			}()
			err := s.walkAll(wctx)
			debugf("git: history walked in %v (reading goes on beside it)", time.Since(t1))
			walkErr <- err
		}()
		readErr := s.readObjects(ctx, wantAll)
		debugf("git: objects read in %v", time.Since(t1))
		if readErr != nil {
			cancel()
		}
		if err := errors.Join(readErr, <-walkErr); err != nil {
			return err
		}
		s.walked(t1)
	default:
		if err := s.walkAll(ctx); err != nil {
			return err
		}
		s.applyExcludes()
		want = func(id plumbing.Hash) bool {
			b := h.blobs[id]
			if b != nil && b.excluded {
				return false
			}
			return r.opts.AllObjects || (b != nil && b.reachable)
		}
		s.walked(t1)
		if err := s.readObjects(ctx, want); err != nil {
			return err
		}
	}
	s.reportFailures()
	s.count()
	s.reportMissing()
	debugf("git: %d blobs, %d bytes scanned in %v", s.blobs.Load(), s.bytes.Load(), time.Since(t1))

	if r.opts.Worktree != nil && r.opts.Range == "" {
		if err := r.opts.Worktree.Scan(ctx, &worktreeSink{s: s}); err != nil {
			return fmt.Errorf("working tree: %w", err)
		}
	}
	if s.blobs.Load() == 0 && s.worktree.Load() == 0 && s.damage.Load() > 0 {
		return fmt.Errorf("%s: nothing could be scanned (see the skipped objects)", r.GitDir)
	}
	return ctx.Err()
}

// openStore maps every pack that has an index and lists loose objects,
// reporting packs that cannot be read and damaged entries.
func (s *scan) openStore() {
	r := s.r
	st := gitobj.OpenStore(gitobj.ObjectDirs(r.GitDir))
	st.LimitResident(r.opts.MemoryBudget / 4)
	s.store, s.packs, s.loose = st, st.Packs, st.ListLoose()
	r.obj.mu.Lock()
	old := r.store
	r.store, r.obj.rd = st, st.NewReader(r.opts.MaxBlobSize, 16<<20)
	r.obj.mu.Unlock()
	if old != nil {
		old.Close()
	}
	for _, pr := range st.Problems {
		reason := ReasonCorrupt
		if errors.Is(pr.Err, os.ErrNotExist) {
			reason = ReasonMissing
		}
		detail := "pack not read: " + pr.Err.Error()
		var ce *gitobj.CorruptError
		if errors.As(pr.Err, &ce) && ce.Where == pr.Path {
			detail = ce.Err.Error()
		}
		s.skip(source.Skipped{Path: rel(r.GitDir, pr.Path), Reason: reason, Detail: detail})
	}
}

// reportTables builds every pack's table (its entries and delta tree),
// reporting damaged entries. It runs beside the history walk, which reads
// by id and needs no table: building etcd's took a tenth of a second
// during which nothing else ran. Whatever needs a table waits for it
// (Pack.Table).
func (s *scan) reportTables() {
	r := s.r
	for _, p := range s.packs {
		t := p.Table()
		for i, b := range t.Problems {
			if i == 20 {
				s.skip(source.Skipped{Path: rel(r.GitDir, p.Name()), Reason: ReasonCorrupt, Detail: fmt.Sprintf("and %d more damaged entries", len(t.Problems)-i)})
				break
			}
			s.skip(source.Skipped{Path: rel(r.GitDir, p.Name()), Reason: ReasonCorrupt, Detail: b})
		}
		if t.Orphans > 0 {
			s.skip(source.Skipped{Path: rel(r.GitDir, p.Name()), Reason: ReasonCorrupt, Detail: fmt.Sprintf("%d deltas whose base chain is broken", t.Orphans)})
		}
	}
}

func rel(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil {
		return filepath.ToSlash(r)
	}
	return p
}

// refTips lists what refs point at, peeling annotated tags. Blobs and
// trees that a tag points at directly are recorded under the tag's name.
func (s *scan) refTips() []plumbing.Hash {
	names, targets := s.listRefs()
	return s.peel(names, targets)
}

// listRefs lists the refs (not symbolic ones: HEAD -> refs/heads/x is
// found under its own name; a detached HEAD is a hash reference) and
// counts them in the stats.
func (s *scan) listRefs() ([]string, map[string]plumbing.Hash) {
	var names []string
	targets := map[string]plumbing.Hash{}
	s.r.gitMu.Lock()
	iter, err := s.r.st.IterReferences()
	if err == nil {
		_ = iter.ForEach(func(ref *plumbing.Reference) error {
			name := ref.Name().String()
			if ref.Type() == plumbing.SymbolicReference {
				return nil
			}
			names = append(names, name)
			targets[name] = ref.Hash()
			return nil
		})
	}
	s.r.gitMu.Unlock()
	if err != nil {
		s.skip(source.Skipped{Path: "refs", Reason: ReasonBrokenRef, Detail: err.Error()})
	}
	sort.Strings(names)
	s.r.mu.Lock()
	s.r.stats.Refs = int64(len(names))
	s.r.mu.Unlock()
	return names, targets
}

// peel resolves refs to commits through annotated tags; blobs and trees
// that a ref points at directly are recorded under the ref's name.
func (s *scan) peel(names []string, targets map[string]plumbing.Hash) []plumbing.Hash {
	h := s.hist
	var tips []plumbing.Hash
	for _, name := range names {
		id := targets[name]
		for depth := 0; ; depth++ {
			// Read into the walk's commit buffer: what is kept is parsed
			// out of it.
			t, data, err := h.obj.readInto(id, h.commitBuf)
			if err == nil && cap(data) <= maxScratch {
				h.commitBuf = data
			}
			if gitobj.IsTooLarge(err) {
				// Its type, and a tag's target, are at the start.
				t, data, err = h.obj.readPrefix(id, maxCommitHeaders)
			}
			if err != nil {
				s.skip(source.Skipped{Path: name, Reason: ReasonBrokenRef, Detail: fmt.Sprintf("points to %s: %v", id, err)})
				break
			}
			if t == plumbing.TagObject && depth < 16 {
				next, ok := parseTagTarget(data)
				if !ok {
					s.skip(source.Skipped{Path: name, Reason: ReasonCorrupt, Detail: "tag object " + id.String() + " has no target"})
					break
				}
				id = next
				continue
			}
			switch t {
			case plumbing.CommitObject:
				tips = append(tips, id)
				// collect reads the tips' headers next: keep them (a
				// mirror has thousands of refs, each a commit read).
				if hd, err := parseCommitHeader(data); err == nil {
					if h.tipHeaders == nil {
						h.tipHeaders = map[plumbing.Hash]commitHeader{}
					}
					h.tipHeaders[id] = hd
				}
			case plumbing.BlobObject:
				h.record(id, -1, "", []byte(name))
			case plumbing.TreeObject:
				// Tagged trees are rare (git's own repository has one);
				// attribute their blobs to the tag's name.
				s.walkTaggedTree(id, name)
			}
			break
		}
	}
	return tips
}

func (s *scan) walkTaggedTree(id plumbing.Hash, name string) {
	s.hist.walkTaggedTree(id, name, name, 0)
}

// walkAll attributes every blob reachable from refs and, with AllObjects,
// from unreachable commits.
func (s *scan) walkAll(ctx context.Context) error {
	h := s.hist
	h.sizeFor(s.packs) // the whole history: most objects are met
	tips := s.refTips()
	added := h.collect(tips, nil, false)
	if err := h.attribute(ctx, h.sortParentsFirst(added)); err != nil {
		return err
	}
	noCommits := len(tips) == 0 && len(h.blobs) == 0
	if noCommits && !s.r.opts.AllObjects {
		// No ref reaches anything, yet the database holds commits (refs
		// deleted or damaged): scanning nothing would be a silent pass.
		if n := s.storedCommits(); n > 0 {
			noCommits = false
			s.skip(source.Skipped{Path: "refs", Reason: ReasonBrokenRef, Detail: fmt.Sprintf("no ref points at any of the %d commits in the object database; --all-objects scans them", n)})
		}
	}
	s.r.mu.Lock()
	s.r.stats.Commits = int64(len(added))
	if noCommits {
		s.r.note = "the repository has no commits"
	}
	s.r.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if !s.r.opts.AllObjects {
		return nil
	}
	// Commits no ref reaches: every commit object in the database that the
	// walk did not meet.
	var dangling []plumbing.Hash
	for _, p := range s.packs {
		t := p.Table()
		for i, e := range t.Entries {
			if e.Type == gitobj.TypeCommit {
				if _, ok := h.index[t.Hashes[i]]; !ok {
					dangling = append(dangling, t.Hashes[i])
				}
			}
		}
	}
	for _, id := range s.loose {
		if _, ok := h.index[id]; ok {
			continue
		}
		if t, err := s.looseType(id); err == nil && t == plumbing.CommitObject {
			dangling = append(dangling, id)
		}
	}
	un := h.collect(dangling, nil, true)
	if err := h.attribute(ctx, h.sortParentsFirst(un)); err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.stats.Commits += int64(len(un))
	s.r.mu.Unlock()
	return ctx.Err()
}

// storedCommits counts the commit objects in packs, and loose objects that
// may be commits (their headers are not read for this).
func (s *scan) storedCommits() int {
	n := len(s.loose)
	for _, p := range s.packs {
		for _, e := range p.Table().Entries {
			if e.Type == gitobj.TypeCommit {
				n++
			}
		}
	}
	return n
}

// resolveRange resolves the ends of Options.Range, "A..B" (B defaults to
// HEAD; A may be empty), with resolveRev: go-git's resolver when Open
// checks the range early, the scan's own bounded one when it walks it.
func (r *Repo) resolveRange(resolveRev func(string) (plumbing.Hash, error)) (a, b string, aid, bid plumbing.Hash, err error) {
	spec := r.opts.Range
	a, b, _ = strings.Cut(spec, "..")
	if strings.HasPrefix(b, ".") {
		return "", "", aid, bid, fmt.Errorf("range %q: symmetric differences (A...B) are not supported; use A..B", spec)
	}
	if b == "" {
		b = "HEAD"
	}
	resolve := func(rev string) (plumbing.Hash, error) {
		id, err := resolveRev(rev)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("range %q: cannot resolve %q: %w", spec, rev, err)
		}
		return id, nil
	}
	if bid, err = resolve(b); err != nil {
		return "", "", aid, bid, err
	}
	if a != "" {
		if aid, err = resolve(a); err != nil {
			return "", "", aid, bid, err
		}
	}
	return a, b, aid, bid, nil
}

// walkRange attributes the blobs introduced by commits in B and not in A.
// It returns how many commits the range has.
func (s *scan) walkRange(ctx context.Context) (int, error) {
	h := s.hist
	spec := s.r.opts.Range
	s.listRefs() // for the stats only
	a, b, aid, bid, err := s.r.resolveRange(s.resolveRev)
	if err != nil {
		return 0, err
	}
	if a != "" {
		h.collect([]plumbing.Hash{aid}, nil, false)
	}
	missingBefore := h.missing
	added := h.collect([]plumbing.Hash{bid}, nil, false)
	// A range must be complete: commits the clone lacks would make it
	// silently smaller (or, past a shallow boundary, larger) than asked.
	if h.missing > missingBefore {
		return 0, fmt.Errorf("range %q: commits between %s and %s are missing from this repository (fetch more history)", spec, a, b)
	}
	for _, i := range added {
		if h.shallow[h.commits[i].hash] {
			return 0, fmt.Errorf("range %q: %s is not an ancestor of %s within this shallow clone; fetch more history (git fetch --unshallow, or --deepen) and retry", spec, a, b)
		}
	}
	order := h.sortParentsFirst(added)
	for _, ci := range order {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		c := &h.commits[ci]
		c.inRange = true
		c.order = h.nextOrder
		h.nextOrder++
		var ptrees []plumbing.Hash
		for _, p := range c.parents {
			ptrees = append(ptrees, h.commits[p].tree)
		}
		h.introduce(ci, c.tree, ptrees, "", 0)
	}
	s.r.mu.Lock()
	s.r.stats.Commits = int64(len(order))
	if len(order) == 0 {
		s.r.note = fmt.Sprintf("range %s has no commits: %s is already reachable from %s, nothing to scan", spec, b, a)
	}
	s.r.mu.Unlock()
	return len(order), nil
}

// blob hands one blob to the sink, the first time it is met. While the
// walk runs concurrently, history is not consulted: the origin gets only
// the blob id, and Locations fills in the rest.
func (s *scan) blob(ctx context.Context, id plumbing.Hash, data []byte) error {
	return s.item(ctx, id, data, nil, nil)
}

// item is blob with delta-aware matching's memo and delta (deltamatch.go).
func (s *scan) item(ctx context.Context, id plumbing.Hash, data []byte, memo *source.Memo, d *source.Delta) error {
	if !s.seen.add(id, int64(len(data))) {
		return nil
	}
	return s.handOn(ctx, id, data, memo, d)
}

// handOn is item for a blob already recorded in seen (packVisitor.claim).
func (s *scan) handOn(ctx context.Context, id plumbing.Hash, data []byte, memo *source.Memo, d *source.Delta) error {
	o := source.Origin{Kind: "blob", BlobID: id.String()}
	if s.r.opts.Range != "" || s.r.excl != nil {
		// The walk is over: name the blob's first path.
		if b := s.hist.blobs[id]; b != nil {
			for _, l := range b.locs {
				if !s.r.excl.Excluded(l.path) {
					o.Path = l.path
					break
				}
			}
			o.Unreachable = s.r.opts.Range == "" && !b.reachable
		} else {
			o.Unreachable = s.r.opts.Range == ""
		}
	}
	return s.sink.Item(ctx, source.Item{Origin: o, Data: data, Size: int64(len(data)), Memo: memo, Delta: d})
}

// describe names a blob for a Skipped record: its first path and commit
// when history knows it.
func (s *scan) describe(id plumbing.Hash) (path, detail string) {
	b := s.hist.blobs[id]
	if b == nil || len(b.locs) == 0 {
		return "object " + id.String(), "object " + id.String()
	}
	l := b.locs[0]
	detail = "blob " + id.String()
	if l.commit >= 0 {
		detail += " first in commit " + s.hist.commits[l.commit].hash.String()
	}
	return l.path, detail
}

// fail records an object that could not be read; reportFailures reports
// it once history can name its paths.
func (s *scan) fail(id plumbing.Hash, err error, lost []plumbing.Hash) {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	s.failures = append(s.failures, failure{id, err, lost})
	if gitobj.IsTooLarge(err) {
		// Over the size limit: decided for good under the same limit
		// (Handled), unlike damage, which a later scan retries.
		s.tooLarge = append(s.tooLarge, id)
	}
}

func (s *scan) reportFailures() {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	for _, f := range s.failures {
		lost := 0
		for _, l := range f.lost {
			if s.seen.add(l, -1) && s.reported(l) {
				lost++
			}
		}
		if lost == 0 && !s.reported(f.id) && len(f.lost) > 0 {
			continue // only unreachable blobs read on the way were lost
		}
		path, detail := s.describe(f.id)
		reason := reasonFor(f.err)
		detail += ": " + f.err.Error()
		if lost > 1 || (lost == 1 && (len(f.lost) == 0 || f.lost[0] != f.id)) {
			detail += fmt.Sprintf(" (%d blobs stored as deltas of it not scanned)", lost)
		}
		s.skip(source.Skipped{Path: path, Reason: reason, Detail: detail})
	}
	s.failures = nil
}

// readObjects scans the wanted blobs of every pack and loose object, on
// one pool of workers.
func (s *scan) readObjects(ctx context.Context, want func(plumbing.Hash) bool) error {
	// The biggest pack's blobs are recorded by their entry in its table
	// (seenSet): most blobs are there.
	var big *gitobj.Pack
	for _, p := range s.packs {
		if big == nil || p.Index().Len() > big.Index().Len() {
			big = p
		}
	}
	if big != nil {
		s.seen.usePack(big)
	}
	v := &packVisitor{
		want: want,
		handled: func(p *gitobj.Pack, i int32, id plumbing.Hash) bool {
			if s.seen.byEntry(p) {
				return s.seen.hasAt(i)
			}
			return s.seen.has(id)
		},
		claim: func(p *gitobj.Pack, i int32, id plumbing.Hash, size int64) bool {
			if s.seen.byEntry(p) {
				return s.seen.addAt(i, size)
			}
			return s.seen.add(id, size)
		},
		blob: func(ctx context.Context, id plumbing.Hash, data []byte) error {
			return s.handOn(ctx, id, data, nil, nil)
		},
		deltaBlob: s.handOn,
		fail:      s.fail,
		reader: func() *gitobj.Reader {
			return s.store.NewReader(s.r.opts.MaxBlobSize, 16<<20)
		},
		maxSize: s.r.opts.MaxBlobSize,
		workers: s.r.opts.Workers,
		held:    heldBudget(s.r.opts.MemoryBudget, s.r.opts.Workers),
	}
	wp := pool.New().WithErrors().WithContext(ctx).WithCancelOnError().WithFirstError().WithMaxGoroutines(v.workers)
	defer func() { s.r.opts.Debugf("git: at most %d bytes of delta bases held by a worker", v.peakHeld.Load()) }()
	for _, p := range s.packs {
		submit(wp, p, v)
	}
	const looseBatch = 64
	for i := 0; i < len(s.loose); i += looseBatch {
		batch := s.loose[i:min(i+looseBatch, len(s.loose))]
		wp.Go(func(ctx context.Context) error { return s.readLoose(ctx, batch, want) })
	}
	return wp.Wait()
}

// looseType reads the type of a loose object from its header.
func (s *scan) looseType(id plumbing.Hash) (plumbing.ObjectType, error) {
	var l gitobj.Loose
	t, _, err := l.Type(s.store.LoosePath(id))
	return t, err
}

// readLoose scans the wanted blobs among loose objects ids.
func (s *scan) readLoose(ctx context.Context, ids []plumbing.Hash, want func(plumbing.Hash) bool) error {
	var l gitobj.Loose
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !want(id) || s.seen.has(id) {
			continue
		}
		t, _, err := l.Type(s.store.LoosePath(id))
		if err == nil && t != plumbing.BlobObject {
			continue
		}
		var data []byte
		if err == nil {
			t, data, err = l.Read(s.store.LoosePath(id), id, s.r.opts.MaxBlobSize)
		}
		if err != nil {
			s.fail(id, err, []plumbing.Hash{id})
			continue
		}
		if t != plumbing.BlobObject {
			continue
		}
		if err := s.blob(ctx, id, data); err != nil {
			return err
		}
	}
	return nil
}

// readByID reads the few wanted blobs of a small range by id, each bounded
// by the size limit before it is inflated. Reading by id resolves each
// delta chain again; when that work outgrows what was handed on by far
// (long chains of big versions), the rest is read in pack order instead,
// where every object is built once.
func (s *scan) readByID(ctx context.Context, want func(plumbing.Hash) bool) error {
	start, handed := s.r.obj.work(), int64(0)
	for _, id := range sortedBlobIDs(s.hist.blobs, func(id plumbing.Hash, _ *blobInfo) bool { return want(id) }) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if w := s.r.obj.work() - start; w > byIDWorkBase+byIDWorkRatio*handed {
			s.r.opts.Debugf("git: reading by id built %d bytes for %d handed on: reading the rest in pack order", w, handed)
			return s.readObjects(ctx, want)
		}
		t, data, err := s.r.obj.read(id)
		if errors.Is(err, gitobj.ErrNotFound) {
			continue // reported as missing below
		}
		if err != nil {
			s.fail(id, err, []plumbing.Hash{id})
			continue
		}
		if t != plumbing.BlobObject {
			continue
		}
		handed += int64(len(data))
		if err := s.blob(ctx, id, data); err != nil {
			return err
		}
	}
	return nil
}

// Work allowed to reading by id before it gives way to a pack-order walk:
// a base, plus a multiple of the bytes handed on.
const (
	byIDWorkBase  = 256 << 20
	byIDWorkRatio = 8
)

// reportMissing reports wanted blobs that no pack or loose object held;
// after count.
func (s *scan) reportMissing() {
	h := s.hist
	ids := sortedBlobIDs(h.blobs, func(id plumbing.Hash, b *blobInfo) bool {
		return !b.seen && !b.excluded && !s.known(id) && (b.reachable || s.r.opts.Range != "" || s.r.opts.AllObjects)
	})
	for i, id := range ids {
		if i == maxMissingListed {
			s.skip(source.Skipped{Path: s.r.GitDir, Reason: ReasonMissing, Detail: fmt.Sprintf("and %d more blobs not in the object database (partial clone or deleted pack)", len(ids)-i)})
			break
		}
		path, detail := s.describe(id)
		s.skip(source.Skipped{Path: path, Reason: ReasonMissing, Detail: detail + ": not in the object database (partial clone or deleted pack)"})
	}
}
