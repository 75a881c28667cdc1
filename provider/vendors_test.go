package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
)

// Fake vendor servers for the built-in rules' verify and revoke blocks,
// written from docs/providers.md. Base URLs point at them through the same
// override users have (SCOUR_<PROVIDER>_BASE_URL or the config map);
// every test's dialer refuses non-loopback addresses.

// builtinSet is the built-in rule set, built once per test binary (it costs
// a few hundred milliseconds under -race). Tests only read it; a Set is
// safe for concurrent use.
var builtinSet = sync.OnceValues(rules.Builtin)

func builtin(t *testing.T) *rules.Set {
	t.Helper()
	set, err := builtinSet()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func mustRule(t *testing.T, set *rules.Set, id string) *rules.Rule {
	t.Helper()
	r := set.Rule(id)
	if r == nil {
		t.Fatalf("no rule %s", id)
	}
	return r
}

func envBase(provider, url string) map[string]string {
	return map[string]string{"SCOUR_" + envName(provider) + "_BASE_URL": url}
}

// fakeSecret builds a fake secret for a rule at test time.
func fakeSecret(prefix string, n int) string {
	return prefix + strings.Repeat("Fk0", n/3+1)[:n]
}

// TestEveryActionSurvivesVendorErrors runs every built-in verify and revoke
// action against a vendor that rate-limits, fails, stalls or redirects: the
// result is unknown (verify) or failed (revoke), never live, dead or
// revoked, Retry-After is honoured, and redirects are not followed.
func TestEveryActionSurvivesVendorErrors(t *testing.T) {
	set := builtin(t)
	scenarios := []struct {
		name     string
		h        func(thief string) http.HandlerFunc
		requests int
		reason   string
	}{
		{"429 with Retry-After", func(string) http.HandlerFunc { return reply(429, `{}`, "Retry-After", "2") }, 3, "rate limited"},
		{"503", func(string) http.HandlerFunc { return reply(503, `{}`) }, 3, "server error (HTTP 503)"},
		{"redirect", func(thief string) http.HandlerFunc {
			return reply(302, "", "Location", thief+"/steal")
		}, 1, "redirect (HTTP 302) not followed"},
		// The vendor stalls; the deadline passes once the request is in
		// (stalled, below): no race between a timer and the request.
		{"slow", func(string) http.HandlerFunc { return nil }, 1, "timed out"},
	}
	for _, r := range set.Rules() {
		for _, kind := range []string{"verify", "revoke"} {
			var a *rules.Action
			switch {
			case kind == "verify" && r.Verify != nil && len(r.Verify.Steps) > 0:
				a = r.Verify
			case kind == "revoke" && r.Revoke != nil && len(r.Revoke.Steps) > 0:
				a = &r.Revoke.Action
			default:
				continue
			}
			for _, sc := range scenarios {
				t.Run(r.ID+"/"+kind+"/"+sc.name, func(t *testing.T) {
					t.Parallel()
					thief := newVendor(t, reply(200, `{}`))
					ctx := context.Background()
					h := sc.h(thief.URL())
					if sc.name == "slow" {
						ctx, h = stalled()
					}
					v := newVendor(t, h)
					env := envBase(r.Provider, v.URL())
					if r.Revoke != nil && r.Revoke.CredentialEnv != "" {
						env[r.Revoke.CredentialEnv] = "FAKE-ADMIN"
					}
					hn := newHarness(env)
					hn.opts.Timeout = time.Minute // never reached: "slow" ends by its deadline
					hn.opts.OptIn = map[string]bool{r.Provider: true}
					e := hn.engine()
					groups := map[string]string{}
					for _, g := range a.Requires {
						groups[g] = "acme"
					}
					f := finding(r, fakeSecret("FAKE_", 40), groups)
					var reason string
					if kind == "verify" {
						st := e.Verify(ctx, r, f)
						if st.State != Unknown {
							t.Fatalf("state %s (%s), want unknown", st.State, st.Reason)
						}
						reason = st.Reason
					} else {
						plan := []PlanItem{{Finding: f, Rule: r, Class: r.Revoke.Class}}
						res := e.revokeOne(ctx, plan[0], mustBase(t, v.URL()), Result{}, RevokeOptions{})
						if res.Outcome != Failed {
							t.Fatalf("outcome %s (%s), want failed", res.Outcome, res.Reason)
						}
						reason = res.Reason
					}
					if !strings.Contains(reason, sc.reason) {
						t.Errorf("reason %q, want %q", reason, sc.reason)
					}
					want := sc.requests
					if kind == "revoke" && sc.name == "503" && !idempotent(a.Steps[0].Method) {
						want = 1 // a revoke the vendor may have carried out is not sent again
					}
					if n := len(v.requests()); n != want {
						t.Errorf("%d requests, want %d", n, want)
					}
					if len(thief.requests()) != 0 {
						t.Errorf("redirect was followed")
					}
					if sc.name == "429 with Retry-After" {
						for _, d := range hn.sleeps.list() {
							if d < 2*time.Second {
								t.Errorf("waited %v, Retry-After said 2s", d)
							}
						}
					}
					noSecret(t, "reason", reason, f.Secret)
					if d := hn.dials.list(); len(d) != 0 {
						t.Errorf("dialled %v", d)
					}
				})
			}
		}
	}
}

// stalled returns a vendor handler that never answers and a context whose
// deadline passes as soon as that handler holds a request: a stalled
// vendor, deterministically, with no timer racing the request.
func stalled() (context.Context, http.HandlerFunc) {
	c := &deadlineCtx{Context: context.Background(), done: make(chan struct{})}
	var once sync.Once
	return c, func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(c.done) })
		<-r.Context().Done() // the client gives up
	}
}

