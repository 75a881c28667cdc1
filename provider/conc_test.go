package provider

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scour-dev/scour/scanner"
)

// acmeSecrets returns n distinct findings of r.
func acmeSecrets(t *testing.T, n int) []scanner.Finding {
	_, r := acme(t)
	var fs []scanner.Finding
	for i := range n {
		s := []byte(acmeSecret)
		s[len(s)-1] = byte('a' + i)
		fs = append(fs, finding(r, string(s), nil))
	}
	return fs
}

// Once the run is interrupted no further secret is started: the vendor
// sees exactly the requests begun before, and every other secret is
// reported unknown, "interrupted". Concurrency 1 makes "before" exact.
func TestVerifyAllStopsLaunchingAfterCancel(t *testing.T) {
	t.Parallel()
	set, _ := acme(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		cancel() // Ctrl-C while the first secret is being checked
		reply(200, `{"login":"x"}`)(w, r)
	})
	h := newHarness(envBase("acme", v.URL()))
	h.opts.Concurrency = 1
	var progress atomic.Int64
	h.opts.Progress = func(done, total int) { progress.Store(int64(done*100 + total)) }
	sts := h.engine().VerifyAll(ctx, set.Rule, acmeSecrets(t, 5))
	if n := len(v.requests()); n != 1 {
		t.Fatalf("%d requests after the interrupt, want 1", n)
	}
	for i, st := range sts[1:] {
		if st.State != Unknown || !strings.Contains(st.Reason, "interrupted") {
			t.Errorf("secret %d: %s (%s), want unknown: interrupted", i+2, st.State, st.Reason)
		}
	}
	if got := progress.Load(); got != 5*100+5 {
		t.Errorf("last progress %d/%d, want 5/5", got/100, got%100)
	}

	// Interrupted before the start: nothing is sent, for revoke either.
	res, err := h.engine().Revoke(ctx, Plan(set.Rule, acmeSecrets(t, 3), nil), RevokeOptions{})
	if err == nil || len(v.requests()) != 1 {
		t.Fatalf("revoke after the interrupt: err %v, %d requests", err, len(v.requests()))
	}
	for _, r := range res {
		if r.Fingerprint != "" {
			t.Errorf("revoke after the interrupt reports %+v as done", r)
		}
	}
}

// A panic while checking one secret (a bug, say in a coded provider
// parsing a vendor's answer) makes that secret unknown; the others are
// still checked and the process lives on.
func TestVerifyAllSurvivesAPanic(t *testing.T) {
	t.Parallel()
	set := loadPack(t, `
provider: signed
rules:
  - id: signed-key
    description: a signed-protocol key
    pattern: '(?P<secret>SK[A-Z]{10})'
    keywords: [SKEY]
    verify:
      coded: boom
      base_url: https://sts.signed.example
`)
	r := set.Rule("signed-key")
	h := newHarness(map[string]string{})
	h.opts.Coded = map[string]Coded{"boom": panicky{}}
	sts := h.engine().VerifyAll(context.Background(), set.Rule, []scanner.Finding{
		finding(r, "SKPANICPANIC", nil), finding(r, "SKDEADDEADDD", nil)})
	if sts[0].State != Unknown || !strings.Contains(sts[0].Reason, "internal error") {
		t.Errorf("panicking check: %s (%s)", sts[0].State, sts[0].Reason)
	}
	if sts[1].State != Dead {
		t.Errorf("the other secret: %s (%s), want dead", sts[1].State, sts[1].Reason)
	}
}

type panicky struct{}

func (panicky) Verify(_ context.Context, _ Doer, t Target) (Status, error) {
	if strings.Contains(t.Secret, "PANIC") {
		panic("index out of range")
	}
	return Status{State: Dead}, nil
}

func (panicky) Revoke(context.Context, Doer, Target) (Result, error) { return Result{}, nil }

// revokePack revokes with the given method, with a budget of perHour
// requests.
func revokePack(method, perHour string) string {
	return `
provider: acme
rules:
  - id: acme-token
    description: Acme token
    pattern: '(?P<secret>acme_[A-Za-z0-9]{20})'
    keywords: [acme_]
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
    revoke:
      class: self
      base_url: https://api.acme.example
      per_hour: ` + perHour + `
      steps:
        - method: ` + method + `
          url: ${base_url}/v1/tokens/self
          headers: {Authorization: 'Bearer ${secret}'}
          outcomes:
            - {status: [204], result: revoked}
      fixtures:
        - {name: ok, responses: [{status: 204}], result: revoked}
`
}

// revokeAgainst revokes n secrets against a vendor whose verify says live
// and whose revoke endpoint answers status; it returns the results and
// how many revoke requests arrived.
func revokeAgainst(t *testing.T, pack string, n, status int) ([]Result, int) {
	set := loadPack(t, pack)
	var revokes atomic.Int64
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/me" {
			reply(200, `{}`)(w, r)
			return
		}
		revokes.Add(1)
		reply(status, `{}`)(w, r)
	})
	h := newHarness(envBase("acme", v.URL()))
	res, err := h.engine().Revoke(context.Background(), Plan(set.Rule, acmeSecrets(t, n), nil), RevokeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res, int(revokes.Load())
}

// A revoke by a non-idempotent method answered with a 5xx is not sent
// again (the vendor may have acted); a 429 is retried; an idempotent
// DELETE is retried on a 5xx.
func TestRevokeRetriesOnlyWhatIsSafe(t *testing.T) {
	t.Parallel()
	cases := []struct {
		method string
		status int
		want   int
	}{
		{"POST", 503, 1},
		{"PATCH", 500, 1},
		{"POST", 429, 3},
		{"DELETE", 503, 3},
	}
	for _, c := range cases {
		res, n := revokeAgainst(t, revokePack(c.method, "0"), 1, c.status)
		if n != c.want {
			t.Errorf("%s answered %d: %d requests, want %d", c.method, c.status, n, c.want)
		}
		if res[0].Outcome != Failed {
			t.Errorf("%s answered %d: outcome %s, want failed", c.method, c.status, res[0].Outcome)
		}
	}
}

// Retries are requests like any other against a per_hour budget: with a
// budget of 2, a failing revoke is sent twice, not three times, and the
// next secret is refused for lack of budget.
func TestRevokeRetriesSpendTheBudget(t *testing.T) {
	t.Parallel()
	res, n := revokeAgainst(t, revokePack("DELETE", "2"), 2, 503)
	if n != 2 {
		t.Errorf("%d revoke requests, want 2 (the budget)", n)
	}
	if res[1].Outcome != Failed || !strings.Contains(res[1].Reason, "allows 2 revoke requests an hour") {
		t.Errorf("second secret: %s (%s)", res[1].Outcome, res[1].Reason)
	}
}
