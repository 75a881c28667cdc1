// Package githistory scans a git repository's whole history from its
// object database: every blob reachable from any ref once (and on request
// every unreachable one), in pack order with delta chains resolved from
// their bases, plus working-tree files that are not already in history.
// It attributes each blob to the commits and paths that introduced it,
// oldest first, without reading blob contents.
package githistory

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/scour-dev/scour/internal/gitobj"
	"github.com/scour-dev/scour/source"
)

// ErrNotRepository is returned by Open for a path that is neither a git
// working tree (a directory with .git) nor a bare repository.
var ErrNotRepository = errors.New("not a git repository")

// DefaultMaxBlobSize is the size over which blobs are skipped (and
// reported) rather than read into memory.
const DefaultMaxBlobSize = 256 << 20

// DefaultMemoryBudget is Options.MemoryBudget when none is given: at it
// the shares equal what scour used before the budget existed (96 MiB of
// held bases per worker on two cores, a 64 MiB tree cache, 256 MiB blobs),
// and peak memory stays under 1 GB on the repositories measured
// (docs/performance.md).
const DefaultMemoryBudget = 768 << 20

// Options says what to scan.
type Options struct {
	// AllObjects also scans objects no ref reaches (left by resets,
	// rebases, force-pushes); they are marked Unreachable.
	AllObjects bool
	// Range, "A..B", limits the scan to blobs introduced by commits
	// reachable from B and not from A, as git log A..B. An empty A means
	// everything reachable from B. With a range neither the working tree
	// nor unreachable objects are scanned.
	Range string
	// Worktree, when set, yields the files on disk; those whose content is
	// not already a blob in history are scanned too, as Kind "worktree".
	Worktree source.Source
	// Excludes are gitignore-style patterns (as source.Dir's) matched
	// against each blob's paths in history: a blob only ever seen at
	// excluded paths is not scanned, and excluded paths are left out of
	// Locations.
	Excludes []string
	// RepoExcludes are more patterns like Excludes, from the scanned
	// repository's own configuration (untrusted): applied before Excludes
	// (so the user's "!" patterns win), and the blobs they alone keep out are counted in
	// Stats.ExcludedByRepo, so that a repository hiding its own content
	// is said out loud.
	RepoExcludes []string
	// Known makes the scan incremental (ignored with a Range): the objects
	// earlier scans of this repository handled (Repo.Handled), under the
	// same rules and settings. Commits it holds are not walked, nor their
	// ancestors; each new commit is compared with its parents, and the
	// blobs it introduced are read unless Known holds them. Known holds
	// object ids, not refs or packs, so repacks and force-pushes cost only
	// what is really new; with AllObjects, unreachable blobs and commits
	// that Known lacks are scanned too.
	Known Known
	// Workers is how many goroutines read packs; 0 means GOMAXPROCS.
	Workers int
	// MaxBlobSize skips (and reports) larger blobs; 0 means DefaultMaxBlobSize.
	// It is capped at a third of MemoryBudget.
	MaxBlobSize int64
	// MemoryBudget (bytes; 0 means DefaultMemoryBudget) is shared out
	// among what a history scan holds in proportion to the repository
	// rather than to its own bookkeeping: a quarter for delta bases kept
	// by the pack walkers (split between workers), a quarter for pack pages
	// left mapped in the process (gitobj.Store.LimitResident), a twelfth
	// for the tree walk's delta base cache, a twenty-fourth for the last
	// tree walked at each path (history.lastTree), and a cap of a third on
	// one blob. What it does not bound is the attribution of blobs to commits
	// and paths, which grows with the history; the command also sets the
	// Go heap's soft limit from the budget (cmd, --memory-budget).
	MemoryBudget int64
	// Debugf receives diagnostics. May be nil.
	Debugf func(format string, args ...any)
}

// Known is a set of object ids (raw, 20 bytes) a scan may skip.
// *store.ObjectSet is one.
type Known interface {
	HasRaw(id []byte) bool
	Len() int
}

