package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/scanner"
)

// SchemaVersion is the version of the JSON report schema
// (docs/report-format.md). Adding fields keeps the version; renaming,
// removing or changing the meaning of one bumps it.
const SchemaVersion = 1

// JSONReport is the top-level object of a JSON report.
type JSONReport struct {
	SchemaVersion int           `json:"schema_version"`
	Tool          JSONTool      `json:"tool"`
	Findings      []JSONFinding `json:"findings"`
	Skipped       []JSONSkipped `json:"skipped"`
	Stats         JSONStats     `json:"stats"`
}

// JSONTool names the program that wrote the report.
type JSONTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// JSONFinding is one secret found by one rule, with every place it occurs.
type JSONFinding struct {
	RuleID      string `json:"rule_id"`
	Provider    string `json:"provider"`
	Description string `json:"description"`
	Confidence  string `json:"confidence,omitempty"`
	Fingerprint string `json:"fingerprint"`
	// SecretRedacted is always present; Secret only with --show-secrets.
	SecretRedacted string            `json:"secret_redacted"`
	Secret         string            `json:"secret,omitempty"`
	Context        map[string]string `json:"context,omitempty"`
	Remediation    string            `json:"remediation,omitempty"`
	Locations      []JSONLocation    `json:"locations"`
	// Verification is present when the scan verified (scan --verify).
	Verification *Verification `json:"verification,omitempty"`
}

// JSONLocation is one place a secret occurs.
type JSONLocation struct {
	Kind   string      `json:"kind"`
	Path   string      `json:"path"`
	Line   int         `json:"line"`
	Column int         `json:"column"`
	Offset int64       `json:"offset"`
	Blob   string      `json:"blob,omitempty"`
	Commit *JSONCommit `json:"commit,omitempty"`
	Remote string      `json:"remote,omitempty"`
	// Encoding says how the text here encodes the secret (base64, url,
	// escape, concat); absent when the secret is there as written.
	Encoding    string `json:"encoding,omitempty"`
	Unreachable bool   `json:"unreachable,omitempty"`
}

// JSONCommit is the commit that introduced a location's content.
type JSONCommit struct {
	Hash        string `json:"hash"`
	AuthorName  string `json:"author_name,omitempty"`
	AuthorEmail string `json:"author_email,omitempty"`
	Date        string `json:"date,omitempty"` // RFC 3339
	Message     string `json:"message,omitempty"`
}

// JSONSkipped is content that was not (fully) scanned, and why.
type JSONSkipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// JSONStats counts what the scan read and found.
type JSONStats struct {
	Items           int64          `json:"items"`
	Bytes           int64          `json:"bytes"`
	Skipped         int64          `json:"skipped"`
	SkippedByReason map[string]int `json:"skipped_by_reason"`
	Findings        int64          `json:"findings"`
	ElapsedMS       int64          `json:"elapsed_ms"`
	// Dropped counts candidates that matched a rule's pattern but failed
	// its checks (checksum, placeholder, entropy); absent when none did.
	Dropped *scanner.Dropped `json:"dropped,omitempty"`
	// ExcludedByRepo counts what only the scanned tree's own .scour.yaml
	// excluded (blobs in history, paths on disk); absent when nothing.
	ExcludedByRepo int64 `json:"excluded_by_repo_config,omitempty"`
	// Git counts refs, commits, blobs and bytes of a git history scan.
	Git *scanner.GitStats `json:"git,omitempty"`
}

// JSON writes res as one indented JSON document (JSONReport).
func JSON(w io.Writer, res *scanner.Result, opts Options) error {
	return encodeJSON(w, NewJSONReport(res, opts), "  ")
}

// encodeJSON writes v as JSON (indented when indent is set) whose bytes
// are safe to print: the encoder escapes control characters, and
// safetext.JSON the bidi and other format characters it leaves raw.
func encodeJSON(w io.Writer, v any, indent string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", indent)
	// Secrets and paths may hold <, > or &: keep them readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(safetext.JSON(buf.Bytes()))
	return err
}

