package provider

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scour-dev/scour/access"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
)

// Least-privilege analysis (docs/providers.md §9, docs/analyze.md): after
// verification said "live", a rule's analyze block reads, with read-only
// calls at the host that answered, who holds the token, its scopes,
// expiry, age and reach. The calls go through the same transport as
// verification: host allow-list, TLS, no redirects, retries on 429/5xx
// with Retry-After, per-host limits, bounded bodies.

// maxAnalyzeRequests bounds the requests one secret's analysis sends,
// pagination included.
const maxAnalyzeRequests = 40

// defaultMaxPages and sampleSize bound a reach listing.
const (
	defaultMaxPages = 5
	sampleSize      = 10
)

// Analyze reads what the live secret of f (verified as st) can do. It
// never fails: what could not be read is said in the report.
func (e *Engine) Analyze(ctx context.Context, r *rules.Rule, f scanner.Finding, st Status) *access.Report {
	a := r.Analyze
	switch {
	case a == nil:
		return &access.Report{Note: "no analysis is defined for this rule"}
	case a.Unavailable != "":
		return &access.Report{Note: a.Unavailable}
	case !st.State.IsLive():
		return &access.Report{Note: "the secret is not live"}
	}
	var base *url.URL
	if len(a.Calls) > 0 {
		if base = e.analyzeBase(r, f, st); base == nil {
			return &access.Report{Note: "the host that verified the secret is no longer an allowed base URL"}
		}
	}
	return e.analyze(ctx, r, f, st, base)
}

// analyze runs r's analyze block for the live secret of f at base (nil
// when the block has no calls).
func (e *Engine) analyze(ctx context.Context, r *rules.Rule, f scanner.Finding, st Status, base *url.URL) *access.Report {
	a := r.Analyze
	rep := &access.Report{Available: true, Identity: map[string]string{}, Facts: map[string]string{}}
	if a.FromVerify {
		for k, v := range st.Owner {
			rep.Identity[k] = v
		}
		for _, cond := range a.Root {
			if ownerMatches(cond, st.Owner) {
				rep.Root = true
			}
		}
	}
	for _, im := range a.Implied {
		// What the vendor documents for this kind of secret (its prefix).
		if !strings.HasPrefix(f.Secret, im.Prefix) {
			continue
		}
		if len(im.Scopes) > 0 {
			rep.Scopes, rep.ScopesKnown = appendNew(rep.Scopes, im.Scopes), true
		}
		if im.Wide != "" && rep.Wide == "" {
			rep.Wide = im.Wide
		}
		for k, v := range im.Facts {
			rep.Facts[k] = v
		}
	}
	if a.Claims != nil {
		e.analyzeClaims(a.Claims, a.ClaimsFormat, f.Secret, rep)
	}
	if len(a.Calls) > 0 {
		e.analyzeCalls(ctx, r, f, base, rep)
	}
	if a.Coded != "" {
		e.analyzeCoded(ctx, r, f, st, rep)
	}
	if !rep.ScopesKnown && rep.ScopesNote == "" {
		rep.ScopesNote = a.ScopesNote
	}
	if a.NoExpiry && rep.ExpiresAt == nil {
		rep.NoExpiry = true
	}
	if a.ExpiryNote != "" && rep.ExpiresAt == nil && !rep.NoExpiry {
		rep.ExpiryNote = a.ExpiryNote
	}
	if len(rep.Identity) == 0 {
		rep.Identity = nil
	}
	if len(rep.Facts) == 0 {
		rep.Facts = nil
	}
	access.Evaluate(rep, access.Policy{
		AdminScopes: a.AdminScopes, WriteScopes: a.WriteScopes, WideScopes: a.WideScopes,
		Advice: a.Advice, AdviceFor: a.AdviceFor, MaxAge: e.opts.MaxAge, Now: e.opts.Now(),
	})
	scrubReport(rep, f.Secret)
	return rep
}

