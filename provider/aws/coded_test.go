package aws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scour-dev/scour/provider"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
)

// testPack declares the AWS rules the way rules/builtin/aws.yaml wires them
// to this coded provider.
const testPack = `
provider: aws
rules:
  - id: aws-secret-access-key-after-id
    description: AWS secret access key after its ID
    pattern: '(?P<id>AKIA[A-Z2-7]{16}),(?P<secret>[A-Za-z0-9/+]{40})'
    keywords: [AKIA]
    verify:
      coded: aws-access-key
      base_url: https://sts.amazonaws.com
    revoke:
      class: manual
      console: https://console.aws.amazon.com/iam/home#/security_credentials
      manual: 'Make access key ${id} (${owner}) Inactive: aws iam update-access-key --access-key-id ${id} --status Inactive'
  - id: aws-access-key-id
    description: AWS access key ID
    pattern: '(?P<secret>AKIA[A-Z2-7]{16})'
    keywords: [AKIA]
    verify:
      coded: aws-access-key
      base_url: https://sts.amazonaws.com
`

type env struct {
	vars   map[string]string
	mu     sync.Mutex
	dialed []string
	opts   provider.Options
}

func newEnv(f *fakeSTS, vars map[string]string) *env {
	e := &env{vars: vars}
	p := New()
	if f != nil {
		p.Client = *testClient(f)
	}
	e.opts = provider.Options{
		Getenv: func(k string) string { return e.vars[k] },
		Coded:  map[string]provider.Coded{Name: p},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				e.mu.Lock()
				e.dialed = append(e.dialed, addr)
				e.mu.Unlock()
				return nil, errors.New("test network: non-loopback dial refused")
			}
			return (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, network, addr)
		},
		Sleep:   func(context.Context, time.Duration) error { return nil },
		Timeout: 30 * time.Second, // generous: a loaded CI machine must not turn a fake answer into "timed out"
	}
	return e
}

func loadTestRules(t *testing.T) *rules.Set {
	t.Helper()
	p, err := rules.ParsePack("aws-test.yaml", []byte(testPack))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Rules {
		if err := r.ValidateActions(); err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
	}
	set, err := rules.NewSet(p)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func finding(r *rules.Rule, id, secret string) scanner.Finding {
	sum := sha256.Sum256([]byte(secret))
	ctx := map[string]string{}
	if id != "" {
		ctx["id"] = id
	}
	return scanner.Finding{RuleID: r.ID, Provider: r.Provider, Secret: secret, Fingerprint: hex.EncodeToString(sum[:]), Context: ctx}
}

func TestEngineVerify(t *testing.T) {
	set := loadTestRules(t)
	r := set.Rule("aws-secret-access-key-after-id")
	f := newFakeSTS(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "111122223333", arn: "arn:aws:iam::111122223333:user/ci"})
	e := newEnv(f, map[string]string{"SCOUR_AWS_BASE_URL": f.srv.URL})
	st := provider.New(e.opts).Verify(context.Background(), r, finding(r, testID(1), testSecret(1)))
	if st.State != provider.Live || st.Owner["name"] != "ci" || st.HTTPStatus != 200 {
		t.Fatalf("status %+v", st)
	}
	ri := set.Rule("aws-access-key-id")
	if st := provider.New(e.opts).Verify(context.Background(), ri, finding(ri, "", testID(1))); st.State != provider.Unknown || !strings.Contains(st.Reason, "exists and is active") {
		t.Fatalf("id alone %+v", st)
	}
	if st := provider.New(e.opts).Verify(context.Background(), ri, finding(ri, "", testID(2))); st.State != provider.Dead {
		t.Fatalf("unknown id alone %+v", st)
	}
	if len(e.dialed) != 0 {
		t.Fatalf("dialed %v", e.dialed)
	}
}