// NewJSONReport converts a result to the JSON report schema. Paths and
// commit authors and messages are kept as they are (JSON escaping makes
// them safe to print), except text that is not valid UTF-8, which JSON
// cannot hold: it is written quoted with \xNN escapes (safetext.UTF8)
// instead of with U+FFFD.
func NewJSONReport(res *scanner.Result, opts Options) *JSONReport {
	out := &JSONReport{
		SchemaVersion: SchemaVersion,
		Tool:          JSONTool{Name: "scour", Version: opts.Version},
		Findings:      make([]JSONFinding, 0, len(res.Findings)),
		Skipped:       make([]JSONSkipped, 0, len(res.Skipped)),
		Stats: JSONStats{
			Items:           res.Stats.Items,
			Bytes:           res.Stats.Bytes,
			Skipped:         int64(len(res.Skipped)),
			SkippedByReason: map[string]int{},
			Findings:        int64(len(res.Findings)),
			ElapsedMS:       opts.Elapsed.Milliseconds(),
			ExcludedByRepo:  res.Stats.ExcludedByRepo,
			Git:             res.Stats.Git,
		},
	}
	if d := res.Stats.Dropped; d.Total() > 0 {
		out.Stats.Dropped = &d
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		meta := opts.Rules[f.RuleID]
		jf := JSONFinding{
			RuleID:         f.RuleID,
			Provider:       f.Provider,
			Description:    f.Description,
			Confidence:     cmp.Or(f.Confidence, meta.Confidence),
			Fingerprint:    f.Fingerprint,
			SecretRedacted: redacted(f, opts),
			Context:        publicContext(f, opts.ShowSecrets),
			Remediation:    meta.Remediation,
			Locations:      make([]JSONLocation, 0, len(f.Locations)),
		}
		if opts.ShowSecrets {
			jf.Secret = f.Secret
		}
		if v, ok := opts.Verification[f.Fingerprint]; ok {
			jf.Verification = &v
		}
		for _, l := range f.Locations {
			jl := JSONLocation{
				Kind: l.Kind, Path: safetext.UTF8(l.Path), Line: l.Line, Column: l.Column, Offset: l.Offset,
				Blob: l.BlobID, Remote: l.Remote, Unreachable: l.Unreachable, Encoding: l.Encoding,
			}
			if c := l.Commit; c != nil {
				jl.Commit = &JSONCommit{Hash: c.Hash, AuthorName: safetext.UTF8(c.AuthorName),
					AuthorEmail: safetext.UTF8(c.AuthorEmail), Message: safetext.UTF8(c.Message)}
				if !c.Date.IsZero() {
					jl.Commit.Date = c.Date.Format(time.RFC3339)
				}
			}
			jf.Locations = append(jf.Locations, jl)
		}
		out.Findings = append(out.Findings, jf)
	}
	for _, s := range res.Skipped {
		out.Skipped = append(out.Skipped, JSONSkipped{Path: safetext.UTF8(s.Path), Reason: s.Reason, Detail: safetext.UTF8(s.Detail)})
		out.Stats.SkippedByReason[s.Reason]++
	}
	// Sources walk in parallel: give skipped items a stable order.
	sort.SliceStable(out.Skipped, func(i, j int) bool {
		a, b := out.Skipped[i], out.Skipped[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Reason < b.Reason
	})
	return out
}

// secretName marks context groups that hold credentials by name.
var secretName = regexp.MustCompile(`(?i)secret|passw|pwd`)

// publicContext returns the finding's context without the groups that
// carry the secret: groups whose value contains it or part of it (except a
// public id the redacted form shows anyway, like a Yunxiao token id), and
// groups named like a credential. With showSecrets everything is kept.
func publicContext(f *scanner.Finding, showSecrets bool) map[string]string {
	if len(f.Context) == 0 {
		return nil
	}
	shown := strings.TrimSuffix(Redact(f.Secret), "…")
	out := map[string]string{}
	for k, v := range f.Context {
		if !showSecrets {
			if v == "" || secretName.MatchString(k) {
				continue
			}
			if strings.Contains(v, f.Secret) || (strings.Contains(f.Secret, v) && !strings.HasPrefix(shown, v)) {
				continue
			}
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
