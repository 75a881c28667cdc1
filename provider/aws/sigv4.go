// Package aws verifies AWS access keys with STS GetCallerIdentity, signed
// with Signature Version 4. AWS offers no way for a leaked key to disable
// itself that scour should rely on, so revocation is manual: the IAM
// console or `aws iam update-access-key --status Inactive`.
package aws

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Algorithm names SigV4 in the Authorization header.
const Algorithm = "AWS4-HMAC-SHA256"

// AmzDateFormat is the x-amz-date format (basic ISO 8601, UTC).
const AmzDateFormat = "20060102T150405Z"

// V4Request is everything a SigV4 signature covers.
type V4Request struct {
	Method string
	Host   string // as sent in the Host header
	Path   string // unescaped path; "" means "/"
	// Query holds the query parameters (each key once).
	Query map[string]string
	// Headers are further headers to sign (content-type...); host and
	// x-amz-date are always signed.
	Headers         map[string]string
	Body            []byte
	Region, Service string
	Date            time.Time
	// SessionToken is sent and signed as x-amz-security-token for
	// temporary (ASIA...) credentials.
	SessionToken string
}

// V4Signed is a signed request: the headers to add (lower-case names,
// Authorization included, host implied by the URL) and the intermediate
// values, which tests compare with AWS's published examples.
type V4Signed struct {
	Headers          map[string]string
	CanonicalRequest string
	StringToSign     string
	SignedHeaders    string
	Signature        string
	Authorization    string
}

// Encode is SigV4's URI encoding: every byte but A-Z a-z 0-9 - _ . ~ as
// %XX in upper-case hex.
func Encode(s string) string {
	return encode(s, false)
}

func encode(s string, keepSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || keepSlash && c == '/' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// CanonicalQuery sorts the parameters by encoded name and joins
// Encode(k)=Encode(v) with &.
func CanonicalQuery(q map[string]string) string {
	pairs := make([]string, 0, len(q))
	for k, v := range q {
		pairs = append(pairs, Encode(k)+"="+Encode(v))
	}
	sort.Strings(pairs) // names are unique, so sorting pairs sorts names
	return strings.Join(pairs, "&")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// SigningKey derives the SigV4 key for a day, region and service.
func SigningKey(secret string, day, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), day)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

// SignV4 signs r with the access key (keyID, secret).
func SignV4(r V4Request, keyID, secret string) V4Signed {
	amzDate := r.Date.UTC().Format(AmzDateFormat)
	day := amzDate[:8]
	h := map[string]string{"host": r.Host, "x-amz-date": amzDate}
	for k, v := range r.Headers {
		h[strings.ToLower(k)] = v
	}
	if r.SessionToken != "" {
		h["x-amz-security-token"] = r.SessionToken
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	path := r.Path
	if path == "" {
		path = "/"
	}
	sum := sha256.Sum256(r.Body)
	payload := hex.EncodeToString(sum[:])
	var cr strings.Builder
	cr.WriteString(strings.ToUpper(r.Method) + "\n" + encode(path, true) + "\n" + CanonicalQuery(r.Query) + "\n")
	for _, k := range names {
		// Trim, and fold inner runs of spaces, as SigV4 requires.
		cr.WriteString(k + ":" + strings.Join(strings.Fields(h[k]), " ") + "\n")
	}
	signed := strings.Join(names, ";")
	cr.WriteString("\n" + signed + "\n" + payload)
	scope := day + "/" + r.Region + "/" + r.Service + "/aws4_request"
	crSum := sha256.Sum256([]byte(cr.String()))
	sts := Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(crSum[:])
	sig := hex.EncodeToString(hmacSHA256(SigningKey(secret, day, r.Region, r.Service), sts))
	auth := Algorithm + " Credential=" + keyID + "/" + scope + ", SignedHeaders=" + signed + ", Signature=" + sig
	delete(h, "host")
	h["authorization"] = auth
	return V4Signed{Headers: h, CanonicalRequest: cr.String(), StringToSign: sts, SignedHeaders: signed, Signature: sig, Authorization: auth}
}
