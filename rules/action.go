package rules

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// This file holds the schema of a rule's `verify:` and `revoke:` blocks:
// declarative HTTP exchanges the provider package runs. It only describes
// and validates them; nothing here talks to the network.

// Action is a declarative HTTP exchange: one or more steps sent to one API
// base URL. A secret is only ever sent to BaseURL, to a base URL the user
// configured for the rule's provider, or to a host taken from the finding's
// `host` group when it matches ContextHosts.
type Action struct {
	// Coded names a provider implemented in Go (signed protocols such as
	// Alibaba AccessKeys); a coded action has no Steps.
	Coded string `yaml:"coded,omitempty"`
	// BaseURL is the vendor's API base (scheme://host[:port][/path]), used
	// when the user configured none. Empty: the user must configure one
	// (Vault, JFrog, self-managed servers).
	BaseURL string `yaml:"base_url,omitempty"`
	// BaseURLEnv names environment variables that, besides
	// SCOUR_<PROVIDER>_BASE_URL, configure the base URL (e.g. VAULT_ADDR).
	BaseURLEnv []string `yaml:"base_url_env,omitempty"`
	// ContextHosts are host patterns ("openapi-rdc.aliyuncs.com",
	// "*.devops.aliyuncs.com") that the finding's `host` group may name.
	// Any other host from scanned text is never used.
	ContextHosts []string `yaml:"context_hosts,omitempty"`
	// OptIn, when set, says why this verification is not side-effect free
	// (e.g. it probes an upload endpoint); it then runs only when the user
	// opts in for the provider (scour verify --opt-in NAME).
	OptIn string `yaml:"opt_in,omitempty"`
	// Requires lists pattern groups that must have matched (non-empty) for
	// the action to run, e.g. an Azure DevOps organisation; other groups
	// that did not match expand to "".
	Requires []string `yaml:"requires,omitempty"`
	// Steps run in order; each step's outcomes decide or say `next`.
	Steps []Step `yaml:"steps,omitempty"`
	// Fixtures are canned vendor responses with the result they must give;
	// the provider package's generic test replays them.
	Fixtures []Fixture `yaml:"fixtures,omitempty"`
}

// Step is one HTTP request and the reading of its response.
type Step struct {
	Method string `yaml:"method"`
	// URL starts with ${base_url}; variables after it are URL-escaped.
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers,omitempty"`
	// BasicAuth sets an Authorization: Basic header from two templates.
	BasicAuth *BasicAuth `yaml:"basic_auth,omitempty"`
	// Body is a template; in a JSON body (starting with { or [) variables
	// are JSON-string-escaped.
	Body string `yaml:"body,omitempty"`
	// Outcomes are tried in order; the first that matches decides. A
	// response no outcome matches is `unknown`.
	Outcomes []Outcome `yaml:"outcomes"`
	// Extract binds variables for later steps: name -> JSON path.
	Extract map[string]string `yaml:"extract,omitempty"`
	// Select binds variables from the one element of a JSON list that
	// belongs to the secret (npm's token list), after a `next` outcome.
	Select *Select `yaml:"select,omitempty"`
}

