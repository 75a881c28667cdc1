package aws

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeKey struct {
	secret  string
	account string
	arn     string
	token   string // required session token (ASIA keys)
}

// fakeSTS behaves as AWS documents STS GetCallerIdentity (Query API, XML
// answers). It recomputes every SigV4 signature from the received request
// with the key's secret, in code written independently of sigv4.go.
type fakeSTS struct {
	srv *httptest.Server
	now time.Time

	mu       sync.Mutex
	keys     map[string]fakeKey
	requests []received
	override *fakeReply
	hook     func(w http.ResponseWriter, r *http.Request) bool
}

type received struct {
	Method, Path, Query, Host string
	Header                    http.Header
	Body                      string
}

type fakeReply struct {
	status int
	code   string
	body   string
}

func newFakeSTS(t *testing.T) *fakeSTS {
	f := &fakeSTS{now: time.Date(2026, 11, 27, 6, 30, 0, 0, time.UTC), keys: map[string]fakeKey{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSTS) URL() *url.URL {
	u, _ := url.Parse(f.srv.URL)
	return u
}

func (f *fakeSTS) log() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.requests...)
}

func (f *fakeSTS) add(id string, k fakeKey) {
	f.mu.Lock()
	f.keys[id] = k
	f.mu.Unlock()
}

func (f *fakeSTS) fail(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>%s</Code>
    <Message>fake %s</Message>
  </Error>
  <RequestId>4d6f6e6b-6579-2d72-6571-756573742d31</RequestId>
</ErrorResponse>`, code, code)
}

func (f *fakeSTS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	hook := f.hook
	f.mu.Unlock()
	if hook != nil && hook(w, r) {
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, received{r.Method, r.URL.Path, r.URL.RawQuery, r.Host, r.Header.Clone(), string(body)})
	if o := f.override; o != nil {
		if o.code != "" {
			f.fail(w, o.status, o.code)
		} else {
			w.WriteHeader(o.status)
			io.WriteString(w, o.body)
		}
		return
	}
	form, err := url.ParseQuery(string(body))
	if r.Method != http.MethodPost || r.URL.Path != "/" || err != nil || form.Get("Action") != "GetCallerIdentity" || form.Get("Version") != "2011-06-15" ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		f.fail(w, 400, "InvalidAction")
		return
	}
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")
	if !ok {
		f.fail(w, 403, "MissingAuthenticationToken")
		return
	}
	fields := map[string]string{}
	for _, p := range strings.Split(auth, ", ") {
		k, v, _ := strings.Cut(p, "=")
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	amzDate := r.Header.Get("X-Amz-Date")
	if len(cred) != 5 || cred[2] != "us-east-1" || cred[3] != "sts" || cred[4] != "aws4_request" || len(amzDate) < 8 || cred[1] != amzDate[:8] {
		f.fail(w, 403, "IncompleteSignature")
		return
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	if !sort.StringsAreSorted(signed) || !has(signed, "host") || !has(signed, "x-amz-date") || !has(signed, "content-type") {
		f.fail(w, 403, "IncompleteSignature")
		return
	}
	key, known := f.keys[cred[0]]
	if !known {
		f.fail(w, 403, "InvalidClientTokenId")
		return
	}
	// Recompute the signature.
	var cr strings.Builder
	cr.WriteString(r.Method + "\n/\n" + r.URL.RawQuery + "\n")
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		cr.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	bodySum := sha256.Sum256(body)
	cr.WriteString("\n" + fields["SignedHeaders"] + "\n" + hex.EncodeToString(bodySum[:]))
	crSum := sha256.Sum256([]byte(cr.String()))
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + strings.Join(cred[1:], "/") + "\n" + hex.EncodeToString(crSum[:])
	k := mac([]byte("AWS4"+key.secret), cred[1])
	for _, part := range cred[2:] {
		k = mac(k, part)
	}
	if hex.EncodeToString(mac(k, sts)) != fields["Signature"] {
		f.fail(w, 403, "SignatureDoesNotMatch")
		return
	}
	if ts, err := time.Parse("20060102T150405Z", amzDate); err != nil || ts.Sub(f.now).Abs() > 5*time.Minute {
		f.fail(w, 403, "SignatureDoesNotMatch") // AWS: "Signature expired"
		return
	}
	if key.token != "" && (r.Header.Get("X-Amz-Security-Token") != key.token || !has(signed, "x-amz-security-token")) {
		f.fail(w, 403, "InvalidClientTokenId")
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>%s</Arn>
    <UserId>AIDAFAKEUSERID</UserId>
    <Account>%s</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>`, key.arn, key.account)
}

func mac(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
