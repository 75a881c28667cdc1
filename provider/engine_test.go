package provider

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
)

// acmePack is a synthetic provider exercising every engine feature.
const acmePack = `
provider: acme
rules:
  - id: acme-token
    description: Acme token
    pattern: '(?P<secret>acme_[A-Za-z0-9]{20})(?:@(?P<org>[a-z0-9/]+))?'
    keywords: [acme_]
    examples: ['t=acme_AAAAAAAAAAAAAAAAAAAA', 'u=acme_BBBBBBBBBBBBBBBBBBBB']
    negative_examples: ['acme_x', 'acme_y']
    verify:
      base_url: https://api.acme.example
      steps:
        - method: GET
          url: ${base_url}/v1/me?org=${org}
          headers: {Authorization: 'Bearer ${secret}'}
          outcomes:
            - {status: [200], exists: [login], result: live, owner: {username: login, email: email, scopes: 'header:X-Scopes'}}
            - {status: [403], result: live-limited, reason: lacks scope}
            - {status: [401], result: dead}
      fixtures:
        - {name: ok, context: {org: o}, responses: [{status: 200, body: '{"login":"x"}'}], result: live}
    revoke:
      class: self
      base_url: https://api.acme.example
      steps:
        - method: DELETE
          url: ${base_url}/v1/tokens/self
          headers: {Authorization: 'Bearer ${secret}'}
          outcomes:
            - {status: [204], result: revoked}
            - {status: [401], result: already-revoked}
      fixtures:
        - {name: ok, responses: [{status: 204}], result: revoked}
  - id: acme-legacy
    description: Acme legacy token (same secret space as acme-token)
    pattern: 'acme_legacy=(?P<secret>acme_[A-Za-z0-9]{20})'
    keywords: [acme_legacy]
    examples: ['acme_legacy=acme_AAAAAAAAAAAAAAAAAAAA', 'acme_legacy=acme_CCCCCCCCCCCCCCCCCCCC']
    negative_examples: ['acme_legacy=x', 'acme_legacy=y']
    verify:
      base_url: https://api.acme.example
      steps:
        - method: GET
          url: ${base_url}/v1/me
          headers: {Authorization: 'Bearer ${secret}'}
          outcomes:
            - {status: [200], result: live}
            - {status: [401], result: dead}
      fixtures:
        - {name: ok, responses: [{status: 200}], result: live}
`

func acme(t *testing.T) (*rules.Set, *rules.Rule) {
	set := loadPack(t, acmePack)
	return set, set.Rule("acme-token")
}

const acmeSecret = "acme_" + "SCOURfakeFIXTURE0000"