// analyzeCoded runs a coded analyzer with a Doer bound to the second
// service's base URL (or the user's configured one), within the budget.
func (e *Engine) analyzeCoded(ctx context.Context, r *rules.Rule, f scanner.Finding, st Status, rep *access.Report) {
	a := r.Analyze
	ca, ok := e.opts.Coded[a.Coded].(CodedAnalyzer)
	if !ok {
		rep.ScopesNote = fmt.Sprintf("coded analysis %q is not available in this build", a.Coded)
		return
	}
	vb := e.analyzeBase(r, f, st)
	if vb == nil {
		rep.ScopesNote = "the host that verified the secret is no longer an allowed base URL"
		return
	}
	base := vb
	if def, err := url.Parse(r.Verify.BaseURL); err == nil && a.BaseURL != "" && strings.EqualFold(def.Host, vb.Host) {
		// Verified at the vendor's own host: the second service is the
		// rule's (a configured base URL serves both, as for revoke).
		if u, err := parseBase(a.BaseURL); err == nil {
			base = u
		}
	}
	budget := maxAnalyzeRequests
	d := &recordingDoer{inner: doer{t: e.t, allowed: base}, rep: rep, budget: &budget}
	ca.Analyze(ctx, d, e.target(r, f, base), rep)
}

// recordingDoer records each request in the report and enforces the
// analysis budget for coded analyzers.
type recordingDoer struct {
	inner  Doer
	rep    *access.Report
	budget *int
}

func (d *recordingDoer) Do(req *http.Request) (*http.Response, error) {
	if *d.budget <= 0 {
		return nil, fmt.Errorf("request budget spent")
	}
	*d.budget--
	what := req.Method + " " + req.URL.EscapedPath()
	if act := actionOf(req); act != "" {
		what += " (" + act + ")"
	}
	resp, err := d.inner.Do(req)
	if err != nil {
		d.rep.Requests = append(d.rep.Requests, what+" -> error")
		return nil, err
	}
	d.rep.Requests = append(d.rep.Requests, fmt.Sprintf("%s -> %d", what, resp.StatusCode))
	return resp, nil
}

// actionOf names a Query/RPC API request's Action (from the query or a
// form body) for the request record; the body is restored.
func actionOf(req *http.Request) string {
	if a := req.URL.Query().Get("Action"); a != "" {
		return a
	}
	if req.Body == nil || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return ""
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, 1<<16))
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return ""
	}
	q, _ := url.ParseQuery(string(b))
	return q.Get("Action")
}

// ownerMatches reports whether every label of cond matches the owner
// ("*" in a value is a wildcard).
func ownerMatches(cond map[string]string, o Owner) bool {
	for k, want := range cond {
		if !access.Match(want, o[k]) {
			return false
		}
	}
	return len(cond) > 0
}

func (e *Engine) analyzeCalls(ctx context.Context, r *rules.Rule, f scanner.Finding, base *url.URL, rep *access.Report) {
	vars := findingVars(r, f)
	vars["base_url"] = strings.TrimSuffix(base.String(), "/")
	budget := maxAnalyzeRequests
	for i := range r.Analyze.Calls {
		c := &r.Analyze.Calls[i]
		if ctx.Err() != nil {
			rep.Note = "analysis interrupted"
			return
		}
		if !hasAnyPrefix(f.Secret, c.OnlyPrefix) || (len(c.SkipPrefix) > 0 && hasAnyPrefix(f.Secret, c.SkipPrefix)) {
			// Documented for another kind of key only: not sent.
			continue
		}
		e.analyzeCall(ctx, c, base, vars, rep, &budget)
	}
}

// hasAnyPrefix reports whether s starts with one of prefixes (true when
// there are none).
func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return len(prefixes) == 0
}

