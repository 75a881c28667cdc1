package alibaba

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

// testPack declares the Alibaba rules the way rules/builtin/alibaba.yaml
// wires them to this coded provider: the secret rule captures its ID in
// the `id` group.
const testPack = `
provider: alibaba
rules:
  - id: alibaba-access-key-secret
    description: Alibaba Cloud AccessKey secret after its ID
    pattern: '(?P<id>LTAI[A-Za-z0-9]{20})[,:]\s*(?P<secret>[A-Za-z0-9]{30})'
    keywords: [LTAI]
    verify:
      coded: alibaba-accesskey
      base_url: https://sts.aliyuncs.com
    revoke:
      class: self
      coded: alibaba-accesskey
      base_url: https://ims.aliyuncs.com
      console: https://ram.console.aliyun.com/
      manual: Disable AccessKey ${id} in the RAM console.
  - id: alibaba-access-key-id
    description: Alibaba Cloud AccessKey ID
    pattern: '(?P<secret>LTAI[A-Za-z0-9]{20})'
    keywords: [LTAI]
    verify:
      coded: alibaba-accesskey
      base_url: https://sts.aliyuncs.com
`

// env is an engine set up as cmd sets it up, but with the environment in a
// map and a dialer that refuses every non-loopback address.
type env struct {
	vars   map[string]string
	mu     sync.Mutex
	dialed []string
	waits  []time.Duration
	opts   provider.Options
}

func newEnv(vars map[string]string) *env {
	e := &env{vars: vars}
	e.opts = provider.Options{
		Getenv: func(k string) string { return e.vars[k] },
		Coded:  map[string]provider.Coded{Name: New()},
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
		Sleep: func(_ context.Context, d time.Duration) error {
			e.mu.Lock()
			e.waits = append(e.waits, d)
			e.mu.Unlock()
			return nil
		},
		Timeout: 30 * time.Second, // generous: a loaded CI machine must not turn a fake answer into "timed out"
	}
	return e
}

func (e *env) withClock(f *fakeAlibaba) *env {
	p := &Provider{Client: *testClient(f)}
	e.opts.Coded = map[string]provider.Coded{Name: p}
	return e
}

func loadTestRules(t *testing.T) *rules.Set {
	t.Helper()
	p, err := rules.ParsePack("alibaba-test.yaml", []byte(testPack))
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

func secretFinding(r *rules.Rule, id, secret string) scanner.Finding {
	sum := sha256.Sum256([]byte(secret))
	ctx := map[string]string{}
	if id != "" {
		ctx["id"] = id
	}
	return scanner.Finding{RuleID: r.ID, Provider: r.Provider, Secret: secret, Fingerprint: hex.EncodeToString(sum[:]), Context: ctx}
}

// TestEngineVerifyThroughBaseURLOverride runs the provider inside the
// engine, pointed at the fake through SCOUR_ALIBABA_BASE_URL, as a user
// would point it at a proxy.
func TestEngineVerifyThroughBaseURLOverride(t *testing.T) {
	set := loadTestRules(t)
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "5555", user: "ci"})
	e := newEnv(map[string]string{"SCOUR_ALIBABA_BASE_URL": f.srv.URL}).withClock(f)
	r := set.Rule("alibaba-access-key-secret")
	st := provider.New(e.opts).Verify(context.Background(), r, secretFinding(r, testID(1), testSecret(1)))
	if st.State != provider.Live || st.Owner["name"] != "ci" || st.Owner["arn"] != "acs:ram::5555:user/ci" || st.HTTPStatus != 200 {
		t.Fatalf("status %+v", st)
	}
	if len(e.dialed) != 0 {
		t.Fatalf("dialed %v", e.dialed)
	}
	if c := f.log(); len(c) != 1 || c[0].Header.Get("User-Agent") == "" {
		t.Fatalf("calls %+v", c)
	}

	// The ID rule alone: probed, active.
	ri := set.Rule("alibaba-access-key-id")
	st = provider.New(e.opts).Verify(context.Background(), ri, secretFinding(ri, "", testID(1)))
	if st.State != provider.Unknown || !strings.Contains(st.Reason, "exists and is active") {
		t.Fatalf("id alone %+v", st)
	}
	// A secret without its ID is not sent anywhere.
	n := len(f.log())
	st = provider.New(e.opts).Verify(context.Background(), r, secretFinding(r, "", testSecret(1)))
	if st.State != provider.Unknown || len(f.log()) != n {
		t.Fatalf("secret alone %+v, %d requests", st, len(f.log())-n)
	}
}