// deadlineCtx is a context whose deadline is reached when done is closed.
type deadlineCtx struct {
	context.Context
	done chan struct{}
}

func (c *deadlineCtx) Done() <-chan struct{} { return c.done }

func (c *deadlineCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func mustBase(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := parseBase(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestGitHubVerify(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "github-pat")
	secret := fakeSecret("ghp_", 36)
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") != "token "+secret {
			reply(401, `{"message":"Bad credentials"}`)(w, req)
			return
		}
		reply(200, `{"login":"octocat","email":null}`, "X-OAuth-Scopes", "repo, gist")(w, req)
	})
	h := newHarness(envBase("github", v.URL()))
	st := h.engine().Verify(context.Background(), r, finding(r, secret, nil))
	if st.State != Live || st.Owner["login"] != "octocat" || st.Owner["scopes"] != "repo, gist" {
		t.Fatalf("%+v", st)
	}
	q := v.requests()[0]
	if q.Method != "GET" || q.Path != "/user" || q.Header.Get("Accept") != "application/vnd.github+json" {
		t.Fatalf("request %+v", q)
	}
	st = h.engine().Verify(context.Background(), r, finding(r, fakeSecret("ghp_x", 35), nil))
	if st.State != Dead {
		t.Fatalf("bad token: %+v", st)
	}
}

// TestGitHubPublicRevoke: no Authorization header, batches of at most
// 1000 values, 60 requests a run, and "accepted, propagating" while the
// token still works (GitHub revokes asynchronously).
func TestGitHubPublicRevoke(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "github-pat")
	var mu sync.Mutex
	var batches [][]string
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		switch req.URL.Path {
		case "/user":
			reply(200, `{"login":"octocat"}`)(w, req)
		case "/credentials/revoke":
			var body struct{ Credentials []string }
			if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
				reply(400, "")(w, req)
				return
			}
			mu.Lock()
			batches = append(batches, body.Credentials)
			mu.Unlock()
			reply(202, `{}`)(w, req)
		default:
			reply(404, "")(w, req)
		}
	})
	h := newHarness(envBase("github", v.URL()))
	var fs []scanner.Finding
	for i := range 1001 {
		fs = append(fs, finding(r, fmt.Sprintf("ghp_%036d", i), nil))
	}
	res, err := h.engine().Revoke(context.Background(), Plan(set.Rule, fs, nil), RevokeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 2 || len(batches[0]) != 1000 || len(batches[1]) != 1 {
		t.Fatalf("batches of %d", len(batches))
	}
	for _, q := range v.requests() {
		if q.Path == "/credentials/revoke" {
			if q.Method != "POST" || q.Header.Get("Authorization") != "" || q.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("revoke request %s auth=%q ct=%q", q.Method, q.Header.Get("Authorization"), q.Header.Get("Content-Type"))
			}
		}
	}
	for _, x := range res {
		if x.Outcome != Accepted || !strings.Contains(x.Reason, "propagating") {
			t.Fatalf("%+v", x)
		}
	}
	// The hourly budget: with 60 requests spent, the next batch is not sent.
	e := h.engine()
	e.spent["github\x00"+mustBase(t, v.URL()).Host] = 60
	res, _ = e.Revoke(context.Background(), Plan(set.Rule, fs[:1], nil), RevokeOptions{})
	if res[0].Outcome != Failed || !strings.Contains(res[0].Reason, "60 revoke requests an hour") {
		t.Fatalf("budget: %+v", res[0])
	}
}