// analyzeBase is the candidate base URL whose host answered verification.
func (e *Engine) analyzeBase(r *rules.Rule, f scanner.Finding, st Status) *url.URL {
	bases, err := e.candidates(r.Provider, r.Verify, f.Context)
	if err != nil {
		return nil
	}
	for _, b := range bases {
		if strings.EqualFold(b.Host, st.Host) {
			return b
		}
	}
	return nil
}

// analyzeCall sends one call (and, for a reach listing, its further
// pages) and records its facts in rep.
func (e *Engine) analyzeCall(ctx context.Context, c *rules.AnalyzeCall, base *url.URL, vars map[string]string, rep *access.Report, budget *int) {
	fail := func(why string) {
		if c.Reach != nil {
			rep.Reach = append(rep.Reach, access.Reach{Kind: c.Reach.Kind, Note: "unknown (" + why + ")"})
		}
		if c.Scopes != nil && !rep.ScopesKnown {
			rep.ScopesNote = "could not be read: " + c.Name + ": " + why
		}
	}
	u, h, body, err := analyzeRequest(c, base, vars)
	if err != nil {
		fail(scrub(err.Error(), vars))
		return
	}
	r, why := e.analyzeSend(ctx, c.Method, base, u, h, body, rep, budget)
	if r == nil {
		fail(why)
		return
	}
	ok := containsInt(c.Status, r.Status) || (len(c.Status) == 0 && r.Status == http.StatusOK)
	if !ok {
		fail(unknownWhy(r))
		return
	}
	var doc any
	_ = json.Unmarshal(r.Body, &doc)
	if c.Require != "" {
		if v, _ := jsonPath(doc, c.Require); v != true {
			fail(fmt.Sprintf("the answer's %s is not true", c.Require))
			return
		}
	}
	if c.Select != nil {
		el, err := pickOne(c.Select, doc, vars["secret"])
		if err != nil {
			fail(err.Error())
			return
		}
		doc = el
	}
	e.readFacts(c, r, doc, rep)
	for name, p := range c.Bind {
		if v, ok := jsonPath(doc, p); ok && scalarString(v) != "" {
			vars[name] = scalarString(v)
		}
	}
	if c.Reach != nil {
		re := e.reach(ctx, c, base, u, h, body, r, doc, rep, budget)
		rep.Reach = append(rep.Reach, re)
		if c.Reach.WideOver > 0 && re.Known && re.Count > c.Reach.WideOver && rep.Wide == "" {
			rep.Wide = fmt.Sprintf("%s %s visible", countText(re), re.Kind)
		}
	}
}

// readFacts records what one answer (or the secret's own JWT claims)
// says: identity, facts, scopes, times, organisation-wide reach.
func (e *Engine) readFacts(c *rules.AnalyzeCall, r *response, doc any, rep *access.Report) {
	for k, v := range owner(c.Identity, r, doc) {
		rep.Identity[k] = v
	}
	for k, v := range owner(c.Facts, r, doc) {
		rep.Facts[k] = v
	}
	if c.Scopes != nil {
		if scopes, known := readScopes(c.Scopes, r, doc); known {
			rep.Scopes, rep.ScopesKnown, rep.ScopesNote = appendNew(rep.Scopes, scopes), true, ""
		}
	}
	now := e.opts.Now()
	if c.Expires != nil {
		t, none, known := readTime(c.Expires, r, doc, now)
		switch {
		case known && none:
			rep.NoExpiry, rep.ExpiresAt = true, nil
		case known:
			rep.ExpiresAt, rep.NoExpiry = &t, false
		}
	}
	if c.Created != nil {
		if t, none, known := readTime(c.Created, r, doc, now); known && !none {
			rep.CreatedAt = &t
		}
	}
	if c.LastUsed != nil {
		if t, none, known := readTime(c.LastUsed, r, doc, now); known && !none {
			rep.LastUsed = &t
		}
	}
	for _, w := range c.Wide {
		if v, ok := readValue(w.From, r, doc); ok && access.Match(w.Value, v) && rep.Wide == "" {
			rep.Wide = w.Reason
		}
	}
}