// Stats counts what a scan read.
type Stats struct {
	Refs        int64 `json:"refs"`
	Commits     int64 `json:"commits"`
	Blobs       int64 `json:"blobs"` // blobs handed to the sink
	Bytes       int64 `json:"bytes"` // their total size
	Unreachable int64 `json:"unreachable_blobs,omitempty"`
	Worktree    int64 `json:"worktree_files,omitempty"` // files on disk not in history
	// Excluded counts the blobs not read because every path they have is
	// excluded; ExcludedByRepo those of them that Options.Excludes alone
	// would have read.
	Excluded       int64 `json:"excluded_blobs,omitempty"`
	ExcludedByRepo int64 `json:"excluded_by_repo_config,omitempty"`
	// KnownBlobs counts the blobs an incremental scan met in new commits
	// and did not read because Options.Known held them.
	KnownBlobs int64 `json:"known_blobs,omitempty"`
}

// Repo is a repository to scan. It implements source.Source; after Scan,
// Locations attributes blobs to history. Close releases it.
type Repo struct {
	// GitDir is the repository's git directory; WorkDir its working tree
	// ("" for a bare repository).
	GitDir, WorkDir string

	opts Options
	excl *source.Excluder
	// userExcl is Options.Excludes alone, set only when RepoExcludes add
	// to them: it tells which exclusions the repository's config made.
	userExcl *source.Excluder

	// gitMu serialises go-git's storage (refs, revisions), which is not
	// safe for concurrent use (go-git#773).
	gitMu sync.Mutex
	st    *filesystem.Storage
	// store is the object database, open from Scan to Close; obj reads it
	// out of the walk's order.
	store *gitobj.Store
	obj   lockedReader

	mu    sync.Mutex
	hist  *history
	stats Stats
	note  string
	meta  map[int32]*source.Commit
	// handled lists the objects the last Scan dealt with for good
	// (Handled), built on the first call: most scans never ask, and
	// listing them was about 1% of a whole-history scan's CPU.
	handled func() []plumbing.Hash
}

// IsRepository reports whether path is, or claims to be, a git working
// tree root or a bare repository (or a .git directory): it has a .git
// entry, or is a git directory. Open then says whether it really is one;
// a broken .git is an error, never a reason to scan less.
func IsRepository(path string) bool {
	if _, err := os.Lstat(filepath.Join(path, ".git")); err == nil {
		return true
	}
	return isGitDir(path)
}

// findGitDir locates the git directory for path.
func findGitDir(path string) (gitDir, workDir string, err error) {
	dotgit := filepath.Join(path, ".git")
	fi, err := os.Stat(dotgit)
	switch {
	case err == nil && fi.IsDir():
		if !isGitDir(dotgit) {
			return "", "", fmt.Errorf("%s: .git is a directory without HEAD, objects and refs: %w", path, ErrNotRepository)
		}
		return dotgit, path, nil
	case err == nil && fi.Mode().IsRegular():
		// A worktree or submodule: ".git" is a file naming the git dir.
		b, err := os.ReadFile(dotgit)
		if err != nil {
			return "", "", err
		}
		dir, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir:")
		if !ok {
			return "", "", fmt.Errorf("%s: .git is a file without a gitdir: line: %w", path, ErrNotRepository)
		}
		dir = strings.TrimSpace(dir)
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(path, dir)
		}
		// A linked worktree's git dir holds only its HEAD and index; the
		// objects and refs are in the main repository's ("commondir").
		if c, err := os.ReadFile(filepath.Join(dir, "commondir")); err == nil {
			common := strings.TrimSpace(string(c))
			if !filepath.IsAbs(common) {
				common = filepath.Join(dir, common)
			}
			dir = filepath.Clean(common)
		}
		// A .git file naming something that is not a repository must not
		// make the scan fall back to something smaller: it is an error.
		if !isGitDir(dir) {
			return "", "", fmt.Errorf("%s: .git file points to %s, which is not a git repository: %w", path, dir, ErrNotRepository)
		}
		return dir, path, nil
	case err == nil:
		return "", "", fmt.Errorf("%s: .git is neither a directory nor a file: %w", path, ErrNotRepository)
	}
	if isGitDir(path) {
		return path, "", nil
	}
	return "", "", fmt.Errorf("%s: %w", path, ErrNotRepository)
}

