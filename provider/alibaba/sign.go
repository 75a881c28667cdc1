// Package alibaba verifies and disables Alibaba Cloud AccessKeys
// (docs/providers.md §3): STS GetCallerIdentity to verify, IMS UpdateAccessKey
// (Status=Inactive) and, only on request, DeleteAccessKey to revoke. Both
// are RPC-style APIs that need a signed request, so this is a coded
// provider rather than a declarative rule action.
//
// The signatures are pure functions of their inputs (the clock and the
// nonce are parameters) so that they are checked against Alibaba's
// published known answers.
package alibaba

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
	"time"
)

// TimeFormat is the UTC timestamp both signature versions use.
const TimeFormat = "2006-01-02T15:04:05Z"

// EmptySHA256 is hex(SHA256("")), the payload hash of an empty body.
const EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Encode percent-encodes s as Alibaba's signatures require: every byte of
// its UTF-8 form except A-Z a-z 0-9 - _ . ~, in upper-case hex, a space as
// %20. url.QueryEscape already keeps ~ and escapes *; only its "+" for a
// space differs.
func Encode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// CanonicalQuery sorts params by key (byte order) and joins
// Encode(k)=Encode(v) with &. It is both the signed form and the query
// string sent.
func CanonicalQuery(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(Encode(k))
		b.WriteByte('=')
		b.WriteString(Encode(params[k]))
	}
	return b.String()
}

// V1Params returns the common parameters of an RPC request signed with
// signature version 1.0 (HMAC-SHA1), merged with the API's own params.
// securityToken is set only for STS credentials.
func V1Params(action, version, keyID, securityToken, nonce string, t time.Time, params map[string]string) map[string]string {
	p := map[string]string{
		"AccessKeyId":      keyID,
		"Action":           action,
		"Format":           "JSON",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   nonce,
		"SignatureVersion": "1.0",
		"Timestamp":        t.UTC().Format(TimeFormat),
		"Version":          version,
	}
	if securityToken != "" {
		p["SecurityToken"] = securityToken
	}
	for k, v := range params {
		p[k] = v
	}
	return p
}

// V1StringToSign is METHOD&Encode("/")&Encode(CanonicalQuery(params)); the
// second encoding turns the %3A of a timestamp into %253A.
func V1StringToSign(method string, params map[string]string) string {
	return strings.ToUpper(method) + "&" + Encode("/") + "&" + Encode(CanonicalQuery(params))
}

// SignV1 returns base64(HMAC(secret + "&", V1StringToSign)), with SHA-1, or
// SHA-256 when params say SignatureMethod=HMAC-SHA256. params must not
// contain Signature.
func SignV1(method string, params map[string]string, secret string) string {
	h := sha1.New
	if params["SignatureMethod"] == "HMAC-SHA256" {
		h = sha256.New
	}
	mac := hmac.New(h, []byte(secret+"&"))
	mac.Write([]byte(V1StringToSign(method, params)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// V3Algorithm names the V3 signature in the Authorization header.
const V3Algorithm = "ACS3-HMAC-SHA256"

// V3Request is everything a V3 (ACS3-HMAC-SHA256) signature covers.
type V3Request struct {
	Method string
	Host   string // as sent in the Host header (with a port if not default)
	Path   string // the canonical URI; "/" for RPC-style APIs
	Query  map[string]string
	// Action and Version become x-acs-action and x-acs-version.
	Action, Version string
	Date            time.Time
	Nonce           string
	// SecurityToken is sent (and signed) as x-acs-security-token for STS
	// credentials.
	SecurityToken string
	ContentType   string // signed when set
	Body          []byte
}

// V3Signed is a signed V3 request: the headers to send and the
// intermediate values, which tests compare with the published example.
type V3Signed struct {
	// Headers are the lower-case header names to send, Authorization
	// included (host is implied by the URL and signed, not listed).
	Headers          map[string]string
	CanonicalRequest string
	StringToSign     string
	SignedHeaders    string
	Signature        string
}

// SignV3 signs r with the AccessKey (keyID, secret).
func SignV3(r V3Request, keyID, secret string) V3Signed {
	sum := sha256.Sum256(r.Body)
	payload := hex.EncodeToString(sum[:])
	h := map[string]string{
		"host":                  r.Host,
		"x-acs-action":          r.Action,
		"x-acs-version":         r.Version,
		"x-acs-date":            r.Date.UTC().Format(TimeFormat),
		"x-acs-signature-nonce": r.Nonce,
		"x-acs-content-sha256":  payload,
	}
	if r.SecurityToken != "" {
		h["x-acs-security-token"] = r.SecurityToken
	}
	if r.ContentType != "" {
		h["content-type"] = r.ContentType
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var canon strings.Builder
	path := r.Path
	if path == "" {
		path = "/"
	}
	canon.WriteString(strings.ToUpper(r.Method) + "\n" + path + "\n" + CanonicalQuery(r.Query) + "\n")
	for _, k := range names {
		canon.WriteString(k + ":" + strings.TrimSpace(h[k]) + "\n")
	}
	signed := strings.Join(names, ";")
	canon.WriteString("\n" + signed + "\n" + payload)
	cr := canon.String()
	crSum := sha256.Sum256([]byte(cr))
	sts := V3Algorithm + "\n" + hex.EncodeToString(crSum[:])
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(sts))
	sig := hex.EncodeToString(mac.Sum(nil))
	delete(h, "host")
	h["authorization"] = V3Algorithm + " Credential=" + keyID + ",SignedHeaders=" + signed + ",Signature=" + sig
	return V3Signed{Headers: h, CanonicalRequest: cr, StringToSign: sts, SignedHeaders: signed, Signature: sig}
}
