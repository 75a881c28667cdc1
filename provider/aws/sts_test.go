package aws

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Fake keys, assembled at test time so the repository's own scan finds
// nothing.
// IDs are base32 (A-Z2-7) as AWS's are.
func testID(n int) string     { return "AKIA" + "TESTFAKEKEYQQQQ" + string(rune('A'+n)) }
func testSecret(n int) string { return "fake" + "SECRET/" + fmt.Sprintf("%029d", n) }

func testClient(f *fakeSTS) *Client { return &Client{Now: func() time.Time { return f.now }} }

func plainHTTP() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestRegion(t *testing.T) {
	for host, want := range map[string]string{
		"sts.amazonaws.com":                "us-east-1",
		"sts.eu-west-1.amazonaws.com":      "eu-west-1",
		"sts.cn-north-1.amazonaws.com.cn":  "cn-north-1",
		"sts.us-gov-west-1.amazonaws.com":  "us-gov-west-1",
		"sts-fips.us-east-2.amazonaws.com": "us-east-2",
		"127.0.0.1":                        "us-east-1",
		"sts.eu-west-1.amazonaws.com.evil": "us-east-1",
	} {
		if got := Region(host); got != want {
			t.Errorf("Region(%q) = %q, want %q", host, got, want)
		}
	}
}

// TestVerifySendsTheDocumentedRequest: POST / with the form body, signed
// for us-east-1/sts, and the fake recomputes the signature.
func TestVerifySendsTheDocumentedRequest(t *testing.T) {
	f := newFakeSTS(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "123456789012", arn: "arn:aws:iam::123456789012:user/ops/deployer"})
	v := testClient(f).Verify(context.Background(), plainHTTP(), f.URL(), testID(1), []string{testSecret(1)}, "")
	if v.State != Live || v.Secret != 0 || v.Identity.Account != "123456789012" {
		t.Fatalf("verdict %+v", v)
	}
	if o := v.Identity.Owner(); o["name"] != "deployer" || o["arn"] != "arn:aws:iam::123456789012:user/ops/deployer" || o["account_id"] != "123456789012" {
		t.Errorf("owner %v", o)
	}
	reqs := f.log()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/" || r.Query != "" || r.Body != "Action=GetCallerIdentity&Version=2011-06-15" ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded; charset=utf-8" || r.Header.Get("X-Amz-Date") != "20261127T063000Z" {
		t.Errorf("request %+v", r)
	}
	if want := "AWS4-HMAC-SHA256 Credential=" + testID(1) + "/20261127/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="; !strings.HasPrefix(r.Header.Get("Authorization"), want) {
		t.Errorf("authorization %q", r.Header.Get("Authorization"))
	}
	if r.Header.Get("X-Amz-Security-Token") != "" {
		t.Error("session token sent for a long-term key")
	}
}

func TestVerifyRootIsCritical(t *testing.T) {
	f := newFakeSTS(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "210987654321", arn: "arn:aws:iam::210987654321:root"})
	v := testClient(f).Verify(context.Background(), plainHTTP(), f.URL(), testID(1), []string{testSecret(1)}, "")
	if v.State != Live || !strings.Contains(v.Reason, "ROOT") || v.Identity.Owner()["name"] != "root of account 210987654321" {
		t.Fatalf("verdict %+v", v)
	}
}