// analyzeClaims reads facts from the secret's own JWT payload (JFrog
// access tokens): no request is sent.
func (e *Engine) analyzeClaims(c *rules.AnalyzeCall, format, secret string, rep *access.Report) {
	if format == "pypi-macaroon" {
		doc, err := pypiMacaroonClaims(secret)
		if err != nil {
			if c.Scopes != nil && !rep.ScopesKnown {
				rep.ScopesNote = "the token's caveats cannot be read: " + err.Error()
			}
			return
		}
		e.readFacts(c, &response{Header: http.Header{}}, doc, rep)
		return
	}
	parts := strings.Split(secret, ".")
	var doc any
	if len(parts) == 3 {
		if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "=")); err == nil {
			_ = json.Unmarshal(b, &doc)
		}
	}
	if _, ok := doc.(map[string]any); !ok {
		if c.Scopes != nil && !rep.ScopesKnown {
			rep.ScopesNote = "the token's claims cannot be read (not a JWT)"
		}
		return
	}
	e.readFacts(c, &response{Header: http.Header{}}, doc, rep)
}

func countText(re access.Reach) string {
	if re.AtLeast {
		return "at least " + strconv.Itoa(re.Count)
	}
	return strconv.Itoa(re.Count)
}

// analyzeRequest expands a call's URL, headers and body.
func analyzeRequest(c *rules.AnalyzeCall, base *url.URL, vars map[string]string) (string, http.Header, []byte, error) {
	u, err := expandURL(c.URL, base, vars)
	if err != nil {
		return "", nil, nil, err
	}
	h := http.Header{}
	for k, tmpl := range c.Headers {
		v, err := expandHeader(tmpl, vars)
		if err != nil {
			return "", nil, nil, fmt.Errorf("header %s: %v", k, err)
		}
		h.Set(k, v)
	}
	if ba := c.BasicAuth; ba != nil {
		user, err1 := expandHeader(ba.Username, vars)
		pass, err2 := expandHeader(ba.Password, vars)
		if err1 != nil || err2 != nil {
			return "", nil, nil, fmt.Errorf("basic auth: missing value")
		}
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	}
	var body []byte
	if c.Body != "" {
		b, err := expandBody(c.Body, h.Get("Content-Type"), vars)
		if err != nil {
			return "", nil, nil, fmt.Errorf("body: %v", err)
		}
		body = []byte(b)
	}
	return u, h, body, nil
}

// analyzeSend sends one read-only request within the budget and records
// it (method, path, status; never the query, which may hold a token).
func (e *Engine) analyzeSend(ctx context.Context, method string, base *url.URL, u string, h http.Header, body []byte, rep *access.Report, budget *int) (*response, string) {
	if *budget <= 0 {
		return nil, "request budget spent"
	}
	*budget--
	path := u
	if pu, err := url.Parse(u); err == nil {
		path = pu.EscapedPath()
	}
	r, err := e.t.send(ctx, base, method, u, h, body, sendOpts{budget: func() bool {
		if *budget <= 0 {
			return false
		}
		*budget--
		return true
	}})
	if err != nil {
		rep.Requests = append(rep.Requests, method+" "+path+" -> error")
		return nil, err.Error()
	}
	rep.Requests = append(rep.Requests, fmt.Sprintf("%s %s -> %d", method, path, r.Status))
	return r, ""
}

// unknownWhy says why a call's answer carries no facts.
func unknownWhy(r *response) string {
	switch {
	case r.Status == http.StatusTooManyRequests, r.Status >= 500, r.Status >= 300 && r.Status < 400:
		return unexpected(r)
	}
	return fmt.Sprintf("HTTP %d", r.Status)
}

