package scan

import (
	"context"
	"fmt"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source/gitstaged"
)

// StagedOptions says which staged changes to scan and how.
type StagedOptions struct {
	// Dir is a directory inside the work tree ("" = current directory).
	Dir string
	// IndexFile is the index to read instead of the repository's (git
	// sets GIT_INDEX_FILE for hooks run by `git commit -a` and
	// `git commit PATH`).
	IndexFile string
	// ConfigFile is a config the user chose, instead of the work tree's
	// .scour.yaml.
	ConfigFile string
	// NoRepoConfig ignores the work tree's .scour.yaml and .scourignore.
	NoRepoConfig bool
	// Excludes are gitignore-style patterns, added to the config's.
	Excludes []string
	// RulePacks are extra rule pack files, added to the config's.
	RulePacks []string
	// MinConfidence is as in Options.
	MinConfidence string
	// Debugf and Notify are as in Options.
	Debugf func(format string, args ...any)
	Notify func(Notice)
}

// StagedInfo describes the index a staged scan read.
type StagedInfo struct {
	// Root is the work tree's top directory.
	Root string
	// Entries is the number of index entries; Changed the paths whose
	// staged content differs from HEAD; Deleted the paths the commit
	// removes; Excluded the changed paths dropped by excludes.
	Entries, Changed, Deleted, Excluded int
	// AlreadyInHead counts, per path, the secrets that HEAD's version of
	// the same path already holds: the commit does not add them, so they
	// are not in Findings.
	AlreadyInHead map[string]int
}

// Staged scans what `git commit` would record: every index entry whose
// content differs from HEAD. Only secrets the commit adds are findings. An
// index or HEAD that cannot be read is an error: a pre-commit check must
// never pass because it could not see what is staged.
func Staged(ctx context.Context, opts StagedOptions) (*Result, error) {
	r := newRun(opts.Notify, opts.Debugf)
	if err := checkExcludes(opts.Excludes); err != nil {
		return nil, err
	}
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	st, err := gitstaged.Open(gitstaged.Options{Dir: dir, IndexFile: opts.IndexFile})
	if err != nil {
		return nil, fmt.Errorf("%w\nscour staged could not see what is staged and does not pass the commit unchecked", err)
	}
	defer st.Close()
	// The config lives at the top of the work tree.
	t, err := r.prepare(st.Root, targetOptions{ConfigFile: opts.ConfigFile, NoRepoConfig: opts.NoRepoConfig, RulePacks: opts.RulePacks, MinConfidence: opts.MinConfidence})
	if err != nil {
		return nil, err
	}
	if err := st.Exclude(append(append([]string(nil), t.cfg.Exclude...), opts.Excludes...)); err != nil {
		return nil, err
	}
	r.debugf("index: %d entries, %d changed paths, %d deleted, %d excluded", st.Entries, len(st.Changes), len(st.Deleted), st.Excluded)
	for _, n := range st.Notes {
		r.note(NoticeNotScanned, "not scanned: %s: %s (%s)", safetext.Quote(n.Path), n.Reason, safetext.Escape(n.Detail))
	}
	if st.Excluded > 0 {
		r.note(NoticeExcluded, "%d staged %s excluded by configuration", st.Excluded, plural(st.Excluded, "path", "paths"))
	}

	res := &Result{Mode: ModeStaged, Target: st.Root, Config: t.cfg, Rules: t.set, Staged: &StagedInfo{
		Root: st.Root, Entries: st.Entries, Changed: len(st.Changes), Deleted: len(st.Deleted), Excluded: st.Excluded,
	}}
	var scanErr error
	res.Result, scanErr = runSource(ctx, t.sc, st.Source(), "files", nil)
	res.Suppressed, res.Upgrades = r.suppress(res.Result, t.filters)
	if scanErr == nil && len(res.Findings) > 0 {
		res.Staged.AlreadyInHead, scanErr = subtractHead(ctx, t.sc, st, res.Result)
	}
	res.Notices = r.notices
	return res, scanErr
}

// subtractHead drops from res the secrets that the HEAD version of the same
// path already holds: the commit does not add them. It returns, per path,
// how many secrets were dropped that way. Only paths with findings have
// their HEAD version read.
func subtractHead(ctx context.Context, sc *scanner.Scanner, st *gitstaged.Staged, res *scanner.Result) (map[string]int, error) {
	var paths []string
	seen := map[string]bool{}
	for _, f := range res.Findings {
		for _, l := range f.Locations {
			if !seen[l.Path] {
				seen[l.Path] = true
				paths = append(paths, l.Path)
			}
		}
	}
	head, err := sc.Run(ctx, st.HeadSource(paths))
	if err != nil {
		return nil, err
	}
	// (path, fingerprint) pairs present in HEAD. A HEAD blob that could not
	// be read subtracts nothing: its secrets keep blocking.
	inHead := map[[2]string]bool{}
	for _, f := range head.Findings {
		for _, l := range f.Locations {
			inHead[[2]string{l.Path, f.Fingerprint}] = true
		}
	}
	already := map[string]int{}
	kept := res.Findings[:0]
	for _, f := range res.Findings {
		var locs []scanner.Location
		counted := map[string]bool{}
		for _, l := range f.Locations {
			if !inHead[[2]string{l.Path, f.Fingerprint}] {
				locs = append(locs, l)
			} else if !counted[l.Path] {
				counted[l.Path] = true
				already[l.Path]++
			}
		}
		if len(locs) > 0 { // the commit adds it somewhere else too
			f.Locations = locs
			kept = append(kept, f)
		}
	}
	res.Findings = kept
	res.Stats.Findings = int64(len(kept))
	return already, nil
}
