package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/report"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/store"
	"github.com/scour-dev/scour/suppress"
)

// DefaultStore is the findings store a sweep writes and triage reads when
// --store is not given.
const DefaultStore = "scour.db"

// FindingsOptions configures `scour findings` (list and show).
type FindingsOptions struct {
	Store  string
	Filter store.Filter
	// Format is "text" or "json".
	Format string
	// IgnoreFile is a .scourignore to compare with the store's statuses.
	IgnoreFile string
}

// SetStatusOptions configures `scour findings set`.
type SetStatusOptions struct {
	Store        string
	Fingerprints []string
	RuleID       string
	Status       string
	Who, Why     string
	// Now stamps the event (nil: time.Now).
	Now func() time.Time
}

func newFindingsCmd(streams IO) *cobra.Command {
	var opts FindingsOptions
	var status string
	c := &cobra.Command{
		Use:   "findings",
		Short: "List, show and triage the findings in a sweep's store",
		Long: `List the findings a sweep recorded in its store: one line per secret and
rule, with its status, where it is (repositories, places), when it first
entered history and its last verification.

"scour findings show FINGERPRINT" prints every place a finding occurs and
its triage history; "scour findings set" changes its status.

With --ignore-file, findings that file ignores but the store still has
open are pointed out: the two must not disagree silently.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := parseStatusFilter(status, &opts.Filter); err != nil {
				return asExitErr(err)
			}
			return asExitErr(runFindings(cmd.Context(), opts, streams))
		},
	}
	f := c.PersistentFlags()
	f.StringVar(&opts.Store, "store", DefaultStore, "the findings store `file`")
	c.Flags().StringVar(&status, "status", "", "only findings with this status (open, accepted-risk, false-positive, revoked, rotated)")
	c.Flags().StringVar(&opts.Filter.Provider, "provider", "", "only findings of this provider")
	c.Flags().StringVar(&opts.Filter.RuleID, "rule", "", "only findings of this rule")
	c.Flags().StringVar(&opts.Filter.Repo, "repo", "", "only findings in this repository (its URL or path)")
	c.Flags().StringVar(&opts.Format, "format", "text", "output format: text or json")
	c.Flags().StringVar(&opts.IgnoreFile, "ignore-file", "", "a .scourignore `file` to check against the store's statuses")
	c.AddCommand(newFindingsShowCmd(streams, &opts))
	c.AddCommand(newFindingsSetCmd(streams, &opts.Store))
	return c
}

func newFindingsShowCmd(streams IO, parent *FindingsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "show FINGERPRINT",
		Short: "Show a finding: every place it occurs, its verifications and triage history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := FindingsOptions{Store: parent.Store, Filter: store.Filter{Fingerprint: args[0]}}
			return asExitErr(runFindingsShow(cmd.Context(), opts, streams))
		},
	}
}

func newFindingsSetCmd(streams IO, storePath *string) *cobra.Command {
	var opts SetStatusOptions
	c := &cobra.Command{
		Use:   "set FINGERPRINT... --status STATUS --reason WHY",
		Short: "Set findings' triage status (recorded with who, why and when)",
		Long: `Record a triage event for findings: open, accepted-risk, false-positive,
revoked or rotated, with who set it (--who, default $USER) and why
(--reason, required). Events are kept as history; the latest is the status.
A fingerprint may be a unique prefix.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Store = *storePath
			opts.Fingerprints = args
			return asExitErr(runSetStatus(cmd.Context(), opts, streams))
		},
	}
	c.Flags().StringVar(&opts.Status, "status", "", "the new status: open, accepted-risk, false-positive, revoked or rotated (required)")
	c.Flags().StringVar(&opts.Why, "reason", "", "why (required)")
	c.Flags().StringVar(&opts.Who, "who", "", "who decided (default $USER)")
	c.Flags().StringVar(&opts.RuleID, "rule", "", "only the finding of this rule (default: every rule that found the secret)")
	return c
}

// openStoreRead opens an existing store read-only.
func openStoreRead(ctx context.Context, path string) (*store.Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store %s: %w (run scour sweep first, or give --store)", path, errors.Unwrap(err))
	}
	return store.Open(ctx, path, store.Options{ReadOnly: true})
}