func TestVerifyClassifies(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reply  fakeReply
		want   State
		reason string
	}{
		{"invalid id", fakeReply{status: 403, code: "InvalidClientTokenId"}, Dead, "does not know"},
		{"expired token", fakeReply{status: 400, code: "ExpiredToken"}, Dead, "expired"},
		{"access denied", fakeReply{status: 403, code: "AccessDenied"}, LiveLimited, "denied"},
		{"throttling", fakeReply{status: 400, code: "Throttling"}, Unknown, "rate limited"},
		{"429", fakeReply{status: 429, body: "slow down"}, Unknown, "rate limited"},
		{"500", fakeReply{status: 500, code: "InternalFailure"}, Unknown, "vendor error"},
		{"503 html", fakeReply{status: 503, body: "<html>"}, Unknown, "vendor error"},
		{"request expired", fakeReply{status: 400, code: "RequestExpired"}, Unknown, "clock"},
		{"200 not xml", fakeReply{status: 200, body: "{}"}, Unknown, "without an Arn"},
		{"odd code", fakeReply{status: 400, code: "InvalidParameterValue"}, Unknown, "unrecognised"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSTS(t)
			f.override = &tc.reply
			v := testClient(f).Verify(context.Background(), plainHTTP(), f.URL(), testID(1), []string{testSecret(1)}, "")
			if v.State != tc.want || !strings.Contains(v.Reason, tc.reason) || v.HTTPStatus != tc.reply.status {
				t.Fatalf("verdict %+v, want %s (%s)", v, tc.want, tc.reason)
			}
		})
	}
}

// TestVerifyFromServerState: an unknown key ID is dead; a wrong secret is
// SignatureDoesNotMatch, so the next candidate is tried.
func TestVerifyFromServerState(t *testing.T) {
	f := newFakeSTS(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "1", arn: "arn:aws:iam::1:user/u"})
	c := testClient(f)
	if v := c.Verify(context.Background(), plainHTTP(), f.URL(), testID(2), []string{testSecret(2)}, ""); v.State != Dead || v.Code != "InvalidClientTokenId" {
		t.Errorf("unknown id: %+v", v)
	}
	v := c.Verify(context.Background(), plainHTTP(), f.URL(), testID(1), []string{testSecret(7), testSecret(1)}, "")
	if v.State != Live || v.Secret != 1 || !v.IDExists {
		t.Errorf("second candidate: %+v", v)
	}
	v = c.Verify(context.Background(), plainHTTP(), f.URL(), testID(1), []string{testSecret(5), testSecret(6), testSecret(7), testSecret(8)}, "")
	if v.State != Unknown || !v.IDExists || !strings.Contains(v.Reason, "none of the 3") {
		t.Errorf("no candidate matches: %+v", v)
	}
	// The ID alone.
	if v := c.Verify(context.Background(), plainHTTP(), f.URL(), testID(1), nil, ""); v.State != Unknown || !v.IDExists {
		t.Errorf("id probe: %+v", v)
	}
	if v := c.Verify(context.Background(), plainHTTP(), f.URL(), testID(3), nil, ""); v.State != Dead {
		t.Errorf("id probe, unknown id: %+v", v)
	}
	// A clock 10 minutes off: the fake says the signature expired.
	skewed := &Client{Now: func() time.Time { return f.now.Add(10 * time.Minute) }}
	if v := skewed.Verify(context.Background(), plainHTTP(), f.URL(), testID(1), []string{testSecret(1)}, ""); v.State == Live {
		t.Errorf("skewed clock: %+v", v)
	}
}

func TestVerifySessionToken(t *testing.T) {
	f := newFakeSTS(t)
	id := "ASIA" + "TESTFAKE" + "00000009"
	f.add(id, fakeKey{secret: testSecret(9), account: "1", arn: "arn:aws:sts::1:assumed-role/r/s", token: "FwoGZ" + "fake"})
	v := testClient(f).Verify(context.Background(), plainHTTP(), f.URL(), id, []string{testSecret(9)}, "FwoGZ"+"fake")
	if v.State != Live {
		t.Fatalf("verdict %+v", v)
	}
	if h := f.log()[0].Header; h.Get("X-Amz-Security-Token") != "FwoGZfake" || !strings.Contains(h.Get("Authorization"), "x-amz-security-token") {
		t.Errorf("token not sent or not signed: %v", h)
	}
}

func TestVerifySlowIsUnknown(t *testing.T) {
	f := newFakeSTS(t)
	release := make(chan struct{})
	defer close(release)
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	}
	v := testClient(f).Verify(context.Background(), &http.Client{Timeout: 100 * time.Millisecond}, f.URL(), testID(1), []string{testSecret(1)}, "")
	if v.State != Unknown || !strings.Contains(v.Reason, "no answer") {
		t.Fatalf("verdict %+v", v)
	}
}