// readValue reads a path or "header:Name" as a string.
func readValue(from string, r *response, doc any) (string, bool) {
	if h, ok := strings.CutPrefix(from, "header:"); ok {
		vs, present := r.Header[http.CanonicalHeaderKey(h)]
		if !present || len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
	v, ok := jsonPath(doc, from)
	if !ok {
		return "", false
	}
	if v == nil {
		return "null", true
	}
	return scalarString(v), true
}

// readScopes reads a scope list; known is false when the answer does not
// hold one (a missing header is "not said", an empty one "no scopes").
func readScopes(s *rules.ScopeSource, r *response, doc any) ([]string, bool) {
	var raw []string
	if h, ok := strings.CutPrefix(s.From, "header:"); ok {
		vs, present := r.Header[http.CanonicalHeaderKey(h)]
		if !present {
			return nil, false
		}
		sep := s.Separator
		if sep == "" {
			sep = ","
		}
		for _, v := range vs {
			raw = append(raw, strings.Split(v, sep)...)
		}
	} else {
		v, ok := jsonPath(doc, s.From)
		if !ok {
			return nil, false
		}
		switch x := v.(type) {
		case []any:
			for _, it := range x {
				if s.Item != "" {
					it, _ = jsonPath(it, s.Item)
				}
				if sub, isList := it.([]any); isList {
					// A list per element (Hugging Face's scoped
					// permissions): each entry is a scope.
					for _, v := range sub {
						if v != nil {
							raw = append(raw, scalarString(v))
						}
					}
				} else if it != nil {
					raw = append(raw, scalarString(it))
				}
			}
		case nil:
			return nil, false
		case map[string]any:
			if s.Keys {
				// An action map (Grafana: action -> scopes): the keys.
				raw = append(raw, sortedKeys(x)...)
				break
			}
			// A permission map ({"contents": "write"}): "name:level".
			for _, k := range sortedKeys(x) {
				raw = append(raw, k+":"+scalarString(x[k]))
			}
		default:
			if s.Separator != "" {
				raw = append(raw, strings.Split(scalarString(x), s.Separator)...)
			} else {
				raw = append(raw, scalarString(x))
			}
		}
	}
	for i := range s.Also {
		// Further sources add to the list when present (fine-grained
		// permissions beside a role).
		if more, ok := readScopes(&s.Also[i], r, doc); ok {
			raw = append(raw, more...)
		}
	}
	out := []string{}
	if len(raw) > maxScopes {
		raw = raw[:maxScopes]
	}
	for _, v := range raw {
		v = strings.TrimSpace(v)
		if m, ok := s.Map[v]; ok {
			v = m
		}
		if v != "" {
			out = appendNew(out, []string{s.Prefix + v})
		}
	}
	return out, true
}

func appendNew(xs, add []string) []string {
	for _, a := range add {
		dup := false
		for _, x := range xs {
			dup = dup || x == a
		}
		if !dup {
			xs = append(xs, a)
		}
	}
	return xs
}

// readTime reads a time; none: a value the block says means "never".
func readTime(ts *rules.TimeSource, r *response, doc any, now time.Time) (t time.Time, none, known bool) {
	v, ok := readValue(ts.From, r, doc)
	if !ok {
		v = "absent"
	}
	for _, n := range ts.NoneWhen {
		if v == n {
			return time.Time{}, true, true
		}
	}
	if !ok || v == "null" || v == "" {
		return time.Time{}, false, false
	}
	if ts.TTL {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil || secs < 0 {
			return time.Time{}, false, false
		}
		return now.Add(time.Duration(secs * float64(time.Second))).UTC().Truncate(time.Second), false, true
	}
	if t, ok := parseTime(v); ok {
		return t, false, true
	}
	return time.Time{}, false, false
}

var timeLayouts = []string{time.RFC3339Nano, time.RFC1123Z, time.RFC1123, "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05 -0700", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

// parseTime reads the vendors' time formats, or Unix seconds (or
// milliseconds when the number is that large).
func parseTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), true
		}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
		if n > 1e12 {
			return time.UnixMilli(n).UTC(), true
		}
		return time.Unix(n, 0).UTC(), true
	}
	return time.Time{}, false
}

