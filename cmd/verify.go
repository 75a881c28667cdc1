package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/config"
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
	// its rule packs and providers.<name>.base_url apply.
	ConfigFile string
	// BaseURLs maps a provider to an API base URL; it is added to the
	// config's providers.<name>.base_url. SCOUR_<PROVIDER>_BASE_URL
	// overrides both.
	BaseURLs map[string]string
	// Getenv reads the environment (nil: os.Getenv).
	Getenv func(string) string
}

const verifyExitHelp = `Exit codes:
  0  no secret is live (dead or unknown)
  2  error (unreadable report, bad rule pack)
  3  at least one secret is live`

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

` + verifyExitHelp,
		Example: `  scour scan --format json --show-secrets --report findings.json
  scour verify findings.json
  SCOUR_GITLAB_BASE_URL=https://gitlab.example.com scour verify findings.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Report = args[0]
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
	f.StringVar(&opts.Format, "format", "text", "output format: text, json")
	f.StringSliceVar(&opts.OptIn, "opt-in", nil, "also run verifications that touch write endpoints for these `providers` (pypi, nuget)")
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
	set, baseURLs, err := loadActionConfig(opts.ConfigFile, opts.RulePacks, opts.BaseURLs, streams.ErrOut)
	if err != nil {
		return ExitError, err
	}
	eng := provider.New(engineOptions(baseURLs, opts.Getenv, opts.OptIn))
	sts := eng.VerifyAll(ctx, set.Rule, findings)
	if err := writeStatuses(streams.Out, opts.Format, sts, findings); err != nil {
		return ExitError, err
	}
	for _, st := range sts {
		if st.State.IsLive() {
			return ExitLive, nil
		}
	}
	return ExitClean, nil
}

// loadActionConfig reads the config (./.scour.yaml, $SCOUR_CONFIG or
// --config) and returns the rules (built-in, the config's packs, then
// packs) and the provider base URLs (the config's, then baseURLs).
func loadActionConfig(configFile string, packs []string, baseURLs map[string]string, warn io.Writer) (*rules.Set, map[string]string, error) {
	cfg, err := loadConfig(".", configFile)
	if err != nil {
		return nil, nil, err
	}
	set, err := configuredRules(cfg, packs)
	if err != nil {
		return nil, nil, err
	}
	urls := trustedBaseURLs(cfg, configFile, warn)
	if urls == nil {
		urls = map[string]string{}
	}
	for k, v := range baseURLs {
		urls[k] = v
	}
	return set, urls, nil
}

// trustedBaseURLs returns the config's provider base URLs only when the
// user chose the config (--config or $SCOUR_CONFIG). A .scour.yaml found
// in the scanned tree or the working directory is content like any other
// file: it must not choose where secrets are sent (a hostile repository
// could point providers.github.base_url at its own server). The rules'
// default hosts and SCOUR_<PROVIDER>_BASE_URL still apply.
func trustedBaseURLs(cfg *config.Config, explicit string, warn io.Writer) map[string]string {
	if explicit != "" || os.Getenv(config.EnvVar) != "" {
		return cfg.BaseURLs()
	}
	if len(cfg.Providers) > 0 && warn != nil {
		fmt.Fprintf(warn, "scour: ignoring providers: in %s: a config found in the scanned tree does not choose where secrets are sent; pass it with --config (or $%s) to use it\n", cfg.Path, config.EnvVar)
	}
	return nil
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
