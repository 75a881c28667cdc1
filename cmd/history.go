package cmd

import (
	"fmt"
	"io"

	"github.com/dustin/go-humanize"

	"github.com/scour-dev/scour/gitscan"
	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
	"github.com/scour-dev/scour/source/githistory"
)

// HistoryOptions are the `scour scan` flags for git repositories.
type HistoryOptions struct {
	// NoHistory scans only the files on disk, even in a git repository.
	NoHistory bool
	// AllObjects also scans objects no ref reaches, reported unreachable.
	AllObjects bool
	// Range, "A..B", scans only the blobs introduced by commits in B and
	// not in A.
	Range string
}

// useHistory says whether `scour scan PATH` reads git history: PATH is a
// working tree root or a bare repository, and --no-history is not given.
// --range and --all-objects without a repository are usage errors.
func useHistory(path string, h HistoryOptions) (bool, error) {
	if h.NoHistory {
		if h.Range != "" || h.AllObjects {
			return false, fmt.Errorf("--no-history cannot be combined with --range or --all-objects")
		}
		return false, nil
	}
	if path == "-" || !githistory.IsRepository(path) {
		if h.Range != "" || h.AllObjects {
			return false, fmt.Errorf("%s is not a git repository: --range and --all-objects need one (its root, or a bare repository)", path)
		}
		return false, nil
	}
	if h.Range != "" && h.AllObjects {
		return false, fmt.Errorf("--range and --all-objects cannot be combined")
	}
	return true, nil
}

// openHistory prepares a history scan of the repository at path. Files on
// disk that are not in history (untracked, modified) are scanned too, with
// the same excludes, unless a range is asked for.
func openHistory(path string, h HistoryOptions, excludes []string, maxFileSize int64, debugf func(string, ...any)) (*githistory.Repo, error) {
	// --max-file-size guards blobs too, up to the in-memory cap on blobs.
	maxBlob := int64(githistory.DefaultMaxBlobSize)
	if maxFileSize > 0 {
		maxBlob = min(maxBlob, maxFileSize)
	}
	repo, err := githistory.Open(path, githistory.Options{
		AllObjects:  h.AllObjects,
		Range:       h.Range,
		Excludes:    excludes,
		MaxBlobSize: maxBlob,
		Debugf:      debugf,
	})
	if err != nil {
		return nil, err
	}
	if repo.WorkDir != "" && h.Range == "" {
		repo.SetWorktree(&source.Dir{Root: repo.WorkDir, Excludes: excludes, MaxFileSize: maxFileSize})
	}
	return repo, nil
}

// finishHistory attributes the findings of a history scan to commits and
// paths, and adds the history counts to the result. In a range scan,
// secrets the range only carried along (already in the file before the
// commit that changed it) are dropped and listed on w.
func finishHistory(res *scanner.Result, repo *githistory.Repo, h HistoryOptions, w io.Writer, quiet bool) {
	gitscan.Expand(res, repo)
	if h.Range != "" {
		for _, f := range gitscan.DropInBase(res, repo) {
			if !quiet {
				fmt.Fprintf(w, "scour: %s %s…: already in the file before the range (e.g. %s), not introduced by it: not reported\n",
					f.RuleID, f.Fingerprint[:12], firstPath(f))
			}
		}
	}
	gitscan.AddStats(res, repo)
}

func firstPath(f scanner.Finding) string {
	if len(f.Locations) == 0 {
		return "?"
	}
	return safetext.Quote(f.Locations[0].Path)
}

// historySummary prints what the history scan covered, and why it did
// nothing when it did nothing (an empty range).
func historySummary(w io.Writer, repo *githistory.Repo) {
	st := repo.Stats()
	fmt.Fprintf(w, "scour: git history: %d refs, %d commits, %d blobs (%s)", st.Refs, st.Commits, st.Blobs, humanize.Bytes(uint64(max(st.Bytes, 0))))
	if st.Unreachable > 0 {
		fmt.Fprintf(w, ", %d unreachable", st.Unreachable)
	}
	if st.Worktree > 0 {
		fmt.Fprintf(w, ", %d working-tree files not in history", st.Worktree)
	}
	fmt.Fprintln(w)
	if note := repo.Note(); note != "" {
		fmt.Fprintf(w, "scour: %s\n", safetext.Escape(note))
	}
}