// reach counts a listing: the total when the vendor gives it, otherwise
// the items of up to MaxPages pages; a bounded sample of names.
func (e *Engine) reach(ctx context.Context, c *rules.AnalyzeCall, base *url.URL, u string, h http.Header, body []byte, r *response, doc any, rep *access.Report, budget *int) access.Reach {
	spec := c.Reach
	out := access.Reach{Kind: spec.Kind, Known: true}
	items, ok := listAt(doc, spec.List)
	if !ok {
		return access.Reach{Kind: spec.Kind, Note: "unknown (the answer holds no list)"}
	}
	sample := func(items []any) {
		for _, it := range items {
			if len(out.Sample) >= sampleSize || spec.Name == "" {
				return
			}
			if v, ok := jsonPath(it, spec.Name); ok && scalarString(v) != "" {
				out.Sample = append(out.Sample, scalarString(v))
			}
		}
	}
	sample(items)
	out.Count = len(items)
	if spec.Total != "" {
		if v, ok := readValue(spec.Total, r, doc); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
				out.Count = n
				return out
			}
		}
	}
	if spec.Paginate == "" && spec.PerPage > 0 && len(items) >= spec.PerPage {
		// A full first page of a listing scour does not page through
		// (Discord's guilds: limit 200, paged by the last id): more may
		// exist, so the count is a floor.
		out.AtLeast = true
		out.Note = "only the first page is read"
		return out
	}
	maxPages := spec.MaxPages
	if maxPages == 0 {
		maxPages = defaultMaxPages
	}
	next := func(page int, r *response, doc any, n int) string {
		switch spec.Paginate {
		case "link":
			return nextLink(r.Header.Values("Link"), u)
		case "cursor":
			// Cursor pages (OpenAI, Anthropic: has_more, last_id, after):
			// the next page starts after the cursor the answer names.
			if spec.More != "" {
				if v, _ := jsonPath(doc, spec.More); v != true {
					return ""
				}
			}
			cv, ok := jsonPath(doc, spec.Cursor)
			if !ok || scalarString(cv) == "" || n == 0 {
				return ""
			}
			pu, err := url.Parse(u)
			if err != nil {
				return ""
			}
			q := pu.Query()
			q.Set(spec.CursorParam, scalarString(cv))
			pu.RawQuery = q.Encode()
			return pu.String()
		case "page":
			if n < spec.PerPage {
				return ""
			}
			pu, err := url.Parse(u)
			if err != nil {
				return ""
			}
			q := pu.Query()
			q.Set(spec.PageParam, strconv.Itoa(page+1))
			pu.RawQuery = q.Encode()
			return pu.String()
		}
		return ""
	}
	for page := 1; ; page++ {
		nu := next(page, r, doc, len(items))
		if nu == "" {
			return out
		}
		if !samePath(nu, u) {
			// A next link elsewhere on the vendor's host is not one of the
			// rule's declared calls: not followed.
			out.AtLeast = true
			out.Note = "the next page link names another endpoint; not followed"
			return out
		}
		if page >= maxPages {
			out.AtLeast = true
			return out
		}
		var why string
		r, why = e.analyzeSend(ctx, c.Method, base, nu, h, body, rep, budget)
		if r == nil || r.Status != http.StatusOK {
			if r != nil {
				why = unknownWhy(r)
			}
			out.AtLeast = true
			out.Note = fmt.Sprintf("listing stopped at page %d (%s)", page+1, why)
			return out
		}
		var d any
		_ = json.Unmarshal(r.Body, &d)
		doc = d
		items, ok = listAt(d, spec.List)
		if !ok {
			out.AtLeast = true
			return out
		}
		sample(items)
		out.Count += len(items)
	}
}

