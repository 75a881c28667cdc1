package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
)

// vendor is a fake vendor API: it records every request and answers with
// the handler the test installs.
type vendor struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []recorded
	h    http.HandlerFunc
}

type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                string
}

func newVendor(t *testing.T, h http.HandlerFunc) *vendor {
	t.Helper()
	v := &vendor{h: h}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b)) // handlers may read it too
		v.mu.Lock()
		v.reqs = append(v.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(b)})
		h := v.h
		v.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(v.srv.Close)
	return v
}

func (v *vendor) URL() string { return v.srv.URL }

func (v *vendor) requests() []recorded {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]recorded(nil), v.reqs...)
}

func (v *vendor) set(h http.HandlerFunc) {
	v.mu.Lock()
	v.h = h
	v.mu.Unlock()
}

// reply answers with a status, JSON body and optional header pairs.
func reply(status int, body string, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		if body != "" && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// sequence answers with each handler in turn, then repeats the last.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	i := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hs[min(i, len(hs)-1)]
		i++
		mu.Unlock()
		h(w, r)
	}
}

// dials records dial attempts; it refuses every non-loopback address so
// that no test can reach a real vendor.
type dials struct {
	mu      sync.Mutex
	refused []string
}

func (d *dials) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		d.mu.Lock()
		d.refused = append(d.refused, addr)
		d.mu.Unlock()
		return nil, errors.New("test network: non-loopback dial refused")
	}
	return (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, network, addr)
}

func (d *dials) list() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.refused...)
}

// sleeps records retry waits instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return nil
}

func (s *sleeps) list() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

type harness struct {
	env    map[string]string
	dials  *dials
	sleeps *sleeps
	opts   Options
}

// newHarness returns engine options for tests: environment from env only,
// loopback-only dialing, recorded sleeps, a short timeout.
func newHarness(env map[string]string) *harness {
	h := &harness{env: env, dials: &dials{}, sleeps: &sleeps{}}
	h.opts = Options{
		Getenv:      func(k string) string { return h.env[k] },
		DialContext: h.dials.dial,
		Sleep:       h.sleeps.sleep,
		Timeout:     30 * time.Second,
		Backoff:     10 * time.Millisecond,
	}
	return h
}

func (h *harness) engine() *Engine { return New(h.opts) }

// loadPack parses and validates a YAML rule pack.
func loadPack(t *testing.T, src string) *rules.Set {
	t.Helper()
	p, err := rules.ParsePack("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.NewSet(p)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func finding(r *rules.Rule, secret string, ctx map[string]string) scanner.Finding {
	sum := sha256.Sum256([]byte(secret))
	return scanner.Finding{RuleID: r.ID, Provider: r.Provider, Secret: secret, Fingerprint: hex.EncodeToString(sum[:]), Context: ctx}
}

// noSecret fails if text contains the secret.
func noSecret(t *testing.T, what, text, secret string) {
	t.Helper()
	if strings.Contains(text, secret) {
		t.Errorf("%s contains the secret: %s", what, text)
	}
}
