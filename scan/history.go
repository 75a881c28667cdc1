package scan

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
	"github.com/scour-dev/scour/source/githistory"
)

// useHistory says whether a scan of path reads git history: path is a
// working tree root or a bare repository, and NoHistory is not set.
// --range and --all-objects without a repository are usage errors.
func useHistory(path string, opts Options) (bool, error) {
	if opts.NoHistory {
		return false, nil
	}
	if path == "-" || !githistory.IsRepository(path) {
		if opts.Range != "" || opts.AllObjects {
			return false, fmt.Errorf("%s is not a git repository: --range and --all-objects need one (its root, or a bare repository)", path)
		}
		return false, nil
	}
	return true, nil
}

// openHistory prepares a history scan of the repository at path. Files on
// disk that are not in history (untracked, modified) are scanned too, with
// the same excludes, unless a range is asked for. A range that does not
// resolve is an error here, before anything is scanned.
// repoExcludes are the patterns of the scanned repository's own config,
// applied before opts.Excludes and counted apart.
func openHistory(path string, opts Options, repoExcludes []string, debugf func(string, ...any)) (*githistory.Repo, error) {
	// MaxFileSize guards blobs too, up to the in-memory cap on blobs.
	maxBlob := int64(githistory.DefaultMaxBlobSize)
	if opts.MaxFileSize > 0 {
		maxBlob = min(maxBlob, opts.MaxFileSize)
	}
	repo, err := githistory.Open(path, githistory.Options{
		AllObjects:   opts.AllObjects,
		Range:        opts.Range,
		Excludes:     opts.Excludes,
		RepoExcludes: repoExcludes,
		MaxBlobSize:  maxBlob,
		MemoryBudget: opts.MemoryBudget,
		Known:        opts.Known,
		Debugf:       debugf,
	})
	if err != nil {
		return nil, err
	}
	if repo.WorkDir != "" && opts.Range == "" {
		excludes := append(append([]string(nil), repoExcludes...), opts.Excludes...)
		repo.SetWorktree(&source.Dir{Root: repo.WorkDir, Excludes: excludes, MaxFileSize: opts.MaxFileSize})
	}
	return repo, nil
}

// finishHistory attributes the findings of a history scan to commits and
// paths, and adds the history counts to the result. In a range scan,
// secrets the range only carried along (already in the file before the
// commit that changed it) move to res.NotIntroduced, each with a notice.
func (r *run) finishHistory(res *Result, repo *githistory.Repo, inRange bool) {
	expand(res.Result, repo)
	if inRange {
		res.NotIntroduced = dropInBase(res.Result, repo)
		for _, f := range res.NotIntroduced {
			r.note(NoticeNotIntroduced, "%s %s…: already in the file before the range (e.g. %s), not introduced by it: not reported",
				f.RuleID, f.Fingerprint[:min(12, len(f.Fingerprint))], firstPath(f))
		}
	}
	addStats(res.Result, repo)
	r.noteRepoExcluded(res, "blob", "blobs")
	res.HistoryNote = repo.Note()
}

// noteRepoExcluded says, when it happened, that the scanned tree's own
// config kept content out of the scan.
func (r *run) noteRepoExcluded(res *Result, one, many string) {
	if n := res.Stats.ExcludedByRepo; n > 0 {
		r.note(NoticeRepoExcluded, "%d %s not scanned: excluded by the exclude: patterns of %s, the scanned repository's own config (%s); --no-repo-config, or --config naming a config you trust, scans them",
			n, plural(int(n), one, many), safetext.Quote(res.Config.Path), quoteList(res.Config.Exclude))
	}
}

// quoteList shows a few patterns, quoted.
func quoteList(pats []string) string {
	const show = 4
	q := make([]string, 0, show)
	for i, p := range pats {
		if i == show {
			q = append(q, fmt.Sprintf("and %d more", len(pats)-show))
			break
		}
		q = append(q, strconv.Quote(p))
	}
	return strings.Join(q, ", ")
}

func firstPath(f scanner.Finding) string {
	if len(f.Locations) == 0 {
		return "?"
	}
	return safetext.Quote(f.Locations[0].Path)
}

// locator attributes blobs to history; *githistory.Repo is one.
type locator interface {
	// Locations lists where a blob entered history, oldest first.
	Locations(blobID string) []source.Origin
	// CommitOrder is a commit's position in a parents-first walk, -1 if
	// unknown.
	CommitOrder(hash string) int
}

var _ locator = (*githistory.Repo)(nil)

