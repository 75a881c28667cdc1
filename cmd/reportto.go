package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/scour-dev/scour/report"
	"github.com/scour-dev/scour/scanner"
)

// extraReport is one --report-to FORMAT=FILE.
type extraReport struct{ format, file string }

// parseReportTo checks every --report-to value before anything is scanned.
func parseReportTo(values []string) ([]extraReport, error) {
	var out []extraReport
	for _, v := range values {
		format, file, ok := strings.Cut(v, "=")
		if !ok || file == "" {
			return nil, fmt.Errorf("--report-to %q: want FORMAT=FILE, e.g. sarif=scour.sarif", v)
		}
		if !validFormat(format) {
			return nil, fmt.Errorf("--report-to %q: format %q is not one of %s", v, format, strings.Join(report.Formats(), ", "))
		}
		out = append(out, extraReport{format, file})
	}
	return out, nil
}

// writeReportTo writes each extra report atomically with mode 0600, never
// in colour; it tries them all and returns every failure.
func writeReportTo(extra []extraReport, res *scanner.Result, opts report.Options) error {
	opts.Color = false
	var errs []error
	for _, e := range extra {
		err := writeFileAtomic(e.file, func(w io.Writer) error {
			return report.Write(w, e.format, res, opts)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("writing %s report %s: %w", e.format, e.file, err))
		}
	}
	return errors.Join(errs...)
}
