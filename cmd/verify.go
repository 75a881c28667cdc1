package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/internal/progress"
	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/provider"
	"github.com/scour-dev/scour/provider/alibaba"
	"github.com/scour-dev/scour/provider/aws"
	"github.com/scour-dev/scour/report"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
)

// ExitLive is the exit code of `scan --verify` and `verify` when a secret
// was verified live.
const ExitLive = 3

// ExitUnknown is the exit code of `verify` when no secret is live but at
// least one could not be decided (unknown): a run against an unreachable
// vendor must not read as "all dead".
const ExitUnknown = 4

// DefaultVerifyTimeout bounds one request to a vendor (--timeout).
const DefaultVerifyTimeout = 10 * time.Second

// VerifyOptions is everything `scour verify` needs; flags fill it.
type VerifyOptions struct {
	// Report is a JSON report file written with --show-secrets, or "-"
	// for stdin.
	Report string
	// RulePacks are extra rule pack files (for findings of user rules).
	RulePacks []string
	// Format is text or json.
	Format string
	// OptIn lists providers (or rule ids) whose verification is not
	// side-effect free, e.g. pypi (an upload probe).
	OptIn []string
	// ConfigFile overrides ./.scour.yaml ($SCOUR_CONFIG also names one):
	// its rule packs and providers.<name>.base_url apply. ./.scour.yaml
	// itself is untrusted: its rule packs only detect, its providers: are
	// ignored (config.Resolve).
	ConfigFile string
	// NoRepoConfig ignores ./.scour.yaml altogether (--no-repo-config).
	NoRepoConfig bool
	// BaseURLs maps a provider to an API base URL; it is added to the
	// config's providers.<name>.base_url. SCOUR_<PROVIDER>_BASE_URL
	// overrides both.
	BaseURLs map[string]string
	// Getenv reads the environment (nil: os.Getenv).
	Getenv func(string) string
	// Timeout bounds each request to a vendor, connection to last byte
	// (0: DefaultVerifyTimeout).
	Timeout time.Duration
	// Progress shows "verifying: N/M secrets" on ErrOut (set by the
	// command when ErrOut is a terminal).
	Progress bool
}

const verifyExitHelp = `Exit codes:
  0  no secret is live: every one was checked and is dead (or the report
     holds none)
  2  error (unreadable report, bad rule pack)
  3  at least one secret is live
  4  no secret is live, but at least one could not be decided (unknown:
     vendor unreachable or timed out, rate limited, no verification for
     its rule, secret redacted in the report); the reasons are printed`

