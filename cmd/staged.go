package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/report"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source/gitstaged"
)

// StagedOptions is everything `scour staged` needs; flags fill it.
type StagedOptions struct {
	// Dir is a directory inside the work tree ("" = current directory).
	Dir string
	// IndexFile is the index to read instead of the repository's; the
	// command sets it from GIT_INDEX_FILE, which git sets for hooks run by
	// `git commit -a` and `git commit PATH`.
	IndexFile   string
	Excludes    []string
	RulePacks   []string
	ConfigFile  string
	Format      string
	ShowSecrets bool
	NoColor     bool
	Verbose     bool
	Quiet       bool
	// MinConfidence: as ScanOptions.MinConfidence.
	MinConfidence string
}

func newStagedCmd(streams IO) *cobra.Command {
	var opts StagedOptions
	var noColor bool
	c := &cobra.Command{
		Use:   "staged",
		Short: "Scan what `git commit` would record (for pre-commit hooks)",
		Long: `Scan the changes staged for the next commit: every index entry whose
content differs from HEAD (all of them before the first commit). Renamed
files count as new content at their new path; deletions have nothing to scan;
binaries and symlinks (their target) are scanned as content; submodules and
intent-to-add entries (git add -N) have no content staged and are noted.

Only secrets the commit adds block it: a secret that the HEAD version of the
same path already holds is reported as "already in HEAD: not blocking"
(it needs revoking all the same; see scour scan). The command never passes
when it could not read the index or a staged file: that exits 2.

Configuration is read from .scour.yaml at the top of the work tree (or
--config): its excludes and rule packs apply. GIT_INDEX_FILE is honoured,
so hooks run by "git commit -a" see the index git is about to commit.

Install it as a hook with "scour hook install", or with the pre-commit
framework (id: scour).

` + exitCodesHelp,
		Example: `  scour staged                       # before git commit
  scour hook install                 # run it on every commit`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IndexFile = os.Getenv("GIT_INDEX_FILE")
			opts.NoColor = noColor || os.Getenv("NO_COLOR") != ""
			code, err := runStaged(cmd.Context(), opts, streams)
			if code != ExitClean || err != nil {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.Dir, "dir", "C", "", "run in this `directory` of the work tree instead of the current one")
	f.StringArrayVar(&opts.Excludes, "exclude", nil, "skip staged paths matching this gitignore-style `pattern` (repeatable)")
	f.StringArrayVar(&opts.RulePacks, "rules", nil, "add the rules of this pack `file` (repeatable)")
	f.StringVar(&opts.ConfigFile, "config", "", "read configuration from `file` instead of the work tree's .scour.yaml")
	f.StringVar(&opts.Format, "format", "text", "output format: "+strings.Join(report.Formats(), ", "))
	f.BoolVar(&opts.ShowSecrets, "show-secrets", false, "print secrets in full instead of redacted")
	f.StringVar(&opts.MinConfidence, "min-confidence", "", minConfidenceHelp)
	f.BoolVar(&noColor, "no-color", false, "never colour output (also: NO_COLOR=1)")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "print diagnostics to stderr")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "print no summary or notes to stderr")
	c.MarkFlagsMutuallyExclusive("verbose", "quiet")
	return c
}