func TestGitHubInstallationSelfRevoke(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "github-app-installation")
	secret := fakeSecret("ghs_", 36)
	gone := false
	var mu sync.Mutex
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case gone:
			reply(401, `{"message":"Bad credentials"}`)(w, req)
		case req.Method == "DELETE" && req.URL.Path == "/installation/token":
			gone = true
			reply(204, "")(w, req)
		case req.URL.Path == "/installation/repositories":
			reply(200, `{"total_count":1,"repositories":[]}`)(w, req)
		}
	})
	h := newHarness(envBase("github", v.URL()))
	res, _ := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{finding(r, secret, nil)}, nil), RevokeOptions{})
	if res[0].Outcome != Revoked || res[0].Reason != "revoked (confirmed dead)" {
		t.Fatalf("%+v", res[0])
	}
	q := v.requests()[1]
	if q.Method != "DELETE" || q.Header.Get("Authorization") != "token "+secret {
		t.Fatalf("%+v", q)
	}
}

// TestGitLabSelfManaged: the configured base URL (self-managed) is used,
// not gitlab.com; verify and revoke hit the self endpoints.
func TestGitLabSelfManaged(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "gitlab-pat")
	secret := fakeSecret("glpat-", 20)
	revoked := false
	var mu sync.Mutex
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if req.URL.Path != "/gitlab/api/v4/personal_access_tokens/self" || req.Header.Get("PRIVATE-TOKEN") != secret || revoked {
			reply(401, `{"message":"401 Unauthorized"}`)(w, req)
			return
		}
		if req.Method == "DELETE" {
			revoked = true
			reply(204, "")(w, req)
			return
		}
		reply(200, `{"id":4,"name":"deploy","user_id":7,"scopes":["api"]}`)(w, req)
	})
	h := newHarness(nil)
	h.opts.BaseURLs = map[string]string{"gitlab": v.URL() + "/gitlab"}
	e := h.engine()
	st := e.Verify(context.Background(), r, finding(r, secret, nil))
	if st.State != Live || st.Owner["user_id"] != "7" || st.Owner["token_name"] != "deploy" {
		t.Fatalf("%+v", st)
	}
	res, _ := e.Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{finding(r, secret, nil)}, nil), RevokeOptions{})
	if res[0].Outcome != Revoked {
		t.Fatalf("%+v", res[0])
	}
	if d := h.dials.list(); len(d) != 0 {
		t.Fatalf("dialled %v (gitlab.com?)", d)
	}
	// Revoking again: the vendor says 401 on the DELETE -> already revoked.
	a := e.sendRevoke(context.Background(), r, mustBase(t, v.URL()+"/gitlab"), findingVars(r, finding(r, secret, nil)))
	if a.Result != rules.ResultAlreadyRevoked {
		t.Fatalf("%+v", a)
	}
}

