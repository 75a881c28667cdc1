// Package peer runs the other scanners the bench scripts compare scour
// with, and reads their reports.
package peer

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Hit is one finding of a peer: a file (slash-separated, relative to the
// scanned directory) and a 1-based line.
type Hit struct {
	File string
	Line int
}

// Gitleaks runs gitleaks or Betterleaks (same CLI and report shape) over
// the files of dir, writing its JSON report to report, extra flags last.
func Gitleaks(bin, dir, report string, extra ...string) ([]Hit, error) {
	args := append([]string{"dir", dir, "--report-format", "json", "--report-path", report, "--exit-code", "0", "--no-banner", "--log-level", "error"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w", bin, err)
	}
	var doc []struct {
		File      string `json:"File"`
		StartLine int    `json:"StartLine"`
	}
	data, err := os.ReadFile(report)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s report: %w", bin, err)
	}
	out := make([]Hit, 0, len(doc))
	for _, f := range doc {
		out = append(out, Hit{Rel(dir, f.File), f.StartLine})
	}
	return out, nil
}

// Rel makes p, as a peer printed it, relative to dir and slash-separated.
func Rel(dir, p string) string {
	if filepath.IsAbs(p) {
		if r, err := filepath.Rel(dir, p); err == nil {
			p = r
		}
	}
	return filepath.ToSlash(strings.TrimPrefix(p, "./"))
}
