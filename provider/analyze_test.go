package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scour-dev/scour/access"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
)

var update = flag.Bool("update", false, "rewrite testdata/analyze/*.golden")

// analyzeNow is the fixed clock of the analysis tests (ages, TTLs).
var analyzeNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// routes is a fake vendor that answers by path; any other path is a 404
// and, because the test lists the paths the rule declares, a test failure.
type routes map[string]http.HandlerFunc

func (rt routes) handler(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h, ok := rt[r.URL.Path]
		if !ok {
			t.Errorf("request to an undeclared path: %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}
}

// authed answers h only to the right credential header, 401 otherwise.
func authed(header, want string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(header) != want {
			reply(401, `{"message":"unauthorized"}`)(w, r)
			return
		}
		h(w, r)
	}
}

// analyzeRule verifies and analyses secret with rule id against v.
func analyzeRule(t *testing.T, h *harness, id, secret string, ctx map[string]string) Status {
	t.Helper()
	set := builtin(t)
	r := mustRule(t, set, id)
	h.opts.Analyze = true
	h.opts.Now = func() time.Time { return analyzeNow }
	f := finding(r, secret, ctx)
	sts := h.engine().VerifyAll(context.Background(), set.Rule, []scanner.Finding{f})
	if len(sts) != 1 {
		t.Fatalf("%d statuses", len(sts))
	}
	st := sts[0]
	if !st.State.IsLive() || st.Analysis == nil {
		t.Fatalf("not analysed: %+v", st)
	}
	b, _ := json.Marshal(st)
	noSecret(t, "status JSON", string(b), secret)
	noSecret(t, "analysis lines", strings.Join(st.Analysis.Lines(), "\n"), secret)
	return st
}

// golden compares the analysis with testdata/analyze/NAME.golden (the
// text lines, then the JSON); -update rewrites it.
func golden(t *testing.T, name string, rep *access.Report) {
	t.Helper()
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(rep.Lines(), "\n") + "\n\n" + string(js) + "\n"
	path := filepath.Join("testdata", "analyze", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(want) != got {
		t.Errorf("analysis differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

func flagIDs(rep *access.Report) []string {
	var ids []string
	for _, f := range rep.Flags {
		ids = append(ids, f.ID)
		if f.Doc == "" || !strings.HasPrefix(f.Doc, "https://") {
			t := f
			panic("flag without a vendor link: " + t.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func paths(v *vendor) []string {
	var out []string
	for _, q := range v.requests() {
		out = append(out, q.Method+" "+q.Path)
	}
	return out
}

// TestAnalyzeGitHubClassic: scopes from X-OAuth-Scopes, no expiration
// header (never expires), organisations over two Link pages, and a 403 on
// the repository listing, which leaves that reach unknown, not failed.
func TestAnalyzeGitHubClassic(t *testing.T) {
	secret := fakeSecret("ghp_", 36)
	var v *vendor
	v = newVendor(t, routes{
		"/user": authed("Authorization", "token "+secret,
			reply(200, `{"login":"octocat","id":1,"email":"octo@example.com","type":"User"}`, "X-OAuth-Scopes", "repo, admin:org, gist")),
		"/user/orgs": authed("Authorization", "token "+secret, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("page") == "2" {
				reply(200, `[{"login":"acme-labs"}]`)(w, r)
				return
			}
			reply(200, `[{"login":"acme"},{"login":"acme-ops"}]`, "Link", `<`+v.URL()+`/user/orgs?per_page=100&page=2>; rel="next", <`+v.URL()+`/user/orgs?per_page=100&page=2>; rel="last"`)(w, r)
		}),
		"/user/repos": reply(403, `{"message":"Resource not accessible by personal access token"}`),
	}.handler(t))
	st := analyzeRule(t, newHarness(envBase("github", v.URL())), "github-pat", secret, nil)
	rep := st.Analysis
	if got := flagIDs(rep); !slices.Equal(got, []string{"admin-scope", "no-expiry", "org-wide", "write-scope"}) {
		t.Errorf("flags %v", got)
	}
	if len(rep.Reach) != 2 || rep.Reach[0].Count != 3 || !rep.Reach[0].Known || rep.Reach[1].Known || rep.Reach[1].Note != "unknown (HTTP 403)" {
		t.Errorf("reach %+v", rep.Reach)
	}
	want := []string{"GET /user", "GET /user", "GET /user/orgs", "GET /user/orgs", "GET /user/repos"}
	if got := paths(v); !slices.Equal(got, want) {
		t.Errorf("requests %v, want %v (verify, then the declared read-only calls)", got, want)
	}
	golden(t, "github-classic", rep)
}

// TestAnalyzeGitHubFineGrained: no scopes header (scopes unknown, no
// scope flag), an expiration header (no no-expiry flag).
func TestAnalyzeGitHubFineGrained(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "github-fine-grained-pat")
	secret := r.Examples[0].Secret
	v := newVendor(t, routes{
		"/user":       reply(200, `{"login":"octocat","id":1,"type":"User"}`, "github-authentication-token-expiration", "2026-07-01 10:00:00 UTC"),
		"/user/repos": reply(200, `[{"full_name":"octocat/hello"}]`),
	}.handler(t))
	st := analyzeRule(t, newHarness(envBase("github", v.URL())), "github-fine-grained-pat", secret, nil)
	rep := st.Analysis
	if len(rep.Flags) != 0 || rep.ScopesKnown || rep.ExpiresAt == nil || !rep.ExpiresAt.Equal(time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("%+v", rep)
	}
	golden(t, "github-fine-grained", rep)
}

// TestAnalyzeGitHubInstallation: repository_selection "all" is
// account-wide; the total comes from total_count.
func TestAnalyzeGitHubInstallation(t *testing.T) {
	secret := "ghs_" + "wtultWzGNGoYhcFdZQDmNTcQEyww6g0HFiLX"
	v := newVendor(t, routes{
		"/installation/repositories": reply(200, `{"total_count":42,"repository_selection":"all","repositories":[{"full_name":"acme/api"},{"full_name":"acme/web"}]}`),
	}.handler(t))
	st := analyzeRule(t, newHarness(envBase("github", v.URL())), "github-app-installation", secret, nil)
	rep := st.Analysis
	if got := flagIDs(rep); !slices.Equal(got, []string{"org-wide"}) || rep.Reach[0].Count != 42 {
		t.Errorf("flags %v reach %+v", got, rep.Reach)
	}
	if rep.ExpiresAt != nil || rep.NoExpiry || !strings.Contains(rep.ExpiryNote, "one hour") {
		t.Errorf("expiry: %v %v %q", rep.ExpiresAt, rep.NoExpiry, rep.ExpiryNote)
	}
	golden(t, "github-installation", rep)

	// With GitHub's expiration header the date is reported instead.
	v2 := newVendor(t, routes{
		"/installation/repositories": reply(200, `{"total_count":1,"repository_selection":"selected","repositories":[{"full_name":"acme/api"}]}`,
			"github-authentication-token-expiration", "2026-06-01 12:45:00 UTC"),
	}.handler(t))
	rep = analyzeRule(t, newHarness(envBase("github", v2.URL())), "github-app-installation", secret, nil).Analysis
	if rep.ExpiresAt == nil || !rep.ExpiresAt.Equal(time.Date(2026, 6, 1, 12, 45, 0, 0, time.UTC)) || rep.ExpiryNote != "" || len(rep.Flags) != 0 {
		t.Errorf("with the header: %+v", rep)
	}
}

// TestAnalyzeGitLab: the PAT self endpoint (scopes, expiry, creation,
// last use), the user, and a project count from X-Total; an old token
// with --max-age.
func TestAnalyzeGitLab(t *testing.T) {
	secret := mustRule(t, builtin(t), "gitlab-pat").Examples[0].Secret
	if secret == "" {
		t.Fatal("gitlab-pat's first example names no secret")
	}
	self := `{"id":9,"name":"deploy","user_id":7,"scopes":["read_api","write_repository"],"active":true,"revoked":false,` +
		`"created_at":"2025-01-10T08:00:00.000Z","last_used_at":"2026-05-30T09:15:00.000Z","expires_at":"2026-12-31"}`
	v := newVendor(t, routes{
		"/api/v4/personal_access_tokens/self": authed("PRIVATE-TOKEN", secret, reply(200, self)),
		"/api/v4/user":                        authed("PRIVATE-TOKEN", secret, reply(200, `{"username":"deployer","email":"d@example.com","is_admin":false,"bot":false}`)),
		"/api/v4/projects": authed("PRIVATE-TOKEN", secret,
			reply(200, `[{"path_with_namespace":"acme/api"},{"path_with_namespace":"acme/web"}]`, "X-Total", "250")),
	}.handler(t))
	h := newHarness(envBase("gitlab", v.URL()))
	h.opts.MaxAge = 90 * 24 * time.Hour
	st := analyzeRule(t, h, "gitlab-pat", secret, nil)
	rep := st.Analysis
	if got := flagIDs(rep); !slices.Equal(got, []string{"older-than-max-age", "write-scope"}) {
		t.Errorf("flags %v", got)
	}
	if rep.Reach[0].Count != 250 || rep.CreatedAt == nil || rep.LastUsed == nil || rep.NoExpiry {
		t.Errorf("%+v", rep)
	}
	golden(t, "gitlab", rep)
}

// TestAnalyzeGitLabNoExpiryAdmin: expires_at null is "never"; an
// instance administrator is account-wide.
func TestAnalyzeGitLabNoExpiryAdmin(t *testing.T) {
	r := mustRule(t, builtin(t), "gitlab-pat")
	secret := r.Examples[0].Secret
	v := newVendor(t, routes{
		"/api/v4/personal_access_tokens/self": reply(200, `{"id":9,"name":"root","user_id":1,"scopes":["read_api"],"active":true,"created_at":"2026-05-01T00:00:00Z","expires_at":null}`),
		"/api/v4/user":                        reply(200, `{"username":"root","is_admin":true}`),
		"/api/v4/projects":                    reply(200, `[]`, "X-Total", "0"),
	}.handler(t))
	st := analyzeRule(t, newHarness(envBase("gitlab", v.URL())), "gitlab-pat", secret, nil)
	if got := flagIDs(st.Analysis); !slices.Equal(got, []string{"no-expiry", "org-wide"}) {
		t.Errorf("flags %v", got)
	}
}

// TestAnalyzeYunxiao: the user, organisations (x-total), and the Codeup
// repositories of the last-used organisation over two pages; the token's
// own permissions are said to be unreadable, with the doc.
func TestAnalyzeYunxiao(t *testing.T) {
	secret, id := yunxiaoFixture()
	page := func(n int) string {
		var items []string
		for i := range n {
			items = append(items, `{"pathWithNamespace":"acme/repo`+string(rune('a'+i%26))+`"}`)
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	var repoQueries []string
	v := newVendor(t, routes{
		"/oapi/v1/platform/user":          authed("x-yunxiao-token", secret, reply(200, `{"id":"u1","username":"dev","name":"Dev","email":"dev@example.com","lastOrganization":"org1"}`)),
		"/oapi/v1/platform/organizations": authed("x-yunxiao-token", secret, reply(200, `[{"id":"org1","name":"Acme"},{"id":"org2","name":"Acme Labs"}]`, "x-total", "2")),
		"/oapi/v1/codeup/organizations/org1/repositories": authed("x-yunxiao-token", secret, func(w http.ResponseWriter, r *http.Request) {
			repoQueries = append(repoQueries, r.URL.RawQuery)
			if r.URL.Query().Get("page") == "2" {
				reply(200, page(7))(w, r)
				return
			}
			reply(200, page(100))(w, r)
		}),
		"/oapi/v1/flow/organizations/org1/pipelines": reply(403, `{"errorCode":"Forbidden","errorMessage":"no permission"}`),
	}.handler(t))
	st := analyzeRule(t, newHarness(envBase("yunxiao", v.URL())), "yunxiao-pat", secret, map[string]string{"id": id})
	rep := st.Analysis
	if len(rep.Flags) != 0 || rep.ScopesKnown || !strings.Contains(rep.ScopesNote, "help.aliyun.com") {
		t.Errorf("%+v", rep)
	}
	if rep.Reach[0].Count != 2 || rep.Reach[1].Count != 107 || len(rep.Reach[1].Sample) != 10 || rep.Reach[2].Known || rep.Reach[2].Note != "unknown (HTTP 403)" {
		t.Errorf("reach %+v", rep.Reach)
	}
	if len(repoQueries) != 2 || !strings.Contains(repoQueries[1], "page=2") {
		t.Errorf("repository pages %v", repoQueries)
	}
	golden(t, "yunxiao", rep)
}

// TestAnalyzeRateLimited: a 429 with a short Retry-After is waited for;
// one longer than scour waits leaves that reach unknown.
func TestAnalyzeRateLimited(t *testing.T) {
	secret := fakeSecret("ghp_", 36)
	v := newVendor(t, routes{
		"/user":       reply(200, `{"login":"octocat"}`, "X-OAuth-Scopes", "read:user"),
		"/user/orgs":  sequence(reply(429, `{}`, "Retry-After", "2"), reply(200, `[]`)),
		"/user/repos": reply(429, `{}`, "Retry-After", "3600"),
	}.handler(t))
	h := newHarness(envBase("github", v.URL()))
	st := analyzeRule(t, h, "github-pat", secret, nil)
	rep := st.Analysis
	if !rep.Reach[0].Known || rep.Reach[0].Count != 0 {
		t.Errorf("orgs %+v", rep.Reach[0])
	}
	if rep.Reach[1].Known || !strings.Contains(rep.Reach[1].Note, "rate limited") {
		t.Errorf("repos %+v", rep.Reach[1])
	}
	if s := h.sleeps.list(); len(s) == 0 || s[0] != 2*time.Second {
		t.Errorf("sleeps %v", s)
	}
}

// TestAnalyzeNeverEchoesSecret: a vendor that echoes the token in every
// field does not get it into the report.
func TestAnalyzeNeverEchoesSecret(t *testing.T) {
	secret := fakeSecret("ghp_", 36)
	v := newVendor(t, routes{
		"/user":       reply(200, `{"login":"`+secret+`","email":"`+secret+`"}`, "X-OAuth-Scopes", secret),
		"/user/orgs":  reply(200, `[{"login":"`+secret+`"}]`),
		"/user/repos": reply(500, secret),
	}.handler(t))
	analyzeRule(t, newHarness(envBase("github", v.URL())), "github-pat", secret, nil) // asserts no secret
}

// TestAnalyzeRootKey: the verified owner's ARN ending ":root" raises the
// root flag from data alone (no further request).
func TestAnalyzeRootKey(t *testing.T) {
	set := loadPack(t, `provider: cloud
rules:
  - id: cloud-key
    description: test
    pattern: '(?P<secret>CLOUDKEY[0-9]{8})'
    keywords: [CLOUDKEY]
    examples: ['k = CLOUDKEY12345678']
    verify:
      base_url: https://cloud.example.com
      steps:
        - method: GET
          url: '${base_url}/whoami'
          headers: {Authorization: 'Bearer ${secret}'}
          outcomes:
            - {status: [200], result: live, owner: {arn: arn, identity_type: type}}
      fixtures:
        - {name: live, responses: [{status: 200, body: '{"arn":"a"}'}], result: live}
    analyze:
      advice: https://cloud.example.com/best-practices
      from_verify: true
      root:
        - {identity_type: Account}
        - {arn: '*:root'}
`)
	r := set.Rule("cloud-key")
	for _, c := range []struct {
		body string
		root bool
	}{
		{`{"arn":"acs:ram::123:root","type":"Account"}`, true},
		{`{"arn":"arn:aws:iam::123:root"}`, true},
		{`{"arn":"arn:aws:iam::123:user/ci","type":"RAMUser"}`, false},
	} {
		v := newVendor(t, routes{"/whoami": reply(200, c.body)}.handler(t))
		h := newHarness(envBase("cloud", v.URL()))
		h.opts.Analyze = true
		sts := h.engine().VerifyAll(context.Background(), set.Rule, []scanner.Finding{finding(r, "CLOUDKEY12345678", nil)})
		rep := sts[0].Analysis
		if rep == nil || rep.Root != c.root || (len(rep.Flags) > 0) != c.root || len(v.requests()) != 1 {
			t.Errorf("%s: %+v, %d requests", c.body, rep, len(v.requests()))
		}
	}
}

// TestAnalyzeOnlyLive: dead secrets are not analysed (no further calls).
func TestAnalyzeOnlyLive(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "github-pat")
	v := newVendor(t, reply(401, `{"message":"Bad credentials"}`))
	h := newHarness(envBase("github", v.URL()))
	h.opts.Analyze = true
	sts := h.engine().VerifyAll(context.Background(), set.Rule, []scanner.Finding{finding(r, fakeSecret("ghp_", 36), nil)})
	if sts[0].State != Dead || sts[0].Analysis != nil || len(v.requests()) != 1 {
		t.Fatalf("%+v, %d requests", sts[0], len(v.requests()))
	}
}

// TestAnalyzeUnavailable: a rule without an endpoint says so.
func TestAnalyzeUnavailable(t *testing.T) {
	r := &rules.Rule{ID: "x", Analyze: &rules.Analyze{Unavailable: "the vendor has no such endpoint"}}
	rep := New(Options{}).Analyze(context.Background(), r, finding(r, "secretvalue", nil), Status{State: Live})
	if rep.Available || rep.Lines()[0] != "analysis not available: the vendor has no such endpoint" {
		t.Fatalf("%+v", rep)
	}
}

// TestNextLink reads RFC 8288 headers.
func TestNextLink(t *testing.T) {
	got := nextLink([]string{`<https://api.example.com/x?page=3>; rel="last", <https://api.example.com/x?page=2>; rel="next"`}, "https://api.example.com/x")
	if got != "https://api.example.com/x?page=2" {
		t.Fatal(got)
	}
	if got := nextLink([]string{`<https://api.example.com/x?page=1>; rel="prev"`}, "https://api.example.com/x"); got != "" {
		t.Fatal(got)
	}
}

var npmSecret = fakeSecret("npm_", 36)

// TestAnalyzeMoreVendors replays each documented shape of the other
// declarative vendors and checks the flags, against a golden report.
func TestAnalyzeMoreVendors(t *testing.T) {
	cases := []struct {
		name, rule, provider, secret string
		ctx                          map[string]string
		routes                       routes
		flags                        []string
	}{
		{name: "slack", rule: "slack-bot-token", provider: "slack",
			secret: "xoxb-" + "1234567890-1234567890-" + strings.Repeat("F", 24),
			routes: routes{"/api/auth.test": reply(200, `{"ok":true,"user":"bot","user_id":"U1","team":"Acme","team_id":"T1","bot_id":"B1"}`, "x-oauth-scopes", "chat:write,channels:read,admin.users:read")},
			flags:  []string{"admin-scope", "org-wide", "write-scope"}},
		{name: "slack-read", rule: "slack-bot-token", provider: "slack",
			secret: "xoxb-" + "1234567890-1234567890-" + strings.Repeat("G", 24),
			routes: routes{"/api/auth.test": reply(200, `{"ok":true,"user":"bot","team":"Acme"}`, "x-oauth-scopes", "channels:read,users:read")},
			flags:  nil},
		{name: "huggingface", rule: "huggingface-access-token", provider: "huggingface", secret: fakeSecret("hf_", 34),
			routes: routes{"/api/whoami-v2": reply(200, `{"type":"user","name":"dev","email":"d@example.com","orgs":[{"name":"acme"}],"auth":{"type":"access_token","accessToken":{"displayName":"ci","role":"write","createdAt":"2025-01-01T00:00:00.000Z"}}}`)},
			flags:  []string{"write-scope"}},
		{name: "huggingface-fine-grained", rule: "huggingface-access-token", provider: "huggingface", secret: fakeSecret("hf_", 34),
			routes: routes{"/api/whoami-v2": reply(200, `{"type":"user","name":"dev","orgs":[],"auth":{"type":"access_token","accessToken":{"displayName":"ci","role":"fineGrained",`+
				`"fineGrained":{"global":["discussion.read"],"scoped":[{"entity":{"type":"model","name":"dev/m"},"permissions":["repo.content.read","repo.write"]}]}}}}`)},
			flags: []string{"write-scope"}},
		{name: "huggingface-read", rule: "huggingface-access-token", provider: "huggingface", secret: fakeSecret("hf_", 34),
			routes: routes{"/api/whoami-v2": reply(200, `{"type":"user","name":"dev","auth":{"type":"access_token","accessToken":{"displayName":"ci","role":"read"}}}`)},
			flags:  nil},
		{name: "vault-root", rule: "vault-service-token", provider: "vault", secret: "hvs." + strings.Repeat("F", 90),
			routes: routes{"/v1/auth/token/lookup-self": reply(200, `{"data":{"display_name":"root","policies":["root"],"ttl":0,"expire_time":null,"renewable":false,"creation_time":1735689600,"type":"service","orphan":true}}`)},
			flags:  []string{"admin-scope", "no-expiry", "org-wide"}},
		{name: "vault-ci", rule: "vault-service-token", provider: "vault", secret: "hvs." + strings.Repeat("G", 90),
			routes: routes{"/v1/auth/token/lookup-self": reply(200, `{"data":{"display_name":"token-ci","policies":["default","ci-read"],"ttl":3600,"expire_time":"2026-06-01T13:00:00Z","renewable":true,"creation_time":1748779200,"type":"service"}}`)},
			flags:  nil},
		{name: "npm", rule: "npm-access-token", provider: "npm", secret: npmSecret,
			routes: routes{
				"/-/whoami": reply(200, `{"username":"dev"}`),
				"/-/npm/v1/tokens": reply(200, `{"objects":[`+
					`{"token":"`+npmSecret[:8]+`…`+npmSecret[len(npmSecret)-4:]+`","key":"k1","readonly":false,"automation":true,"cidr_whitelist":["10.0.0.0/8"],"created":"2024-02-01T00:00:00.000Z"},`+
					`{"token":"npm_zzzz…zzzz","key":"k2","readonly":true,"created":"2025-01-01T00:00:00.000Z"}],"urls":{}}`),
			},
			flags: []string{"write-scope"}},
		{name: "sendgrid", rule: "sendgrid-api-key", provider: "sendgrid", secret: "SG." + strings.Repeat("Fk0", 7) + "x" + "." + strings.Repeat("Gh1", 14) + "x",
			routes: routes{"/v3/scopes": reply(200, `{"scopes":["mail.send","stats.read"]}`)},
			flags:  []string{"write-scope"}},
		{name: "databricks-admin", rule: "databricks-token", provider: "databricks", secret: "dapi" + strings.Repeat("0a1b", 8),
			routes: routes{"/api/2.0/preview/scim/v2/Me": reply(200, `{"id":"1","userName":"ops@example.com","groups":[{"display":"admins","value":"1"},{"display":"users","value":"2"}]}`)},
			flags:  []string{"admin-scope", "org-wide"}},
		{name: "buildkite", rule: "buildkite-api-token", provider: "buildkite", secret: "bkua_" + strings.Repeat("a1b2", 10),
			routes: routes{
				"/v2/access-token":  reply(200, `{"uuid":"b1","scopes":["read_builds","write_builds"],"description":"ci","user":{"name":"CI","email":"ci@example.com"}}`),
				"/v2/organizations": reply(200, `[{"slug":"acme"}]`),
			},
			flags: []string{"write-scope"}},
		{name: "cloudflare", rule: "cloudflare-api-token", provider: "cloudflare", secret: strings.Repeat("cF0_", 10),
			routes: routes{"/client/v4/user/tokens/verify": reply(200, `{"success":true,"errors":[],"messages":[],"result":{"id":"t1","status":"active"}}`)},
			flags:  []string{"no-expiry"}},
		{name: "azure-devops", rule: "azure-devops-pat", provider: "azure", ctx: map[string]string{"org": "contoso"},
			secret: "bVxNCccV4JLk0DlYRl67rHCIxyTMbMlH0kabmR6AZa1DNAe7PCFUJQQJ99exwInuNue5FLSg9FzKAZDObntf",
			routes: routes{
				"/contoso/_apis/connectionData": reply(200, `{"authenticatedUser":{"id":"u1","providerDisplayName":"Dev"},"instanceId":"i1"}`),
				"/contoso/_apis/projects":       reply(200, `{"count":2,"value":[{"name":"Fabrikam"},{"name":"Tailspin"}]}`),
			},
			flags: nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newVendor(t, c.routes.handler(t))
			st := analyzeRule(t, newHarness(envBase(c.provider, v.URL())), c.rule, c.secret, c.ctx)
			var got []string
			if st.Analysis.Flags != nil {
				got = flagIDs(st.Analysis)
			}
			if !slices.Equal(got, c.flags) {
				t.Errorf("flags %v, want %v", got, c.flags)
			}
			golden(t, c.name, st.Analysis)
		})
	}
}

// TestEveryAnalyzeBlockIsReadOnly runs every built-in analyze block
// against a vendor that verifies the token and then refuses, fails or
// rate-limits every further call: analysis never errors, sends only GET,
// HEAD or a declared read-only POST, stays within its budget, and never
// prints the secret.
func TestEveryAnalyzeBlockIsReadOnly(t *testing.T) {
	set := builtin(t)
	for _, r := range set.Rules() {
		if r.Analyze == nil || len(r.Analyze.Calls) == 0 {
			continue
		}
		for _, status := range []int{403, 429, 500} {
			t.Run(r.ID+"/"+http.StatusText(status), func(t *testing.T) {
				secret := "FAKE-ANALYZE-SECRET-0123456789"
				v := newVendor(t, reply(status, `{"message":"`+secret+`"}`, "Retry-After", "1"))
				e := New(newHarness(nil).opts)
				base := mustBase(t, v.URL())
				ctx := map[string]string{}
				for _, g := range r.GroupNames() {
					ctx[g] = "ctx" + g
				}
				rep := e.analyzeAt(context.Background(), r, finding(r, secret, ctx), base)
				if !rep.Available {
					t.Fatalf("%+v", rep)
				}
				for _, q := range v.requests() {
					if q.Method != "GET" && q.Method != "HEAD" && q.Method != "POST" {
						t.Errorf("method %s", q.Method)
					}
				}
				if n := len(v.requests()); n > maxAnalyzeRequests {
					t.Errorf("%d requests", n)
				}
				b, _ := json.Marshal(rep)
				noSecret(t, "report", string(b), secret)
				for _, re := range rep.Reach {
					if re.Known {
						t.Errorf("reach known after HTTP %d: %+v", status, re)
					}
				}
				// Facts the vendor documents for the secret's kind (implied,
				// no request) may raise scope and reach flags; nothing else.
				implied := false
				for _, im := range r.Analyze.Implied {
					implied = implied || strings.HasPrefix(secret, im.Prefix)
				}
				if len(rep.Flags) > 0 && status != 200 {
					for _, f := range rep.Flags {
						if f.ID != access.FlagRoot && f.ID != access.FlagNoExpiry && !implied {
							t.Errorf("flag %s raised on a refused call", f.ID)
						}
					}
				}
			})
		}
	}
}

// analyzeAt analyses f as if verification had answered live at base.
func (e *Engine) analyzeAt(ctx context.Context, r *rules.Rule, f scanner.Finding, base *url.URL) *access.Report {
	return e.analyze(ctx, r, f, Status{State: Live, Host: base.Host}, base)
}

// TestAnalyzeJFrogClaims reads a JFrog access token's own JWT claims:
// no request beyond verification's ping.
func TestAnalyzeJFrogClaims(t *testing.T) {
	r := mustRule(t, builtin(t), "jfrog-access-token")
	user := r.Examples[0].Secret
	head := strings.Split(user, ".")[0]
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"jfac@01/users/admin","scp":"applied-permissions/admin","aud":"*@*","iss":"jfac@01","iat":1700000000,"jti":"x"}`))
	admin := head + "." + payload + "." + strings.Repeat("Sg0", 40)
	for _, c := range []struct {
		name, secret string
		flags        []string
	}{
		{"jfrog-user", user, nil},
		{"jfrog-admin", admin, []string{"admin-scope", "no-expiry", "org-wide"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := newVendor(t, routes{"/artifactory/api/system/ping": reply(200, "OK")}.handler(t))
			st := analyzeRule(t, newHarness(envBase("jfrog", v.URL())), "jfrog-access-token", c.secret, nil)
			var got []string
			if len(st.Analysis.Flags) > 0 {
				got = flagIDs(st.Analysis)
			}
			if !slices.Equal(got, c.flags) || len(v.requests()) != 1 {
				t.Errorf("flags %v (want %v), %d requests", got, c.flags, len(v.requests()))
			}
			golden(t, c.name, st.Analysis)
		})
	}
}

// TestAnalyzeBoundsVendorText: a next link to another endpoint is not
// followed, and huge names are clipped.
func TestAnalyzeBoundsVendorText(t *testing.T) {
	secret := fakeSecret("ghp_", 36)
	var v *vendor
	long := strings.Repeat("x", 5000)
	v = newVendor(t, routes{
		"/user": reply(200, `{"login":"`+long+`"}`, "X-OAuth-Scopes", "read:user"),
		"/user/orgs": func(w http.ResponseWriter, r *http.Request) {
			reply(200, `[{"login":"a"}]`, "Link", `<`+v.URL()+`/user/keys?page=2>; rel="next"`)(w, r)
		},
		"/user/repos": reply(200, `[]`),
	}.handler(t))
	st := analyzeRule(t, newHarness(envBase("github", v.URL())), "github-pat", secret, nil)
	rep := st.Analysis
	if len(rep.Identity["login"]) > 300 || !strings.HasSuffix(rep.Identity["login"], "…") {
		t.Errorf("login not clipped: %d bytes", len(rep.Identity["login"]))
	}
	if o := rep.Reach[0]; !o.AtLeast || !strings.Contains(o.Note, "not followed") {
		t.Errorf("orgs %+v", o)
	}
	for _, q := range v.requests() {
		if q.Path == "/user/keys" {
			t.Error("followed a next link to another endpoint")
		}
	}
}