// samePath reports whether two URLs name the same endpoint (path).
func samePath(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.EscapedPath() == ub.EscapedPath()
}

func listAt(doc any, p string) ([]any, bool) {
	v, ok := jsonPath(doc, p)
	items, isList := v.([]any)
	return items, ok && isList
}

// nextLink returns the rel="next" target of RFC 8288 Link headers,
// resolved against cur; the transport refuses any other host.
func nextLink(values []string, cur string) string {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			target, params, ok := strings.Cut(part, ";")
			if !ok {
				continue
			}
			target = strings.TrimSpace(target)
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			isNext := false
			for _, p := range strings.Split(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") {
					for _, rel := range strings.Fields(strings.Trim(val, `"`)) {
						isNext = isNext || strings.EqualFold(rel, "next")
					}
				}
			}
			if !isNext {
				continue
			}
			base, err1 := url.Parse(cur)
			ref, err2 := url.Parse(target[1 : len(target)-1])
			if err1 != nil || err2 != nil {
				return ""
			}
			return base.ResolveReference(ref).String()
		}
	}
	return ""
}

// maxScopes bounds how many scopes one answer contributes.
const maxScopes = 200

// maxFactLen bounds each text a vendor's answer puts in a report.
const maxFactLen = 256

// clip shortens s to maxFactLen bytes (on a rune boundary), marking the cut.
func clip(s string) string {
	if len(s) <= maxFactLen {
		return s
	}
	cut := maxFactLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// scrubReport removes the secret from every text of the report (a vendor
// might echo it, and reports are printed and saved) and bounds each text.
func scrubReport(rep *access.Report, secret string) {
	if len(secret) < 4 {
		secret = "\x00never-matches\x00"
	}
	s := func(v string) string { return strings.ReplaceAll(v, secret, "[REDACTED]") }
	// Values taken from a vendor's answer are also clipped.
	vs := func(v string) string { return clip(s(v)) }
	rep.Note, rep.ScopesNote, rep.Wide, rep.ExpiryNote = s(rep.Note), s(rep.ScopesNote), s(rep.Wide), s(rep.ExpiryNote)
	for _, m := range []map[string]string{rep.Identity, rep.Facts} {
		for k, v := range m {
			m[k] = vs(v)
		}
	}
	for i := range rep.Scopes {
		rep.Scopes[i] = vs(rep.Scopes[i])
	}
	for i := range rep.Reach {
		rep.Reach[i].Note = s(rep.Reach[i].Note)
		for j := range rep.Reach[i].Sample {
			rep.Reach[i].Sample[j] = vs(rep.Reach[i].Sample[j])
		}
	}
	for i := range rep.Flags {
		rep.Flags[i].Message = s(rep.Flags[i].Message)
	}
	for i := range rep.Requests {
		rep.Requests[i] = s(rep.Requests[i])
	}
}

// pickOne returns the single element of sel.List whose truncated
// sel.Field starts with the secret's first Prefix and ends with its last
// Suffix characters; zero or several is an error (scour never guesses).
func pickOne(sel *rules.Select, doc any, secret string) (any, error) {
	items, ok := listAt(doc, sel.List)
	if !ok {
		return nil, fmt.Errorf("the answer has no list %q", sel.List)
	}
	if len(secret) < sel.Prefix+sel.Suffix {
		return nil, fmt.Errorf("secret too short to match")
	}
	pre, suf := secret[:sel.Prefix], secret[len(secret)-sel.Suffix:]
	var hit any
	n := 0
	for _, it := range items {
		v, _ := jsonPath(it, sel.Field)
		if s, isStr := v.(string); isStr && strings.HasPrefix(s, pre) && strings.HasSuffix(s, suf) {
			hit = it
			n++
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("%d of %d listed tokens match this secret's first %d and last %d characters", n, len(items), sel.Prefix, sel.Suffix)
	}
	return hit, nil
}