// BasicAuth is HTTP basic authentication (RFC 7617) built from templates.
type BasicAuth struct {
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// Select picks the one list element whose (truncated) Field starts with the
// secret's first Prefix characters and ends with its last Suffix characters.
// Zero or several matches refuse the action: scour never guesses.
type Select struct {
	List   string            `yaml:"list"`  // JSON path to the array ("" = the body)
	Field  string            `yaml:"field"` // path inside an element
	Prefix int               `yaml:"prefix"`
	Suffix int               `yaml:"suffix"`
	Bind   map[string]string `yaml:"bind"` // variable -> path inside the element
}

// Outcome maps a response to a result. All given conditions must hold.
type Outcome struct {
	// Status lists accepted HTTP statuses; empty accepts any.
	Status []int `yaml:"status,omitempty"`
	// JSON maps a dot path ("user.login", "items.0.id") to the value it must
	// equal, or to a list of values of which it must equal one.
	JSON map[string]any `yaml:"json,omitempty"`
	// Exists lists JSON paths that must be present and not null.
	Exists []string `yaml:"exists,omitempty"`
	// BodyContains is a substring the raw body must contain.
	BodyContains string `yaml:"body_contains,omitempty"`
	// Result is one of the Result* constants.
	Result string `yaml:"result"`
	// Reason explains the result in reports (no variables).
	Reason string `yaml:"reason,omitempty"`
	// Owner records who owns the credential: label -> JSON path, or
	// "header:Name" for a response header.
	Owner map[string]string `yaml:"owner,omitempty"`
}

// Fixture is a canned exchange: the responses the steps get, in order, and
// the result they must produce. Fixture secrets and context are fake.
type Fixture struct {
	Name string `yaml:"name"`
	// Secret is a fake value for the exchange (default "FAKE-FIXTURE-SECRET").
	Secret    string            `yaml:"secret,omitempty"`
	Context   map[string]string `yaml:"context,omitempty"`
	Responses []FixtureResponse `yaml:"responses"`
	Result    string            `yaml:"result"`
}

// FixtureResponse is one canned HTTP response.
type FixtureResponse struct {
	Status  int               `yaml:"status"`
	Headers map[string]string `yaml:"headers,omitempty"`
	Body    string            `yaml:"body,omitempty"`
}

// Revoke is a rule's `revoke:` block: its revocation class (docs/providers.md §5),
// the action for classes scour performs, and what a person must do otherwise.
type Revoke struct {
	Class  string `yaml:"class"`
	Action `yaml:",inline"`
	// CredentialEnv names the environment variable holding the other
	// credential an `admin` revoke sends (as ${credential}).
	CredentialEnv string `yaml:"credential_env,omitempty"`
	// Batch > 0: the vendor revokes up to Batch values per request, sent as
	// the JSON array ${secrets_json} (GitHub's public revoke: 1000).
	Batch int `yaml:"batch,omitempty"`
	// PerHour caps the requests one run sends (GitHub: 60 an hour).
	PerHour int `yaml:"per_hour,omitempty"`
	// Async: the vendor revokes asynchronously, so a token still live right
	// after an accepted revoke is "accepted, propagating", not a failure.
	Async bool `yaml:"async,omitempty"`
	// Console is the page where a person revokes it (template).
	Console string `yaml:"console,omitempty"`
	// Manual gives the exact steps for a person (template; never ${secret}).
	Manual string `yaml:"manual,omitempty"`
}

// Revocation classes (docs/providers.md §5).
const (
	ClassPublic      = "public"        // anyone revokes by value, no auth
	ClassSelf        = "self"          // the token revokes itself
	ClassSelfTwoStep = "self-two-step" // list with the token, find it, delete by id
	ClassAdmin       = "admin"         // another credential from the environment
	ClassManual      = "manual"        // a person does it in the vendor's console
	ClassUnbindable  = "unbindable"    // the value cannot be mapped to the API's id
	ClassNone        = "none"          // no revocation exists (expires, UI only)
)

// Results an outcome may give.
const (
	ResultLive           = "live"
	ResultLiveLimited    = "live-limited" // authenticated, lacking a scope or membership
	ResultDead           = "dead"
	ResultWrongHost      = "wrong-host" // try the next candidate base URL
	ResultUnknown        = "unknown"
	ResultNext           = "next" // go on to the next step
	ResultRevoked        = "revoked"
	ResultAccepted       = "accepted" // revocation accepted, not yet effective
	ResultAlreadyRevoked = "already-revoked"
	ResultFailed         = "failed"
)

var (
	verifyResults = []string{ResultLive, ResultLiveLimited, ResultDead, ResultWrongHost, ResultUnknown, ResultNext}
	revokeResults = []string{ResultRevoked, ResultAccepted, ResultAlreadyRevoked, ResultFailed, ResultUnknown, ResultNext}
	classes       = []string{ClassPublic, ClassSelf, ClassSelfTwoStep, ClassAdmin, ClassManual, ClassUnbindable, ClassNone}
	methods       = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
)

// templateVar matches ${name} in templates.
var templateVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// TemplateVars returns the variable names a template references, in order.
func TemplateVars(tmpl string) []string {
	var out []string
	for _, m := range templateVar.FindAllStringSubmatch(tmpl, -1) {
		out = append(out, m[1])
	}
	return out
}

// GroupNames returns the pattern's named groups other than `secret`.
func (r *Rule) GroupNames() []string {
	gs, _ := patternGroups(r.Pattern)
	return gs
}

// CanVerify reports whether the rule has a verify action.
func (r *Rule) CanVerify() bool { return r.Verify != nil }

// RevokeKind summarises the revoke block for listings: "auto" (scour
// revokes with the token itself or by value), "admin" (needs another
// credential), or "manual" (a person must; also rules without a block).
func (r *Rule) RevokeKind() string {
	if r.Revoke == nil {
		return "manual"
	}
	switch r.Revoke.Class {
	case ClassPublic, ClassSelf, ClassSelfTwoStep:
		return "auto"
	case ClassAdmin:
		return "admin"
	}
	return "manual"
}

// ValidateActions checks the verify and revoke blocks: known methods,
// classes and results, URLs under ${base_url}, valid base URLs and host
// patterns, and templates that reference only variables the action will
// have. Errors name the block and step.
func (r *Rule) ValidateActions() error {
	groups, err := patternGroups(r.Pattern)
	if err != nil {
		return err
	}
	var errs []error
	if r.Verify != nil {
		errs = append(errs, validateAction("verify", r.Verify, groups, nil, verifyResults))
		if len(r.Verify.Steps) == 0 && r.Verify.Coded == "" {
			errs = append(errs, errors.New("verify: needs steps or coded"))
		}
	}
	if rv := r.Revoke; rv != nil {
		errs = append(errs, validateRevoke(rv, groups))
	}
	if a := r.Analyze; a != nil {
		errs = append(errs, validateAnalyze(a, r, groups))
	}
	return errors.Join(errs...)
}

func patternGroups(pattern string) ([]string, error) {
	if pattern == "" {
		return nil, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	var gs []string
	for _, n := range re.SubexpNames() {
		if n != "" && n != "secret" {
			gs = append(gs, n)
		}
	}
	return gs, nil
}

func validateRevoke(rv *Revoke, groups []string) error {
	var errs []error
	if !slices.Contains(classes, rv.Class) {
		return fmt.Errorf("revoke: class %q is not one of %s", rv.Class, strings.Join(classes, ", "))
	}
	acts := len(rv.Steps) > 0 || rv.Coded != ""
	switch rv.Class {
	case ClassPublic, ClassSelf, ClassSelfTwoStep:
		if !acts {
			errs = append(errs, fmt.Errorf("revoke: class %s needs steps or coded", rv.Class))
		}
	case ClassAdmin:
		if !acts {
			errs = append(errs, errors.New("revoke: class admin needs steps or coded"))
		}
		if rv.Coded == "" && rv.CredentialEnv == "" {
			errs = append(errs, errors.New("revoke: class admin needs credential_env"))
		}
		if rv.Manual == "" {
			errs = append(errs, errors.New("revoke: class admin needs manual steps for when the admin credential or host is missing"))
		}
	default:
		if acts {
			errs = append(errs, fmt.Errorf("revoke: class %s must not have steps", rv.Class))
		}
		if rv.Class != ClassNone && rv.Manual == "" && rv.Console == "" {
			errs = append(errs, fmt.Errorf("revoke: class %s needs manual or console", rv.Class))
		}
	}
	if rv.CredentialEnv != "" && rv.Class != ClassAdmin {
		errs = append(errs, errors.New("revoke: credential_env is only for class admin"))
	}
	if rv.Batch < 0 || rv.PerHour < 0 {
		errs = append(errs, errors.New("revoke: batch and per_hour must not be negative"))
	}
	if rv.Batch > 0 && len(rv.Steps) != 1 {
		errs = append(errs, errors.New("revoke: batch needs exactly one step"))
	}
	extra := []string{}
	if rv.CredentialEnv != "" {
		extra = append(extra, "credential")
	}
	if rv.Batch > 0 {
		extra = append(extra, "secrets_json")
	}
	if acts {
		errs = append(errs, validateAction("revoke", &rv.Action, groups, extra, revokeResults))
	}
	// Manual text is shown to people: it may name the owner and token id,
	// never the secret.
	manualVars := append([]string{"base_url", "host", "owner"}, groups...)
	for _, t := range []struct{ name, tmpl string }{{"console", rv.Console}, {"manual", rv.Manual}} {
		for _, v := range TemplateVars(t.tmpl) {
			if !slices.Contains(manualVars, v) {
				errs = append(errs, fmt.Errorf("revoke: %s: unknown or forbidden variable ${%s}", t.name, v))
			}
		}
	}
	return errors.Join(errs...)
}

func validateAction(block string, a *Action, groups, extra []string, results []string) error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(block+": "+format, args...))
	}
	if a.Coded != "" && len(a.Steps) > 0 {
		fail("coded and steps are exclusive")
	}
	if a.BaseURL != "" {
		if err := checkBaseURL(a.BaseURL); err != nil {
			fail("base_url: %v", err)
		}
	}
	for _, e := range a.BaseURLEnv {
		if e == "" || strings.ContainsAny(e, "= ") {
			fail("base_url_env: bad variable name %q", e)
		}
	}
	for _, h := range a.ContextHosts {
		if !validHostPattern(h) {
			fail("context_hosts: bad host pattern %q (a host name, or *. and a domain of at least two labels)", h)
		}
	}
	for _, g := range a.Requires {
		if !slices.Contains(groups, g) {
			fail("requires: %q is not a named group of the pattern", g)
		}
	}
	known := append([]string{"secret", "base_url"}, groups...)
	known = append(known, extra...)
	for i, s := range a.Steps {
		where := fmt.Sprintf("step %d", i+1)
		if !slices.Contains(methods, s.Method) {
			fail("%s: method %q is not one of %s", where, s.Method, strings.Join(methods, ", "))
		}
		checkRequestTemplates(where, s.URL, s.Body, s.BasicAuth, s.Headers, known, fail)
		if len(s.Outcomes) == 0 {
			fail("%s: needs outcomes", where)
		}
		last := i == len(a.Steps)-1
		for j, o := range s.Outcomes {
			if !slices.Contains(results, o.Result) {
				fail("%s: outcome %d: result %q is not one of %s", where, j+1, o.Result, strings.Join(results, ", "))
			}
			if o.Result == ResultNext && last {
				fail("%s: outcome %d: the last step cannot say next", where, j+1)
			}
			for _, st := range o.Status {
				if st < 100 || st > 599 {
					fail("%s: outcome %d: bad status %d", where, j+1, st)
				}
			}
		}
		if (s.Select != nil || len(s.Extract) > 0) && last {
			fail("%s: select and extract bind variables for a later step; this is the last", where)
		}
		if sel := s.Select; sel != nil {
			if sel.Field == "" || len(sel.Bind) == 0 || sel.Prefix+sel.Suffix < 8 {
				fail("%s: select needs field, bind, and prefix+suffix of at least 8 characters", where)
			}
			for v := range sel.Bind {
				known = append(known, v)
			}
		}
		for v := range s.Extract {
			known = append(known, v)
		}
	}
	for i, f := range a.Fixtures {
		if !slices.Contains(results, f.Result) || f.Result == ResultNext {
			fail("fixture %d (%s): result %q is not a final result", i+1, f.Name, f.Result)
		}
		if len(f.Responses) == 0 {
			fail("fixture %d (%s): needs responses", i+1, f.Name)
		}
	}
	if len(a.Fixtures) == 0 && len(a.Steps) > 0 {
		fail("needs fixtures (canned responses the generic test replays)")
	}
	return errors.Join(errs...)
}

