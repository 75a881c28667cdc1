package report

import (
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/scanner"
)

// GitHub writes GitHub Actions workflow commands that annotate the run
// and, on a pull request, the changed files: one ::error (::warning for
// low-confidence rules) per finding at its headline location, and one
// ::warning per skipped file. Secrets are never written (workflow logs are
// often public), not even with Options.ShowSecrets.
//
// Text from the scanned tree or a rule pack is escaped twice: with
// internal/safetext (no control, bidi or invalid byte reaches the log,
// and no "##[" runner command), then with GitHub's own escaping of
// messages and properties, so a file named "a\n::error::x" is an odd
// file name in one annotation, never a second command.
//
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
func GitHub(w io.Writer, res *scanner.Result, opts Options) error {
	var b strings.Builder
	for i := range res.Findings {
		f := &res.Findings[i]
		meta := opts.Rules[f.RuleID]
		level := "error"
		if sarifLevel(cmp.Or(f.Confidence, meta.Confidence)) != "error" {
			level = "warning"
		}
		var props []string
		// The whole fingerprint, which `scour ignore` takes.
		msg := fmt.Sprintf("%s %s (fingerprint %s)", safetext.Escape(f.Description), safetext.Quote(redacted(f, opts)), safetext.Escape(f.Fingerprint))
		if len(f.Locations) > 0 {
			l := f.Locations[0]
			if l.Path != "" && l.Kind != "stdin" {
				props = append(props, "file="+ghProperty(safetext.Quote(l.Path)))
			}
			if l.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", l.Line))
				if l.Column > 0 {
					props = append(props, fmt.Sprintf("col=%d", l.Column))
				}
			}
			if c := l.Commit; c != nil && c.Hash != "" {
				msg += "; introduced in commit " + safetext.Escape(shortHash(c.Hash))
			}
			if n := len(f.Locations) - 1; n > 0 {
				msg += "; also at " + plural(int64(n), "other location", "other locations")
			}
		}
		if meta.Remediation != "" {
			msg += "\n" + safetext.Escape(meta.Remediation)
		}
		props = append(props, "title="+ghProperty("scour: "+safetext.Escape(f.RuleID)))
		fmt.Fprintf(&b, "::%s %s::%s\n", level, strings.Join(props, ","), ghData(msg))
	}
	eachSkipped(res, func(path, reason, detail string) {
		prop := "title=" + ghProperty("scour: skipped")
		if path != "" && path != "-" {
			prop = "file=" + ghProperty(safetext.Quote(path)) + "," + prop
		}
		fmt.Fprintf(&b, "::warning %s::%s\n", prop, ghData(skippedLine(path, reason, detail)))
	})
	_, err := io.WriteString(w, b.String())
	return err
}

// ghData escapes a workflow command's message (GitHub's escapeData).
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command property value (GitHub's
// escapeProperty): the message escapes plus ':' and ','.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
