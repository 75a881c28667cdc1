package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/report"
	"github.com/scour-dev/scour/store"
)

// ReportOptions configures `scour report`.
type ReportOptions struct {
	Store  string
	Filter store.Filter
	Format string
	// Output is the report file; "" writes to stdout.
	Output  string
	Version string
}

func newReportCmd(streams IO) *cobra.Command {
	opts := ReportOptions{Version: Version()}
	var status string
	c := &cobra.Command{
		Use:   "report",
		Short: "Write a report of a sweep's findings store, in any format (html too)",
		Long: `Write a report of the findings in a store, in any of scour's formats:
` + strings.Join(report.Formats(), ", ") + `. The html format is one
self-contained page (findings grouped by secret, provider, repository and
status, filters, sorting, charts) that fetches nothing.

Every location names its repository. Secrets are shown redacted: the store
keeps no raw secret unless the sweep was told to.`,
		Example: `  scour report --format html --report findings.html
  scour report --status open --format csv --report open.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := parseStatusFilter(status, &opts.Filter); err != nil {
				return asExitErr(err)
			}
			return asExitErr(runReport(cmd.Context(), opts, streams))
		},
	}
	c.Flags().StringVar(&opts.Store, "store", DefaultStore, "the findings store `file`")
	c.Flags().StringVar(&opts.Format, "format", "html", "output format: "+strings.Join(report.Formats(), ", "))
	c.Flags().StringVar(&opts.Output, "report", "", "write the report to `file` (mode 0600) instead of stdout")
	c.Flags().StringVar(&status, "status", "", "only findings with this status")
	c.Flags().StringVar(&opts.Filter.Provider, "provider", "", "only findings of this provider")
	c.Flags().StringVar(&opts.Filter.Repo, "repo", "", "only findings in this repository")
	return c
}

func runReport(ctx context.Context, opts ReportOptions, streams IO) error {
	ok := false
	for _, f := range report.Formats() {
		ok = ok || f == opts.Format
	}
	if !ok {
		return fmt.Errorf("--format %q: want one of %s", opts.Format, strings.Join(report.Formats(), ", "))
	}
	st, err := openStoreRead(ctx, opts.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	fs, err := st.Findings(ctx, opts.Filter)
	if err != nil {
		return err
	}
	res, ropts := storeReport(fs)
	ropts.Version = opts.Version
	write := func(w io.Writer) error { return report.Write(w, opts.Format, res, ropts) }
	if opts.Output == "" {
		return write(streams.Out)
	}
	if err := writeFileAtomic(opts.Output, write); err != nil {
		return err
	}
	fmt.Fprintf(streams.ErrOut, "scour: %d findings written to %s\n", len(fs), safetext.Escape(opts.Output))
	return nil
}

func newStoreCmd(streams IO) *cobra.Command {
	c := &cobra.Command{
		Use:   "store",
		Short: "Manage findings stores (merge the stores of sweep shards)",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(&cobra.Command{
		Use:   "merge DEST SRC...",
		Short: "Merge findings stores into DEST by fingerprint, without duplicates or lost triage",
		Long: `Merge the stores SRC... into DEST (created if missing): repositories by
URL (the later scan's refs win; scanned-object sets are unioned), findings
by fingerprint and rule, and every occurrence, verification result and
triage event, without duplicates. Merging is lossless and independent of
order, and merging a store again adds nothing. The sources are only read.

Shards of a sweep (--shard K/N) each write their own store; merge them to
get the store one process would have written.`,
		Example: `  scour store merge scour.db shard-0.db shard-1.db shard-2.db`,
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return asExitErr(runStoreMerge(cmd.Context(), args[0], args[1:], streams))
		},
	})
	return c
}

func runStoreMerge(ctx context.Context, dest string, srcs []string, streams IO) error {
	st, err := store.Open(ctx, dest, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	var errs []error
	for _, src := range srcs {
		n, err := st.Merge(ctx, src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(streams.ErrOut, "scour: merged %s: +%d repositories, +%d findings, +%d places, +%d verifications, +%d triage events\n",
			safetext.Escape(src), n.Repos, n.Findings, n.Occurrences, n.Verifications, n.TriageEvents)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}

// parseStatusFilter sets filter's status from a --status flag ("" = any).
func parseStatusFilter(status string, filter *store.Filter) error {
	if status == "" {
		return nil
	}
	st, err := store.ParseStatus(status)
	if err != nil {
		return err
	}
	filter.Status = st
	return nil
}
