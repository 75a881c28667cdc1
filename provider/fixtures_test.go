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

	"github.com/scour-dev/scour/rules"
)

// TestRuleFixtures replays every built-in rule's declared fixtures: each
// fixture's canned responses, served in order by a loopback server, must
// give the declared result, through the same code that talks to vendors.
func TestRuleFixtures(t *testing.T) {
	set := builtin(t)
	n := 0
	for _, r := range set.Rules() {
		type block struct {
			name   string
			a      *rules.Action
			revoke *rules.Revoke
		}
		var blocks []block
		if r.Verify != nil && len(r.Verify.Steps) > 0 {
			blocks = append(blocks, block{"verify", r.Verify, nil})
		}
		if r.Revoke != nil && len(r.Revoke.Steps) > 0 {
			blocks = append(blocks, block{"revoke", &r.Revoke.Action, r.Revoke})
		}
		for _, b := range blocks {
			for _, fx := range b.a.Fixtures {
				n++
				t.Run(r.ID+"/"+b.name+"/"+fx.Name, func(t *testing.T) {
					replayFixture(t, r, b.a, b.revoke, fx)
				})
			}
		}
	}
	if n == 0 {
		t.Fatal("no rule declares fixtures")
	}
}

func replayFixture(t *testing.T, r *rules.Rule, a *rules.Action, rv *rules.Revoke, fx rules.Fixture) {
	var mu sync.Mutex
	i := 0
	v := newVendor(t, func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		k := i
		i++
		mu.Unlock()
		if k >= len(fx.Responses) {
			w.WriteHeader(599) // more requests than the fixture has answers
			return
		}
		resp := fx.Responses[k]
		for hk, hv := range resp.Headers {
			w.Header().Set(hk, hv)
		}
		w.WriteHeader(resp.Status)
		fmt.Fprint(w, resp.Body)
	})
	h := newHarness(nil)
	h.opts.Retries = -1 // replay exactly the declared responses
	e := h.engine()
	secret := fx.Secret
	if secret == "" {
		secret = "FAKE-FIXTURE-SECRET"
	}
	vars := map[string]string{}
	for _, g := range r.GroupNames() {
		vars[g] = fx.Context[g]
	}
	vars["secret"] = secret
	if rv != nil && rv.CredentialEnv != "" {
		vars["credential"] = "FAKE-ADMIN-CREDENTIAL"
	}
	if rv != nil && rv.Batch > 0 {
		b, _ := json.Marshal([]string{secret})
		vars["secrets_json"] = string(b)
	}
	base, _ := url.Parse(v.URL())
	got := e.run(context.Background(), a, base, vars, sendOpts{})
	if got.Result != fx.Result {
		t.Fatalf("result %q (%s), fixture says %q", got.Result, got.Reason, fx.Result)
	}
	reqs := v.requests()
	if len(reqs) == 0 || len(reqs) > len(fx.Responses) {
		t.Fatalf("%d requests for %d canned responses", len(reqs), len(fx.Responses))
	}
	for k, q := range reqs {
		s := a.Steps[k]
		if q.Method != s.Method {
			t.Errorf("request %d: method %s, step says %s", k+1, q.Method, s.Method)
		}
		if strings.Contains(q.Path+"?"+q.Query, secret) && !strings.Contains(s.URL, "${secret}") {
			t.Errorf("request %d: secret in the URL", k+1)
		}
		if rv != nil && (rv.Class == rules.ClassPublic) && q.Header.Get("Authorization") != "" {
			t.Errorf("public revoke sent an Authorization header")
		}
	}
	if d := h.dials.list(); len(d) != 0 {
		t.Fatalf("dialled non-loopback %v", d)
	}
}