func TestVerifyMapsStatusesAndRecordsOwner(t *testing.T) {
	_, r := acme(t)
	cases := []struct {
		name   string
		h      http.HandlerFunc
		state  State
		reason string
	}{
		{"200 with login is live", reply(200, `{"login":"octo","email":"o@example.com"}`, "X-Scopes", "repo"), Live, ""},
		{"200 without login is unknown", reply(200, `{}`), Unknown, "unexpected response (HTTP 200)"},
		{"403 is live-limited", reply(403, `{"message":"Forbidden"}`), LiveLimited, "lacks scope"},
		{"401 is dead", reply(401, `{"message":"Bad credentials"}`), Dead, ""},
		{"404 is unknown", reply(404, `{}`), Unknown, "unexpected response (HTTP 404)"},
		{"302 is not followed", reply(302, "", "Location", "http://127.0.0.1:1/steal"), Unknown, "redirect (HTTP 302) not followed"},
		{"500 after retries is unknown", reply(500, ""), Unknown, "server error (HTTP 500)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newVendor(t, c.h)
			h := newHarness(map[string]string{"SCOUR_ACME_BASE_URL": v.URL()})
			st := h.engine().Verify(context.Background(), r, finding(r, acmeSecret, map[string]string{"org": "a/b"}))
			if st.State != c.state || (c.reason != "" && st.Reason != c.reason) {
				t.Fatalf("got %s (%s), want %s (%s)", st.State, st.Reason, c.state, c.reason)
			}
			reqs := v.requests()
			want := 1
			if c.state == Unknown && strings.HasPrefix(c.reason, "server error") {
				want = 3 // default two retries
			}
			if len(reqs) != want {
				t.Fatalf("%d requests, want %d", len(reqs), want)
			}
			q := reqs[0]
			// The context value is query-escaped: it cannot change the path or host.
			if q.Method != "GET" || q.Path != "/v1/me" || q.Query != "org=a%2Fb" {
				t.Errorf("request %s %s?%s", q.Method, q.Path, q.Query)
			}
			if got := q.Header.Get("Authorization"); got != "Bearer "+acmeSecret {
				t.Errorf("Authorization %q", got)
			}
			if c.state == Live {
				if st.Owner.String() != "octo <o@example.com>" || st.Owner["scopes"] != "repo" {
					t.Errorf("owner %v", st.Owner)
				}
			}
			noSecret(t, "reason", st.Reason, acmeSecret)
		})
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	_, r := acme(t)
	v := newVendor(t, sequence(reply(429, "", "Retry-After", "7"), reply(503, ""), reply(200, `{"login":"x"}`)))
	h := newHarness(map[string]string{"SCOUR_ACME_BASE_URL": v.URL()})
	st := h.engine().Verify(context.Background(), r, finding(r, acmeSecret, nil))
	if st.State != Live {
		t.Fatalf("state %s (%s)", st.State, st.Reason)
	}
	if n := len(v.requests()); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
	got := h.sleeps.list()
	want := []time.Duration{7 * time.Second, 20 * time.Millisecond}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("waits %v, want %v (Retry-After, then doubled backoff)", got, want)
	}
}

func TestRetryAfterTooLongIsUnknown(t *testing.T) {
	_, r := acme(t)
	v := newVendor(t, reply(429, "", "Retry-After", "3600"))
	h := newHarness(map[string]string{"SCOUR_ACME_BASE_URL": v.URL()})
	st := h.engine().Verify(context.Background(), r, finding(r, acmeSecret, nil))
	if st.State != Unknown || !strings.Contains(st.Reason, "rate limited (HTTP 429, Retry-After 3600)") {
		t.Fatalf("got %s (%s)", st.State, st.Reason)
	}
	if n := len(v.requests()); n != 1 || len(h.sleeps.list()) != 0 {
		t.Fatalf("%d requests, waits %v: should give up at once", n, h.sleeps.list())
	}
}

func TestSlowResponseTimesOutAsUnknown(t *testing.T) {
	_, r := acme(t)
	release := make(chan struct{})
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-release:
		case <-req.Context().Done():
		}
	})
	defer close(release)
	h := newHarness(map[string]string{"SCOUR_ACME_BASE_URL": v.URL()})
	h.opts.Timeout = 150 * time.Millisecond
	st := h.engine().Verify(context.Background(), r, finding(r, acmeSecret, nil))
	if st.State != Unknown || !strings.Contains(st.Reason, "timed out") {
		t.Fatalf("got %s (%s), want unknown: timed out", st.State, st.Reason)
	}
}

func TestRedirectTargetNeverContacted(t *testing.T) {
	_, r := acme(t)
	thief := newVendor(t, reply(200, `{"login":"thief"}`))
	v := newVendor(t, reply(307, "", "Location", thief.URL()+"/v1/me"))
	h := newHarness(map[string]string{"SCOUR_ACME_BASE_URL": v.URL()})
	st := h.engine().Verify(context.Background(), r, finding(r, acmeSecret, nil))
	if st.State != Unknown || len(thief.requests()) != 0 {
		t.Fatalf("got %s (%s); redirect target saw %d requests", st.State, st.Reason, len(thief.requests()))
	}
}

