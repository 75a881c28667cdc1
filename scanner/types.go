// Package scanner is scour's engine: a rule set applied to content from a
// source, yielding findings (prefilter, regex on windows, offline filters,
// fingerprints, grouping).
package scanner

import (
	"strings"

	"github.com/scour-dev/scour/source"
)

// Location is one place a secret occurs.
type Location struct {
	source.Origin
	// Line and Column are 1-based. Column counts characters (UTF-8 runes;
	// each invalid byte counts as one) from the start of the line.
	Line   int   `json:"line"`
	Column int   `json:"column"`
	Offset int64 `json:"offset"` // byte offset of the secret in the item
	// Encoding says how the text at this place encodes the secret
	// ("base64", "url", "escape", "concat"; docs/design.md, "Decoding"):
	// the place is the encoded text's, the secret is the decoded one.
	// Empty when the secret is there as written.
	Encoding string `json:"encoding,omitempty"`
}

// Finding is one secret found by one rule, with every place it occurs.
type Finding struct {
	RuleID      string `json:"rule_id"`
	Provider    string `json:"provider"`
	Description string `json:"description"`
	// Confidence is "high" (a format: prefix, checksum), "medium" (a
	// format with context, or a random-looking value under a credential
	// name) or "low" (a short or partly word-like value under a
	// credential name). See Options.MinConfidence.
	Confidence string `json:"confidence"`
	// Secret is the raw credential. Reporters redact it unless asked not to.
	Secret string `json:"secret"`
	// Fingerprint names the secret without showing it (see Fingerprint):
	// stable across moves, squashes and machines.
	Fingerprint string `json:"fingerprint"`
	// Context holds the rule's other named groups (token id, host, user...).
	Context   map[string]string `json:"context,omitempty"`
	Locations []Location        `json:"locations"`
}

// Stats counts what a scan read.
type Stats struct {
	Items int64 `json:"items"`
	Bytes int64 `json:"bytes"`
	// Matched is the bytes searched for keywords: Bytes less what
	// delta-aware matching carried over from delta bases.
	Matched  int64 `json:"matched"`
	Skipped  int64 `json:"skipped"`
	Findings int64 `json:"findings"`
	// Dropped counts the candidates (distinct rule and secret) that matched
	// a rule's pattern but failed its filters; --verbose lists them.
	Dropped Dropped `json:"dropped"`
	// ExcludedByRepo counts what only the exclude: patterns of the
	// scanned tree's own .scour.yaml (untrusted) kept out of the scan:
	// blobs in a history scan, files and directories (each pruned
	// directory once) in a scan of files.
	ExcludedByRepo int64 `json:"excluded_by_repo_config,omitempty"`
	// Git counts what a git history scan covered; nil for other scans.
	Git *GitStats `json:"git,omitempty"`
}

// Dropped counts dropped candidates by the filter that dropped them.
type Dropped struct {
	// Checksum: the token's built-in checksum is wrong (a made-up or
	// mistyped token; real tokens always pass).
	Checksum int64 `json:"checksum,omitempty"`
	// Placeholder: an example or placeholder value (EXAMPLE, xxxx, 1234...).
	Placeholder int64 `json:"placeholder,omitempty"`
	// Entropy: too regular to be a generated secret (entropy, no digit).
	Entropy int64 `json:"entropy,omitempty"`
	// Other filters.
	Other int64 `json:"other,omitempty"`
}

// Total is the number of dropped candidates.
func (d Dropped) Total() int64 { return d.Checksum + d.Placeholder + d.Entropy + d.Other }

// add counts one candidate dropped for why (the rule filter's reason).
func (d *Dropped) add(why string) {
	switch {
	case strings.HasPrefix(why, "checksum"):
		d.Checksum++
	case strings.HasPrefix(why, "placeholder"):
		d.Placeholder++
	case strings.HasPrefix(why, "entropy"), why == "no digit":
		d.Entropy++
	default:
		d.Other++
	}
}

// GitStats counts what a git history scan covered.
type GitStats struct {
	Refs    int64 `json:"refs"`
	Commits int64 `json:"commits"`
	Blobs   int64 `json:"blobs"` // blobs scanned, each once
	Bytes   int64 `json:"bytes"` // their total size
	// Unreachable blobs scanned (--all-objects only).
	Unreachable int64 `json:"unreachable_blobs,omitempty"`
	// Worktree files scanned because their content is not in history.
	Worktree int64 `json:"worktree_files,omitempty"`
	// ExcludedBlobs were not read: every path they have is excluded.
	ExcludedBlobs int64 `json:"excluded_blobs,omitempty"`
	// KnownBlobs were not read: an incremental scan (a sweep) met them in
	// new commits, and an earlier scan of the repository had read them.
	KnownBlobs int64 `json:"known_blobs,omitempty"`
}

// Result is everything a scan produced. Findings are sorted by rule id then
// fingerprint; each finding's locations by path, line, column.
type Result struct {
	Findings []Finding        `json:"findings"`
	Skipped  []source.Skipped `json:"skipped"`
	Stats    Stats            `json:"stats"`
}