// addStats records what the history scan covered in res.Stats.Git.
func addStats(res *scanner.Result, repo *githistory.Repo) {
	st := repo.Stats()
	res.Stats.Git = &scanner.GitStats{
		Refs: st.Refs, Commits: st.Commits, Blobs: st.Blobs, Bytes: st.Bytes,
		Unreachable: st.Unreachable, Worktree: st.Worktree,
		ExcludedBlobs: st.Excluded, KnownBlobs: st.KnownBlobs,
	}
	res.Stats.ExcludedByRepo += st.ExcludedByRepo
}

// expand replaces every location whose Kind is "blob" by one location per
// (commit, path) where that blob entered history, keeping line, column
// and offset (a blob's content is the same wherever it is). Each finding's
// locations are then ordered: reachable commits oldest first, unreachable
// commits, blobs without a commit, then everything else (working-tree
// files) by path. The first location is the finding's headline: where the
// secret first entered history.
//
// A blob with no locations was read on the way but is not to be reported
// (unreachable, without AllObjects): its locations are dropped, and so are
// findings left with none.
func expand(res *scanner.Result, loc locator) {
	kept := res.Findings[:0]
	defer func() {
		res.Findings = kept
		res.Stats.Findings = int64(len(kept))
	}()
	for i := range res.Findings {
		f := &res.Findings[i]
		var out []scanner.Location
		for _, l := range f.Locations {
			if l.Kind != "blob" || l.BlobID == "" {
				out = append(out, l)
				continue
			}
			for _, o := range loc.Locations(l.BlobID) {
				nl := l
				nl.Origin = o
				if nl.Remote == "" {
					nl.Remote = l.Remote
				}
				out = append(out, nl)
			}
		}
		key := func(l scanner.Location) (group, order int) {
			switch {
			case l.Commit != nil && !l.Unreachable:
				return 0, loc.CommitOrder(l.Commit.Hash)
			case l.Commit != nil:
				return 1, loc.CommitOrder(l.Commit.Hash)
			case l.Kind == "blob":
				return 2, 0
			}
			return 3, 0
		}
		slices.SortStableFunc(out, func(a, b scanner.Location) int {
			ga, oa := key(a)
			gb, ob := key(b)
			return cmp.Or(cmp.Compare(ga, gb), cmp.Compare(oa, ob),
				cmp.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column),
				cmp.Compare(a.BlobID, b.BlobID))
		})
		f.Locations = slices.CompactFunc(out, func(a, b scanner.Location) bool {
			return a.Path == b.Path && a.Line == b.Line && a.Column == b.Column && a.BlobID == b.BlobID &&
				a.Kind == b.Kind && commitHash(a) == commitHash(b)
		})
		if len(f.Locations) > 0 {
			kept = append(kept, *f)
		}
	}
}

func commitHash(l scanner.Location) string {
	if l.Commit == nil {
		return ""
	}
	return l.Commit.Hash
}

// baseChecker tells whether a secret was already in a location's file
// before the location's commit; *githistory.Repo is one (in range scans).
type baseChecker interface {
	InBase(o source.Origin, secret string) bool
}

var _ baseChecker = (*githistory.Repo)(nil)

// dropInBase removes, from a range scan's result, the locations whose
// commit changed a file that already held the secret: the range did not
// introduce the secret there, so a pull request that edits another line of
// such a file neither fails nor is blamed for it (the same rule as
// `scour staged`, which blocks only on secrets not already in HEAD at the
// same path). Findings left without locations are dropped; it returns
// them, for the caller to mention.
func dropInBase(res *scanner.Result, b baseChecker) (dropped []scanner.Finding) {
	kept := res.Findings[:0]
	for _, f := range res.Findings {
		locs := f.Locations[:0:0]
		for _, l := range f.Locations {
			if l.Commit != nil && b.InBase(l.Origin, f.Secret) {
				continue
			}
			locs = append(locs, l)
		}
		if len(locs) == 0 {
			dropped = append(dropped, f)
			continue
		}
		f.Locations = locs
		kept = append(kept, f)
	}
	res.Findings = kept
	res.Stats.Findings = int64(len(kept))
	return dropped
}

// RepositoryTop returns the git repository holding dir: the nearest
// directory at or above it that is a working tree root or a bare
// repository. ok is false when there is none.
func RepositoryTop(dir string) (top string, ok bool) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for d := abs; ; {
		if githistory.IsRepository(d) {
			return d, true
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", false
		}
		d = parent
	}
}

// WorkTreeTop returns the nearest directory at or above dir holding .git
// (a directory, or a file for worktrees and submodules), or dir itself.
func WorkTreeTop(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	for d := abs; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// sameDir reports whether a and b name the same directory.
func sameDir(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