func TestBaseURLSafety(t *testing.T) {
	_, r := acme(t)
	f := finding(r, acmeSecret, nil)
	cases := []struct{ name, base, want string }{
		{"plain http off loopback", "http://api.acme.example", "TLS is required"},
		{"user info", "https://u:p@api.acme.example", "bad base URL"},
		{"query", "https://api.acme.example/?x=1", "bad base URL"},
		{"not a URL scheme", "ftp://api.acme.example", "refusing scheme"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(map[string]string{"SCOUR_ACME_BASE_URL": c.base})
			st := h.engine().Verify(context.Background(), r, f)
			if st.State != Unknown || !strings.Contains(st.Reason, c.want) {
				t.Fatalf("got %s (%s), want unknown: %s", st.State, st.Reason, c.want)
			}
			// The reason is printed: it must not repeat a password in the URL.
			if strings.Contains(st.Reason, "u:p@") {
				t.Errorf("reason %q repeats the URL's password", st.Reason)
			}
			if d := h.dials.list(); len(d) != 0 {
				t.Fatalf("dialled %v", d)
			}
		})
	}
	t.Run("default host when nothing is configured", func(t *testing.T) {
		h := newHarness(nil)
		st := h.engine().Verify(context.Background(), r, f)
		if d := h.dials.list(); len(d) != 1 || d[0] != "api.acme.example:443" {
			t.Fatalf("dials %v, want the rule's API host", d)
		}
		if st.State != Unknown {
			t.Fatalf("state %s", st.State)
		}
	})
	t.Run("config map, env wins", func(t *testing.T) {
		cfg := newVendor(t, reply(401, ""))
		env := newVendor(t, reply(200, `{"login":"x"}`))
		h := newHarness(nil)
		h.opts.BaseURLs = map[string]string{"acme": cfg.URL()}
		if st := h.engine().Verify(context.Background(), r, f); st.State != Dead || len(cfg.requests()) != 1 {
			t.Fatalf("config base: %s, %d requests", st.State, len(cfg.requests()))
		}
		h.env = map[string]string{"SCOUR_ACME_BASE_URL": env.URL()}
		if st := h.engine().Verify(context.Background(), r, f); st.State != Live || len(env.requests()) != 1 {
			t.Fatalf("env base: %s, %d requests", st.State, len(env.requests()))
		}
	})
}

func TestVerifyAllOncePerSecretAndRefusals(t *testing.T) {
	set, r := acme(t)
	legacy := set.Rule("acme-legacy")
	var inflight, peak atomic.Int32
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		n := inflight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inflight.Add(-1)
		reply(200, `{"login":"x"}`)(w, req)
	})
	h := newHarness(map[string]string{"SCOUR_ACME_BASE_URL": v.URL()})
	h.opts.PerHost = 2
	e := h.engine()

	var fs []scanner.Finding
	// The same secret found by two rules of one provider, three times.
	fs = append(fs, finding(r, acmeSecret, nil), finding(legacy, acmeSecret, nil), finding(r, acmeSecret, nil))
	// Eight other secrets.
	for i := range 8 {
		fs = append(fs, finding(r, "acme_"+strings.Repeat(string(rune('a'+i)), 20), nil))
	}
	// A secret claimed by another provider's rule too: never sent.
	other := finding(r, "acme_"+strings.Repeat("z", 20), nil)
	alien := other
	alien.RuleID, alien.Provider = "alien-token", "alien"
	fs = append(fs, other, alien)
	// A redacted secret: never sent.
	red := finding(r, "acme_"+strings.Repeat("r", 20), nil)
	red.Secret = "acme_rrrr…"
	fs = append(fs, red)

	sts := e.VerifyAll(context.Background(), set.Rule, fs)
	if len(sts) != 11 {
		t.Fatalf("%d statuses, want 11 (one per secret)", len(sts))
	}
	if n := len(v.requests()); n != 9 {
		t.Fatalf("%d requests, want 9 (each live secret once)", n)
	}
	if p := peak.Load(); p > 2 {
		t.Fatalf("%d concurrent requests to one host, limit 2", p)
	}
	if sts[9].State != Unknown || !strings.Contains(sts[9].Reason, "several providers (acme, alien)") {
		t.Fatalf("overlap: %+v", sts[9])
	}
	if sts[10].State != Unknown || !strings.Contains(sts[10].Reason, "--show-secrets") {
		t.Fatalf("redacted: %+v", sts[10])
	}
	// Verified again in the same run: from the cache.
	e.Verify(context.Background(), legacy, fs[1]) // the rule VerifyAll picked (first by id)
	if n := len(v.requests()); n != 9 {
		t.Fatalf("cache miss: %d requests", n)
	}
	// Concurrent callers share one request.
	f := finding(r, "acme_"+strings.Repeat("q", 20), nil)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { e.Verify(context.Background(), r, f) })
	}
	wg.Wait()
	if n := len(v.requests()); n != 10 {
		t.Fatalf("concurrent verifies sent %d requests, want one more", n-9)
	}
}