func TestEngineVerifyTransport(t *testing.T) {
	set := loadTestRules(t)
	r := set.Rule("aws-secret-access-key-after-id")
	fnd := finding(r, testID(1), testSecret(1))
	t.Run("redirect not followed", func(t *testing.T) {
		hits := 0
		var mu sync.Mutex
		thief := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { mu.Lock(); hits++; mu.Unlock() }))
		defer thief.Close()
		f := newFakeSTS(t)
		f.hook = func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, thief.URL, http.StatusFound)
			return true
		}
		e := newEnv(f, map[string]string{"SCOUR_AWS_BASE_URL": f.srv.URL})
		st := provider.New(e.opts).Verify(context.Background(), r, fnd)
		mu.Lock()
		defer mu.Unlock()
		if st.State != provider.Unknown || st.HTTPStatus != 302 || hits != 0 {
			t.Fatalf("status %+v, redirect target hit %d times", st, hits)
		}
	})
	t.Run("5xx retried then unknown", func(t *testing.T) {
		f := newFakeSTS(t)
		f.override = &fakeReply{status: 503, code: "ServiceUnavailable"}
		e := newEnv(f, map[string]string{"SCOUR_AWS_BASE_URL": f.srv.URL})
		st := provider.New(e.opts).Verify(context.Background(), r, fnd)
		if st.State != provider.Unknown || len(f.log()) != 3 {
			t.Fatalf("status %+v after %d requests", st, len(f.log()))
		}
	})
	t.Run("TLS required off loopback", func(t *testing.T) {
		e := newEnv(nil, map[string]string{"SCOUR_AWS_BASE_URL": "http://sts.example.com"})
		st := provider.New(e.opts).Verify(context.Background(), r, fnd)
		if st.State != provider.Unknown || !strings.Contains(st.Reason, "TLS") || len(e.dialed) != 0 {
			t.Fatalf("status %+v, dialed %v", st, e.dialed)
		}
	})
	t.Run("default host", func(t *testing.T) {
		e := newEnv(nil, nil)
		provider.New(e.opts).Verify(context.Background(), r, fnd)
		if !slices.Equal(e.dialed, []string{"sts.amazonaws.com:443"}) {
			t.Fatalf("dialed %v", e.dialed)
		}
	})
}

// TestEngineRevokeIsManual: the plan for an AWS key is manual; scour
// sends nothing but the verification and prints the IAM steps.
func TestEngineRevokeIsManual(t *testing.T) {
	set := loadTestRules(t)
	r := set.Rule("aws-secret-access-key-after-id")
	f := newFakeSTS(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "111122223333", arn: "arn:aws:iam::111122223333:user/ci"})
	e := newEnv(f, map[string]string{"SCOUR_AWS_BASE_URL": f.srv.URL})
	fnd := finding(r, testID(1), testSecret(1))
	res, err := provider.New(e.opts).Revoke(context.Background(), provider.Plan(set.Rule, []scanner.Finding{fnd}, nil), provider.RevokeOptions{})
	if err != nil || len(res) != 1 {
		t.Fatalf("revoke %v %+v", err, res)
	}
	got := res[0]
	if got.Outcome != provider.Manual || !strings.Contains(got.Instructions, testID(1)) || !strings.Contains(got.Instructions, "ci") || strings.Contains(got.Instructions, testSecret(1)) {
		t.Fatalf("result %+v", got)
	}
	if n := len(f.log()); n != 1 {
		t.Fatalf("%d requests, want only the verification", n)
	}
}

// TestProviderRevokeSteps covers the coded Revoke (for rules that route
// revoke to the provider): owner-specific console page and CLI steps.
func TestProviderRevokeSteps(t *testing.T) {
	f := newFakeSTS(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "111122223333", arn: "arn:aws:iam::111122223333:user/team/ci"})
	p := &Provider{Client: *testClient(f)}
	res, err := p.Revoke(context.Background(), plainHTTP(), provider.Target{Secret: testSecret(1), Context: map[string]string{"id": testID(1)}, BaseURL: f.URL()})
	if err != nil || res.Outcome != provider.Manual || !strings.Contains(res.Console, "users/details/ci") ||
		!strings.Contains(res.Instructions, "aws iam update-access-key --access-key-id "+testID(1)+" --status Inactive --user-name ci") {
		t.Fatalf("result %+v %v", res, err)
	}
	// A dead key is already revoked.
	res, _ = p.Revoke(context.Background(), plainHTTP(), provider.Target{Secret: testSecret(2), Context: map[string]string{"id": testID(2)}, BaseURL: f.URL()})
	if res.Outcome != provider.AlreadyRevoked {
		t.Fatalf("dead key %+v", res)
	}
	// The ID alone: named, shortened, in the steps; no request.
	n := len(f.log())
	res, _ = p.Revoke(context.Background(), plainHTTP(), provider.Target{Secret: testID(3), BaseURL: f.URL()})
	if res.Outcome != provider.Manual || strings.Contains(res.Instructions, testID(3)) || !strings.Contains(res.Instructions, testID(3)[:8]+"…") || len(f.log()) != n {
		t.Fatalf("id alone %+v", res)
	}
}
