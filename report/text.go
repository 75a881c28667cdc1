package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/scour-dev/scour/scanner"
)

// ANSI styles, used only when Options.Color is set.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

type painter bool

func (p painter) paint(style, s string) string {
	if !p || s == "" {
		return s
	}
	return style + s + ansiReset
}

// Text writes findings for people, grouped by secret: one block per
// finding with its rule, provider, redacted secret, fingerprint, locations
// (capped at Options.MaxLocations) and remediation hint. A clean result
// writes nothing.
func Text(w io.Writer, res *scanner.Result, opts Options) error {
	p := painter(opts.Color)
	maxLoc := opts.MaxLocations
	if maxLoc <= 0 {
		maxLoc = DefaultMaxLocations
	}
	var b strings.Builder
	for i := range res.Findings {
		f := &res.Findings[i]
		meta := opts.Rules[f.RuleID]
		head := p.paint(ansiBold+ansiRed, f.RuleID) + "  " + f.Provider
		if meta.Confidence != "" {
			head += p.paint(ansiDim, " ("+meta.Confidence+" confidence)")
		}
		fmt.Fprintf(&b, "%s\n", head)
		if f.Description != "" {
			fmt.Fprintf(&b, "  %s\n", f.Description)
		}
		fp := f.Fingerprint
		if len(fp) > 12 {
			fp = fp[:12]
		}
		fmt.Fprintf(&b, "  %s %s  %s\n", p.paint(ansiDim, "secret     "),
			p.paint(ansiYellow, displaySecret(f, opts)), p.paint(ansiDim, "fingerprint "+fp))
		for j, l := range f.Locations {
			label := "           "
			if j == 0 {
				label = "found at   "
			}
			if j == maxLoc {
				fmt.Fprintf(&b, "  %s … and %d more\n", label, len(f.Locations)-maxLoc)
				break
			}
			fmt.Fprintf(&b, "  %s %s\n", p.paint(ansiDim, label), p.paint(ansiCyan, formatLocation(l)))
		}
		if meta.Remediation != "" {
			fmt.Fprintf(&b, "  %s %s\n", p.paint(ansiDim, "fix        "), meta.Remediation)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// formatLocation renders a location as path:line:column, with the commit
// that introduced it when known.
func formatLocation(l scanner.Location) string {
	path := l.Path
	if path == "" || (l.Kind == "stdin" && path == "-") {
		path = "(" + l.Kind + ")"
	}
	s := fmt.Sprintf("%s:%d:%d", path, l.Line, l.Column)
	if l.Commit != nil && l.Commit.Hash != "" {
		h := l.Commit.Hash
		if len(h) > 12 {
			h = h[:12]
		}
		s += " in commit " + h
	}
	if l.Unreachable {
		s += " (unreachable)"
	}
	return s
}

// SkippedList writes one line per skipped item ("skipped PATH: REASON
// (DETAIL)"), sorted by path, for stderr.
func SkippedList(w io.Writer, res *scanner.Result) error {
	items := append(res.Skipped[:0:0], res.Skipped...)
	sort.SliceStable(items, func(i, j int) bool { return items[i].Path < items[j].Path })
	var b strings.Builder
	for _, s := range items {
		fmt.Fprintf(&b, "scour: skipped %s: %s", s.Path, s.Reason)
		if s.Detail != "" {
			fmt.Fprintf(&b, " (%s)", s.Detail)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Summary writes the one-line scan summary for stderr: items and bytes
// scanned, items skipped with counts per reason, findings, elapsed time.
func Summary(w io.Writer, res *scanner.Result, opts Options) error {
	var b strings.Builder
	fmt.Fprintf(&b, "scour: scanned %s (%s)", plural(res.Stats.Items, "file", "files"), humanize.Bytes(uint64(max(res.Stats.Bytes, 0))))
	if len(res.Skipped) > 0 {
		reasons := skipReasons(res)
		parts := make([]string, len(reasons))
		for i, r := range reasons {
			parts[i] = fmt.Sprintf("%d %s", r.Count, r.Reason)
		}
		fmt.Fprintf(&b, ", skipped %d (%s)", len(res.Skipped), strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, ", %s", plural(int64(len(res.Findings)), "finding", "findings"))
	fmt.Fprintf(&b, " in %s\n", opts.Elapsed.Round(time.Millisecond))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
