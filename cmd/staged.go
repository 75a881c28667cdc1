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
	"github.com/scour-dev/scour/scan"
)

// StagedOptions is everything `scour staged` needs; flags fill it.
type StagedOptions struct {
	// Dir is a directory inside the work tree ("" = current directory).
	Dir string
	// IndexFile is the index to read instead of the repository's; the
	// command sets it from GIT_INDEX_FILE, which git sets for hooks run by
	// `git commit -a` and `git commit PATH`.
	IndexFile  string
	Excludes   []string
	RulePacks  []string
	ConfigFile string
	// NoRepoConfig ignores the work tree's .scour.yaml and .scourignore.
	NoRepoConfig bool
	Format       string
	ShowSecrets  bool
	NoColor      bool
	Verbose      bool
	Quiet        bool
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
--config): its excludes and rule packs apply. --no-repo-config ignores the
work tree's own .scour.yaml and .scourignore. GIT_INDEX_FILE is honoured,
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
	f.BoolVar(&opts.NoRepoConfig, "no-repo-config", false, "ignore the work tree's own .scour.yaml and .scourignore")
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
	note := func(format string, args ...any) {
		if !opts.Quiet {
			fmt.Fprintf(streams.ErrOut, "scour: %s\n", safetext.Escape(fmt.Sprintf(format, args...)))
		}
	}
	var debugf func(string, ...any) // nil: the engine skips formatting diagnostics
	if opts.Verbose {
		debugf = newDebugf(streams.ErrOut, true)
	}
	res, scanErr := scan.Staged(ctx, scan.StagedOptions{
		Dir:           opts.Dir,
		IndexFile:     opts.IndexFile,
		ConfigFile:    opts.ConfigFile,
		NoRepoConfig:  opts.NoRepoConfig,
		Excludes:      opts.Excludes,
		RulePacks:     opts.RulePacks,
		MinConfidence: opts.MinConfidence,
		Debugf:        debugf,
		Notify:        printNotice(streams.ErrOut, opts.Quiet),
	})
	if res == nil {
		return ExitError, scanErr
	}
	if !opts.Quiet {
		upgradeEntries(streams.ErrOut, res.Upgrades, false)
	}

	ropts := report.Options{
		Version:     Version(),
		ShowSecrets: opts.ShowSecrets,
		Rules:       ruleMeta(res.Rules),
		Elapsed:     time.Since(start),
		Color:       opts.Format == "text" && !opts.NoColor && isTerminal(streams.Out),
	}
	outErr := report.Write(streams.Out, opts.Format, res.Result, ropts)
	already := res.Staged.AlreadyInHead
	paths := make([]string, 0, len(already))
	for p := range already {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		note("%d %s already in HEAD at %s: not blocking", already[p], pluralWord(already[p], "secret", "secrets"), p)
	}
	if !opts.Quiet {
		_ = report.SkippedList(streams.ErrOut, res.Result)
		_ = report.Summary(streams.ErrOut, res.Result, ropts)
		droppedSummary(streams.ErrOut, res, opts.Verbose)
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
			len(res.Skipped), pluralWord(len(res.Skipped), "staged file", "staged files"), res.SkipCounts())
	case res.Staged.Changed == 0:
		note("nothing staged to scan (%d %s in the index, %d deleted)", res.Staged.Entries, pluralWord(res.Staged.Entries, "entry", "entries"), res.Staged.Deleted)
	}
	return ExitClean, nil
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
