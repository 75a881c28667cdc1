package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/provider"
	"github.com/scour-dev/scour/scanner"
)

// DefaultAuditLog is where revoke appends its audit records.
const DefaultAuditLog = "scour-audit.jsonl"

// RevokeOptions is everything `scour revoke` needs; flags fill it.
type RevokeOptions struct {
	// Report is a JSON report written with --show-secrets, or "-".
	Report    string
	RulePacks []string
	// Rules and Fingerprints select findings (any match; empty = all).
	// A fingerprint may be abbreviated to 8 or more characters.
	Rules        []string
	Fingerprints []string
	// Yes confirms without asking; required when not on a terminal.
	Yes bool
	// DryRun prints the plan and sends nothing at all.
	DryRun bool
	// Delete asks providers that distinguish disabling from deleting
	// (Alibaba AccessKeys) to delete.
	Delete bool
	// Audit is the audit log (JSON lines, mode 0600).
	Audit string
	// Interactive says a person can answer a prompt on In (set from TTY
	// detection by the command).
	Interactive bool
	// ConfigFile overrides ./.scour.yaml; NoRepoConfig ignores it (see
	// VerifyOptions).
	ConfigFile   string
	NoRepoConfig bool
	// Timeout bounds each request to a vendor (0: DefaultVerifyTimeout).
	Timeout  time.Duration
	BaseURLs map[string]string
	Getenv   func(string) string
}

const revokeExitHelp = `Exit codes:
  0  every action scour could take succeeded (revoked, already revoked,
     accepted); manual steps, refused tokens (scour would not bind or send
     them, e.g. npm's list matched none or several) and skipped (dead) tokens
     are listed, not failures
  1  at least one revocation failed
  2  error (unreadable report, no confirmation, audit log not writable)`