// TestNpmTwoStep lists tokens, binds exactly one by first 8 and last 4
// characters, deletes it by key; refuses on zero or several matches.
func TestNpmTwoStep(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "npm-access-token")
	secret := "npm_" + "FAKEfixture" + strings.Repeat("0", 21) + "wxyz"
	list := func(objs string) http.HandlerFunc {
		return func(w http.ResponseWriter, req *http.Request) {
			switch {
			case req.Header.Get("Authorization") != "Bearer "+secret:
				reply(401, `{}`)(w, req)
			case req.Method == "GET" && req.URL.Path == "/-/whoami":
				reply(200, `{"username":"dev"}`)(w, req)
			case req.Method == "GET" && req.URL.Path == "/-/npm/v1/tokens":
				reply(200, `{"objects":`+objs+`,"total":2}`)(w, req)
			case req.Method == "DELETE" && req.URL.Path == "/-/npm/v1/tokens/token/key-2":
				reply(204, "")(w, req)
			default:
				reply(404, `{}`)(w, req)
			}
		}
	}
	cases := []struct {
		name, objs string
		want       Outcome
	}{
		{"one match", `[{"token":"npm_FAKE…0000","key":"key-1"},{"token":"npm_FAKE…wxyz","key":"key-2"}]`, Accepted},
		{"two matches", `[{"token":"npm_FAKE…wxyz","key":"key-1"},{"token":"npm_FAKE…wxyz","key":"key-2"}]`, Refused},
		{"no match", `[{"token":"npm_OTHE…wxyz","key":"key-1"}]`, Refused},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newVendor(t, list(c.objs))
			h := newHarness(envBase("npm", v.URL()))
			res, _ := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{finding(r, secret, nil)}, nil), RevokeOptions{})
			if res[0].Outcome != c.want {
				t.Fatalf("%+v", res[0])
			}
			for _, q := range v.requests() {
				if q.Method == "DELETE" && c.want == Refused {
					t.Fatalf("deleted although the binding was ambiguous")
				}
			}
			if c.want == Accepted {
				reqs := v.requests()
				del := reqs[2]
				if del.Method != "DELETE" || del.Path != "/-/npm/v1/tokens/token/key-2" {
					t.Fatalf("%+v", del)
				}
			}
		})
	}
}

func TestSlack(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "slack-bot-token")
	secret := "xoxb-" + "1234567890-1234567890-" + strings.Repeat("F", 24)
	revoked := false
	var mu sync.Mutex
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if req.Method != "POST" || req.Header.Get("Authorization") != "Bearer "+secret {
			reply(200, `{"ok":false,"error":"not_authed"}`)(w, req)
			return
		}
		switch {
		case revoked:
			reply(200, `{"ok":false,"error":"token_revoked"}`)(w, req)
		case req.URL.Path == "/api/auth.test":
			reply(200, `{"ok":true,"user":"bot","team":"Acme"}`)(w, req)
		case req.URL.Path == "/api/auth.revoke":
			if req.URL.Query().Get("test") != "" {
				t.Errorf("test=1 sent on a real revoke")
			}
			revoked = true
			reply(200, `{"ok":true,"revoked":true}`)(w, req)
		}
	})
	h := newHarness(envBase("slack", v.URL()))
	res, _ := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{finding(r, secret, nil)}, nil), RevokeOptions{})
	if res[0].Outcome != Revoked || res[0].Owner["user"] != "bot" {
		t.Fatalf("%+v", res[0])
	}
	// Dead on HTTP 200 with token_revoked.
	st := h.engine().Verify(context.Background(), r, finding(r, secret, nil))
	if st.State != Dead {
		t.Fatalf("%+v", st)
	}
}

// TestHuggingFace: public revoke without Authorization; 202 proves nothing,
// so whoami decides.
func TestHuggingFace(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "huggingface-access-token")
	secret := fakeSecret("hf_", 34)
	for _, honours := range []bool{true, false} {
		t.Run(fmt.Sprint("vendor revokes=", honours), func(t *testing.T) {
			revoked := false
			var mu sync.Mutex
			v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				switch req.URL.Path {
				case "/api/whoami-v2":
					if revoked {
						reply(401, `{"error":"Invalid credentials"}`)(w, req)
					} else {
						reply(200, `{"name":"dev"}`)(w, req)
					}
				case "/api/credentials/revoke":
					if req.Header.Get("Authorization") != "" {
						t.Errorf("Authorization header on the public revoke")
					}
					var body struct{ Credentials []string }
					json.NewDecoder(req.Body).Decode(&body)
					if len(body.Credentials) != 1 || body.Credentials[0] != secret {
						t.Errorf("body %v", body)
					}
					revoked = honours
					reply(202, "")(w, req)
				}
			})
			h := newHarness(envBase("huggingface", v.URL()))
			res, _ := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{finding(r, secret, nil)}, nil), RevokeOptions{})
			want := Revoked
			if !honours {
				want = Failed
			}
			if res[0].Outcome != want {
				t.Fatalf("%+v", res[0])
			}
		})
	}
}

