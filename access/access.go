// Package access describes what a live credential can do — identity,
// scopes, expiry, age and reach — and raises the flags the vendors' own
// least-privilege advice calls for (docs/providers.md §9). It is plain
// data and rules: the provider package fills a Report with read-only API
// calls, report and cmd print it. It imports nothing of scour's.
package access

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Report is what read-only introspection learned about one live secret.
// Every field says what the vendor answered; a fact scour could not read
// is absent and, where it matters, explained in a note (never guessed).
type Report struct {
	// Available is false when the provider has no read-only endpoint that
	// tells what a token can do; Note then says why.
	Available bool   `json:"available"`
	Note      string `json:"note,omitempty"`
	// Identity is who holds the token (user, service account, account
	// id, organisation), as the vendor reported it.
	Identity map[string]string `json:"identity,omitempty"`
	// Scopes are the token's scopes or permissions when the vendor says;
	// ScopesKnown false means they could not be read (ScopesNote: why).
	Scopes      []string `json:"scopes,omitempty"`
	ScopesKnown bool     `json:"scopes_known"`
	ScopesNote  string   `json:"scopes_note,omitempty"`
	// Expiry: ExpiresAt when the vendor gave a date; NoExpiry when it
	// says the token never expires; neither when it does not say.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	NoExpiry  bool       `json:"no_expiry,omitempty"`
	// ExpiryNote is what the vendor documents about expiry when it gives
	// no date ("at most one hour after issue"); it raises no flag.
	ExpiryNote string     `json:"expiry_note,omitempty"`
	CreatedAt  *time.Time `json:"created_at,omitempty"`
	LastUsed   *time.Time `json:"last_used_at,omitempty"`
	// Facts are other labelled answers (token type, read-only, CIDR list).
	Facts map[string]string `json:"facts,omitempty"`
	// Reach lists what the token can see, one entry per listing.
	Reach []Reach `json:"reach,omitempty"`
	// Root: the credential is a cloud account's root key.
	Root bool `json:"root,omitempty"`
	// Wide says why the token acts organisation- or account-wide ("").
	Wide  string `json:"wide,omitempty"`
	Flags []Flag `json:"flags,omitempty"`
	// Requests are the read-only requests sent ("GET /user -> 200"),
	// without query strings, so a reader can audit them.
	Requests []string `json:"requests,omitempty"`
}