// runStaged scans the staged changes and reports the secrets they add. It
// returns the exit code and, for ExitError, the error to print.
func runStaged(ctx context.Context, opts StagedOptions, streams IO) (int, error) {
	start := time.Now()
	if opts.Format == "" {
		opts.Format = "text"
	}
	if !validFormat(opts.Format) {
		return ExitError, fmt.Errorf("--format %q: want one of %s", opts.Format, strings.Join(report.Formats(), ", "))
	}
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	st, err := gitstaged.Open(gitstaged.Options{Dir: dir, IndexFile: opts.IndexFile})
	if err != nil {
		return ExitError, stagedUnreadable(err)
	}
	defer st.Close()
	// The config lives at the top of the work tree.
	cfg, err := loadConfig(st.Root, opts.ConfigFile, false)
	if err != nil {
		return ExitError, err
	}
	if err := st.Exclude(append(append([]string(nil), cfg.Exclude...), opts.Excludes...)); err != nil {
		return ExitError, err
	}

	set, err := configuredRules(cfg, opts.RulePacks)
	if err != nil {
		return ExitError, err
	}
	debugf := newDebugf(streams.ErrOut, opts.Verbose)
	sup, err := newSuppressor(st.Root, cfg, "", debugf) // allowlists and .scourignore
	if err != nil {
		return ExitError, err
	}
	debugf("index: %d entries, %d changed paths, %d deleted, %d excluded", st.Entries, len(st.Changes), len(st.Deleted), st.Excluded)
	minConf, err := minConfidence(opts.MinConfidence, cfg)
	if err != nil {
		return ExitError, err
	}
	sc, err := scanner.New(scanner.Options{Rules: set, Debugf: debugf, Allow: sup.allowHook(), MinConfidence: minConf})
	if err != nil {
		return ExitError, err
	}

	note := func(format string, args ...any) {
		if !opts.Quiet {
			fmt.Fprintf(streams.ErrOut, "scour: %s\n", safetext.Escape(fmt.Sprintf(format, args...)))
		}
	}
	for _, n := range st.Notes {
		note("not scanned: %s: %s (%s)", n.Path, n.Reason, n.Detail)
	}
	if st.Excluded > 0 {
		note("%d staged %s excluded by configuration", st.Excluded, pluralWord(st.Excluded, "path", "paths"))
	}

	res, scanErr := sc.Run(ctx, st.Source())
	if res == nil {
		res = &scanner.Result{}
	}
	sup.apply(res, streams.ErrOut, opts.Quiet)
	var already map[string]int
	if scanErr == nil && len(res.Findings) > 0 {
		already, scanErr = subtractHead(ctx, sc, st, res)
	}

	ropts := report.Options{
		Version:     Version(),
		ShowSecrets: opts.ShowSecrets,
		Rules:       ruleMeta(set),
		Elapsed:     time.Since(start),
		Color:       opts.Format == "text" && !opts.NoColor && isTerminal(streams.Out),
	}
	outErr := report.Write(streams.Out, opts.Format, res, ropts)
	paths := make([]string, 0, len(already))
	for p := range already {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		note("%d %s already in HEAD at %s: not blocking", already[p], pluralWord(already[p], "secret", "secrets"), p)
	}
	if !opts.Quiet {
		_ = report.SkippedList(streams.ErrOut, res)
		_ = report.Summary(streams.ErrOut, res, ropts)
	}

	switch {
	case errors.Is(scanErr, context.Canceled):
		return ExitError, errors.New("interrupted: the staged changes were not all scanned")
	case scanErr != nil:
		return ExitError, scanErr
	case outErr != nil:
		return ExitError, outErr
	case len(res.Findings) > 0:
		n := len(res.Findings)
		note("the commit adds %d %s: remove %s from the staged files (edit and git add, or git rm --cached) "+
			"and revoke any real credential", n, pluralWord(n, "secret", "secrets"), pluralWord(n, "it", "them"))
		return ExitFindings, nil
	case len(res.Skipped) > 0:
		// A staged file we could not read may hold anything: fail closed.
		return ExitError, fmt.Errorf("%d %s could not be scanned (%s): not passing a commit that was not fully checked",
			len(res.Skipped), pluralWord(len(res.Skipped), "staged file", "staged files"), skipCounts(res))
	case len(st.Changes) == 0:
		note("nothing staged to scan (%d %s in the index, %d deleted)", st.Entries, pluralWord(st.Entries, "entry", "entries"), len(st.Deleted))
	}
	return ExitClean, nil
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

// stagedUnreadable says that nothing passed: the hook must not let a commit
// through unchecked.
func stagedUnreadable(err error) error {
	return fmt.Errorf("%w\nscour staged could not see what is staged and does not pass the commit unchecked", err)
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
