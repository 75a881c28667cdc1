// Package gitscan joins the git history source and the scanner: it turns
// findings located in blobs into findings located in the commits and paths
// that introduced those blobs, oldest commit first.
package gitscan

import (
	"cmp"
	"context"
	"slices"

	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
	"github.com/scour-dev/scour/source/githistory"
)

// Locator attributes blobs to history; *githistory.Repo is one.
type Locator interface {
	// Locations lists where a blob entered history, oldest first.
	Locations(blobID string) []source.Origin
	// CommitOrder is a commit's position in a parents-first walk, -1 if unknown.
	CommitOrder(hash string) int
}

var _ Locator = (*githistory.Repo)(nil)

// Scan runs sc over the repository, attributes the findings and adds the
// history counts. The result is returned even with an error, holding what
// was found.
func Scan(ctx context.Context, sc *scanner.Scanner, repo *githistory.Repo) (*scanner.Result, error) {
	res, err := sc.Run(ctx, repo)
	if res != nil {
		Expand(res, repo)
		AddStats(res, repo)
	}
	return res, err
}

// AddStats records what the history scan covered in res.Stats.Git.
func AddStats(res *scanner.Result, repo *githistory.Repo) {
	st := repo.Stats()
	res.Stats.Git = &scanner.GitStats{
		Refs: st.Refs, Commits: st.Commits, Blobs: st.Blobs, Bytes: st.Bytes,
		Unreachable: st.Unreachable, Worktree: st.Worktree,
	}
}

// Expand replaces every location whose Kind is "blob" by one location per
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
func Expand(res *scanner.Result, loc Locator) {
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

// BaseChecker tells whether a secret was already in a location's file
// before the location's commit; *githistory.Repo is one (in range scans).
type BaseChecker interface {
	InBase(o source.Origin, secret string) bool
}

var _ BaseChecker = (*githistory.Repo)(nil)

// DropInBase removes, from a range scan's result, the locations whose
// commit changed a file that already held the secret: the range did not
// introduce the secret there, so a pull request that edits another line of
// such a file neither fails nor is blamed for it (the same rule as
// `scour staged`, which blocks only on secrets not already in HEAD at the
// same path). Findings left without locations are dropped; it returns
// them, for the caller to mention.
func DropInBase(res *scanner.Result, b BaseChecker) (dropped []scanner.Finding) {
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