func TestRevokeSelfConfirmsAndAudits(t *testing.T) {
	set, r := acme(t)
	revoked := false
	var mu sync.Mutex
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case req.Method == "GET" && revoked:
			reply(401, `{}`)(w, req)
		case req.Method == "GET":
			reply(200, `{"login":"octo"}`)(w, req)
		case req.Method == "DELETE" && revoked:
			reply(401, `{}`)(w, req)
		case req.Method == "DELETE":
			revoked = true
			reply(204, "")(w, req)
		}
	})
	h := newHarness(map[string]string{"SCOUR_ACME_BASE_URL": v.URL()})
	dir := t.TempDir()
	auditPath := filepath.Join(dir, "audit.jsonl")
	f := finding(r, acmeSecret, nil)

	run := func() Result {
		log, err := OpenAudit(auditPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		before, err := RevokedFingerprints(auditPath)
		if err != nil {
			t.Fatal(err)
		}
		plan := Plan(set.Rule, []scanner.Finding{f}, nil)
		res, err := h.engine().Revoke(context.Background(), plan, RevokeOptions{
			Audit:         log.Record,
			RevokedBefore: func(fp string) bool { return before[fp] },
		})
		if err != nil || len(res) != 1 {
			t.Fatalf("revoke: %v, %d results", err, len(res))
		}
		return res[0]
	}
	first := run()
	if first.Outcome != Revoked || first.Reason != "revoked (confirmed dead)" || first.Owner["username"] != "octo" {
		t.Fatalf("first run: %+v", first)
	}
	reqs := v.requests()
	if len(reqs) != 3 || reqs[1].Method != "DELETE" || reqs[1].Path != "/v1/tokens/self" || reqs[1].Header.Get("Authorization") != "Bearer "+acmeSecret {
		t.Fatalf("requests %+v", reqs)
	}
	second := run()
	if second.Outcome != AlreadyRevoked {
		t.Fatalf("second run: %+v", second)
	}
	data, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, "audit log", string(data), acmeSecret)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("audit lines %d, want 2", len(lines))
	}
	var rec AuditRecord
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Fingerprint != f.Fingerprint || rec.RuleID != "acme-token" || rec.Provider != "acme" || rec.Outcome != Revoked ||
		rec.HTTPStatus != 204 || rec.Host != strings.TrimPrefix(v.URL(), "http://") || rec.Time.IsZero() {
		t.Fatalf("audit record %+v", rec)
	}
	if fi, err := os.Stat(auditPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit mode %v %v", fi.Mode(), err)
	}
	// A dead token nobody revoked is skipped.
	h2 := newHarness(map[string]string{"SCOUR_ACME_BASE_URL": newVendor(t, reply(401, "")).URL()})
	res, _ := h2.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{f}, nil), RevokeOptions{})
	if res[0].Outcome != Skipped {
		t.Fatalf("dead token: %+v", res[0])
	}
}

