package aws

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scour-dev/scour/access"
	"github.com/scour-dev/scour/provider"
)

// DefaultIAM is IAM's global endpoint (signed for us-east-1).
const DefaultIAM = "https://iam.amazonaws.com"

const iamVersion = "2010-05-08"

var _ provider.CodedAnalyzer = (*Provider)(nil)

// Analyze reads, with read-only IAM calls signed by the key itself, the
// policies of the key's IAM user (ListAttachedUserPolicies,
// ListUserPolicies), the key's creation date (ListAccessKeys) and its last
// use (GetAccessKeyLastUsed), docs/providers.md §9. A call the key may not
// make (AccessDenied) leaves that fact unknown, with the reason. Root keys
// and role sessions are not listed: the root user has every permission,
// and a role's policies need the role's name and other calls.
func (p *Provider) Analyze(ctx context.Context, d provider.Doer, t provider.Target, rep *access.Report) {
	id, secrets, token := pairing(t)
	arn := rep.Identity["arn"]
	switch {
	case len(secrets) == 0:
		rep.ScopesNote = "no secret was found with this access key ID: IAM cannot be asked"
		return
	case arn == "":
		rep.ScopesNote = "the key's identity is unknown (STS did not name it): IAM is not asked"
		return
	case strings.HasSuffix(arn, ":root"):
		rep.ScopesNote = "the root user has every permission in the account; its policies are not listed"
		return
	}
	user := (&Identity{Arn: arn}).UserName()
	if user == "" {
		rep.ScopesNote = "not an IAM user (" + arn + "): role and federated session policies are not read"
		return
	}
	c := iamCall{c: &p.Client, d: d, base: t.BaseURL, id: id, secret: secrets[0], token: token}
	var scopes []string
	var notes []string
	var attached struct {
		Names []string `xml:"ListAttachedUserPoliciesResult>AttachedPolicies>member>PolicyName"`
		More  bool     `xml:"ListAttachedUserPoliciesResult>IsTruncated"`
	}
	if why := c.do(ctx, map[string]string{"Action": "ListAttachedUserPolicies", "UserName": user, "MaxItems": "100"}, &attached); why != "" {
		notes = append(notes, "attached policies: "+why)
	} else {
		scopes = append(scopes, attached.Names...)
	}
	var inline struct {
		Names []string `xml:"ListUserPoliciesResult>PolicyNames>member"`
	}
	if why := c.do(ctx, map[string]string{"Action": "ListUserPolicies", "UserName": user, "MaxItems": "100"}, &inline); why != "" {
		notes = append(notes, "inline policies: "+why)
	} else {
		for _, n := range inline.Names {
			scopes = append(scopes, "inline:"+n)
		}
	}
	if len(notes) == 0 {
		rep.Scopes, rep.ScopesKnown = scopes, true
		if attached.More {
			rep.ScopesNote = "more than 100 attached policies; the first 100 are listed"
		}
	} else {
		rep.ScopesNote = "cannot read: " + strings.Join(notes, "; ") + " (group policies are not read)"
	}
	var keys struct {
		Keys []struct {
			ID      string    `xml:"AccessKeyId"`
			Created time.Time `xml:"CreateDate"`
			Status  string
		} `xml:"ListAccessKeysResult>AccessKeyMetadata>member"`
	}
	if why := c.do(ctx, map[string]string{"Action": "ListAccessKeys", "UserName": user}, &keys); why == "" {
		for _, k := range keys.Keys {
			if k.ID == id && !k.Created.IsZero() {
				created := k.Created.UTC()
				rep.CreatedAt = &created
				rep.Facts["status"] = k.Status
			}
		}
	}
	var used struct {
		Date    time.Time `xml:"GetAccessKeyLastUsedResult>AccessKeyLastUsed>LastUsedDate"`
		Service string    `xml:"GetAccessKeyLastUsedResult>AccessKeyLastUsed>ServiceName"`
	}
	if why := c.do(ctx, map[string]string{"Action": "GetAccessKeyLastUsed", "AccessKeyId": id}, &used); why == "" && !used.Date.IsZero() {
		last := used.Date.UTC()
		rep.LastUsed = &last
		if used.Service != "" && used.Service != "N/A" {
			rep.Facts["last_used_service"] = used.Service
		}
	}
}

// iamCall sends signed IAM Query API requests (POST, form body).
type iamCall struct {
	c                 *Client
	d                 provider.Doer
	base              *url.URL
	id, secret, token string
}

// do sends one action and decodes a 200 answer into out; otherwise it
// returns why the fact is unknown ("AccessDenied (HTTP 403)").
func (k iamCall) do(ctx context.Context, params map[string]string, out any) string {
	params["Version"] = iamVersion
	body := CanonicalQuery(params)
	u := &url.URL{Scheme: k.base.Scheme, Host: k.base.Host, Path: k.base.Path}
	if u.Path == "" {
		u.Path = "/"
	}
	s := SignV4(V4Request{
		Method: http.MethodPost, Host: k.base.Host, Path: u.Path,
		Headers: map[string]string{"content-type": formType},
		Body:    []byte(body), Region: "us-east-1", Service: "iam", Date: k.c.now(),
		SessionToken: k.token,
	}, k.id, k.secret)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(body))
	if err != nil {
		return err.Error()
	}
	for h, v := range s.Headers {
		req.Header.Set(h, v)
	}
	resp, err := k.d.Do(req)
	if err != nil {
		return "no answer: " + err.Error()
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "reading the answer: " + err.Error()
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code string `xml:"Error>Code"`
		}
		if xml.Unmarshal(data, &e) == nil && e.Code != "" {
			return fmt.Sprintf("%s (HTTP %d)", strings.TrimSpace(e.Code), resp.StatusCode)
		}
		return fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	if err := xml.Unmarshal(data, out); err != nil {
		return "unreadable answer"
	}
	return ""
}