func newVerifyCmd(streams IO) *cobra.Command {
	var opts VerifyOptions
	c := &cobra.Command{
		Use:   "verify REPORT.json|-",
		Short: "Check which secrets in a saved JSON report are live",
		Long: `Check with each vendor's API which secrets of a JSON report are live, and
who owns them. The report must hold the secrets: write it with
` + "`scour scan --format json --show-secrets --report FILE`" + ` (mode 0600), or pipe it on
stdin ("-"). Tokens are never taken from the command line.

Each secret is sent only to its rule's API host, or to the base URL
configured for its provider (SCOUR_<PROVIDER>_BASE_URL, e.g.
SCOUR_GITLAB_BASE_URL for a self-managed GitLab), over TLS, without
following redirects, and at most once per run. A secret that rules of two
providers matched is not sent at all. Statuses: live, live-limited, dead,
unknown (with the reason). See docs/revoke.md.

A ./.scour.yaml is read as untrusted (it may come with the repository the
report is about): its providers: and its rule packs' verify blocks are
ignored. Name a config with --config to use it in full; --no-repo-config
ignores ./.scour.yaml.

` + verifyExitHelp,
		Example: `  scour scan --format json --show-secrets --report findings.json
  scour verify findings.json
  SCOUR_GITLAB_BASE_URL=https://gitlab.example.com scour verify findings.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Report = args[0]
			opts.Progress = isTerminal(streams.ErrOut)
			code, err := runVerify(cmd.Context(), opts, streams)
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
	f.StringVar(&opts.Format, "format", "text", "output format: text, json")
	f.StringSliceVar(&opts.OptIn, "opt-in", nil, "also run verifications that touch write endpoints for these `providers` (pypi, nuget)")
	f.DurationVar(&opts.Timeout, "timeout", DefaultVerifyTimeout, "give up on a vendor request after this `duration` (connection to last byte; the secret is then unknown)")
	return c
}

// runVerify verifies every secret of the report and prints one status per
// secret.
func runVerify(ctx context.Context, opts VerifyOptions, streams IO) (int, error) {
	if opts.Format == "" {
		opts.Format = "text"
	}
	if opts.Format != "text" && opts.Format != "json" {
		return ExitError, fmt.Errorf("--format %q: want text or json", opts.Format)
	}
	findings, err := readReport(opts.Report, streams.In)
	if err != nil {
		return ExitError, err
	}
	set, baseURLs, err := loadActionConfig(opts.ConfigFile, opts.NoRepoConfig, opts.RulePacks, opts.BaseURLs, streams.ErrOut)
	if err != nil {
		return ExitError, err
	}
	if opts.Timeout < 0 {
		return ExitError, fmt.Errorf("--timeout must not be negative")
	}
	eo := engineOptions(baseURLs, opts.Getenv, opts.OptIn)
	eo.Timeout = opts.Timeout
	stop := func() {}
	if opts.Progress {
		eo.Progress, stop = verifyProgress(streams.ErrOut)
	}
	sts := provider.New(eo).VerifyAll(ctx, set.Rule, findings)
	stop()
	if err := writeStatuses(streams.Out, opts.Format, sts, findings); err != nil {
		return ExitError, err
	}
	code := verifyExit(sts)
	if ctx.Err() != nil {
		if code != ExitLive { // a live secret found before the interrupt still says so
			code = ExitError
		}
		return code, errors.New("verify interrupted; secrets not checked are listed as unknown")
	}
	return code, nil
}

// verifyExit is verify's exit code for its statuses: live beats unknown
// beats dead.
func verifyExit(sts []provider.Status) int {
	code := ExitClean
	for _, st := range sts {
		switch {
		case st.State.IsLive():
			return ExitLive
		case st.State == provider.Unknown:
			code = ExitUnknown
		}
	}
	return code
}

// verifyProgress returns an engine progress callback that shows
// "scour: verifying: 3/40 secrets, 2s" on w (a terminal) after a second,
// and the stop function that erases it.
func verifyProgress(w io.Writer) (func(done, total int), func()) {
	var done, total atomic.Int64
	start := time.Now()
	stop := progress.Display{W: w, Delay: progressDelay, Every: progressEvery,
		Render: func() string {
			el := time.Since(start).Round(time.Second)
			if total.Load() == 0 { // no secret finished yet
				return fmt.Sprintf("scour: verifying secrets, %s", el)
			}
			return fmt.Sprintf("scour: verifying: %d/%d secrets, %s", done.Load(), total.Load(), el)
		}}.Start(nil)
	return func(d, t int) {
		done.Store(int64(d))
		total.Store(int64(t))
	}, stop
}

// loadActionConfig reads the config (./.scour.yaml, $SCOUR_CONFIG or
// --config) and returns the rules (built-in, the config's packs, then
// packs) and the provider base URLs (the config's, then baseURLs).
func loadActionConfig(configFile string, noRepo bool, packs []string, baseURLs map[string]string, warn io.Writer) (*rules.Set, map[string]string, error) {
	cfg, err := loadConfig(".", configFile, noRepo)
	if err != nil {
		return nil, nil, err
	}
	set, err := configuredRules(cfg, packs)
	if err != nil {
		return nil, nil, err
	}
	urls := trustedBaseURLs(cfg, warn)
	for k, v := range baseURLs {
		urls[k] = v
	}
	return set, urls, nil
}

// trustedBaseURLs returns the config's provider base URLs, which only a
// config the user chose (--config or $SCOUR_CONFIG) gives, and says on
// warn what of an untrusted config is ignored. A .scour.yaml found in the
// scanned tree or the working directory is content like any other file:
// it must not choose where secrets are sent (a hostile repository could
// point providers.github.base_url at its own server) nor which
// environment variables are read (config.Resolve). The rules' default
// hosts and SCOUR_<PROVIDER>_BASE_URL still apply.
func trustedBaseURLs(cfg *config.Config, warn io.Writer) map[string]string {
	if warn != nil {
		for _, n := range cfg.Notices() {
			fmt.Fprintf(warn, "scour: %s\n", safetext.Escape(n))
		}
	}
	return cfg.BaseURLs()
}

// verifyFindings verifies a scan's findings (scan --verify) and returns
// the statuses for the report, and whether any secret is live.
func verifyFindings(ctx context.Context, set *rules.Set, baseURLs map[string]string, optIn []string, findings []scanner.Finding) (map[string]report.Verification, bool) {
	eng := provider.New(engineOptions(baseURLs, nil, optIn))
	out := map[string]report.Verification{}
	live := false
	for _, st := range eng.VerifyAll(ctx, set.Rule, findings) {
		out[st.Fingerprint] = report.Verification{State: string(st.State), Reason: st.Reason, Host: st.Host, Owner: st.Owner}
		live = live || st.State.IsLive()
	}
	return out, live
}

// engineOptions builds the provider engine's options, with the coded
// providers registered.
func engineOptions(baseURLs map[string]string, getenv func(string) string, optIn []string) provider.Options {
	o := provider.Options{BaseURLs: baseURLs, Getenv: getenv, OptIn: map[string]bool{}}
	for _, p := range optIn {
		o.OptIn[strings.TrimSpace(p)] = true
	}
	o.Coded = codedProviders()
	return o
}

// codedProviders is the registry of providers written in Go, by the name
// rules use in `coded:`.
func codedProviders() map[string]provider.Coded {
	return map[string]provider.Coded{alibaba.Name: alibaba.New(), aws.Name: aws.New()}
}

// reportFile is the part of a JSON report (docs/report-format.md) that
// verify and revoke read. Unknown fields are ignored.
type reportFile struct {
	SchemaVersion int `json:"schema_version"`
	Findings      []struct {
		RuleID      string            `json:"rule_id"`
		Provider    string            `json:"provider"`
		Description string            `json:"description"`
		Fingerprint string            `json:"fingerprint"`
		Secret      string            `json:"secret"`
		Context     map[string]string `json:"context"`
		Locations   []struct {
			Path string `json:"path"`
			Line int    `json:"line"`
		} `json:"locations"`
	} `json:"findings"`
}

// readReport reads the findings of a JSON report from path or stdin ("-").
func readReport(path string, stdin io.Reader) ([]scanner.Finding, error) {
	var r io.Reader
	if path == "-" {
		if stdin == nil {
			return nil, errors.New("no stdin to read the report from")
		}
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("report: %w", unwrapPath(err))
		}
		defer f.Close()
		r = f
	}
	var doc reportFile
	dec := json.NewDecoder(io.LimitReader(r, 1<<30))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("report %s: not a scour JSON report: %v", path, err)
	}
	if doc.SchemaVersion != report.SchemaVersion {
		return nil, fmt.Errorf("report %s: schema_version %d, this scour reads %d", path, doc.SchemaVersion, report.SchemaVersion)
	}
	out := make([]scanner.Finding, 0, len(doc.Findings))
	for _, f := range doc.Findings {
		sf := scanner.Finding{RuleID: f.RuleID, Provider: f.Provider, Description: f.Description,
			Secret: f.Secret, Fingerprint: f.Fingerprint, Context: f.Context}
		for _, l := range f.Locations {
			sf.Locations = append(sf.Locations, scanner.Location{Line: l.Line})
			sf.Locations[len(sf.Locations)-1].Path = l.Path
		}
		out = append(out, sf)
	}
	return out, nil
}

// where names a finding's first location for people.
func where(f scanner.Finding) string {
	if len(f.Locations) == 0 {
		return ""
	}
	l := f.Locations[0]
	s := fmt.Sprintf("%s:%d", safetext.Quote(l.Path), l.Line)
	if n := len(f.Locations) - 1; n > 0 {
		s += fmt.Sprintf(" (+%d)", n)
	}
	return s
}

func shortFP(fp string) string {
	if len(fp) > 12 {
		return fp[:12]
	}
	return fp
}

func writeStatuses(w io.Writer, format string, sts []provider.Status, findings []scanner.Finding) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if sts == nil {
			sts = []provider.Status{}
		}
		return enc.Encode(struct {
			Statuses []provider.Status `json:"statuses"`
		}{sts})
	}
	byFP := map[string]scanner.Finding{}
	for _, f := range findings {
		if _, ok := byFP[f.Fingerprint]; !ok {
			byFP[f.Fingerprint] = f
		}
	}
	counts := map[provider.State]int{}
	for _, st := range sts {
		counts[st.State]++
		f := byFP[st.Fingerprint]
		line := fmt.Sprintf("%-12s %-28s %s  %s", st.State, st.RuleID, shortFP(st.Fingerprint), redactedOf(f))
		if o := st.Owner.String(); o != "" {
			line += "  owner: " + o
		}
		if st.Host != "" {
			line += fmt.Sprintf("  [%s", st.Host)
			if st.HTTPStatus != 0 {
				line += fmt.Sprintf(" HTTP %d", st.HTTPStatus)
			}
			line += "]"
		}
		if st.Reason != "" {
			line += "  " + st.Reason
		}
		if loc := where(f); loc != "" {
			line += "  at " + loc
		}
		// Owner, reason and host come from a vendor's answer: escaped.
		if _, err := fmt.Fprintln(w, safetext.Escape(line)); err != nil {
			return err
		}
	}
	var parts []string
	for _, s := range []provider.State{provider.Live, provider.LiveLimited, provider.Dead, provider.Unknown} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if len(parts) == 0 {
		parts = []string{"no secrets"}
	}
	_, err := fmt.Fprintf(w, "%d %s: %s\n", len(sts), pluralWord(len(sts), "secret", "secrets"), strings.Join(parts, ", "))
	return err
}

func redactedOf(f scanner.Finding) string {
	if f.Secret == "" {
		return "(no secret in report)"
	}
	return report.Redact(f.Secret)
}