func TestRevokeFailureStillLive(t *testing.T) {
	set, r := acme(t)
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		if req.Method == "DELETE" {
			reply(204, "")(w, req)
			return
		}
		reply(200, `{"login":"octo"}`)(w, req)
	})
	h := newHarness(map[string]string{"SCOUR_ACME_BASE_URL": v.URL()})
	res, err := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{finding(r, acmeSecret, nil)}, nil), RevokeOptions{})
	if err != nil || res[0].Outcome != Failed || !strings.Contains(res[0].Reason, "still live") {
		t.Fatalf("%v %+v", err, res)
	}
}

func TestPlanSelects(t *testing.T) {
	set, r := acme(t)
	a, b := finding(r, acmeSecret, nil), finding(r, "acme_"+strings.Repeat("b", 20), nil)
	plan := Plan(set.Rule, []scanner.Finding{a, b, a}, func(f scanner.Finding) bool { return f.Fingerprint == b.Fingerprint })
	if len(plan) != 1 || plan[0].Finding.Fingerprint != b.Fingerprint || plan[0].Kind != "auto" || plan[0].Class != "self" {
		t.Fatalf("plan %+v", plan)
	}
}

// fakeCoded is a coded provider that tries the allowed host and a host of
// its own choosing.
type fakeCoded struct{ elsewhere string }

func (c fakeCoded) Verify(ctx context.Context, d Doer, t Target) (Status, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", c.elsewhere+"/steal", nil)
	if _, err := d.Do(req); err == nil {
		return Status{}, errors.New("the Doer sent a request to a host the rule does not allow")
	}
	req, _ = http.NewRequestWithContext(ctx, "POST", t.BaseURL.String()+"/sts", strings.NewReader("k="+t.Secret))
	resp, err := d.Do(req)
	if err != nil {
		return Status{}, err
	}
	if resp.StatusCode == 200 {
		return Status{State: Live, HTTPStatus: 200, Owner: Owner{"arn": "acs:ram::1:root"}}, nil
	}
	return Status{State: Dead, HTTPStatus: resp.StatusCode, Reason: "rejected " + t.Secret}, nil
}

func (c fakeCoded) Revoke(ctx context.Context, d Doer, t Target) (Result, error) {
	return Result{Outcome: Revoked, HTTPStatus: 200}, nil
}

func TestCodedProviderBoundToItsHost(t *testing.T) {
	set := loadPack(t, `
provider: signed
rules:
  - id: signed-key
    description: a signed-protocol key
    pattern: '(?P<secret>SK[A-Z]{10})'
    keywords: [SKEY]
    verify:
      coded: fake-signer
      base_url: https://sts.signed.example
    revoke:
      class: self
      coded: fake-signer
      base_url: https://iam.signed.example
`)
	r := set.Rule("signed-key")
	thief := newVendor(t, reply(200, ""))
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		if req.Method == "POST" && req.URL.Path == "/sts" && string(b) == "k=SKABCDEFGHIJ" {
			w.WriteHeader(200)
			return
		}
		w.WriteHeader(403)
	})
	h := newHarness(envBase("signed", v.URL()))
	h.opts.Coded = map[string]Coded{"fake-signer": fakeCoded{elsewhere: thief.URL()}}
	st := h.engine().Verify(context.Background(), r, finding(r, "SKABCDEFGHIJ", nil))
	if st.State != Live || st.Owner["arn"] == "" || len(thief.requests()) != 0 {
		t.Fatalf("%+v (thief saw %d)", st, len(thief.requests()))
	}
	st = h.engine().Verify(context.Background(), r, finding(r, "SKZZZZZZZZZZ", nil))
	if st.State != Dead || strings.Contains(st.Reason, "SKZZZZZZZZZZ") {
		t.Fatalf("%+v: secret must be scrubbed from reasons", st)
	}
	// Not registered: unknown, nothing sent.
	h.opts.Coded = nil
	n := len(v.requests())
	st = h.engine().Verify(context.Background(), r, finding(r, "SKABCDEFGHIJ", nil))
	if st.State != Unknown || !strings.Contains(st.Reason, "not available") || len(v.requests()) != n {
		t.Fatalf("%+v", st)
	}
}
