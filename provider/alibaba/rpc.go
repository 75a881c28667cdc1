package alibaba

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// API versions and default hosts (docs/providers.md §3.2, §3.5).
const (
	STSVersion = "2015-04-01"
	IMSVersion = "2019-08-15"
	// DefaultSTS and DefaultIMS are the vendor's hosts; a user-configured
	// base URL (SCOUR_ALIBABA_BASE_URL) replaces both.
	DefaultSTS = "https://sts.aliyuncs.com"
	DefaultIMS = "https://ims.aliyuncs.com"
)

// Doer sends one HTTP request. *http.Client satisfies it, and so does the
// provider engine's hardened, host-bound sender.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Credential is an AccessKey pair, with the security token of STS
// credentials.
type Credential struct {
	ID            string
	Secret        string
	SecurityToken string
}

// Client signs and sends Alibaba RPC requests. The zero value uses the
// real clock and random nonces; tests set both.
type Client struct {
	Now   func() time.Time
	Nonce func() string
	// MaxCandidates bounds how many candidate secrets are tried for one ID
	// (default 3): each wrong one costs a signed request.
	MaxCandidates int
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) nonce() string {
	if c.Nonce != nil {
		return c.Nonce()
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go >= 1.24)
	return hex.EncodeToString(b[:])
}

// Answer is a parsed RPC response: the HTTP status and, from the JSON body,
// the error fields (Code empty on success) and the raw body for callers
// that need result fields.
type Answer struct {
	Status    int
	Code      string
	Message   string
	RequestID string
	Body      []byte
}

// rpc sends action to base, signed with cred: V3 (POST, parameters in the
// query, empty body) unless v1 asks for the older GET form.
func (c *Client) rpc(ctx context.Context, d Doer, base *url.URL, action, version string, params map[string]string, cred Credential, v1 bool) (*Answer, error) {
	if base == nil {
		return nil, errors.New("no base URL")
	}
	u := &url.URL{Scheme: base.Scheme, Host: base.Host, Path: base.Path, RawPath: base.RawPath}
	if u.Path == "" {
		u.Path = "/"
	}
	method := http.MethodPost
	var headers map[string]string
	if v1 {
		method = http.MethodGet
		p := V1Params(action, version, cred.ID, cred.SecurityToken, c.nonce(), c.now(), params)
		u.RawQuery = CanonicalQuery(p) + "&Signature=" + Encode(SignV1(method, p, cred.Secret))
	} else {
		s := SignV3(V3Request{
			Method: method, Host: base.Host, Path: u.EscapedPath(), Query: params,
			Action: action, Version: version, Date: c.now(), Nonce: c.nonce(),
			SecurityToken: cred.SecurityToken,
		}, cred.ID, cred.Secret)
		u.RawQuery = CanonicalQuery(params)
		headers = s.Headers
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := d.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	a := &Answer{Status: resp.StatusCode, Body: body}
	var e struct {
		Code      string
		Message   string
		RequestID string `json:"RequestId"`
	}
	if json.Unmarshal(body, &e) == nil {
		a.Code, a.Message, a.RequestID = strings.TrimSpace(e.Code), e.Message, e.RequestID
	}
	return a, nil
}

// describe names an answer for people: HTTP status and Code, never the
// message (Alibaba echoes the string to sign, with the key ID, in it).
func (a *Answer) describe() string {
	if a.Code != "" {
		return fmt.Sprintf("HTTP %d, Code %s", a.Status, a.Code)
	}
	return fmt.Sprintf("HTTP %d", a.Status)
}
