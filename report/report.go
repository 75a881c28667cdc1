// Package report writes scan results for people (text) and tools (JSON,
// JSON Lines, SARIF, CSV, JUnit XML, GitHub workflow annotations, a
// self-contained HTML page).
//
// Secrets are redacted unless Options.ShowSecrets is set; fingerprints are
// always shown so a finding can be named without its secret. The package
// knows findings only through scanner types: whatever it needs from the
// rules (remediation hints, confidence) comes in Options.Rules.
package report

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scour-dev/scour/scanner"
)

// RuleMeta is what a reporter shows about a rule beyond the finding itself.
// Provider, Description and References describe rules in SARIF even when
// the scan found nothing for them.
type RuleMeta struct {
	Provider    string
	Description string
	Confidence  string
	Remediation string
	References  []string
}

// Options controls how results are rendered.
type Options struct {
	// Version is scour's version, recorded in JSON reports.
	Version string
	// ShowSecrets prints raw secrets instead of redacted prefixes.
	ShowSecrets bool
	// Color enables ANSI colour in text output (callers decide: TTY, NO_COLOR).
	Color bool
	// MaxLocations caps the locations text output lists per finding
	// (0 means DefaultMaxLocations); JSON always lists all of them.
	MaxLocations int
	// Rules maps rule ids to their metadata.
	Rules map[string]RuleMeta
	// Elapsed is the scan's wall time, shown in summaries and recorded in
	// JSON stats. Tests pass a fixed value so output is deterministic.
	Elapsed time.Duration
	// Verification maps a fingerprint to what `scan --verify` learned
	// about the secret (cmd fills it from the provider package); nil when
	// the scan did not verify.
	Verification map[string]Verification
	// Status maps a fingerprint to its triage status (open, revoked...),
	// for reports made from the findings store; nil means all open.
	Status map[string]string
	// Redacted maps a fingerprint to the secret's preview for findings
	// without their raw Secret (read from the findings store).
	Redacted map[string]string
}

// Verification is a secret's verification status in a report.
type Verification struct {
	State  string            `json:"state"` // live, live-limited, dead or unknown
	Reason string            `json:"reason,omitempty"`
	Host   string            `json:"host,omitempty"`  // the host that answered
	Owner  map[string]string `json:"owner,omitempty"` // as the vendor reported it
}

// String is the status line of text output: state, owner, reason.
func (v Verification) String() string {
	s := v.State
	keys := make([]string, 0, len(v.Owner))
	for k := range v.Owner {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s += " " + k + "=" + v.Owner[k]
	}
	if v.Reason != "" {
		s += " (" + v.Reason + ")"
	}
	return s
}

// DefaultMaxLocations is how many locations text output lists per finding.
const DefaultMaxLocations = 5

// Formats lists the output formats Write accepts, default first.
func Formats() []string {
	return []string{"text", "json", "jsonl", "sarif", "csv", "junit", "github", "html"}
}

// Write renders res in the named format.
func Write(w io.Writer, format string, res *scanner.Result, opts Options) error {
	switch format {
	case "text", "":
		return Text(w, res, opts)
	case "json":
		return JSON(w, res, opts)
	case "jsonl":
		return JSONL(w, res, opts)
	case "sarif":
		return SARIF(w, res, opts)
	case "csv":
		return CSV(w, res, opts)
	case "junit":
		return JUnit(w, res, opts)
	case "github":
		return GitHub(w, res, opts)
	case "html":
		return HTML(w, res, opts)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
}

// yunxiaoToken splits an Alibaba Cloud DevOps (Yunxiao) personal access
// token into its token id, which admins list and reports may show, and the
// UUID that is the actual secret (docs/providers.md §2.1).
var yunxiaoToken = regexp.MustCompile(`^(pt-[A-Za-z0-9]{24})_[0-9A-Fa-f-]{36}$`)

// structuralPrefix matches the fixed, public part that starts many tokens:
// "ghp_", "github_pat_", "glpat-", "dckr_pat_", "hvs.", "xoxb-", "AKIA"...
var structuralPrefix = regexp.MustCompile(`^(?:[A-Za-z]{2,10}[0-9]?[_.-]){1,2}|^-----BEGIN [A-Z0-9 ]{0,40}-----`)

// Redact returns a short, non-reversible preview of secret: its public
// prefix (e.g. "ghp_") plus up to four characters, then "…". Never more
// than a third of a secret is shown, and of a Yunxiao token only its id.
// Of a low-entropy secret (scanner.LowEntropy: a password, a short key)
// no character is shown: next to its fingerprint, each one would narrow a
// guess. Only a token-like public prefix of at most ten characters is
// kept, when twenty or more characters follow it ("glpat-…").
func Redact(secret string) string {
	if m := yunxiaoToken.FindStringSubmatch(secret); m != nil {
		return m[1] + "_…"
	}
	prefix := len(structuralPrefix.FindString(secret))
	if strings.HasPrefix(secret, "-----BEGIN ") {
		// A PEM header is public; what follows it is key material.
		return secret[:prefix] + "…"
	}
	if scanner.LowEntropy(secret) {
		if prefix > 10 || len(secret)-prefix < 20 {
			prefix = 0
		}
		return secret[:prefix] + "…"
	}
	show := prefix + min(4, (len(secret)-prefix)/5)
	if limit := len(secret) / 3; show > limit {
		show = limit
	}
	// Never cut a multi-byte character in half.
	for show > 0 && !utf8.RuneStart(secret[show]) {
		show--
	}
	return secret[:show] + "…"
}

// displaySecret is the secret as a report shows it.
func displaySecret(f *scanner.Finding, opts Options) string {
	if opts.ShowSecrets {
		return f.Secret
	}
	return redacted(f, opts)
}

// redacted is the preview of f's secret: Redact of it, or for a finding
// read back from the findings store, which keeps no raw secret by
// default, the preview the store recorded (Options.Redacted).
func redacted(f *scanner.Finding, opts Options) string {
	if f.Secret == "" {
		if r := opts.Redacted[f.Fingerprint]; r != "" {
			return r
		}
	}
	return Redact(f.Secret)
}

// eachSkipped calls fn for the skipped items ordered by path, then reason:
// sources walk in parallel, reports must be stable.
func eachSkipped(res *scanner.Result, fn func(path, reason, detail string)) {
	items := slices.Clone(res.Skipped)
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].Path != items[j].Path {
			return items[i].Path < items[j].Path
		}
		return items[i].Reason < items[j].Reason
	})
	for _, s := range items {
		fn(s.Path, s.Reason, s.Detail)
	}
}

// skipCount is one reason files were skipped and how many.
type skipCount struct {
	Reason string
	Count  int
}

// skipReasons counts skipped items per reason, most frequent first.
func skipReasons(res *scanner.Result) []skipCount {
	m := map[string]int{}
	for _, s := range res.Skipped {
		m[s.Reason]++
	}
	out := make([]skipCount, 0, len(m))
	for r, n := range m {
		out = append(out, skipCount{r, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}
