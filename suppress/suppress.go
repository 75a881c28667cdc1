// Package suppress decides which findings a scan does not report, besides
// the inline `scour:ignore` comments the engine honours:
//
//   - allowlists from the config's `allow:` entries (Allowlist);
//   - the ignore file, .scourignore: secrets accepted one by one, by
//     fingerprint (IgnoreList);
//   - a baseline: the findings of an earlier scan, by rule id and
//     fingerprint (Baseline), so that only new findings are reported.
//
// Ignores and baselines are keyed on the secret, never on its path or
// line: they hold when code moves, is rebased or squashed, and a new secret
// on an ignored line is still reported.
package suppress

import (
	"fmt"
	"strings"

	"github.com/scour-dev/scour/scanner"
)

// Filters are the suppressions of one scan; nil fields do nothing.
type Filters struct {
	Allow    *Allowlist
	Ignore   *IgnoreList
	Baseline *Baseline
	// Debugf, when set, receives one line per suppressed finding or
	// location (never the secret).
	Debugf func(format string, args ...any)
	// Upgrade, when set, is told of each ignore or baseline entry that
	// matched in the old fingerprint form only (scanner.LegacyFingerprint),
	// with the current form to write instead.
	Upgrade func(Upgrade)
}

// Counts says how many findings each filter suppressed.
type Counts struct {
	Allowed   int // by an allowlist entry (all locations)
	Ignored   int // by .scourignore
	Baselined int // by the baseline
}

// Upgrade is an ignore or baseline entry to rewrite in the current
// fingerprint form.
type Upgrade struct {
	File     string // the ignore or baseline file
	Baseline bool   // File is a baseline, not an ignore file
	RuleID   string
	Old, New string // fingerprints
}

// Total is the number of findings suppressed.
func (c Counts) Total() int { return c.Allowed + c.Ignored + c.Baselined }

// String is a summary line's clause, "" when nothing was suppressed.
func (c Counts) String() string {
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{c.Allowed, "allowed by config"}, {c.Ignored, "ignored by fingerprint"}, {c.Baselined, "in the baseline"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	return strings.Join(parts, ", ")
}

// Apply removes suppressed findings (and allowlisted locations) from res,
// keeping its order, and updates res.Stats.Findings, so that reports and
// the exit code see only what is left.
func Apply(res *scanner.Result, fl Filters) Counts {
	var c Counts
	if res == nil {
		return c
	}
	debugf := fl.Debugf
	if debugf == nil {
		debugf = func(string, ...any) {}
	}
	upgrade := fl.Upgrade
	if upgrade == nil {
		upgrade = func(Upgrade) {}
	}
	kept := res.Findings[:0]
	for i := range res.Findings {
		f := res.Findings[i]
		switch {
		case fl.Allow.filter(&f, func(entry, reason string, loc *scanner.Location) {
			where := "every location"
			if loc != nil {
				where = fmt.Sprintf("%s:%d", loc.Path, loc.Line)
			}
			debugf("suppress: %s %s at %s allowed by config %s (%s)", f.RuleID, short(f.Fingerprint), where, entry, reason)
		}):
			c.Allowed++
		case fl.Ignore.Ignores(&f):
			debugf("suppress: %s %s ignored by %s", f.RuleID, short(f.Fingerprint), fl.Ignore.Path)
			c.Ignored++
			if old, ok := fl.Ignore.LegacyMatch(&f); ok {
				upgrade(Upgrade{File: fl.Ignore.Path, RuleID: f.RuleID, Old: old, New: f.Fingerprint})
			}
		case fl.Baseline.Contains(&f):
			debugf("suppress: %s %s is in the baseline %s", f.RuleID, short(f.Fingerprint), fl.Baseline.Path)
			c.Baselined++
			if old, ok := fl.Baseline.LegacyMatch(&f); ok {
				upgrade(Upgrade{File: fl.Baseline.Path, Baseline: true, RuleID: f.RuleID, Old: old, New: f.Fingerprint})
			}
		default:
			kept = append(kept, f)
		}
	}
	// Clear the tail so dropped secrets are not kept alive by the array.
	clear(res.Findings[len(kept):])
	res.Findings = kept
	res.Stats.Findings = int64(len(kept))
	return c
}

func short(fp string) string {
	if len(fp) > 12 {
		return fp[:12]
	}
	return fp
}
