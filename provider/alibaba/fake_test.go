package alibaba

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
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

// fakeKey is an AccessKey the fake Alibaba knows.
type fakeKey struct {
	secret  string
	status  string // Active | Inactive | Deleted
	account string
	user    string // RAM user name; "" for the root account
	// manageSelf: a RAM user granted ram:UpdateAccessKey on itself.
	manageSelf bool
	admin      bool // may manage every user's keys in its account
	// ramRead: may call RAM ListPoliciesForUser and ListAccessKeys;
	// policies are its RAM user's attached policy names.
	ramRead  bool
	policies []string
}

// fakeAlibaba behaves as Alibaba documents STS GetCallerIdentity and IMS
// UpdateAccessKey / DeleteAccessKey (docs/providers.md §3). It checks every
// signature by recomputing it from the received request with the key's
// secret, with code written independently of sign.go, so a signing bug
// fails the tests.
type fakeAlibaba struct {
	t   *testing.T
	srv *httptest.Server
	now time.Time

	mu   sync.Mutex
	keys map[string]*fakeKey
	// domains maps an account to its renamed default domain (by default
	// <account id>.onaliyun.com).
	domains map[string]string
	nonces  map[string]bool
	calls   []fakeCall
	// override answers an action with a fixed status and code (or body).
	override map[string]fakeReply
	// hook runs before each request is handled (delays, redirects).
	hook func(w http.ResponseWriter, r *http.Request) bool
	// noV3 makes the server refuse V3 requests (an older endpoint).
	noV3 bool
}

type fakeReply struct {
	status int
	code   string
	body   string
}

// fakeCall records what the server received and decided.
type fakeCall struct {
	Method, Host, Action string
	Params               map[string]string
	KeyID                string
	SignatureVersion     string // "v3" or "v1"
	SecurityToken        string
	Header               http.Header
	Code                 string // the answer's Code, "" for success
}

func newFakeAlibaba(t *testing.T) *fakeAlibaba {
	f := &fakeAlibaba{t: t, domains: map[string]string{}, now: time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC), keys: map[string]*fakeKey{}, nonces: map[string]bool{}, override: map[string]fakeReply{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAlibaba) URL() *url.URL {
	u, _ := url.Parse(f.srv.URL)
	return u
}

func (f *fakeAlibaba) add(id string, k fakeKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k.status == "" {
		k.status = "Active"
	}
	f.keys[id] = &k
}

func (f *fakeAlibaba) key(id string) fakeKey {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.keys[id]
}

func (f *fakeAlibaba) setOverride(action string, r fakeReply) {
	f.mu.Lock()
	f.override[action] = r
	f.mu.Unlock()
}

func (f *fakeAlibaba) log() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.calls...)
}

// actions lists the actions received, in order.
func (f *fakeAlibaba) actions() []string {
	var out []string
	for _, c := range f.log() {
		out = append(out, c.Action)
	}
	return out
}

func (f *fakeAlibaba) answer(w http.ResponseWriter, c *fakeCall, status int, code string, body any) {
	c.Code = code
	f.calls = append(f.calls, *c)
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	if code != "" {
		body = map[string]string{"RequestId": "req-1", "HostId": c.Host, "Code": code, "Message": "fake " + code, "Recommend": "https://api.aliyun.com/troubleshoot"}
	}
	json.NewEncoder(w).Encode(body)
}