// TestEngineVerifyTransportFailures: 5xx and 429 are retried by the engine
// and end unknown; a slow answer times out; a redirect is not followed;
// plain http off loopback is refused before dialing.
func TestEngineVerifyTransportFailures(t *testing.T) {
	set := loadTestRules(t)
	r := set.Rule("alibaba-access-key-secret")
	fnd := secretFinding(r, testID(1), testSecret(1))

	t.Run("5xx", func(t *testing.T) {
		f := newFakeAlibaba(t)
		f.setOverride("GetCallerIdentity", fakeReply{status: 503, code: "ServiceUnavailable"})
		e := newEnv(map[string]string{"SCOUR_ALIBABA_BASE_URL": f.srv.URL}).withClock(f)
		st := provider.New(e.opts).Verify(context.Background(), r, fnd)
		if st.State != provider.Unknown || st.HTTPStatus != 503 || len(f.log()) != 3 {
			t.Fatalf("status %+v after %d requests", st, len(f.log()))
		}
	})
	t.Run("429 then live", func(t *testing.T) {
		f := newFakeAlibaba(t)
		f.add(testID(1), fakeKey{secret: testSecret(1), account: "1", user: "u"})
		var once sync.Once
		f.hook = func(w http.ResponseWriter, _ *http.Request) bool {
			hit := false
			once.Do(func() {
				hit = true
				w.Header().Set("Retry-After", "3")
				w.WriteHeader(http.StatusTooManyRequests)
			})
			return hit
		}
		e := newEnv(map[string]string{"SCOUR_ALIBABA_BASE_URL": f.srv.URL}).withClock(f)
		st := provider.New(e.opts).Verify(context.Background(), r, fnd)
		if st.State != provider.Live || len(e.waits) != 1 || e.waits[0] != 3*time.Second {
			t.Fatalf("status %+v, waits %v", st, e.waits)
		}
	})
	t.Run("429 throughout", func(t *testing.T) {
		f := newFakeAlibaba(t)
		f.setOverride("GetCallerIdentity", fakeReply{status: 429, code: "Throttling.User"})
		e := newEnv(map[string]string{"SCOUR_ALIBABA_BASE_URL": f.srv.URL}).withClock(f)
		st := provider.New(e.opts).Verify(context.Background(), r, fnd)
		if st.State != provider.Unknown || !strings.Contains(st.Reason, "rate limited") {
			t.Fatalf("status %+v", st)
		}
	})
	t.Run("slow", func(t *testing.T) {
		f := newFakeAlibaba(t)
		release := make(chan struct{})
		defer close(release)
		f.hook = func(w http.ResponseWriter, r *http.Request) bool {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return true
		}
		e := newEnv(map[string]string{"SCOUR_ALIBABA_BASE_URL": f.srv.URL}).withClock(f)
		e.opts.Timeout = 150 * time.Millisecond
		st := provider.New(e.opts).Verify(context.Background(), r, fnd)
		if st.State != provider.Unknown || !strings.Contains(st.Reason, "timed out") {
			t.Fatalf("status %+v", st)
		}
	})
	t.Run("redirect not followed", func(t *testing.T) {
		var thiefHits int
		var mu sync.Mutex
		thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			mu.Lock()
			thiefHits++
			mu.Unlock()
		}))
		defer thief.Close()
		f := newFakeAlibaba(t)
		f.hook = func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, thief.URL+"/", http.StatusTemporaryRedirect)
			return true
		}
		e := newEnv(map[string]string{"SCOUR_ALIBABA_BASE_URL": f.srv.URL}).withClock(f)
		st := provider.New(e.opts).Verify(context.Background(), r, fnd)
		mu.Lock()
		defer mu.Unlock()
		if st.State != provider.Unknown || st.HTTPStatus != 307 || thiefHits != 0 {
			t.Fatalf("status %+v, redirect target hit %d times", st, thiefHits)
		}
	})
	t.Run("TLS required off loopback", func(t *testing.T) {
		e := newEnv(map[string]string{"SCOUR_ALIBABA_BASE_URL": "http://sts.example.com"})
		st := provider.New(e.opts).Verify(context.Background(), r, fnd)
		if st.State != provider.Unknown || !strings.Contains(st.Reason, "TLS is required") || len(e.dialed) != 0 {
			t.Fatalf("status %+v, dialed %v", st, e.dialed)
		}
	})
	t.Run("default host is Alibaba's", func(t *testing.T) {
		e := newEnv(nil)
		st := provider.New(e.opts).Verify(context.Background(), r, fnd)
		if st.State != provider.Unknown || !slices.Equal(e.dialed, []string{"sts.aliyuncs.com:443"}) {
			t.Fatalf("status %+v, dialed %v", st, e.dialed)
		}
	})
}

