package provider

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxBody bounds how much of a response is read.
const maxBody = 1 << 20

// newHTTPClient is the one hardened client: bounded time, short dial and
// TLS handshakes, and no redirects. Go forwards custom headers
// (x-yunxiao-token, PRIVATE-TOKEN, X-Vault-Token...) to redirect targets,
// even cross-host, so a redirect is returned as the response instead.
func newHTTPClient(timeout time.Duration, dial func(context.Context, string, string) (net.Conn, error)) *http.Client {
	if dial == nil {
		dial = (&net.Dialer{Timeout: min(2*time.Second, timeout), KeepAlive: 30 * time.Second}).DialContext
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dial,
		TLSHandshakeTimeout:   min(3*time.Second, timeout),
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   5,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// isLoopback reports whether host (no port) is a loopback address or name.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkTransport enforces TLS except on loopback.
func checkTransport(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return errors.New("refusing plain http: TLS is required except on loopback")
	}
	// Neither message names the host or scheme: the URL may come from an
	// environment variable, and reasons are printed.
	return errors.New("refusing scheme: want https (http only on loopback)")
}

// transport sends requests with retries and per-host limits.
type transport struct {
	client    *http.Client
	retries   int
	backoff   time.Duration
	maxWait   time.Duration
	sleep     func(context.Context, time.Duration) error
	perHost   int
	mu        sync.Mutex
	hostSlots map[string]chan struct{}
	userAgent string
	now       func() time.Time
}

func (t *transport) slot(host string) chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	ch := t.hostSlots[host]
	if ch == nil {
		ch = make(chan struct{}, t.perHost)
		t.hostSlots[host] = ch
	}
	return ch
}

// response is a fully read HTTP response.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// sendOpts says how a request may be retried.
type sendOpts struct {
	// mutating: the request acts at the vendor (a revoke). A 5xx answer
	// to a non-idempotent method (POST, PATCH) is not retried: the vendor
	// may have acted before failing, and re-verifying tells more than
	// sending again. A 429 is retried (the vendor refused to act).
	mutating bool
	// budget, when set, is asked before each retry and may refuse it: a
	// retry is a request like any other against the vendor's limits
	// (revoke's per_hour).
	budget func() bool
}

// idempotent methods may be sent twice with the effect of once (RFC 9110
// section 9.2.2).
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// send performs req (whose body, if any, is body) against allowed. It
// checks the host and transport, waits for a per-host slot, and retries on
// 429 and 5xx as o allows. The final 429/5xx response is returned, not an
// error: the caller maps it to unknown.
func (t *transport) send(ctx context.Context, allowed *url.URL, method, rawURL string, header http.Header, body []byte, o sendOpts) (*response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad url: %w", err)
	}
	if err := checkHost(allowed, u); err != nil {
		return nil, err
	}
	slot := t.slot(u.Host)
	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-slot }()

	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
		if err != nil {
			return nil, err
		}
		req.Header = header.Clone()
		if req.Header.Get("User-Agent") == "" {
			req.Header.Set("User-Agent", t.userAgent)
		}
		resp, err := t.client.Do(req)
		if err != nil {
			return nil, cleanError(err)
		}
		data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		if rerr != nil {
			return nil, cleanError(rerr)
		}
		r := &response{Status: resp.StatusCode, Header: resp.Header, Body: data}
		if r.Status != http.StatusTooManyRequests && r.Status < 500 {
			return r, nil
		}
		if attempt >= t.retries {
			return r, nil
		}
		if r.Status >= 500 && o.mutating && !idempotent(method) {
			return r, nil
		}
		wait := t.backoff << attempt
		if ra, ok := retryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
			if ra > t.maxWait {
				return r, nil // the vendor asks for longer than we wait: unknown
			}
			wait = max(wait, ra)
		}
		if o.budget != nil && !o.budget() {
			return r, nil
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// checkHost allows u only on allowed's scheme and host:port, under its path.
func checkHost(allowed, u *url.URL) error {
	if allowed == nil {
		return errors.New("no allowed base URL")
	}
	if err := checkTransport(u); err != nil {
		return err
	}
	if u.User != nil {
		return errors.New("refusing a URL with user info")
	}
	if !strings.EqualFold(u.Host, allowed.Host) || u.Scheme != allowed.Scheme {
		return fmt.Errorf("refusing to send a secret to %s://%s: only %s://%s is allowed for this rule", u.Scheme, u.Host, allowed.Scheme, allowed.Host)
	}
	return nil
}

// cleanError drops the URL from net/http errors: URLs may carry a
// token in a query (Gitee style) and reasons are shown to people.
func cleanError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("timed out")
		}
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// retryAfter parses a Retry-After header (seconds or an HTTP date).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// doer adapts transport to the Doer interface for coded providers, bound to
// one allowed base URL.
type doer struct {
	t       *transport
	allowed *url.URL
	// also are further base URLs the provider may reach: a coded revoke
	// re-verifies at the rule's verify base URL (Alibaba: IMS, then STS).
	also []*url.URL
	// o governs retries: a coded revoke's requests are mutating.
	o sendOpts
}

func (d doer) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	allowed := d.allowed
	for _, a := range d.also {
		if strings.EqualFold(a.Host, req.URL.Host) && a.Scheme == req.URL.Scheme {
			allowed = a
		}
	}
	r, err := d.t.send(req.Context(), allowed, req.Method, req.URL.String(), req.Header, body, d.o)
	if err != nil {
		return nil, err
	}
	return &http.Response{
		Status:        strconv.Itoa(r.Status) + " " + http.StatusText(r.Status),
		StatusCode:    r.Status,
		Header:        r.Header,
		Body:          io.NopCloser(bytes.NewReader(r.Body)),
		ContentLength: int64(len(r.Body)),
		Request:       req,
	}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