// checkBaseURL accepts an absolute http(s) URL with a host, no userinfo,
// query or fragment.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%q: scheme must be https", s)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q: want scheme://host[:port][/path] with no user, query or fragment", s)
	}
	return nil
}

var hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

func validHostPattern(p string) bool {
	p = strings.TrimPrefix(p, "*.")
	labels := strings.Split(p, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !hostLabel.MatchString(l) {
			return false
		}
	}
	return true
}

// MatchHostPattern reports whether host (lower-case, no port) matches a
// context_hosts pattern: an exact name, or "*.domain" for exactly one more
// label (so "a.b.devops.aliyuncs.com" does not match "*.devops.aliyuncs.com").
func MatchHostPattern(pattern, host string) bool {
	host = strings.ToLower(host)
	if rest, ok := strings.CutPrefix(pattern, "*."); ok {
		label, domain, found := strings.Cut(host, ".")
		return found && domain == rest && hostLabel.MatchString(label)
	}
	return host == pattern
}

// checkRequestTemplates validates what a verify, revoke or analyze request
// is built from: the URL starts with ${base_url} (once: a secret is sent
// nowhere else), every template names a known variable, and header names
// are well formed.
func checkRequestTemplates(where, url, body string, basic *BasicAuth, headers map[string]string, known []string, fail func(string, ...any)) {
	if !strings.HasPrefix(url, "${base_url}") {
		fail("%s: url must start with ${base_url} (got %q)", where, url)
	} else if strings.Contains(url[len("${base_url}"):], "${base_url}") {
		fail("%s: ${base_url} may appear only once, at the start", where)
	}
	check := func(what, tmpl string) {
		for _, v := range TemplateVars(tmpl) {
			if !slices.Contains(known, v) {
				fail("%s: %s: unknown variable ${%s} (known: %s)", where, what, v, strings.Join(known, ", "))
			}
		}
	}
	check("url", url)
	check("body", body)
	if basic != nil {
		check("basic_auth username", basic.Username)
		check("basic_auth password", basic.Password)
	}
	for k, v := range headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") {
			fail("%s: bad header name %q", where, k)
		}
		check("header "+k, v)
	}
}