// TestVault: no default host; VAULT_ADDR configures it.
func TestVault(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "vault-service-token")
	secret := "hvs." + strings.Repeat("F", 90)
	h := newHarness(nil)
	st := h.engine().Verify(context.Background(), r, finding(r, secret, nil))
	if st.State != Unknown || !strings.Contains(st.Reason, "SCOUR_VAULT_BASE_URL") || len(h.dials.list()) != 0 {
		t.Fatalf("without VAULT_ADDR: %+v", st)
	}
	revoked := false
	var mu sync.Mutex
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if req.Header.Get("X-Vault-Token") != secret || revoked {
			reply(403, `{"errors":["permission denied"]}`)(w, req)
			return
		}
		switch {
		case req.Method == "GET" && req.URL.Path == "/v1/auth/token/lookup-self":
			reply(200, `{"data":{"display_name":"token-ci","policies":["default"]}}`)(w, req)
		case req.Method == "POST" && req.URL.Path == "/v1/auth/token/revoke-self":
			revoked = true
			reply(204, "")(w, req)
		}
	})
	h = newHarness(map[string]string{"VAULT_ADDR": v.URL()})
	res, _ := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{finding(r, secret, nil)}, nil), RevokeOptions{})
	if res[0].Outcome != Revoked || res[0].Owner["name"] != "token-ci" {
		t.Fatalf("%+v", res[0])
	}
}

func TestBuildkiteJFrogDoppler(t *testing.T) {
	set := builtin(t)
	cases := []struct {
		rule, provider, secret string
		verify, revoke         string // "METHOD path"
		authHeader, authValue  string // sent on verify
		revokeNoAuth           bool
		revokeBody             string
	}{
		{"buildkite-api-token", "buildkite", "bkua_" + strings.Repeat("f", 40), "GET /v2/access-token", "DELETE /v2/access-token", "Authorization", "Bearer ", false, ""},
		{"jfrog-reference-token", "jfrog", "cmVmdGtu" + strings.Repeat("F", 56), "GET /artifactory/api/system/ping", "DELETE /access/api/v1/tokens/me", "Authorization", "Bearer ", false, ""},
		{"doppler-token", "doppler", "dp.pt." + strings.Repeat("F", 43), "GET /v3/me", "POST /v3/auth/revoke", "Authorization", "Bearer ", true, `{"token":"%s"}`},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			r := mustRule(t, set, c.rule)
			revoked := false
			var mu sync.Mutex
			v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				got := req.Method + " " + req.URL.Path
				switch {
				case got == c.verify && !revoked && req.Header.Get(c.authHeader) == c.authValue+c.secret:
					reply(200, `{"uuid":"u","name":"n"}`)(w, req)
				case got == c.verify:
					reply(401, "")(w, req)
				case got == c.revoke:
					revoked = true
					st := 204
					if c.provider != "buildkite" {
						st = 200
					}
					reply(st, "")(w, req)
				default:
					reply(404, "")(w, req)
				}
			})
			h := newHarness(envBase(c.provider, v.URL()))
			res, _ := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{finding(r, c.secret, nil)}, nil), RevokeOptions{})
			if res[0].Outcome != Revoked {
				t.Fatalf("%+v", res[0])
			}
			q := v.requests()[1]
			if q.Method+" "+q.Path != c.revoke {
				t.Fatalf("revoke request %s %s", q.Method, q.Path)
			}
			if c.revokeNoAuth && q.Header.Get("Authorization") != "" {
				t.Fatalf("Authorization header on a public revoke")
			}
			if c.revokeBody != "" && q.Body != fmt.Sprintf(c.revokeBody, c.secret) {
				t.Fatalf("body %q", q.Body)
			}
		})
	}
	t.Run("jfrog needs a configured host", func(t *testing.T) {
		r := mustRule(t, set, "jfrog-reference-token")
		h := newHarness(nil)
		st := h.engine().Verify(context.Background(), r, finding(r, "cmVmdGtu"+strings.Repeat("F", 56), nil))
		if st.State != Unknown || len(h.dials.list()) != 0 {
			t.Fatalf("%+v", st)
		}
	})
}

