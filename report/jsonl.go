package report

import (
	"io"

	"github.com/scour-dev/scour/scanner"
)

// JSONL writes one finding per line, each a JSONFinding object of the JSON
// report schema (docs/report-format.md), for tools that stream or grep.
// Skipped items and stats are left out: they are on stderr and in --format
// json. A clean result writes nothing.
func JSONL(w io.Writer, res *scanner.Result, opts Options) error {
	for _, f := range NewJSONReport(res, opts).Findings {
		if err := encodeJSON(w, f, ""); err != nil {
			return err
		}
	}
	return nil
}