// Reach is one listing of what a token can see (organisations,
// repositories, projects). Known is false when the listing failed: Note
// then says why ("unknown (HTTP 403)"), which is not an error.
type Reach struct {
	Kind  string `json:"kind"`
	Known bool   `json:"known"`
	Count int    `json:"count"`
	// AtLeast: more pages existed than scour reads; Count is a floor.
	AtLeast bool     `json:"at_least,omitempty"`
	Sample  []string `json:"sample,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// String formats a reach entry: "repositories: 12 (a, b, ...)".
func (r Reach) String() string {
	if !r.Known {
		return r.Kind + ": " + r.Note
	}
	n := fmt.Sprint(r.Count)
	if r.AtLeast {
		n = "at least " + n
	}
	s := r.Kind + ": " + n
	if len(r.Sample) > 0 {
		more := ""
		if len(r.Sample) < r.Count {
			more = ", …"
		}
		s += " (" + strings.Join(r.Sample, ", ") + more + ")"
	}
	return s
}

// Flag ids: each is a breach of a vendor's own advice.
const (
	FlagNoExpiry   = "no-expiry"
	FlagAdminScope = "admin-scope"
	FlagWriteScope = "write-scope"
	FlagWide       = "org-wide"
	FlagRoot       = "root-account-key"
	FlagOld        = "older-than-max-age"
)

// Severities, most severe first.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
)

// FlagIDs lists every flag id, for validation and docs.
var FlagIDs = []string{FlagNoExpiry, FlagAdminScope, FlagWriteScope, FlagWide, FlagRoot, FlagOld}

// Flag is one breach of least-privilege advice, with the vendor's page.
type Flag struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Doc      string `json:"doc,omitempty"`
}

// Policy is what Evaluate judges a report by: the rule's scope classes
// and advice links, and the user's age limit.
type Policy struct {
	// AdminScopes, WriteScopes and WideScopes are scope patterns ("*"
	// matches any run of characters; case-insensitive).
	AdminScopes, WriteScopes, WideScopes []string
	// Advice is the vendor's least-privilege page; AdviceFor overrides
	// it per flag id.
	Advice    string
	AdviceFor map[string]string
	// MaxAge > 0 flags tokens the vendor says were created longer ago
	// (no creation date, no flag).
	MaxAge time.Duration
	Now    time.Time
}

func (p Policy) doc(id string) string {
	if d := p.AdviceFor[id]; d != "" {
		return d
	}
	return p.Advice
}

// Evaluate sets r.Flags from the facts in r. It raises a flag only on a
// fact the vendor stated: unknown scopes raise no scope flag, an unknown
// expiry no expiry flag.
func Evaluate(r *Report, p Policy) {
	r.Flags = nil
	if !r.Available {
		return
	}
	add := func(id, sev, msg string) {
		r.Flags = append(r.Flags, Flag{ID: id, Severity: sev, Message: msg, Doc: p.doc(id)})
	}
	if r.Root {
		add(FlagRoot, SeverityCritical, "a cloud account's root access key: it can do anything in the account; use a RAM/IAM user or role instead")
	}
	admin := matching(r.Scopes, p.AdminScopes)
	if len(admin) > 0 {
		add(FlagAdminScope, SeverityHigh, "administrative scopes: "+strings.Join(admin, ", "))
	}
	var write []string
	for _, s := range matching(r.Scopes, p.WriteScopes) {
		if !slices.Contains(admin, s) {
			write = append(write, s)
		}
	}
	if len(write) > 0 {
		add(FlagWriteScope, SeverityMedium, "write scopes: "+strings.Join(write, ", "))
	}
	wide := r.Wide
	if w := matching(r.Scopes, p.WideScopes); wide == "" && len(w) > 0 {
		wide = "scopes " + strings.Join(w, ", ")
	}
	if wide != "" {
		add(FlagWide, SeverityMedium, "organisation- or account-wide reach: "+wide)
	}
	if r.NoExpiry {
		add(FlagNoExpiry, SeverityMedium, "the token never expires")
	}
	if p.MaxAge > 0 && r.CreatedAt != nil && p.Now.Sub(*r.CreatedAt) > p.MaxAge {
		days := int(p.Now.Sub(*r.CreatedAt).Hours() / 24)
		add(FlagOld, SeverityLow, fmt.Sprintf("created %d days ago (limit %d days)", days, int(p.MaxAge.Hours()/24)))
	}
}

// matching returns the scopes that match any pattern, in scope order.
func matching(scopes, patterns []string) []string {
	var out []string
	for _, s := range scopes {
		for _, p := range patterns {
			if Match(p, s) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// Match reports whether scope matches pattern, case-insensitively, where
// "*" in pattern matches any run of characters.
func Match(pattern, scope string) bool {
	p, s := strings.ToLower(pattern), strings.ToLower(scope)
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i, part := range parts[1:] {
		last := i == len(parts)-2
		if last {
			return strings.HasSuffix(s, part)
		}
		j := strings.Index(s, part)
		if j < 0 {
			return false
		}
		s = s[j+len(part):]
	}
	return true
}

// Worst returns the most severe flag's severity, or "".
func (r *Report) Worst() string {
	best := ""
	for _, f := range r.Flags {
		if rankOf(f.Severity) > rankOf(best) {
			best = f.Severity
		}
	}
	return best
}

// Rank is a SARIF result rank (0-100) for a live secret with this report:
// a live secret is 50, raised by its worst flag.
func (r *Report) Rank() float64 {
	if r == nil {
		return 50
	}
	return float64(max(50, rankOf(r.Worst())))
}

func rankOf(sev string) int {
	switch sev {
	case SeverityCritical:
		return 95
	case SeverityHigh:
		return 85
	case SeverityMedium:
		return 70
	case SeverityLow:
		return 55
	}
	return 0
}

// Lines formats the report for people, one fact per line, without the
// secret (the report never holds it).
func (r *Report) Lines() []string {
	if r == nil {
		return nil
	}
	if !r.Available {
		return []string{"analysis not available: " + r.Note}
	}
	var out []string
	if len(r.Identity) > 0 {
		out = append(out, "identity: "+kv(r.Identity))
	}
	switch {
	case r.ScopesKnown && len(r.Scopes) == 0:
		out = append(out, "scopes: none")
	case r.ScopesKnown:
		out = append(out, "scopes: "+strings.Join(r.Scopes, ", "))
	default:
		note := r.ScopesNote
		if note == "" {
			note = "not readable"
		}
		out = append(out, "scopes: unknown ("+note+")")
	}
	switch {
	case r.ExpiresAt != nil:
		out = append(out, "expires: "+r.ExpiresAt.UTC().Format(time.RFC3339))
	case r.NoExpiry:
		out = append(out, "expires: never")
	case r.ExpiryNote != "":
		out = append(out, "expires: unknown ("+r.ExpiryNote+")")
	default:
		out = append(out, "expires: unknown")
	}
	if r.CreatedAt != nil {
		out = append(out, "created: "+r.CreatedAt.UTC().Format(time.RFC3339))
	}
	if r.LastUsed != nil {
		out = append(out, "last used: "+r.LastUsed.UTC().Format(time.RFC3339))
	}
	if len(r.Facts) > 0 {
		out = append(out, "facts: "+kv(r.Facts))
	}
	for _, re := range r.Reach {
		out = append(out, "reach: "+re.String())
	}
	for _, f := range r.Flags {
		out = append(out, fmt.Sprintf("FLAG %s [%s] %s (%s)", f.ID, f.Severity, f.Message, f.Doc))
	}
	if r.Note != "" {
		out = append(out, "note: "+r.Note)
	}
	return out
}

func kv(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, " ")
}
