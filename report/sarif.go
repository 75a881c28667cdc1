package report

import (
	"cmp"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scour-dev/scour/access"
	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/scanner"
)

// SARIF 2.1.0 (OASIS): one run, one result per finding. The result's
// location is the finding's headline (where the secret first appeared);
// every other place it occurs is a related location. Secrets are never
// written, not even with Options.ShowSecrets: SARIF files are uploaded to
// code-scanning services and shown to everyone with read access.

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	// InformationURI is scour's home, named in SARIF and JUnit reports.
	InformationURI = "https://github.com/scour-dev/scour"
	// FingerprintKey names scour's partial fingerprint: the finding's
	// fingerprint, so code scanning keeps one alert per secret however the
	// lines around it move. Still "v1" although low-entropy secrets now
	// have argon2id fingerprints (scanner.Fingerprint): tokens keep their
	// values and alerts; a new key would reopen every alert.
	FingerprintKey = "scourFingerprint/v1"
	// sarifMaxRelated caps relatedLocations per result at GitHub code
	// scanning's limit; properties.locationCount still counts them all.
	sarifMaxRelated = 1000
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool                     sarifTool           `json:"tool"`
	Invocations              []sarifInvocation   `json:"invocations"`
	VersionControlProvenance []sarifVCS          `json:"versionControlProvenance,omitempty"`
	ColumnKind               string              `json:"columnKind"`
	Results                  []sarifResult       `json:"results"`
	Properties               *sarifRunProperties `json:"properties,omitempty"`
}

type sarifRunProperties struct {
	ItemsScanned int64 `json:"itemsScanned"`
	BytesScanned int64 `json:"bytesScanned"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     sarifText          `json:"shortDescription"`
	FullDescription      sarifText          `json:"fullDescription"`
	Help                 sarifText          `json:"help"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Provider   string   `json:"provider,omitempty"`
	Confidence string   `json:"confidence,omitempty"`
	Tags       []string `json:"tags"`
	// Precision and SecuritySeverity are the properties GitHub code
	// scanning reads to rank alerts.
	Precision        string `json:"precision"`
	SecuritySeverity string `json:"security-severity"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifVCS struct {
	RepositoryURI string                `json:"repositoryUri"`
	MappedTo      sarifArtifactLocation `json:"mappedTo"`
}

type sarifResult struct {
	RuleID    string `json:"ruleId"`
	RuleIndex int    `json:"ruleIndex"`
	Level     string `json:"level"`
	// Rank (SARIF 3.27.27, 0-100) is set for live secrets: 50, raised
	// by the worst least-privilege flag.
	Rank                *float64          `json:"rank,omitempty"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          sarifResultProps  `json:"properties"`
}

type sarifResultProps struct {
	Provider       string `json:"provider"`
	Fingerprint    string `json:"fingerprint"`
	SecretRedacted string `json:"secretRedacted"`
	LocationCount  int    `json:"locationCount"`
	// Commit is where the headline location's content entered history.
	Commit *sarifCommit `json:"commit,omitempty"`
	// Verification is what scan --verify learned (never the secret).
	Verification *Verification `json:"verification,omitempty"`
	// LeastPrivilegeFlags are the analysis flag ids (scan --verify
	// --analyze), e.g. "no-expiry", for filtering in code scanning.
	LeastPrivilegeFlags []string `json:"leastPrivilegeFlags,omitempty"`
}

type sarifCommit struct {
	Hash        string `json:"hash"`
	AuthorName  string `json:"authorName,omitempty"`
	AuthorEmail string `json:"authorEmail,omitempty"`
	Date        string `json:"date,omitempty"`
	Message     string `json:"message,omitempty"`
	Blob        string `json:"blob,omitempty"`
	Unreachable bool   `json:"unreachable,omitempty"`
}

type sarifLocation struct {
	ID               *int                   `json:"id,omitempty"`
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	Message          *sarifText             `json:"message,omitempty"`
	Properties       *sarifLocationProps    `json:"properties,omitempty"`
}