// TestEngineRevoke runs revoke through the engine: plan, verify, disable,
// confirm; --delete passes through; the secret never appears in results.
func TestEngineRevoke(t *testing.T) {
	set := loadTestRules(t)
	r := set.Rule("alibaba-access-key-secret")
	for _, del := range []bool{false, true} {
		f := newFakeAlibaba(t)
		f.add(testID(1), fakeKey{secret: testSecret(1), account: "7777"})
		e := newEnv(map[string]string{"SCOUR_ALIBABA_BASE_URL": f.srv.URL}).withClock(f)
		eng := provider.New(e.opts)
		fnd := secretFinding(r, testID(1), testSecret(1))
		plan := provider.Plan(set.Rule, []scanner.Finding{fnd}, nil)
		var audited []provider.Result
		res, err := eng.Revoke(context.Background(), plan, provider.RevokeOptions{Delete: del, Audit: func(r provider.Result) error {
			audited = append(audited, r)
			return nil
		}})
		if err != nil || len(res) != 1 || len(audited) != 1 {
			t.Fatalf("revoke: %v %+v", err, res)
		}
		got := res[0]
		if got.Outcome != provider.Revoked || got.Fingerprint != fnd.Fingerprint || got.Owner["name"] != "root of account 7777" {
			t.Fatalf("delete=%v: %+v", del, got)
		}
		want := []string{"GetCallerIdentity", "GetCallerIdentity", "UpdateAccessKey", "GetCallerIdentity"}
		if del {
			want[2] = "DeleteAccessKey"
		}
		if a := f.actions(); !slices.Equal(a, want) {
			t.Fatalf("delete=%v: actions %v, want %v", del, a, want)
		}
		if strings.Contains(got.Reason+got.Instructions, testSecret(1)) {
			t.Fatal("result contains the secret")
		}
	}
}

// TestEngineRevokeRAMUserAdminFromEnv: the admin key comes from the
// environment variables, never from the command line.
func TestEngineRevokeRAMUserAdminFromEnv(t *testing.T) {
	set := loadTestRules(t)
	r := set.Rule("alibaba-access-key-secret")
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "8888", user: "build"})
	f.add(testID(2), fakeKey{secret: testSecret(2), account: "8888", user: "admin", admin: true})
	e := newEnv(map[string]string{"SCOUR_ALIBABA_BASE_URL": f.srv.URL, EnvAdminID: testID(2), EnvAdminSecret: testSecret(2)}).withClock(f)
	fnd := secretFinding(r, testID(1), testSecret(1))
	res, err := provider.New(e.opts).Revoke(context.Background(), provider.Plan(set.Rule, []scanner.Finding{fnd}, nil), provider.RevokeOptions{})
	if err != nil || res[0].Outcome != provider.Revoked {
		t.Fatalf("revoke: %v %+v", err, res)
	}
	calls := f.log()
	if up := calls[2]; up.Action != "UpdateAccessKey" || up.KeyID != testID(2) || up.Params["UserPrincipalName"] != "build@8888.onaliyun.com" {
		t.Fatalf("admin call %+v", up)
	}

	// Without the admin key: manual, naming the console and the key.
	f2 := newFakeAlibaba(t)
	f2.add(testID(1), fakeKey{secret: testSecret(1), account: "8888", user: "build"})
	e2 := newEnv(map[string]string{"SCOUR_ALIBABA_BASE_URL": f2.srv.URL}).withClock(f2)
	res, _ = provider.New(e2.opts).Revoke(context.Background(), provider.Plan(set.Rule, []scanner.Finding{fnd}, nil), provider.RevokeOptions{})
	if got := res[0]; got.Outcome != provider.Manual || got.Console != Console || !strings.Contains(got.Instructions, testID(1)) {
		t.Fatalf("no admin: %+v", got)
	}
}