func isGitDir(dir string) bool {
	for _, name := range []string{"HEAD", "objects", "refs"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}

// Open prepares a scan of the repository at path (a working tree, a bare
// repository or a .git directory).
func Open(path string, opts Options) (*Repo, error) {
	gitDir, workDir, err := findGitDir(path)
	if err != nil {
		return nil, err
	}
	if cfg, err := os.ReadFile(filepath.Join(gitDir, "config")); err == nil {
		c := strings.ReplaceAll(strings.ToLower(string(cfg)), " ", "")
		if strings.Contains(c, "objectformat=sha256") {
			return nil, fmt.Errorf("%s: SHA-256 repositories are not supported yet (use --no-history to scan the files on disk)", path)
		}
	}
	if opts.MemoryBudget <= 0 {
		opts.MemoryBudget = DefaultMemoryBudget
	}
	if opts.MaxBlobSize <= 0 {
		opts.MaxBlobSize = DefaultMaxBlobSize
	}
	opts.MaxBlobSize = min(opts.MaxBlobSize, max(opts.MemoryBudget/3, 1<<20))
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Debugf == nil {
		opts.Debugf = func(string, ...any) {}
	}
	excl, err := source.NewExcluder(append(append([]string(nil), opts.RepoExcludes...), opts.Excludes...))
	if err != nil {
		return nil, err
	}
	var userExcl *source.Excluder
	if len(opts.RepoExcludes) > 0 {
		if userExcl, err = source.NewExcluder(opts.Excludes); err != nil {
			return nil, err
		}
	}
	if opts.Range != "" && !strings.Contains(opts.Range, "..") {
		return nil, fmt.Errorf("range %q: want A..B", opts.Range)
	}
	// KeepDescriptors: without it go-git reopens pack files per object
	// (1.5x CPU for blobs, 2.4x for tree walks; docs/performance.md).
	st := filesystem.NewStorageWithOptions(osfs.New(gitDir), cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
	r := &Repo{GitDir: gitDir, WorkDir: workDir, opts: opts, st: st, excl: excl, userExcl: userExcl}
	if opts.Range != "" {
		// A range that does not resolve fails here, before anything is
		// scanned, rather than after a scan of nothing.
		if err := r.checkRange(); err != nil {
			r.Close()
			return nil, err
		}
	}
	return r, nil
}

// SetWorktree sets Options.Worktree after Open, once WorkDir is known.
// Call it before Scan.
func (r *Repo) SetWorktree(src source.Source) { r.opts.Worktree = src }

// Close releases the repository's files.
func (r *Repo) Close() error {
	r.gitMu.Lock()
	err := r.st.Close()
	r.gitMu.Unlock()
	r.obj.mu.Lock()
	defer r.obj.mu.Unlock()
	if r.store != nil {
		err = errors.Join(err, r.store.Close())
		r.store, r.obj.rd = nil, nil
	}
	return err
}

// Stats returns what the last Scan read.
func (r *Repo) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

// Handled lists the objects the last Scan dealt with for good: the
// commits it walked, the blobs it read and reported, and the blobs it left
// out because every path they have is excluded. A later scan with these
// as Options.Known (and the same settings) skips them. Unreachable blobs
// read on the way without AllObjects, and blobs lost to damage or over
// the size limit, are not in it: they were not scanned.
func (r *Repo) Handled() []plumbing.Hash {
	r.mu.Lock()
	f := r.handled
	r.mu.Unlock()
	if f == nil {
		return nil
	}
	return f()
}

// Note explains a scan that had nothing to do (an empty range, a
// repository without commits), or is "".
func (r *Repo) Note() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.note
}

// Locations returns every (commit, path) where the blob entered history,
// oldest first, as Origins of Kind "blob" with Commit set. A blob no ref
// reaches has Unreachable set (with its commit when an unreachable commit
// holds it) with AllObjects, and no locations at all without: findings in
// it are not to be reported. Other blobs unknown to history get a single
// Origin with just the id.
func (r *Repo) Locations(blobID string) []source.Origin {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.hist
	base := source.Origin{Kind: "blob", BlobID: blobID}
	if h == nil {
		return []source.Origin{base}
	}
	b := h.blobs[plumbing.NewHash(blobID)]
	if !r.opts.AllObjects && r.opts.Range == "" && (b == nil || !b.reachable) {
		// Read on the way while the walk ran, but not asked for.
		return nil
	}
	if b == nil || len(b.locs) == 0 {
		base.Unreachable = b == nil || !b.reachable
		return []source.Origin{base}
	}
	out := make([]source.Origin, 0, len(b.locs))
	for _, l := range b.locs {
		if r.excl.Excluded(l.path) {
			continue
		}
		o := base
		o.Path = l.path
		if l.commit >= 0 {
			c := &h.commits[l.commit]
			o.Commit = r.commitMeta(l.commit)
			o.Unreachable = c.unreachable
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		base.Unreachable = !b.reachable
		return []source.Origin{base}
	}
	return out
}

// InBase reports whether secret was already in the file at o's path in a
// parent of o's commit, in a range scan: the commit changed that file but
// did not bring the secret in (an edit elsewhere in a file that already
// held it). o is one of Locations' origins. Outside range scans, and when
// a parent's version cannot be read, it reports false: the location stays.
func (r *Repo) InBase(o source.Origin, secret string) bool {
	if r.opts.Range == "" || o.Commit == nil || secret == "" {
		return false
	}
	r.mu.Lock()
	var bases []plumbing.Hash
	if h := r.hist; h != nil {
		ci, ok := h.index[plumbing.NewHash(o.Commit.Hash)]
		if b := h.blobs[plumbing.NewHash(o.BlobID)]; ok && b != nil {
			for _, l := range b.locs {
				if l.commit == ci && l.path == o.Path {
					bases = l.bases
					break
				}
			}
		}
	}
	r.mu.Unlock()
	for _, id := range bases {
		_, data, err := r.obj.read(id)
		if err == nil && bytes.Contains(data, []byte(secret)) {
			return true
		}
	}
	return false
}

// CommitOrder is the position of a commit in the parents-first walk
// (lower is older), or -1 when the commit is not known. It orders the
// locations of different blobs.
func (r *Repo) CommitOrder(hash string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hist == nil {
		return -1
	}
	i, ok := r.hist.index[plumbing.NewHash(hash)]
	if !ok || i < 0 {
		return -1
	}
	return int(r.hist.commits[i].order)
}

// commitMeta reads a commit's author and message once. r.mu is held.
func (r *Repo) commitMeta(i int32) *source.Commit {
	if c, ok := r.meta[i]; ok {
		return c
	}
	if r.meta == nil {
		r.meta = map[int32]*source.Commit{}
	}
	id := r.hist.commits[i].hash
	c := &source.Commit{Hash: id.String()}
	// Bounded like every object read: a commit that inflates to gigabytes
	// is not read again here (its attribution keeps just the id).
	if t, data, err := r.obj.readLimit(id, min(r.opts.MaxBlobSize, maxCommitMeta)); err == nil && t == plumbing.CommitObject {
		var oc object.Commit
		mo := &plumbing.MemoryObject{}
		mo.SetType(plumbing.CommitObject)
		if _, err := mo.Write(data); err == nil && oc.Decode(mo) == nil {
			c.AuthorName, c.AuthorEmail = oc.Author.Name, oc.Author.Email
			c.Date = oc.Author.When
			c.Message, _, _ = strings.Cut(oc.Message, "\n")
			c.Message = strings.TrimRight(c.Message, "\r")
		}
	}
	r.meta[i] = c
	return c
}

// maxCommitMeta bounds a commit read for its author and message.
const maxCommitMeta = 16 << 20

// readShallow lists the boundary commits of a shallow clone.
func readShallow(gitDir string) map[plumbing.Hash]bool {
	f, err := os.Open(filepath.Join(gitDir, "shallow"))
	if err != nil {
		return nil
	}
	defer f.Close()
	m := map[plumbing.Hash]bool{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		if h, ok := gitobj.ParseHash(strings.TrimSpace(s.Text())); ok {
			m[h] = true
		}
	}
	return m
}

// checkRange resolves Options.Range with the scan's own bounded reader
// (never go-git's object reads, which a hostile repository can blow up),
// so a range that does not resolve fails before anything is scanned.
func (r *Repo) checkRange() error {
	s := &scan{r: r, sink: discardSink{}}
	s.openStore()
	// The same limit as the scan's: a big commit must not fail the check.
	s.hist = newHistory(&odb{rd: s.store.NewReader(r.opts.MaxBlobSize, 1<<20)}, nil, func(source.Skipped) {})
	_, _, _, _, err := r.resolveRange(s.resolveRev)
	return err
}

// discardSink drops what a range check's store reports: the scan that
// follows reports the same damage itself.
type discardSink struct{}

func (discardSink) Item(context.Context, source.Item) error { return nil }
func (discardSink) Skipped(source.Skipped)                  {}
