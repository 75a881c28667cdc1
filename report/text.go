package report

import (
	"cmp"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/scour-dev/scour/internal/safetext"
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
// finding with its rule, provider, redacted secret and fingerprint; its
// headline location (for git history, where the secret first came in, with
// that commit's author, date and subject); how many other places it occurs
// at, the first of them listed (capped at Options.MaxLocations); and the
// rule's one-line remediation hint. A clean result writes nothing.
//
// Everything that comes from the scanned tree or a rule pack (paths,
// authors, commit subjects, descriptions, even the secret) is escaped with
// internal/safetext: it cannot break a line, drive the terminal or forge a
// CI workflow command.
func Text(w io.Writer, res *scanner.Result, opts Options) error {
	p := painter(opts.Color)
	maxLoc := opts.MaxLocations
	if maxLoc <= 0 {
		maxLoc = DefaultMaxLocations
	}
	var b strings.Builder
	line := func(label, text string) {
		fmt.Fprintf(&b, "  %s %s\n", p.paint(ansiDim, fmt.Sprintf("%-11s", label)), text)
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		meta := opts.Rules[f.RuleID]
		head := p.paint(ansiBold+ansiRed, safetext.Escape(f.RuleID)) + "  " + safetext.Escape(f.Provider)
		if c := cmp.Or(f.Confidence, meta.Confidence); c != "" {
			head += p.paint(ansiDim, " ("+safetext.Escape(c)+" confidence)")
		}
		fmt.Fprintf(&b, "%s\n", head)
		if f.Description != "" {
			fmt.Fprintf(&b, "  %s\n", safetext.Escape(f.Description))
		}
		// The whole fingerprint: `scour ignore` wants it, and people copy it
		// from here (the pre-commit hook prints this format).
		line("secret", p.paint(ansiYellow, safetext.Quote(displaySecret(f, opts)))+"  "+p.paint(ansiDim, "fingerprint "+safetext.Escape(f.Fingerprint)))
		if v, ok := opts.Verification[f.Fingerprint]; ok {
			line("status", safetext.Escape(v.String()))
			for _, l := range v.Analysis.Lines() {
				line("access", safetext.Escape(l))
			}
		}
		if len(f.Locations) > 0 {
			first := f.Locations[0]
			if first.Commit != nil && first.Commit.Hash != "" {
				line("introduced", p.paint(ansiCyan, formatLocation(first)))
				line("", commitLine(first))
			} else {
				line("found at", p.paint(ansiCyan, formatLocation(first)))
			}
		}
		if others := f.Locations[min(1, len(f.Locations)):]; len(others) > 0 {
			line("also at", plural(int64(len(others)), "other location", "other locations"))
			for j, l := range others {
				if j == maxLoc {
					line("", fmt.Sprintf("… and %d more", len(others)-maxLoc))
					break
				}
				line("", p.paint(ansiCyan, formatLocation(l)))
			}
		}
		if meta.Remediation != "" {
			line("fix", safetext.Escape(meta.Remediation))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// commitLine describes the commit that introduced a location: author,
// date and subject.
func commitLine(l scanner.Location) string {
	c := l.Commit
	var parts []string
	if c.AuthorName != "" || c.AuthorEmail != "" {
		who := safetext.Escape(c.AuthorName)
		if c.AuthorEmail != "" {
			who = strings.TrimSpace(who + " <" + safetext.Escape(c.AuthorEmail) + ">")
		}
		parts = append(parts, "by "+who)
	}
	if !c.Date.IsZero() {
		parts = append(parts, "on "+c.Date.Format("2006-01-02"))
	}
	s := strings.Join(parts, " ")
	if c.Message != "" {
		if s != "" {
			s += ": "
		}
		s += oneLine(c.Message)
	}
	return s
}

// oneLine quotes a commit subject or path that holds line breaks, control
// or bidi characters or invalid UTF-8 (safetext.Quote), so it stays on one
// line, reads as it is and cannot drive the terminal.
func oneLine(s string) string {
	return safetext.Quote(s)
}

// formatLocation renders a location as path:line:column, with the commit
// that introduced it when known.
func formatLocation(l scanner.Location) string {
	path := l.Path
	switch {
	case path == "" && l.BlobID != "":
		// A dangling blob no commit or tree names: its id is all there is
		// (git cat-file -p ID shows it).
		path = "blob " + safetext.Escape(l.BlobID)
	case path == "" || (l.Kind == "stdin" && path == "-"):
		path = "(" + safetext.Escape(l.Kind) + ")"
	default:
		path = oneLine(path)
	}
	s := fmt.Sprintf("%s:%d:%d", path, l.Line, l.Column)
	if l.Commit != nil && l.Commit.Hash != "" {
		s += " in commit " + safetext.Escape(shortHash(l.Commit.Hash))
	}
	if l.Unreachable {
		s += " (unreachable)"
	}
	if l.Encoding != "" {
		s += " (" + l.Encoding + "-encoded)"
	}
	return s
}

// SkippedList writes one line per skipped item ("skipped PATH: REASON
// (DETAIL)"), sorted by path, for stderr; path, reason and detail escaped
// (safetext), since a skipped file's name is chosen by the repository.
func SkippedList(w io.Writer, res *scanner.Result) error {
	items := append(res.Skipped[:0:0], res.Skipped...)
	sort.SliceStable(items, func(i, j int) bool { return items[i].Path < items[j].Path })
	var b strings.Builder
	for _, s := range items {
		fmt.Fprintf(&b, "scour: skipped %s: %s", oneLine(s.Path), safetext.Escape(s.Reason))
		if s.Detail != "" {
			fmt.Fprintf(&b, " (%s)", safetext.Escape(s.Detail))
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
			parts[i] = fmt.Sprintf("%d %s", r.Count, safetext.Escape(r.Reason))
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
