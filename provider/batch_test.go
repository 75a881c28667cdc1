package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/scour-dev/scour/scanner"
)

// GitHub's public revoke takes every kind of token it covers (ghp_, gho_,
// ghu_, github_pat_, ghr_) in one request: a run with tokens of several
// rules sends one batch, not one per rule, out of its 60 requests an hour.
func TestPublicRevokeBatchesAcrossRules(t *testing.T) {
	set := builtin(t)
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
	fs := []scanner.Finding{
		finding(mustRule(t, set, "github-pat"), "ghp_"+fakeBody("a"), nil),
		finding(mustRule(t, set, "github-oauth"), "gho_"+fakeBody("b"), nil),
		finding(mustRule(t, set, "github-user-to-server"), "ghu_"+fakeBody("c"), nil),
	}
	res, err := h.engine().Revoke(context.Background(), Plan(set.Rule, fs, nil), RevokeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 1 || len(batches[0]) != 3 {
		t.Fatalf("sent %d requests %v, want one batch of 3", len(batches), batches)
	}
	for _, x := range res {
		if x.Outcome != Accepted {
			t.Errorf("%s: %s (%s)", x.RuleID, x.Outcome, x.Reason)
		}
	}
}

// fakeBody is 36 characters of a fake token body (no checksum needed: the
// engine does not re-check what the scanner found).
func fakeBody(seed string) string {
	b := []byte("SCOURfakeTOKENbodyFORbatchTEST000000")
	b[len(b)-1] = seed[0]
	return string(b)
}