func (f *fakeAlibaba) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	hook := f.hook
	f.mu.Unlock()
	if hook != nil && hook(w, r) {
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	c := fakeCall{Method: r.Method, Host: r.Host, Header: r.Header.Clone(), Params: map[string]string{}}
	for k, v := range r.URL.Query() {
		c.Params[k] = v[0]
	}
	var keyID, date, nonce string
	var verify func(secret string) bool
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "ACS3-HMAC-SHA256 ") {
		c.SignatureVersion = "v3"
		if f.noV3 {
			f.answer(w, &c, 400, "UnsupportedSignatureVersion", nil)
			return
		}
		c.Action = r.Header.Get("x-acs-action")
		c.SecurityToken = r.Header.Get("x-acs-security-token")
		date, nonce = r.Header.Get("x-acs-date"), r.Header.Get("x-acs-signature-nonce")
		fields := map[string]string{}
		for _, part := range strings.Split(strings.TrimPrefix(auth, "ACS3-HMAC-SHA256 "), ",") {
			k, v, _ := strings.Cut(part, "=")
			fields[k] = v
		}
		keyID = fields["Credential"]
		signed := strings.Split(fields["SignedHeaders"], ";")
		for _, must := range []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"} {
			if !contains(signed, must) {
				f.answer(w, &c, 400, "IncompleteSignature", nil)
				return
			}
		}
		if c.SecurityToken != "" && !contains(signed, "x-acs-security-token") || contains(signed, "authorization") {
			f.answer(w, &c, 400, "IncompleteSignature", nil)
			return
		}
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != r.Header.Get("x-acs-content-sha256") {
			f.answer(w, &c, 400, "InvalidParameter.ContentSHA256", nil)
			return
		}
		verify = func(secret string) bool {
			var cr strings.Builder
			cr.WriteString(r.Method + "\n" + r.URL.EscapedPath() + "\n" + fakeCanonicalQuery(r.URL.Query()) + "\n")
			for _, h := range signed {
				v := r.Header.Get(h)
				if h == "host" {
					v = r.Host
				}
				cr.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
			}
			cr.WriteString("\n" + fields["SignedHeaders"] + "\n" + r.Header.Get("x-acs-content-sha256"))
			d := sha256.Sum256([]byte(cr.String()))
			m := hmac.New(sha256.New, []byte(secret))
			m.Write([]byte("ACS3-HMAC-SHA256\n" + hex.EncodeToString(d[:])))
			return hmac.Equal([]byte(hex.EncodeToString(m.Sum(nil))), []byte(fields["Signature"]))
		}
	} else if sig := r.URL.Query().Get("Signature"); sig != "" && r.Method == http.MethodGet {
		c.SignatureVersion = "v1"
		q := r.URL.Query()
		c.Action, keyID, date, nonce = q.Get("Action"), q.Get("AccessKeyId"), q.Get("Timestamp"), q.Get("SignatureNonce")
		c.SecurityToken = q.Get("SecurityToken")
		q.Del("Signature")
		verify = func(secret string) bool {
			sts := "GET&%2F&" + fakeEncode(fakeCanonicalQuery(q))
			m := hmac.New(sha1.New, []byte(secret+"&"))
			m.Write([]byte(sts))
			return base64.StdEncoding.EncodeToString(m.Sum(nil)) == sig
		}
	} else {
		f.answer(w, &c, 400, "MissingParameter", nil)
		return
	}
	c.KeyID = keyID
	if o, ok := f.override[c.Action]; ok {
		c.Code = o.code
		f.calls = append(f.calls, c)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(o.status)
		if o.body != "" {
			io.WriteString(w, o.body)
		} else if o.code != "" {
			fmt.Fprintf(w, `{"RequestId":"req-1","Code":%q,"Message":"fake"}`, o.code)
		}
		return
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", date)
	if err != nil || ts.Sub(f.now).Abs() > 15*time.Minute {
		f.answer(w, &c, 400, "InvalidTimeStamp.Expired", nil)
		return
	}
	if nonce == "" || f.nonces[nonce] {
		f.answer(w, &c, 400, "SignatureNonceUsed", nil)
		return
	}
	f.nonces[nonce] = true
	k := f.keys[keyID]
	switch {
	case k == nil || k.status == "Deleted":
		f.answer(w, &c, 404, "InvalidAccessKeyId.NotFound", nil)
		return
	case k.status == "Inactive":
		f.answer(w, &c, 403, "InvalidAccessKeyId.Inactive", nil)
		return
	case !verify(k.secret):
		f.answer(w, &c, 400, "SignatureDoesNotMatch", nil)
		return
	}
	f.dispatch(w, &c, k)
}

