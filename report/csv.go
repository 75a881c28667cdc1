package report

import (
	"cmp"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/scanner"
)

// csvHeader names the columns of --format csv, one row per location.
var csvHeader = []string{
	"rule_id", "provider", "confidence", "fingerprint", "secret", "kind", "path", "line", "column",
	"commit", "commit_date", "commit_author", "blob", "remote", "unreachable", "description",
}

// CSV writes a header row and one row per location of every finding, so a
// secret found in three places is three rows with the same fingerprint.
// The secret column is redacted unless Options.ShowSecrets is set. Cells
// that a spreadsheet would run as a formula (starting with = + - @ or a
// tab, and longer than one character) get a leading apostrophe. Text from
// the scanned tree or a rule pack is escaped first (internal/safetext): a
// CSV printed to a terminal or a CI log cannot drive it, and a path that
// is not UTF-8 is shown with \xNN escapes instead of being mangled.
func CSV(w io.Writer, res *scanner.Result, opts Options) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		meta := opts.Rules[f.RuleID]
		for _, l := range f.Locations {
			var hash, date, author string
			if c := l.Commit; c != nil {
				hash, author = c.Hash, safetext.Escape(c.AuthorName)
				if c.AuthorEmail != "" {
					author += " <" + safetext.Escape(c.AuthorEmail) + ">"
				}
				if !c.Date.IsZero() {
					date = c.Date.Format(time.RFC3339)
				}
			}
			row := []string{
				f.RuleID, f.Provider, cmp.Or(f.Confidence, meta.Confidence), f.Fingerprint, safetext.Quote(displaySecret(f, opts)), l.Kind,
				safetext.Quote(l.Path), strconv.Itoa(l.Line), strconv.Itoa(l.Column), hash, date, author, l.BlobID,
				l.Remote, strconv.FormatBool(l.Unreachable), f.Description,
			}
			for j := range row {
				row[j] = csvSafe(safetext.Escape(row[j]))
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses spreadsheet formula injection (OWASP "CSV injection").
func csvSafe(s string) string {
	if len(s) > 1 && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