type sarifLocationProps struct {
	Commit *sarifCommit `json:"commit,omitempty"`
	Remote string       `json:"remote,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI         string     `json:"uri,omitempty"`
	URIBaseID   string     `json:"uriBaseId,omitempty"`
	Description *sarifText `json:"description,omitempty"`
}

// srcRoot is the uriBaseId of paths relative to the scanned directory, the
// name GitHub code scanning and the SARIF tools know for the source root.
const srcRoot = "%SRCROOT%"

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

// SARIF writes res as a SARIF 2.1.0 log.
func SARIF(w io.Writer, res *scanner.Result, opts Options) error {
	return encodeJSON(w, newSARIF(res, opts), "  ")
}

func newSARIF(res *scanner.Result, opts Options) *sarifLog {
	// Rules: every rule the scan used (Options.Rules), plus any a finding
	// names that the map lacks, sorted by id so output is stable.
	ids := make([]string, 0, len(opts.Rules))
	known := map[string]bool{}
	for id := range opts.Rules {
		ids = append(ids, id)
		known[id] = true
	}
	for _, f := range res.Findings {
		if !known[f.RuleID] {
			ids = append(ids, f.RuleID)
			known[f.RuleID] = true
		}
	}
	sort.Strings(ids)
	index := make(map[string]int, len(ids))
	rulesOut := make([]sarifRule, 0, len(ids))
	for i, id := range ids {
		index[id] = i
		rulesOut = append(rulesOut, sarifRuleFor(id, opts.Rules[id], res))
	}

	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "scour", Version: opts.Version, InformationURI: InformationURI, Rules: rulesOut,
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
		// scanner.Location columns count characters (runes), not the
		// default UTF-16 code units.
		ColumnKind: "unicodeCodePoints",
		Results:    make([]sarifResult, 0, len(res.Findings)),
		Properties: &sarifRunProperties{ItemsScanned: res.Stats.Items, BytesScanned: res.Stats.Bytes},
	}
	eachSkipped(res, func(path, reason, detail string) {
		n := sarifNotification{Level: "warning", Message: sarifText{Text: skippedLine(path, reason, detail)}}
		if path != "" && path != "-" {
			n.Locations = []sarifLocation{{PhysicalLocation: &sarifPhysicalLocation{
				ArtifactLocation: sarifArtifactLocation{URI: sarifURI(path), URIBaseID: srcRoot},
			}}}
		}
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications, n)
	})

	remotes := map[string]bool{}
	for i := range res.Findings {
		f := &res.Findings[i]
		meta := opts.Rules[f.RuleID]
		r := sarifResult{
			RuleID:              f.RuleID,
			RuleIndex:           index[f.RuleID],
			Level:               sarifLevel(cmp.Or(f.Confidence, meta.Confidence)),
			PartialFingerprints: map[string]string{FingerprintKey: f.Fingerprint},
			Properties: sarifResultProps{
				Provider:       f.Provider,
				Fingerprint:    f.Fingerprint,
				SecretRedacted: redacted(f, opts),
				LocationCount:  len(f.Locations),
			},
		}
		desc := f.Description
		if desc == "" {
			desc = f.RuleID
		}
		msg := fmt.Sprintf("%s %s (fingerprint %s)", desc, redacted(f, opts), shortFP(f.Fingerprint))
		if n := len(f.Locations) - 1; n > 0 {
			msg += fmt.Sprintf("; also at %s", plural(int64(n), "other location", "other locations"))
		}
		if meta.Remediation != "" {
			msg += ". " + strings.TrimSuffix(meta.Remediation, ".") + "."
		}
		if v, ok := opts.Verification[f.Fingerprint]; ok {
			r.Properties.Verification = &v
			msg = "Verified " + v.State + ": " + msg
			if strings.HasPrefix(v.State, "live") {
				r.Level = "error" // a working credential outranks any confidence
				// Rank orders results: a live secret with a worse
				// least-privilege flag first (access.Report.Rank).
				rank := v.Analysis.Rank()
				r.Rank = &rank
			}
			if a := v.Analysis; a != nil {
				for _, fl := range a.Flags {
					r.Properties.LeastPrivilegeFlags = append(r.Properties.LeastPrivilegeFlags, fl.ID)
				}
				if len(a.Flags) > 0 {
					msg += " Least privilege: " + flagSummary(a.Flags) + "."
				}
			}
		}
		r.Message = sarifText{Text: msg}
		for j, l := range f.Locations {
			if l.Remote != "" {
				remotes[l.Remote] = true
			}
			sl := sarifLocationFor(l, f.Secret)
			if j == 0 {
				r.Locations = append(r.Locations, sl)
				r.Properties.Commit = commitFor(l)
				continue
			}
			if j > sarifMaxRelated {
				continue
			}
			id := j
			sl.ID = &id
			sl.Message = &sarifText{Text: "the same secret, also at " + formatLocation(l)}
			r.RelatedLocations = append(r.RelatedLocations, sl)
		}
		if len(r.Locations) == 0 {
			r.Locations = []sarifLocation{}
		}
		run.Results = append(run.Results, r)
	}
	for _, u := range sortedKeys(remotes) {
		run.VersionControlProvenance = append(run.VersionControlProvenance,
			sarifVCS{RepositoryURI: u, MappedTo: sarifArtifactLocation{URIBaseID: srcRoot}})
	}
	return &sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
}

func sarifRuleFor(id string, m RuleMeta, res *scanner.Result) sarifRule {
	provider, desc := m.Provider, m.Description
	if provider == "" || desc == "" {
		// A rule the metadata lacks: take what the findings carry.
		for _, f := range res.Findings {
			if f.RuleID == id {
				provider, desc = cmp.Or(provider, f.Provider), cmp.Or(desc, f.Description)
				break
			}
		}
	}
	desc = cmp.Or(desc, id)
	full := desc + "."
	switch {
	case provider != "" && m.Confidence != "":
		full = fmt.Sprintf("%s (provider %s, %s confidence).", desc, provider, m.Confidence)
	case provider != "":
		full = fmt.Sprintf("%s (provider %s).", desc, provider)
	}
	help := full
	md := "**" + desc + "**"
	if m.Remediation != "" {
		help += "\n\nRemediation: " + m.Remediation
		md += "\n\n**Remediation:** " + m.Remediation
	}
	help += "\n\nTreat a leaked credential as compromised: revoke or rotate it first, then remove it from the code and its history."
	md += "\n\nTreat a leaked credential as compromised: revoke or rotate it first, then remove it from the code and its history."
	if len(m.References) > 0 {
		help += "\n\nReferences:\n" + strings.Join(m.References, "\n")
		md += "\n\n**References:**\n"
		for _, ref := range m.References {
			md += "\n- " + ref
		}
	}
	tags := []string{"security", "secret"}
	if provider != "" {
		tags = append(tags, provider)
	}
	r := sarifRule{
		ID:                   id,
		Name:                 ruleName(id),
		ShortDescription:     sarifText{Text: desc},
		FullDescription:      sarifText{Text: full},
		Help:                 sarifText{Text: help, Markdown: md},
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(m.Confidence)},
		Properties: sarifRuleProps{
			Provider: provider, Confidence: m.Confidence, Tags: tags,
			Precision: sarifPrecision(m.Confidence), SecuritySeverity: sarifSeverity(m.Confidence),
		},
	}
	if len(m.References) > 0 {
		if u, err := url.Parse(m.References[0]); err == nil && u.IsAbs() {
			r.HelpURI = m.References[0]
		}
	}
	return r
}

// ruleName turns "github-classic-pat" into "GithubClassicPat", the
// identifier-like form SARIF expects for reportingDescriptor.name.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// sarifLevel: every leaked credential is a problem; confidence says how
// sure we are it is one.
func sarifLevel(confidence string) string {
	switch confidence {
	case "low":
		return "warning"
	}
	return "error"
}

func sarifPrecision(confidence string) string {
	switch confidence {
	case "high":
		return "very-high"
	case "medium":
		return "high"
	case "low":
		return "medium"
	}
	return "high"
}

// sarifSeverity is GitHub's security-severity (0.0-10.0): a leaked
// credential is critical when we are sure of it.
func sarifSeverity(confidence string) string {
	switch confidence {
	case "medium":
		return "8.0"
	case "low":
		return "6.0"
	}
	return "9.0"
}

func sarifLocationFor(l scanner.Location, secret string) sarifLocation {
	pl := &sarifPhysicalLocation{Region: sarifRegionFor(l, secret)}
	if l.Path == "" || (l.Kind == "stdin" && l.Path == "-") {
		// Not a file, but code scanning wants a URI on every location:
		// "-" as in the JSON report, described.
		pl.ArtifactLocation.URI = "-"
		pl.ArtifactLocation.Description = &sarifText{Text: "(" + l.Kind + ")"}
	} else {
		pl.ArtifactLocation.URI = sarifURI(l.Path)
		pl.ArtifactLocation.URIBaseID = srcRoot
	}
	sl := sarifLocation{PhysicalLocation: pl}
	if c := commitFor(l); c != nil || l.Remote != "" {
		sl.Properties = &sarifLocationProps{Commit: c, Remote: l.Remote}
	}
	return sl
}

// sarifRegionFor spans the secret: it may run over several lines (private
// keys), so the end is computed from the secret's own newlines.
func sarifRegionFor(l scanner.Location, secret string) *sarifRegion {
	if l.Line < 1 {
		return nil
	}
	col := max(l.Column, 1)
	r := &sarifRegion{StartLine: l.Line, StartColumn: col, EndLine: l.Line}
	if i := strings.LastIndexByte(secret, '\n'); i >= 0 {
		r.EndLine += strings.Count(secret, "\n")
		r.EndColumn = utf8.RuneCountInString(secret[i+1:]) + 1
	} else {
		r.EndColumn = col + utf8.RuneCountInString(secret)
	}
	return r
}

// sarifURI makes a relative path a relative URI reference: slashes kept,
// everything else that is not allowed in a path escaped.
func sarifURI(p string) string {
	p = strings.ReplaceAll(p, "\\", "/")
	u := (&url.URL{Path: p}).EscapedPath()
	// "a:b/c" would read as a URI with scheme "a".
	if first, _, _ := strings.Cut(u, "/"); strings.Contains(first, ":") {
		u = "./" + u
	}
	return u
}

func commitFor(l scanner.Location) *sarifCommit {
	c := l.Commit
	if c == nil || c.Hash == "" {
		return nil
	}
	sc := &sarifCommit{Hash: c.Hash, AuthorName: safetext.UTF8(c.AuthorName), AuthorEmail: safetext.UTF8(c.AuthorEmail),
		Message: safetext.UTF8(c.Message),
		Blob:    l.BlobID, Unreachable: l.Unreachable}
	if !c.Date.IsZero() {
		sc.Date = c.Date.Format(time.RFC3339)
	}
	return sc
}

// skippedLine is "skipped PATH: REASON (DETAIL)", escaped (safetext): it
// is a message for people, shown in logs and CI pages.
func skippedLine(path, reason, detail string) string {
	s := "skipped " + oneLine(path) + ": " + safetext.Escape(reason)
	if detail != "" {
		s += " (" + safetext.Escape(detail) + ")"
	}
	return s
}

func shortFP(fp string) string {
	if len(fp) > 12 {
		return fp[:12]
	}
	return fp
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// flagSummary lists flags for a message: "no-expiry (medium), ...".
func flagSummary(fs []access.Flag) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.ID + " (" + f.Severity + ")"
	}
	return strings.Join(parts, ", ")
}