func (f *fakeAlibaba) dispatch(w http.ResponseWriter, c *fakeCall, caller *fakeKey) {
	switch c.Action {
	case "GetCallerIdentity":
		if c.Params["Version"] != "" && c.Params["Version"] != "2015-04-01" || c.SignatureVersion == "v3" && c.Header.Get("x-acs-version") != "2015-04-01" {
			f.answer(w, c, 400, "InvalidVersion", nil)
			return
		}
		id := map[string]string{"RequestId": "req-1", "AccountId": caller.account, "PrincipalId": caller.account}
		if caller.user == "" {
			id["IdentityType"], id["Arn"], id["UserId"] = "Account", "acs:ram::"+caller.account+":root", caller.account
		} else {
			id["IdentityType"], id["Arn"], id["UserId"] = "RAMUser", "acs:ram::"+caller.account+":user/"+caller.user, "2000"+caller.account
		}
		f.answer(w, c, 200, "", id)
	case "UpdateAccessKey", "DeleteAccessKey":
		if c.SignatureVersion == "v3" && c.Header.Get("x-acs-version") != "2019-08-15" {
			f.answer(w, c, 400, "InvalidVersion", nil)
			return
		}
		targetID := c.Params["UserAccessKeyId"]
		target := f.keys[targetID]
		upn := c.Params["UserPrincipalName"]
		self := caller == target
		switch {
		case target == nil || target.status == "Deleted":
			f.answer(w, c, 404, "EntityNotExist.User.AccessKey", nil)
			return
		case upn == "" && !self:
			// No principal means the caller's own key.
			f.answer(w, c, 404, "EntityNotExist.User.AccessKey", nil)
			return
		case upn != "" && upn != target.user+"@"+f.domain(target.account):
			f.answer(w, c, 404, "EntityNotExist.User", nil)
			return
		case !(caller.user == "" && caller.account == target.account) && !(caller.admin && caller.account == target.account) && !(self && caller.manageSelf):
			f.answer(w, c, 403, "NoPermission", nil)
			return
		}
		if c.Action == "DeleteAccessKey" {
			target.status = "Deleted"
		} else {
			switch c.Params["Status"] {
			case "Active", "Inactive":
				target.status = c.Params["Status"]
			default:
				f.answer(w, c, 400, "InvalidParameter.Status", nil)
				return
			}
		}
		f.answer(w, c, 200, "", map[string]string{"RequestId": "req-2"})
	case "ListPoliciesForUser", "ListAccessKeys":
		if c.SignatureVersion == "v3" && c.Header.Get("x-acs-version") != "2015-05-01" {
			f.answer(w, c, 400, "InvalidVersion", nil)
			return
		}
		if !caller.ramRead {
			f.answer(w, c, 403, "NoPermission", nil)
			return
		}
		user := c.Params["UserName"]
		if c.Action == "ListPoliciesForUser" {
			var ps []map[string]string
			for _, p := range caller.policies {
				ps = append(ps, map[string]string{"PolicyName": p, "PolicyType": "System"})
			}
			f.answer(w, c, 200, "", map[string]any{"RequestId": "req-4", "Policies": map[string]any{"Policy": ps}})
			return
		}
		var ks []map[string]string
		for id, k := range f.keys {
			if k.account == caller.account && k.user == user {
				ks = append(ks, map[string]string{"AccessKeyId": id, "Status": k.status, "CreateDate": "2024-03-01T00:00:00Z"})
			}
		}
		f.answer(w, c, 200, "", map[string]any{"RequestId": "req-5", "AccessKeys": map[string]any{"AccessKey": ks}})
	case "GetDefaultDomain":
		if caller.user != "" && !caller.admin {
			f.answer(w, c, 403, "NoPermission", nil)
			return
		}
		f.answer(w, c, 200, "", map[string]string{"RequestId": "req-3", "DefaultDomainName": f.domain(caller.account)})
	default:
		f.answer(w, c, 404, "InvalidAction.NotFound", nil)
	}
}

func (f *fakeAlibaba) domain(account string) string {
	if d := f.domains[account]; d != "" {
		return d
	}
	return account + ".onaliyun.com"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fakeEncode is RFC 3986 percent-encoding, written out byte by byte.
func fakeEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func fakeCanonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, fakeEncode(k)+"="+fakeEncode(q.Get(k)))
	}
	return strings.Join(pairs, "&")
}