// TestEngineRevokeDefaultHosts: with nothing configured, the key goes to
// Alibaba's STS and IMS hosts and nowhere else (the test dialer refuses
// them, so the revoke fails with the manual steps).
func TestEngineRevokeDefaultHosts(t *testing.T) {
	set := loadTestRules(t)
	r := set.Rule("alibaba-access-key-secret")
	e := newEnv(nil)
	fnd := secretFinding(r, testID(1), testSecret(1))
	res, err := provider.New(e.opts).Revoke(context.Background(), provider.Plan(set.Rule, []scanner.Finding{fnd}, nil), provider.RevokeOptions{})
	if err != nil || len(res) != 1 {
		t.Fatalf("revoke %v %+v", err, res)
	}
	if res[0].Outcome != provider.Failed || res[0].Console != Console || res[0].Instructions == "" {
		t.Fatalf("result %+v", res[0])
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, d := range e.dialed {
		if d != "sts.aliyuncs.com:443" && d != "ims.aliyuncs.com:443" {
			t.Errorf("dialed %s", d)
		}
	}
	if !slices.Contains(e.dialed, "ims.aliyuncs.com:443") {
		t.Errorf("dialed %v, want the IMS host", e.dialed)
	}
}

// TestEngineRevokeSeparateHosts: with the rule's own hosts (STS for
// verify, IMS for revoke), the disable goes to IMS and the checks to STS.
// One fake account answers on two listeners.
func TestEngineRevokeSeparateHosts(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "7777"})
	ims := httptest.NewServer(http.HandlerFunc(f.serve))
	defer ims.Close()
	p, err := rules.ParsePack("t.yaml", []byte(`
provider: alibaba
rules:
  - id: alibaba-access-key-secret
    description: AccessKey secret after its ID
    pattern: '(?P<id>LTAI[A-Za-z0-9]{20}),(?P<secret>[A-Za-z0-9]{30})'
    keywords: [LTAI]
    verify: {coded: alibaba-accesskey, base_url: '`+f.srv.URL+`'}
    revoke: {class: self, coded: alibaba-accesskey, base_url: '`+ims.URL+`'}
`))
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.NewSet(p)
	if err != nil {
		t.Fatal(err)
	}
	r := set.Rule("alibaba-access-key-secret")
	e := newEnv(nil).withClock(f)
	fnd := secretFinding(r, testID(1), testSecret(1))
	res, err := provider.New(e.opts).Revoke(context.Background(), provider.Plan(set.Rule, []scanner.Finding{fnd}, nil), provider.RevokeOptions{})
	if err != nil || res[0].Outcome != provider.Revoked {
		t.Fatalf("revoke: %v %+v", err, res)
	}
	stsHost, imsHost := strings.TrimPrefix(f.srv.URL, "http://"), strings.TrimPrefix(ims.URL, "http://")
	var got []string
	for _, c := range f.log() {
		switch c.Host {
		case stsHost:
			got = append(got, "sts:"+c.Action)
		case imsHost:
			got = append(got, "ims:"+c.Action)
		default:
			got = append(got, c.Host+":"+c.Action)
		}
	}
	want := []string{"sts:GetCallerIdentity", "sts:GetCallerIdentity", "ims:UpdateAccessKey", "sts:GetCallerIdentity"}
	if !slices.Equal(got, want) {
		t.Fatalf("requests %v, want %v", got, want)
	}
}
