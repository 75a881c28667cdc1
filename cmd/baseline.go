package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/report"
	"github.com/scour-dev/scour/scan"
	"github.com/scour-dev/scour/suppress"
)

// BaselineOptions configures `scour baseline create` and `update`.
type BaselineOptions struct {
	// File is the baseline to write.
	File string
	// Update requires File to exist and says what changed.
	Update bool
	// From, when set, is a JSON or JSON Lines report (or baseline) whose
	// findings make the baseline; no scan runs.
	From string
	// Scan is the scan to run otherwise (its Format and output are set
	// here).
	Scan ScanOptions
}

func newBaselineCmd(streams IO) *cobra.Command {
	c := &cobra.Command{
		Use:   "baseline",
		Short: "Record the current findings so that scans report only new ones",
		Long: `A baseline is the list of findings to accept: their rule ids and
fingerprints, never the secrets, paths or lines.
` + "`scour scan --baseline FILE`" + ` then reports, and exits 1 for, only findings
not in it. Because entries are keyed on the secret, the baseline holds when
code moves, is rebased or squashed; a new secret, even on a baselined line,
is reported. A full JSON report (scan --format json) works as a baseline too.

"create" scans PATH and writes the baseline; "update" does the same over an
existing baseline: the result is the current findings (new ones are added,
fixed ones dropped) and it says what changed.`,
	}
	create := BaselineOptions{Scan: ScanOptions{MaxFileSize: DefaultMaxFileSize}}
	createCmd := &cobra.Command{
		Use:   "create [PATH] -o FILE",
		Short: "Scan PATH and write its findings as a baseline FILE (mode 0600)",
		Example: `  scour baseline create -o .scour-baseline.json
  scour scan --baseline .scour-baseline.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				create.Scan.Path = args[0]
			}
			return asExitErr(runBaseline(cmd.Context(), create, streams))
		},
	}
	createCmd.Flags().StringVarP(&create.File, "output", "o", "", "write the baseline to `file` (required)")
	_ = createCmd.MarkFlagRequired("output")
	baselineScanFlags(createCmd, &create)

	update := BaselineOptions{Update: true, Scan: ScanOptions{MaxFileSize: DefaultMaxFileSize}}
	updateCmd := &cobra.Command{
		Use:   "update FILE [PATH]",
		Short: "Rewrite baseline FILE with PATH's current findings: new ones added, fixed ones dropped",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			update.File = args[0]
			if len(args) == 2 {
				update.Scan.Path = args[1]
			}
			return asExitErr(runBaseline(cmd.Context(), update, streams))
		},
	}
	baselineScanFlags(updateCmd, &update)
	c.AddCommand(createCmd, updateCmd)
	return c
}

// baselineScanFlags are the scan flags that decide what a baseline holds.
func baselineScanFlags(c *cobra.Command, o *BaselineOptions) {
	f := c.Flags()
	f.StringVar(&o.From, "from", "", "take the findings from this JSON or JSONL `report` instead of scanning")
	f.StringVar(&o.Scan.ConfigFile, "config", "", "read configuration from `file` instead of PATH/"+config.FileName)
	f.BoolVar(&o.Scan.NoRepoConfig, "no-repo-config", false, "ignore the scanned tree's own "+config.FileName+" and "+suppress.IgnoreFileName)
	f.StringArrayVar(&o.Scan.Excludes, "exclude", nil, "skip paths matching this gitignore-style `pattern` (repeatable)")
	f.StringArrayVar(&o.Scan.RulePacks, "rules", nil, "add the rules of this pack `file` (repeatable)")
	f.Var(byteSize{&o.Scan.MaxFileSize}, "max-file-size", "skip files larger than this `size` with a notice (0 = no limit)")
	f.BoolVarP(&o.Scan.Quiet, "quiet", "q", false, "print no scan summary to stderr")
	f.BoolVarP(&o.Scan.Verbose, "verbose", "v", false, "print the scan's diagnostics to stderr")
	// The history flags of scan: a baseline of a repository covers its
	// history unless told otherwise.
	f.BoolVar(&o.Scan.NoHistory, "no-history", false, "in a git repository, record only the files on disk, not the history")
	f.BoolVar(&o.Scan.AllObjects, "all-objects", false, "in a git repository, also record findings in objects no ref reaches")
	f.StringVar(&o.Scan.Range, "range", "", "in a git repository, record only findings in the blobs commits `A..B` introduce")
	c.MarkFlagsMutuallyExclusive("from", "config")
	c.MarkFlagsMutuallyExclusive("from", "exclude")
	c.MarkFlagsMutuallyExclusive("from", "rules")
	c.MarkFlagsMutuallyExclusive("from", "no-repo-config")
	c.MarkFlagsMutuallyExclusive("verbose", "quiet")
}

// runBaseline scans (or reads opts.From) and writes the baseline
// atomically with mode 0600. A scan that fails writes nothing: a partial
// baseline would hide nothing but would look complete.
func runBaseline(ctx context.Context, opts BaselineOptions, streams IO) error {
	if err := checkOutputFile("baseline", opts.File); err != nil {
		return err
	}
	var old *suppress.Baseline
	if opts.Update {
		var err error
		if old, err = suppress.LoadBaseline(opts.File); err != nil {
			return fmt.Errorf("%w (to start one, use baseline create)", err)
		}
	}
	var cur *suppress.Baseline
	if opts.From != "" {
		if opts.Scan.Path != "" {
			return errors.New("give PATH or --from, not both")
		}
		var err error
		if cur, err = suppress.LoadBaseline(opts.From); err != nil {
			return err
		}
	} else {
		var err error
		if cur, err = baselineScan(ctx, opts.Scan, streams); err != nil {
			return fmt.Errorf("%w\nno baseline written", err)
		}
	}
	if err := writeFileAtomic(opts.File, func(w io.Writer) error { return suppress.WriteBaseline(w, cur) }); err != nil {
		return fmt.Errorf("writing baseline: %w", err)
	}
	if old == nil {
		fmt.Fprintf(streams.Out, "wrote %s: %d %s (rule ids and fingerprints only)\n", opts.File, cur.Len(), pluralWord(cur.Len(), "finding", "findings"))
		return nil
	}
	added, removed, rewritten := cur.Diff(old)
	fmt.Fprintf(streams.Out, "updated %s: %d %s (%d new, %d no longer found", opts.File, cur.Len(),
		pluralWord(cur.Len(), "finding", "findings"), len(added), len(removed))
	if len(rewritten) > 0 {
		fmt.Fprintf(streams.Out, ", %d rewritten in the current fingerprint form", len(rewritten))
	}
	fmt.Fprintln(streams.Out, ")")
	return nil
}

// baselineScan runs the scan a baseline records. Its findings are taken
// before any --baseline of the scan options: a baseline is the whole
// current state.
func baselineScan(ctx context.Context, opts ScanOptions, streams IO) (*suppress.Baseline, error) {
	start := time.Now()
	opts.Baseline = ""
	res, err := scan.Run(ctx, opts.pipeline(streams))
	if res != nil && !opts.Quiet {
		upgradeEntries(streams.ErrOut, res.Upgrades, false)
		printSummary(streams.ErrOut, res, report.Options{Elapsed: time.Since(start)}, opts.Verbose)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return nil, errors.New("scan interrupted")
	case err != nil:
		return nil, err
	case res.NothingScanned():
		return nil, fmt.Errorf("nothing could be scanned: everything was skipped (%s)", res.SkipCounts())
	}
	return suppress.NewBaseline(res.Result), nil
}