func runFindings(ctx context.Context, opts FindingsOptions, streams IO) error {
	if opts.Format != "text" && opts.Format != "json" {
		return fmt.Errorf("--format %q: want text or json", opts.Format)
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
	if opts.Format == "json" {
		enc := json.NewEncoder(streams.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(findingsJSON(fs))
	}
	tw := tabwriter.NewWriter(streams.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tPROVIDER\tRULE\tSECRET\tFINGERPRINT\tREPOS\tPLACES\tFIRST COMMIT\tVERIFIED")
	for i := range fs {
		f := &fs[i]
		verified := "-"
		if v := f.LastVerification(); v != nil {
			verified = v.State
		}
		first := "-"
		if d := f.FirstCommitDate(); !d.IsZero() {
			first = d.Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", f.Status(), safetext.Escape(f.Provider), safetext.Escape(f.RuleID),
			safetext.Escape(preview(f)), f.Fingerprint[:min(16, len(f.Fingerprint))], len(f.Repos()), len(f.Occurrences), first, safetext.Escape(verified))
	}
	tw.Flush()
	fmt.Fprintf(streams.ErrOut, "scour: %d findings in %s\n", len(fs), safetext.Escape(opts.Store))
	if opts.IgnoreFile != "" {
		return checkIgnoreFile(ctx, st, opts.IgnoreFile, streams.ErrOut)
	}
	return nil
}

// checkIgnoreFile points out fingerprints the ignore file suppresses while
// the store has them open: a scan would hide what triage never closed.
func checkIgnoreFile(ctx context.Context, st *store.Store, path string, w io.Writer) error {
	list, err := suppress.LoadIgnore(path)
	if err != nil {
		return err
	}
	open, err := st.Findings(ctx, store.Filter{Status: store.StatusOpen})
	if err != nil {
		return err
	}
	n := 0
	for i := range open {
		sf := open[i].ScannerFinding()
		if list.Ignores(&sf) {
			n++
			fmt.Fprintf(w, "scour: %s (%s) is ignored by %s but open in the store: run scour findings set %s --status false-positive|accepted-risk|revoked --reason ...\n",
				open[i].Fingerprint[:16], safetext.Escape(open[i].RuleID), safetext.Escape(path), open[i].Fingerprint[:16])
		}
	}
	if n > 0 {
		return fmt.Errorf("%d findings ignored by %s are open in the store", n, path)
	}
	return nil
}

func preview(f *store.Finding) string {
	if f.Redacted != "" {
		return f.Redacted
	}
	return "…"
}

type findingJSON struct {
	Fingerprint    string               `json:"fingerprint"`
	RuleID         string               `json:"rule_id"`
	Provider       string               `json:"provider"`
	SecretRedacted string               `json:"secret_redacted"`
	Status         string               `json:"status"`
	Repositories   []string             `json:"repositories"`
	Places         int                  `json:"places"`
	FirstCommit    string               `json:"first_commit,omitempty"`
	FirstSeen      string               `json:"first_seen,omitempty"`
	LastVerified   *report.Verification `json:"last_verification,omitempty"`
	TriageHistory  []triageJSON         `json:"triage,omitempty"`
}

type triageJSON struct {
	Status string `json:"status"`
	Who    string `json:"who"`
	Why    string `json:"why"`
	At     string `json:"at"`
}

func findingsJSON(fs []store.Finding) []findingJSON {
	out := make([]findingJSON, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		j := findingJSON{Fingerprint: f.Fingerprint, RuleID: f.RuleID, Provider: f.Provider, SecretRedacted: preview(f),
			Status: string(f.Status()), Repositories: f.Repos(), Places: len(f.Occurrences)}
		if d := f.FirstCommitDate(); !d.IsZero() {
			j.FirstCommit = d.Format(time.RFC3339)
		}
		if !f.FirstSeen.IsZero() {
			j.FirstSeen = f.FirstSeen.Format(time.RFC3339)
		}
		if v := f.LastVerification(); v != nil {
			j.LastVerified = &report.Verification{State: v.State, Reason: v.Reason, Host: v.Host, Owner: v.Owner, Analysis: v.Analysis}
		}
		for _, e := range f.Triage {
			j.TriageHistory = append(j.TriageHistory, triageJSON{Status: string(e.Status), Who: e.Who, Why: e.Why, At: e.At.Format(time.RFC3339)})
		}
		out = append(out, j)
	}
	return out
}

func runFindingsShow(ctx context.Context, opts FindingsOptions, streams IO) error {
	st, err := openStoreRead(ctx, opts.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	fs, err := st.Findings(ctx, opts.Filter)
	if err != nil {
		return err
	}
	if len(fs) == 0 {
		return fmt.Errorf("no finding with fingerprint %s in %s", safetext.Escape(opts.Filter.Fingerprint), opts.Store)
	}
	w := streams.Out
	for i := range fs {
		f := &fs[i]
		fmt.Fprintf(w, "%s  %s  %s\n", safetext.Escape(f.RuleID), safetext.Escape(f.Provider), f.Status())
		fmt.Fprintf(w, "  secret      %s  fingerprint %s\n", safetext.Escape(preview(f)), f.Fingerprint)
		if !f.FirstSeen.IsZero() {
			fmt.Fprintf(w, "  first seen  %s\n", f.FirstSeen.Format(time.RFC3339))
		}
		for _, o := range f.Occurrences {
			where := fmt.Sprintf("%s %s:%d", o.Repo, o.Path, o.Line)
			if o.Commit != "" {
				where += fmt.Sprintf(" commit %.12s by %s <%s>", o.Commit, o.AuthorName, o.AuthorEmail)
			}
			if !o.Date.IsZero() {
				where += " on " + o.Date.Format("2006-01-02")
			}
			fmt.Fprintf(w, "  at          %s\n", safetext.Escape(where))
		}
		for _, v := range f.Verifications {
			fmt.Fprintf(w, "  verified    %s %s\n", v.At.Format(time.RFC3339), safetext.Escape(report.Verification{State: v.State, Reason: v.Reason, Owner: v.Owner}.String()))
			for _, l := range v.Analysis.Lines() {
				fmt.Fprintf(w, "  access      %s\n", safetext.Escape(l))
			}
		}
		for _, e := range f.Triage {
			fmt.Fprintf(w, "  triage      %s %s by %s: %s\n", e.At.Format(time.RFC3339), e.Status, safetext.Escape(e.Who), safetext.Escape(e.Why))
		}
	}
	return nil
}

func runSetStatus(ctx context.Context, opts SetStatusOptions, streams IO) error {
	status, err := store.ParseStatus(opts.Status)
	if err != nil {
		return fmt.Errorf("--status: %w", err)
	}
	if strings.TrimSpace(opts.Why) == "" {
		return errors.New("--reason is required: say why (it is kept in the finding's history)")
	}
	who := opts.Who
	if who == "" {
		who = os.Getenv("USER")
	}
	if who == "" {
		who = "unknown"
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if _, err := os.Stat(opts.Store); err != nil {
		return fmt.Errorf("store %s: %w", opts.Store, errors.Unwrap(err))
	}
	st, err := store.Open(ctx, opts.Store, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	var errs []error
	for _, prefix := range opts.Fingerprints {
		fs, err := st.Findings(ctx, store.Filter{Fingerprint: prefix, RuleID: opts.RuleID})
		if err != nil {
			return err
		}
		fps := map[string]bool{}
		for _, f := range fs {
			fps[f.Fingerprint] = true
		}
		if len(fps) != 1 {
			if len(fps) == 0 {
				errs = append(errs, fmt.Errorf("no finding with fingerprint %s", safetext.Escape(prefix)))
			} else {
				errs = append(errs, fmt.Errorf("fingerprint prefix %s matches %d secrets: give more of it", safetext.Escape(prefix), len(fps)))
			}
			continue
		}
		var fp string
		for k := range fps {
			fp = k
		}
		if err := st.SetStatus(ctx, fp, opts.RuleID, store.TriageEvent{Status: status, Who: who, Why: opts.Why, At: now()}); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(streams.ErrOut, "scour: %s is %s\n", fp[:16], status)
		if status == store.StatusFalsePositive || status == store.StatusAcceptedRisk {
			// The store does not reach scans of the repositories themselves.
			fmt.Fprintf(streams.ErrOut, "scour: scans of the repositories still report it; to stop that: scour ignore %s --reason ...\n", fp)
		}
	}
	return errors.Join(errs...)
}

// storeReport turns store findings into what report writers take.
func storeReport(fs []store.Finding) (*scanner.Result, report.Options) {
	res := &scanner.Result{}
	opts := report.Options{Status: map[string]string{}, Verification: map[string]report.Verification{}, Redacted: map[string]string{}}
	for i := range fs {
		f := &fs[i]
		res.Findings = append(res.Findings, f.ScannerFinding())
		opts.Status[f.Fingerprint] = string(f.Status())
		opts.Redacted[f.Fingerprint] = f.Redacted
		if v := f.LastVerification(); v != nil {
			opts.Verification[f.Fingerprint] = report.Verification{State: v.State, Reason: v.Reason, Host: v.Host, Owner: v.Owner, Analysis: v.Analysis}
		}
	}
	sort.SliceStable(res.Findings, func(i, j int) bool {
		if res.Findings[i].RuleID != res.Findings[j].RuleID {
			return res.Findings[i].RuleID < res.Findings[j].RuleID
		}
		return res.Findings[i].Fingerprint < res.Findings[j].Fingerprint
	})
	res.Stats.Findings = int64(len(res.Findings))
	return res, opts
}