// TestOptInProbe: PyPI's upload probe runs only when opted in, and sends
// the documented multipart request with Basic __token__.
func TestOptInProbe(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "pypi-upload-token")
	secret := "pypi-AgEIcHlwaS5vcmc" + strings.Repeat("F", 60)
	v := newVendor(t, reply(400, "Include at least one message digest."))
	h := newHarness(envBase("pypi", v.URL()))
	st := h.engine().Verify(context.Background(), r, finding(r, secret, nil))
	if st.State != Unknown || !strings.Contains(st.Reason, "opt-in") || len(v.requests()) != 0 {
		t.Fatalf("without opt-in: %+v", st)
	}
	h.opts.OptIn = map[string]bool{"pypi": true}
	st = h.engine().Verify(context.Background(), r, finding(r, secret, nil))
	if st.State != Live {
		t.Fatalf("%+v", st)
	}
	q := v.requests()[0]
	user, pass, ok := (&http.Request{Header: q.Header}).BasicAuth()
	if q.Method != "POST" || q.Path != "/legacy/" || !ok || user != "__token__" || pass != secret ||
		!strings.Contains(q.Body, "name=\":action\"\r\n\r\nfile_upload") {
		t.Fatalf("%+v", q)
	}
}

func yunxiaoFixture() (secret, id string) {
	id = "pt-" + "SCOURfakeEXAMPLEtoken000"
	return id + "_" + "00000000-0000-4000-8000-000000000000", id
}

// TestYunxiaoVerify follows docs/providers.md §2.5's decision table.
func TestYunxiaoVerify(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "yunxiao-pat")
	secret, id := yunxiaoFixture()
	cases := []struct {
		status int
		body   string
		want   State
	}{
		{200, `{"id":"u1","username":"dev","email":"dev@example.com","lastOrganization":"org1"}`, Live},
		{401, `{"errorCode":"InvalidTokenError"}`, Dead},
		{403, `{"errorCode":"Forbidden.InvalidUser.UserNotInCurrentOrganization"}`, LiveLimited},
		{400, `{"errorCode":"UnsupportedCurrentTokenType"}`, Unknown},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.status), func(t *testing.T) {
			v := newVendor(t, reply(c.status, c.body))
			h := newHarness(envBase("yunxiao", v.URL()))
			st := h.engine().Verify(context.Background(), r, finding(r, secret, map[string]string{"id": id}))
			if st.State != c.want {
				t.Fatalf("%+v", st)
			}
			q := v.requests()[0]
			if q.Method != "GET" || q.Path != "/oapi/v1/platform/user" || q.Header.Get("x-yunxiao-token") != secret || q.Header.Get("Authorization") != "" {
				t.Fatalf("%+v", q)
			}
			if c.want == Live && (st.Owner["username"] != "dev" || st.Owner["email"] != "dev@example.com" || st.Owner["organization"] != "org1") {
				t.Fatalf("owner %v", st.Owner)
			}
		})
	}
	t.Run("404 wrong host tries the next host", func(t *testing.T) {
		v := newVendor(t, reply(404, `{"errorMessage":"iamv1: domain not found"}`))
		h := newHarness(envBase("yunxiao", v.URL()))
		st := h.engine().Verify(context.Background(), r, finding(r, secret, map[string]string{"id": id}))
		if st.State != Unknown || len(v.requests()) != 1 {
			t.Fatalf("%+v", st)
		}
		if d := h.dials.list(); len(d) != 1 || d[0] != "openapi-rdc.aliyuncs.com:443" {
			t.Fatalf("next host: dials %v, want central", d)
		}
	})
	t.Run("context host: allow-listed only, before central", func(t *testing.T) {
		for host, want := range map[string]string{
			"org1.devops.aliyuncs.com":    "org1.devops.aliyuncs.com:443",
			"acme.rdc.aliyuncs.com":       "acme.rdc.aliyuncs.com:443",
			"evil.example.com":            "openapi-rdc.aliyuncs.com:443",
			"a.b.devops.aliyuncs.com":     "openapi-rdc.aliyuncs.com:443",
			"devops.aliyuncs.com.evil.io": "openapi-rdc.aliyuncs.com:443",
			"127.0.0.1":                   "openapi-rdc.aliyuncs.com:443",
		} {
			h := newHarness(nil)
			h.engine().Verify(context.Background(), r, finding(r, secret, map[string]string{"id": id, "host": host}))
			if d := h.dials.list(); len(d) != 1 || d[0] != want {
				t.Errorf("context host %s: dials %v, want %s first", host, d, want)
			}
		}
	})
}

