package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/scour-dev/scour/rules"
)

// Options configures an Engine. The zero value is usable.
type Options struct {
	// BaseURLs maps a provider name to the base URL the user configured
	// (.scour.yaml providers.<name>.base_url). SCOUR_<PROVIDER>_BASE_URL in
	// the environment takes precedence.
	BaseURLs map[string]string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// OptIn lists providers (or rule ids) whose verification is not
	// side-effect free (rules with opt_in) and that the user allowed.
	OptIn map[string]bool
	// Coded maps `coded:` names in rules to Go implementations.
	Coded map[string]Coded
	// Timeout bounds one HTTP request, connection to last byte (default 10 s).
	Timeout time.Duration
	// Retries after a 429 or 5xx (0 means the default, 2; negative means
	// none); Backoff is the first wait,
	// doubled each time (default 1 s); a Retry-After longer than
	// MaxRetryAfter (default 30 s) is not waited for: the result is unknown.
	Retries       int
	Backoff       time.Duration
	MaxRetryAfter time.Duration
	// Sleep waits between retries; nil sleeps for real. Tests record.
	Sleep func(context.Context, time.Duration) error
	// PerHost bounds concurrent requests to one host (default 4);
	// Concurrency bounds secrets handled at once (default 8).
	PerHost     int
	Concurrency int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Progress, when set, hears how many of the secrets of a VerifyAll or
	// of Revoke's checks are done (called from several goroutines, in
	// order of completion; done == total at the end).
	Progress func(done, total int)
	// DialContext replaces the dialer (nil: net.Dialer with a 2 s
	// timeout). Tests install one that refuses every non-loopback address.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Engine verifies and revokes. It is safe for concurrent use; one Engine
// is one run: its cache makes each secret verified once.
type Engine struct {
	opts  Options
	t     *transport
	mu    sync.Mutex
	cache map[string]*cacheEntry
	spent map[string]int // revoke requests sent per provider+host (per_hour budgets)
}

type cacheEntry struct {
	done chan struct{}
	res  attempt
}

// New builds an engine with one hardened HTTP client.
func New(opts Options) *Engine {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Retries < 0 {
		opts.Retries = 0
	} else if opts.Retries == 0 {
		opts.Retries = 2
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = 30 * time.Second
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	if opts.PerHost <= 0 {
		opts.PerHost = 4
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Engine{
		opts: opts,
		t: &transport{
			client:    newHTTPClient(opts.Timeout, opts.DialContext),
			retries:   opts.Retries,
			backoff:   opts.Backoff,
			maxWait:   opts.MaxRetryAfter,
			sleep:     opts.Sleep,
			perHost:   opts.PerHost,
			hostSlots: map[string]chan struct{}{},
			userAgent: "scour (secret verification; https://github.com/scour-dev/scour)",
			now:       opts.Now,
		},
		cache: map[string]*cacheEntry{},
		spent: map[string]int{},
	}
}

// attempt is the result of running one action against one base URL.
type attempt struct {
	Result string // a rules.Result* value
	Reason string
	Status int
	Host   string
	Owner  Owner
	// Refused: scour would not bind the secret to one vendor object.
	Refused bool
}

// configuredBase returns the base URL the user configured for provider (env
// first, then config, then the rule's extra variables such as VAULT_ADDR).
func (e *Engine) configuredBase(provider string, extraEnv []string) (string, string) {
	env := "SCOUR_" + envName(provider) + "_BASE_URL"
	if v := strings.TrimSpace(e.opts.Getenv(env)); v != "" {
		return v, env
	}
	if v := strings.TrimSpace(e.opts.BaseURLs[provider]); v != "" {
		return v, "providers." + provider + ".base_url"
	}
	for _, name := range extraEnv {
		if v := strings.TrimSpace(e.opts.Getenv(name)); v != "" {
			return v, name
		}
	}
	return "", ""
}

// envName turns a provider name into an environment variable fragment.
func envName(provider string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(provider) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// candidates lists the base URLs an action may use, in the order to try
// them: the configured one; then, for rules with context_hosts, a host
// named in the finding's context if it matches the allow-list, and the
// default. Without context_hosts a configured URL replaces the default.
func (e *Engine) candidates(provider string, a *rules.Action, ctxVars map[string]string) ([]*url.URL, error) {
	var out []*url.URL
	add := func(raw, from string) error {
		u, err := parseBase(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", from, err)
		}
		for _, o := range out {
			if o.String() == u.String() {
				return nil
			}
		}
		out = append(out, u)
		return nil
	}
	if raw, from := e.configuredBase(provider, a.BaseURLEnv); raw != "" {
		if err := add(raw, from); err != nil {
			return nil, err
		}
		if len(a.ContextHosts) == 0 {
			return out, nil
		}
	}
	if h := strings.ToLower(strings.TrimSpace(ctxVars["host"])); h != "" && len(a.ContextHosts) > 0 {
		for _, p := range a.ContextHosts {
			if rules.MatchHostPattern(p, h) {
				// Only the host is taken from scanned text, always over TLS.
				_ = add("https://"+h, "context host")
				break
			}
		}
	}
	if a.BaseURL != "" {
		if err := add(a.BaseURL, "rule base_url"); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no base URL: set SCOUR_%s_BASE_URL or providers.%s.base_url", envName(provider), provider)
	}
	return out, nil
}

// parseBase checks a base URL: absolute, no user info, query or fragment,
// TLS unless loopback. Errors never repeat the value: it may come from an
// environment variable (reasons are printed and saved in reports).
func parseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("bad base URL: want https://host[:port][/path] without credentials, query or fragment")
	}
	if err := checkTransport(u); err != nil {
		return nil, err
	}
	return u, nil
}

// run executes a declarative action against base with vars; o governs
// retries (verify: none given). It never returns the secret in a reason.
func (e *Engine) run(ctx context.Context, a *rules.Action, base *url.URL, vars map[string]string, o sendOpts) attempt {
	vars = cloneVars(vars)
	vars["base_url"] = strings.TrimSuffix(base.String(), "/")
	res := attempt{Host: base.Host}
	for i, s := range a.Steps {
		u, err := expandURL(s.URL, base, vars)
		if err != nil {
			return unknownf(res, "step %d: %v", i+1, err)
		}
		h := http.Header{}
		for k, tmpl := range s.Headers {
			v, err := expandHeader(tmpl, vars)
			if err != nil {
				return unknownf(res, "step %d: header %s: %v", i+1, k, err)
			}
			h.Set(k, v)
		}
		if ba := s.BasicAuth; ba != nil {
			user, err1 := expandHeader(ba.Username, vars)
			pass, err2 := expandHeader(ba.Password, vars)
			if err1 != nil || err2 != nil {
				return unknownf(res, "step %d: basic auth: missing value", i+1)
			}
			h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
		}
		var body []byte
		if s.Body != "" {
			b, err := expandBody(s.Body, h.Get("Content-Type"), vars)
			if err != nil {
				return unknownf(res, "step %d: body: %v", i+1, err)
			}
			body = []byte(b)
		}
		r, err := e.t.send(ctx, base, s.Method, u, h, body, o)
		if err != nil {
			return unknownf(res, "%s", scrub(err.Error(), vars))
		}
		res.Status = r.Status
		var doc any
		parsed := json.Unmarshal(r.Body, &doc) == nil
		o := matchOutcome(s.Outcomes, r, doc, parsed)
		if o == nil {
			res.Result = rules.ResultUnknown
			res.Reason = unexpected(r)
			return res
		}
		if len(o.Owner) > 0 {
			res.Owner = owner(o.Owner, r, doc)
		}
		if o.Result != rules.ResultNext {
			res.Result = o.Result
			res.Reason = o.Reason
			return res
		}
		for name, p := range s.Extract {
			v, ok := jsonPath(doc, p)
			if !ok || scalarString(v) == "" {
				return unknownf(res, "step %d: response has no %s", i+1, p)
			}
			vars[name] = scalarString(v)
		}
		if s.Select != nil {
			if err := selectOne(s.Select, doc, vars); err != nil {
				res.Result, res.Refused = rules.ResultUnknown, true
				res.Reason = "refused: " + err.Error()
				return res
			}
		}
	}
	return unknownf(res, "action ended without an outcome")
}

func unknownf(res attempt, format string, args ...any) attempt {
	res.Result = rules.ResultUnknown
	res.Reason = fmt.Sprintf(format, args...)
	return res
}

func unexpected(r *response) string {
	switch {
	case r.Status == http.StatusTooManyRequests:
		if ra := r.Header.Get("Retry-After"); ra != "" {
			return fmt.Sprintf("rate limited (HTTP 429, Retry-After %s)", ra)
		}
		return "rate limited (HTTP 429)"
	case r.Status >= 500:
		return fmt.Sprintf("server error (HTTP %d)", r.Status)
	case r.Status >= 300 && r.Status < 400:
		return fmt.Sprintf("redirect (HTTP %d) not followed", r.Status)
	}
	return fmt.Sprintf("unexpected response (HTTP %d)", r.Status)
}

func matchOutcome(os []rules.Outcome, r *response, doc any, parsed bool) *rules.Outcome {
next:
	for i := range os {
		o := &os[i]
		if len(o.Status) > 0 && !containsInt(o.Status, r.Status) {
			continue
		}
		if o.BodyContains != "" && !strings.Contains(string(r.Body), o.BodyContains) {
			continue
		}
		if (len(o.JSON) > 0 || len(o.Exists) > 0) && !parsed {
			continue
		}
		for _, p := range o.Exists {
			if v, ok := jsonPath(doc, p); !ok || v == nil {
				continue next
			}
		}
		for p, want := range o.JSON {
			got, ok := jsonPath(doc, p)
			if !ok {
				continue next
			}
			if alts, isList := want.([]any); isList {
				hit := false
				for _, w := range alts {
					hit = hit || equalJSON(got, w)
				}
				if !hit {
					continue next
				}
			} else if !equalJSON(got, want) {
				continue next
			}
		}
		return o
	}
	return nil
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func owner(spec map[string]string, r *response, doc any) Owner {
	o := Owner{}
	for label, p := range spec {
		var v string
		if h, ok := strings.CutPrefix(p, "header:"); ok {
			v = r.Header.Get(h)
		} else if x, ok := jsonPath(doc, p); ok {
			v = scalarString(x)
		}
		if v != "" {
			o[label] = v
		}
	}
	if len(o) == 0 {
		return nil
	}
	return o
}

// selectOne binds variables from the single list element that matches the
// secret's first Prefix and last Suffix characters; it refuses otherwise.
func selectOne(sel *rules.Select, doc any, vars map[string]string) error {
	list, ok := jsonPath(doc, sel.List)
	items, isList := list.([]any)
	if !ok || !isList {
		return fmt.Errorf("response has no list %q", sel.List)
	}
	secret := vars["secret"]
	if len(secret) < sel.Prefix+sel.Suffix {
		return fmt.Errorf("secret too short to bind")
	}
	pre, suf := secret[:sel.Prefix], secret[len(secret)-sel.Suffix:]
	var hit any
	n := 0
	for _, it := range items {
		v, ok := jsonPath(it, sel.Field)
		s, isStr := v.(string)
		if ok && isStr && strings.HasPrefix(s, pre) && strings.HasSuffix(s, suf) {
			hit = it
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%d of %d listed tokens match this secret's first %d and last %d characters; need exactly one", n, len(items), sel.Prefix, sel.Suffix)
	}
	for name, p := range sel.Bind {
		v, ok := jsonPath(hit, p)
		if !ok || scalarString(v) == "" {
			return fmt.Errorf("matching token has no %s", p)
		}
		vars[name] = scalarString(v)
	}
	return nil
}

// scrub removes every variable value that could be a credential from text.
func scrub(text string, vars map[string]string) string {
	for _, k := range []string{"secret", "credential", "secrets_json"} {
		if v := vars[k]; len(v) >= 4 {
			text = strings.ReplaceAll(text, v, "[REDACTED]")
		}
	}
	return text
}

func cloneVars(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+2)
	for k, v := range m {
		out[k] = v
	}
	return out
}
