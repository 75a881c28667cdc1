package rules

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// This file holds the schema of a rule's `analyze:` block: the read-only
// calls that tell what a live token can do (docs/providers.md §9). They
// run at the host where verification answered "live", with the same
// client and safety rules; nothing here talks to the network.

// Analyze is a rule's `analyze:` block.
type Analyze struct {
	// Unavailable says why the vendor offers no way to read what a token
	// can do; scour then prints "analysis not available: <why>".
	Unavailable string `yaml:"unavailable,omitempty"`
	// Advice is the vendor's least-privilege page, the link every flag
	// carries; AdviceFor overrides it per flag id (access.FlagIDs).
	Advice    string            `yaml:"advice,omitempty"`
	AdviceFor map[string]string `yaml:"advice_for,omitempty"`
	// FromVerify reads identity labels already learned by verification
	// (its owner), e.g. the ARN of a coded cloud provider.
	FromVerify bool `yaml:"from_verify,omitempty"`
	// Coded names a coded provider that reads more with signed calls
	// (AWS IAM, Alibaba Cloud RAM policies); BaseURL is that second
	// service's API base, used when verification ran at the rule's
	// default host (a user-configured base URL serves both, as for revoke).
	Coded   string `yaml:"coded,omitempty"`
	BaseURL string `yaml:"base_url,omitempty"`
	// Root lists owner conditions (label -> value, "*suffix" allowed)
	// of which any marks a cloud account's root key.
	Root []map[string]string `yaml:"root,omitempty"`
	// Claims reads facts from the secret's own JWT payload (JFrog access
	// tokens): identity, scopes, expires, created, facts; no request.
	Claims *AnalyzeCall `yaml:"claims,omitempty"`
	// ClaimsFormat says how the secret carries its claims: "jwt" (the
	// default: the payload's JSON) or "pypi-macaroon" (a PyPI token's
	// macaroon caveats, read into scopes, projects, expires, not_before,
	// user_id; see provider/macaroon.go).
	ClaimsFormat string `yaml:"claims_format,omitempty"`
	// Calls run in order; each is independent (a 403 leaves its facts
	// unknown) except for variables an earlier call bound.
	Calls []AnalyzeCall `yaml:"calls,omitempty"`
	// AdminScopes, WriteScopes and WideScopes classify scopes ("*" is a
	// wildcard); WideScopes mean organisation- or account-wide reach.
	AdminScopes []string `yaml:"admin_scopes,omitempty"`
	WriteScopes []string `yaml:"write_scopes,omitempty"`
	WideScopes  []string `yaml:"wide_scopes,omitempty"`
	// ScopesNote says what of the token's own scopes cannot be read (shown
	// when no call reads scopes, or when the call reading them failed).
	ScopesNote string `yaml:"scopes_note,omitempty"`
	// NoExpiry: the vendor's tokens cannot expire (Slack bot tokens):
	// the block asserts "never expires" without a call.
	NoExpiry bool `yaml:"no_expiry,omitempty"`
	// ExpiryNote says what the vendor documents about expiry when no call
	// can read a date (GitHub installation tokens: one hour after issue;
	// Okta: 30 days after last use); shown as "expires: unknown (note)".
	ExpiryNote string `yaml:"expiry_note,omitempty"`
	// Implied states what the vendor documents for a kind of secret,
	// known from its prefix alone ("" matches every secret of the rule):
	// an Admin API key is an organisation administrator, a Twilio auth
	// token has the account's full access. No request is sent for it.
	Implied []Implied `yaml:"implied,omitempty"`
}

// Implied is what the vendor's documentation says every secret that
// starts with Prefix can do.
type Implied struct {
	Prefix string `yaml:"prefix"`
	// Scopes are added to the report as known scopes (classified by
	// admin_scopes, write_scopes, wide_scopes like any other).
	Scopes []string `yaml:"scopes,omitempty"`
	// Wide says why such a secret acts organisation- or account-wide.
	Wide string `yaml:"wide,omitempty"`
	// Facts are added as labelled facts (e.g. key_type: admin).
	Facts map[string]string `yaml:"facts,omitempty"`
}