// TestYunxiaoRevoke: the admin DELETE by token id on a configured
// dedicated host with the admin token from the environment, then
// re-verify; without them, manual steps naming the owner and token id.
func TestYunxiaoRevoke(t *testing.T) {
	set := builtin(t)
	r := mustRule(t, set, "yunxiao-pat")
	secret, id := yunxiaoFixture()
	admin := "pt-" + "ADMINfakeEXAMPLEtoken000" + "_" + "11111111-0000-4000-8000-000000000000"
	deleted := false
	var mu sync.Mutex
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case req.Method == "GET" && req.URL.Path == "/oapi/v1/platform/user":
			if deleted || req.Header.Get("x-yunxiao-token") != secret {
				reply(401, `{"errorCode":"InvalidTokenError"}`)(w, req)
				return
			}
			reply(200, `{"id":"u1","username":"dev","email":"dev@example.com"}`)(w, req)
		case req.Method == "DELETE" && req.URL.Path == "/oapi/v1/platform/users/admin/personalAccessTokens/"+id:
			if req.Header.Get("x-yunxiao-token") != admin {
				reply(403, `{"errorCode":"Forbidden"}`)(w, req)
				return
			}
			deleted = true
			reply(200, `{}`)(w, req)
		default:
			reply(404, `{}`)(w, req)
		}
	})
	f := finding(r, secret, map[string]string{"id": id})

	t.Run("manual without an admin token", func(t *testing.T) {
		h := newHarness(envBase("yunxiao", v.URL()))
		res, _ := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{f}, nil), RevokeOptions{})
		x := res[0]
		if x.Outcome != Manual || x.Class != "admin" || !strings.Contains(x.Reason, "SCOUR_YUNXIAO_ADMIN_TOKEN") {
			t.Fatalf("%+v", x)
		}
		if !strings.Contains(x.Instructions, "dev <dev@example.com>") || !strings.Contains(x.Instructions, id) ||
			!strings.Contains(x.Instructions, "个人访问令牌") || x.Console == "" {
			t.Fatalf("instructions %q console %q", x.Instructions, x.Console)
		}
		noSecret(t, "instructions", x.Instructions, secret)
		noSecret(t, "instructions", x.Instructions, secret[len(id)+1:])
		for _, q := range v.requests() {
			if q.Method == "DELETE" {
				t.Fatal("DELETE sent without an admin token")
			}
		}
	})
	t.Run("admin delete then re-verify", func(t *testing.T) {
		env := envBase("yunxiao", v.URL())
		env["SCOUR_YUNXIAO_ADMIN_TOKEN"] = admin
		h := newHarness(env)
		res, _ := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{f}, nil), RevokeOptions{})
		if res[0].Outcome != Revoked || res[0].Reason != "revoked (confirmed dead)" {
			t.Fatalf("%+v", res[0])
		}
		noSecret(t, "reason", res[0].Reason, admin)
	})
}