func newRevokeCmd(streams IO) *cobra.Command {
	opts := RevokeOptions{Audit: DefaultAuditLog}
	c := &cobra.Command{
		Use:   "revoke REPORT.json|-",
		Short: "Revoke the secrets of a saved JSON report through the vendors' APIs",
		Long: `Revoke leaked secrets listed in a JSON report written with --show-secrets.

scour first prints the plan: each secret, its provider and its revocation
class (auto: scour revokes it with the token itself or by value; admin: it
needs an administrator credential from the environment; manual: a person
must, and scour prints the owner, console page and exact steps). It asks
for confirmation on a terminal; elsewhere --yes is required. --dry-run
prints the plan and sends nothing.

For each secret scour verifies it first (a dead token is skipped, or
reported as already revoked when an earlier run's audit log shows scour
revoked it), revokes it, and verifies again. Every action appends one JSON
line to the audit log (--audit, mode 0600): time, fingerprint, rule,
provider, host, outcome, HTTP status. Never the secret.

See docs/revoke.md for each provider's class and what it needs. As for
verify, a ./.scour.yaml is untrusted: its providers: and its rule packs'
revoke blocks are ignored (--config uses a config in full).

` + revokeExitHelp,
		Example: `  scour revoke findings.json --dry-run
  scour revoke findings.json --rule github-pat --yes
  SCOUR_YUNXIAO_ADMIN_TOKEN=... SCOUR_YUNXIAO_BASE_URL=https://devops.example.rdc.aliyuncs.com scour revoke findings.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Report = args[0]
			opts.Interactive = opts.Report != "-" && isTerminalReader(streams.In) && isTerminal(streams.Out)
			code, err := runRevoke(cmd.Context(), opts, streams)
			if code != ExitClean || err != nil {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringArrayVar(&opts.RulePacks, "rules", nil, "add the rules of this pack `file` (repeatable)")
	f.StringVar(&opts.ConfigFile, "config", "", "read configuration (rule packs, providers.<name>.base_url) from `file` instead of ./.scour.yaml")
	f.BoolVar(&opts.NoRepoConfig, "no-repo-config", false, "ignore ./"+config.FileName+" (it is never trusted with hosts or environment variables; this drops its rule packs too)")
	f.StringArrayVar(&opts.Rules, "rule", nil, "only secrets found by this rule `id` (repeatable)")
	f.StringArrayVar(&opts.Fingerprints, "fingerprint", nil, "only the secret with this `fingerprint` (8+ leading characters; repeatable)")
	f.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation (required when not on a terminal)")
	f.BoolVar(&opts.DryRun, "dry-run", false, "print the plan and send nothing")
	f.BoolVar(&opts.Delete, "delete", false, "delete instead of disabling where the vendor distinguishes (Alibaba AccessKeys)")
	f.DurationVar(&opts.Timeout, "timeout", DefaultVerifyTimeout, "give up on a vendor request after this `duration` (connection to last byte)")
	f.StringVar(&opts.Audit, "audit", DefaultAuditLog, "append audit records to this `file` (JSON lines, mode 0600)")
	return c
}

func isTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// runRevoke prints the plan, asks, revokes, and reports.
func runRevoke(ctx context.Context, opts RevokeOptions, streams IO) (int, error) {
	if opts.Timeout < 0 {
		return ExitError, fmt.Errorf("--timeout must not be negative")
	}
	for _, fp := range opts.Fingerprints {
		if len(fp) < 8 {
			return ExitError, fmt.Errorf("--fingerprint %q: give at least 8 characters", fp)
		}
	}
	findings, err := readReport(opts.Report, streams.In)
	if err != nil {
		return ExitError, err
	}
	set, baseURLs, err := loadActionConfig(opts.ConfigFile, opts.NoRepoConfig, opts.RulePacks, opts.BaseURLs, streams.ErrOut)
	if err != nil {
		return ExitError, err
	}
	for _, id := range opts.Rules {
		if set.Rule(id) == nil {
			return ExitError, fmt.Errorf("--rule %q: no such rule (see scour rules list)", id)
		}
	}
	plan := provider.Plan(set.Rule, findings, selector(opts.Rules, opts.Fingerprints))
	w := streams.Out
	if len(plan) == 0 {
		fmt.Fprintln(w, "Nothing to revoke: no finding matches.")
		return ExitClean, nil
	}
	printPlan(w, plan)
	if opts.DryRun {
		fmt.Fprintln(w, "Dry run: nothing was sent.")
		return ExitClean, nil
	}
	if !opts.Yes {
		if !opts.Interactive {
			return ExitError, errors.New("not on a terminal: pass --yes to revoke (or --dry-run to see the plan only)")
		}
		q := fmt.Sprintf("these %d secrets", len(plan))
		if len(plan) == 1 {
			q = "this secret"
		}
		fmt.Fprintf(w, "Revoke %s? Tokens in use will stop working. [y/N] ", q)
		ans, _ := bufio.NewReader(streams.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(ans)); a != "y" && a != "yes" {
			fmt.Fprintln(w, "Nothing was sent.")
			return ExitClean, nil
		}
	}

	before, err := provider.RevokedFingerprints(opts.Audit)
	if err != nil {
		return ExitError, err
	}
	log, err := provider.OpenAudit(opts.Audit, nil)
	if err != nil {
		return ExitError, err
	}
	defer log.Close()
	if log.Warning != "" {
		fmt.Fprintf(streams.ErrOut, "scour: %s\n", log.Warning)
	}
	eo := engineOptions(baseURLs, opts.Getenv, nil)
	eo.Timeout = opts.Timeout
	eng := provider.New(eo)
	results, rerr := eng.Revoke(ctx, plan, provider.RevokeOptions{
		Delete:        opts.Delete,
		RevokedBefore: func(fp string) bool { return before[fp] },
		Audit:         log.Record,
	})
	byFP := map[string]scanner.Finding{}
	for _, it := range plan {
		byFP[it.Finding.Fingerprint] = it.Finding
	}
	failed := false
	fmt.Fprintln(w)
	for _, r := range results {
		if r.Fingerprint == "" {
			continue // not reached (audit failure)
		}
		failed = failed || r.Outcome.Failure()
		printResult(w, r, byFP[r.Fingerprint])
	}
	fmt.Fprintf(w, "\n%s. Audit log: %s\n", provider.Summary(results), opts.Audit)
	if rerr != nil {
		return ExitError, fmt.Errorf("stopped: %w", rerr)
	}
	if failed {
		return ExitFindings, nil
	}
	return ExitClean, nil
}

// selector keeps findings of the given rules or fingerprints (all when
// both are empty).
func selector(ruleIDs, fps []string) func(scanner.Finding) bool {
	if len(ruleIDs) == 0 && len(fps) == 0 {
		return nil
	}
	return func(f scanner.Finding) bool {
		for _, id := range ruleIDs {
			if f.RuleID == id {
				return true
			}
		}
		for _, fp := range fps {
			if strings.HasPrefix(f.Fingerprint, strings.ToLower(fp)) {
				return true
			}
		}
		return false
	}
}

func printPlan(w io.Writer, plan []provider.PlanItem) {
	fmt.Fprintf(w, "Plan (%d %s):\n", len(plan), pluralWord(len(plan), "secret", "secrets"))
	fmt.Fprintf(w, "  %-12s  %-28s  %-10s  %-14s  %-6s  %s\n", "FINGERPRINT", "RULE", "PROVIDER", "CLASS", "ACTION", "SECRET / WHERE")
	for _, it := range plan {
		kind := it.Kind
		if it.Refusal != "" {
			kind = "refuse"
		}
		fmt.Fprintf(w, "  %s\n", safetext.Escape(fmt.Sprintf("%-12s  %-28s  %-10s  %-14s  %-6s  %s  %s", shortFP(it.Finding.Fingerprint), it.Finding.RuleID,
			it.Finding.Provider, it.Class, kind, redactedOf(it.Finding), where(it.Finding))))
		if it.Refusal != "" {
			fmt.Fprintf(w, "      not sent: %s\n", safetext.Escape(it.Refusal))
		}
	}
}

func printResult(w io.Writer, r provider.Result, f scanner.Finding) {
	line := fmt.Sprintf("%-16s %-28s %s  %s", r.Outcome, r.RuleID, shortFP(r.Fingerprint), redactedOf(f))
	if r.Host != "" {
		line += "  [" + r.Host
		if r.HTTPStatus != 0 {
			line += fmt.Sprintf(" HTTP %d", r.HTTPStatus)
		}
		line += "]"
	}
	if r.Reason != "" {
		line += "  " + r.Reason
	}
	// Reasons and owners come from a vendor's answer, console and steps
	// from a rule pack: escaped.
	fmt.Fprintln(w, safetext.Escape(line))
	if o := r.Owner.String(); o != "" {
		fmt.Fprintf(w, "    owner: %s\n", safetext.Escape(o))
	}
	if r.Console != "" {
		fmt.Fprintf(w, "    console: %s\n", safetext.Escape(r.Console))
	}
	if r.Instructions != "" {
		fmt.Fprintf(w, "    steps: %s\n", safetext.Escape(r.Instructions))
	}
}