// AnalyzeCall is one read-only request and the facts read from its answer.
// Paths are JSON dot paths; "header:Name" reads a response header.
type AnalyzeCall struct {
	Name    string            `yaml:"name"`
	Method  string            `yaml:"method"`
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers,omitempty"`
	// BasicAuth and Body as in verify steps.
	BasicAuth *BasicAuth `yaml:"basic_auth,omitempty"`
	Body      string     `yaml:"body,omitempty"`
	// ReadOnly must say why a POST reads only (GraphQL query, Slack's
	// auth.test); any other method than GET or HEAD is refused.
	ReadOnly string `yaml:"read_only,omitempty"`
	// Status lists the statuses that carry facts (default 200).
	Status []int `yaml:"status,omitempty"`
	// Require: JSON path that must be true for the answer to count (Slack
	// answers 200 with "ok": false).
	Require string `yaml:"require,omitempty"`
	// Select reads the facts from the one list element that belongs to
	// the secret (npm's token list: truncated values, first Prefix and
	// last Suffix characters); zero or several matches: facts unknown.
	// Its bind is not used here.
	Select *Select `yaml:"select,omitempty"`
	// OnlyPrefix: the call is sent only for secrets starting with one of
	// these (OpenAI's organisation endpoints answer Admin API keys only).
	OnlyPrefix []string `yaml:"only_prefix,omitempty"`
	// SkipPrefix: the call is not sent for secrets starting with one of
	// these (OpenAI Admin API keys cannot call /v1/models).
	SkipPrefix []string `yaml:"skip_prefix,omitempty"`
	// Bind sets variables for later calls: name -> path.
	Bind     map[string]string `yaml:"bind,omitempty"`
	Identity map[string]string `yaml:"identity,omitempty"`
	Scopes   *ScopeSource      `yaml:"scopes,omitempty"`
	Expires  *TimeSource       `yaml:"expires,omitempty"`
	Created  *TimeSource       `yaml:"created,omitempty"`
	LastUsed *TimeSource       `yaml:"last_used,omitempty"`
	Facts    map[string]string `yaml:"facts,omitempty"`
	// Wide: facts (path -> value) of which any means the token acts
	// organisation- or account-wide; the value is the reason shown.
	Wide  []WideWhen `yaml:"wide,omitempty"`
	Reach *Reach     `yaml:"reach,omitempty"`
}

// ScopeSource says where a call's answer holds the token's scopes: a
// header split on Separator, or a JSON path to a list (of strings, or of
// objects whose Item path is the scope) or to one string. Map rewrites
// values (npm's readonly true/false to "read-only"/"read-write").
type ScopeSource struct {
	From      string            `yaml:"from"`
	Separator string            `yaml:"separator,omitempty"`
	Item      string            `yaml:"item,omitempty"`
	Map       map[string]string `yaml:"map,omitempty"`
	// Prefix is put before each scope read (fine-grained "repo:" names).
	Prefix string `yaml:"prefix,omitempty"`
	// Keys reads a JSON object's keys as the scopes (Grafana's
	// permissions map: action -> scopes).
	Keys bool `yaml:"keys,omitempty"`
	// Also lists further sources whose scopes are added when present
	// (Hugging Face: fine-grained permissions beside the role).
	Also []ScopeSource `yaml:"also,omitempty"`
}

// TimeSource reads a time: RFC 3339, a date, GitHub's "2006-01-02
// 15:04:05 UTC", or Unix seconds. NoneWhen lists raw values (or "absent",
// "null") that mean "never expires"; TTL reads seconds from now.
type TimeSource struct {
	From     string   `yaml:"from"`
	NoneWhen []string `yaml:"none_when,omitempty"`
	TTL      bool     `yaml:"ttl,omitempty"`
}

// WideWhen marks organisation-wide reach when From equals Value ("*" in
// Value is a wildcard, case-insensitive).
type WideWhen struct {
	From   string `yaml:"from"`
	Value  string `yaml:"value"`
	Reason string `yaml:"reason"`
}

// Reach counts a listing: List is the path to the array ("" = the body),
// Name the path of each element's name for the sample, Total a path or
// header holding the total. Paginate is "link" (RFC 8288 rel="next",
// same host only), "page" (PageParam incremented until a short page) or
// "cursor" (CursorParam set to the answer's Cursor while More is true).
type Reach struct {
	Kind      string `yaml:"kind"`
	List      string `yaml:"list,omitempty"`
	Name      string `yaml:"name,omitempty"`
	Total     string `yaml:"total,omitempty"`
	Paginate  string `yaml:"paginate,omitempty"`
	PageParam string `yaml:"page_param,omitempty"`
	PerPage   int    `yaml:"per_page,omitempty"`
	// Cursor pagination ("cursor"): Cursor is the path of the next
	// page's cursor in an answer (last_id), CursorParam the query
	// parameter that takes it (after), More the path of the boolean that
	// says another page exists (has_more; empty: a cursor is enough).
	Cursor      string `yaml:"cursor,omitempty"`
	CursorParam string `yaml:"cursor_param,omitempty"`
	More        string `yaml:"more,omitempty"`
	// MaxPages bounds the requests (default 5, at most 20).
	MaxPages int `yaml:"max_pages,omitempty"`
	// WideOver > 0: more than this many items means organisation-wide.
	WideOver int `yaml:"wide_over,omitempty"`
}

// Analysis methods: reads only. POST needs a read_only reason.
var analyzeMethods = []string{"GET", "HEAD", "POST"}

// CanAnalyze reports whether the rule says anything about analysis.
func (r *Rule) CanAnalyze() bool { return r.Analyze != nil }