// TestVerifyOnlyProviders: each sends the documented request, reads the
// documented answer as live, and revoke gives manual steps with a console.
func TestVerifyOnlyProviders(t *testing.T) {
	set := builtin(t)
	cases := []struct {
		rule, secret, method, path, query, header, value, body string
	}{
		{"rubygems-api-key", "rubygems_" + strings.Repeat("f", 48), "GET", "/api/v1/gems.json", "", "Authorization", "%s", `[]`},
		{"circleci-personal-token", "CCIPAT_" + strings.Repeat("F", 22) + "_" + strings.Repeat("f", 40), "GET", "/api/v2/me", "", "Circle-Token", "%s", `{"id":"u","login":"dev"}`},
		{"circleci-project-token", "CCIPRJ_" + strings.Repeat("F", 22) + "_" + strings.Repeat("f", 40), "GET", "/api/v1.1/project/gh/scour-verify/does-not-exist", "", "Circle-Token", "%s", `{}`},
		{"terraform-cloud-api-token", strings.Repeat("F", 14) + ".atlasv1." + strings.Repeat("F", 64), "GET", "/api/v2/account/details", "", "Authorization", "Bearer %s", `{"data":{"attributes":{"username":"dev"}}}`},
		{"sonarqube-user-token", "squ_" + strings.Repeat("f", 40), "GET", "/api/authentication/validate", "", "Authorization", "basic:%s:", `{"valid":true}`},
		{"sentry-user-token", "sntryu_" + strings.Repeat("f", 64), "GET", "/api/0/auth/validate/", "", "Authorization", "Bearer %s", `{}`},
		{"grafana-cloud-token", "glc_" + strings.Repeat("F", 40), "GET", "/api/v1/tokens", "region=us", "Authorization", "Bearer %s", `{}`},
		{"grafana-service-account-token", "glsa_" + strings.Repeat("F", 32) + "_" + strings.Repeat("f", 8), "GET", "/api/access-control/user/permissions", "", "Authorization", "Bearer %s", `{}`},
		{"pulumi-access-token", "pul-" + strings.Repeat("f", 40), "GET", "/api/user", "", "Authorization", "token %s", `{"githubLogin":"dev"}`},
		{"heroku-api-key-v2", "HRKU-AA" + strings.Repeat("F", 58), "GET", "/account", "", "Authorization", "Bearer %s", `{"email":"d@example.com"}`},
		{"jfrog-api-key", "AKCp" + strings.Repeat("F", 69), "GET", "/artifactory/api/system/ping", "", "X-JFrog-Art-Api", "%s", `OK`},
		{"nuget-api-key", "oy2" + strings.Repeat("a", 43), "PUT", "/api/v2/package", "", "X-NuGet-ApiKey", "%s", ``},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			r := mustRule(t, set, c.rule)
			status := 200
			if c.rule == "nuget-api-key" {
				status = 400 // the push probe: "package missing" proves the key works
			}
			v := newVendor(t, reply(status, c.body))
			h := newHarness(envBase(r.Provider, v.URL()))
			h.opts.OptIn = map[string]bool{r.Provider: true}
			f := finding(r, c.secret, nil)
			st := h.engine().Verify(context.Background(), r, f)
			if st.State != Live {
				t.Fatalf("%+v", st)
			}
			q := v.requests()[0]
			if q.Method != c.method || q.Path != c.path || q.Query != c.query {
				t.Fatalf("request %s %s?%s", q.Method, q.Path, q.Query)
			}
			got := q.Header.Get(c.header)
			if strings.HasPrefix(c.value, "basic:") {
				user, pass, _ := (&http.Request{Header: q.Header}).BasicAuth()
				got = "basic:" + user + ":" + pass
			}
			if want := fmt.Sprintf(c.value, c.secret); got != want {
				t.Fatalf("%s: %q, want %q", c.header, got, want)
			}
			res, _ := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{f}, nil), RevokeOptions{})
			if res[0].Outcome != Manual || res[0].Instructions == "" {
				t.Fatalf("revoke: %+v", res[0])
			}
			noSecret(t, "instructions", res[0].Instructions+res[0].Console, c.secret)
		})
	}
}