func validateAnalyze(a *Analyze, r *Rule, groups []string) error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("analyze: "+format, args...))
	}
	if a.Unavailable != "" {
		if len(a.Calls) > 0 || a.FromVerify || len(a.Root) > 0 || a.Coded != "" || len(a.Implied) > 0 {
			fail("unavailable excludes calls, coded, from_verify, root and implied")
		}
		return errors.Join(errs...)
	}
	if r.Verify == nil {
		fail("needs a verify block (analysis runs where verification answered)")
	}
	if len(a.Calls) == 0 && !a.FromVerify && a.Coded == "" && a.Claims == nil && len(a.Implied) == 0 {
		fail("needs calls, claims, coded, from_verify, implied, or unavailable")
	}
	for i, im := range a.Implied {
		if len(im.Scopes) == 0 && im.Wide == "" && len(im.Facts) == 0 {
			fail("implied %d (%q): needs scopes, wide or facts", i+1, im.Prefix)
		}
	}
	switch a.ClaimsFormat {
	case "", "jwt", "pypi-macaroon":
	default:
		fail("claims_format %q: want jwt or pypi-macaroon", a.ClaimsFormat)
	}
	if a.ClaimsFormat != "" && a.Claims == nil {
		fail("claims_format needs claims")
	}
	if c := a.Claims; c != nil && (c.Method != "" || c.URL != "" || c.Reach != nil || c.Select != nil || len(c.Bind) > 0 || len(c.Headers) > 0) {
		fail("claims reads the secret's JWT payload: no method, url, headers, reach, select or bind")
	}
	if a.Coded != "" && len(a.Calls) > 0 {
		fail("coded and calls are exclusive")
	}
	if a.BaseURL != "" {
		if a.Coded == "" {
			fail("base_url is for a coded analysis's second service")
		} else if err := checkBaseURL(a.BaseURL); err != nil {
			fail("base_url: %v", err)
		}
	}
	if err := checkAdvice(a.Advice); err != nil {
		fail("advice: %v", err)
	}
	for id, link := range a.AdviceFor {
		if !slices.Contains(flagIDs, id) {
			fail("advice_for: unknown flag %q (one of %s)", id, strings.Join(flagIDs, ", "))
		}
		if err := checkAdvice(link); err != nil {
			fail("advice_for %s: %v", id, err)
		}
	}
	if len(a.Root) > 0 && !a.FromVerify {
		fail("root reads the verified owner: needs from_verify")
	}
	known := append([]string{"secret", "base_url"}, groups...)
	for i, c := range a.Calls {
		where := fmt.Sprintf("call %d (%s)", i+1, c.Name)
		if c.Name == "" {
			fail("call %d: needs a name", i+1)
		}
		if !slices.Contains(analyzeMethods, c.Method) {
			fail("%s: method %q: analysis reads only (GET, HEAD, or POST with read_only)", where, c.Method)
		}
		for _, p := range append(slices.Clone(c.OnlyPrefix), c.SkipPrefix...) {
			if p == "" {
				fail("%s: only_prefix and skip_prefix entries must not be empty", where)
			}
		}
		if c.Method == "POST" && strings.TrimSpace(c.ReadOnly) == "" {
			fail("%s: a POST needs read_only: why it changes nothing at the vendor", where)
		}
		checkRequestTemplates(where, c.URL, c.Body, c.BasicAuth, c.Headers, known, fail)
		for _, st := range c.Status {
			if st < 200 || st > 299 {
				fail("%s: status %d: facts come from 2xx answers only", where, st)
			}
		}
		if sel := c.Select; sel != nil && (sel.Field == "" || sel.Prefix+sel.Suffix < 8) {
			fail("%s: select needs field, and prefix+suffix of at least 8 characters", where)
		}
		if sel := c.Select; sel != nil && c.Reach != nil {
			fail("%s: select and reach are exclusive", where)
		}
		if s := c.Scopes; s != nil && s.From == "" && s.Item == "" && !s.Keys {
			// from: '' is the whole body, for a list of objects (item)
			// or an object's keys (keys).
			fail("%s: scopes needs from (or from: '' with item or keys)", where)
		}
		for name, ts := range map[string]*TimeSource{"expires": c.Expires, "created": c.Created, "last_used": c.LastUsed} {
			if ts != nil && ts.From == "" {
				fail("%s: %s needs from", where, name)
			}
		}
		if re := c.Reach; re != nil {
			if re.Kind == "" {
				fail("%s: reach needs kind", where)
			}
			switch re.Paginate {
			case "":
				// per_page alone: a full page means "at least" that many.
			case "link":
			case "page":
				if re.PageParam == "" || re.PerPage <= 0 {
					fail("%s: paginate page needs page_param and per_page", where)
				}
			case "cursor":
				if re.Cursor == "" || re.CursorParam == "" {
					fail("%s: paginate cursor needs cursor and cursor_param", where)
				}
			default:
				fail("%s: paginate %q: want link, page or cursor", where, re.Paginate)
			}
			if re.MaxPages < 0 || re.MaxPages > 20 {
				fail("%s: max_pages must be 0..20", where)
			}
		}
		for v := range c.Bind {
			known = append(known, v)
		}
	}
	return errors.Join(errs...)
}

// flagIDs mirrors access.FlagIDs (rules imports nothing of scour's).
var flagIDs = []string{"no-expiry", "admin-scope", "write-scope", "org-wide", "root-account-key", "older-than-max-age"}

func checkAdvice(s string) error {
	u, err := url.Parse(s)
	if s == "" || err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("want the vendor's https documentation link (got %q)", s)
	}
	return nil
}
