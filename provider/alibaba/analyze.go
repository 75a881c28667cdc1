package alibaba

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scour-dev/scour/access"
	"github.com/scour-dev/scour/provider"
)

// RAMVersion is the RAM API version; DefaultRAM its host.
const (
	RAMVersion = "2015-05-01"
	DefaultRAM = "https://ram.aliyuncs.com"
)

var _ provider.CodedAnalyzer = (*Provider)(nil)

// Analyze reads, with read-only RAM calls signed by the key itself, the
// RAM user's policies (ListPoliciesForUser) and the key's creation date
// (ListAccessKeys), docs/providers.md §9. A call the key may not make
// (NoPermission, HTTP 403) leaves that fact unknown, with the reason:
// "cannot read", never a guess. Root keys (IdentityType Account) have
// every permission and are not listed; role sessions are not read.
func (p *Provider) Analyze(ctx context.Context, d provider.Doer, t provider.Target, rep *access.Report) {
	id, secrets, token := pairing(t)
	ident := &Identity{Arn: rep.Identity["arn"], IdentityType: rep.Identity["identity_type"]}
	switch {
	case len(secrets) == 0:
		rep.ScopesNote = "no secret was found with this AccessKey ID: RAM cannot be asked"
		return
	case ident.Arn == "" && ident.IdentityType == "":
		rep.ScopesNote = "the key's identity is unknown (STS did not name it): RAM is not asked"
		return
	case ident.Root():
		rep.ScopesNote = "the root account has every permission; its policies are not listed"
		return
	}
	user := ident.UserName()
	if user == "" {
		rep.ScopesNote = "not a RAM user (" + ident.Arn + "): role session policies are not read"
		return
	}
	cred := Credential{ID: id, Secret: secrets[0], SecurityToken: token}
	var pol struct {
		Policies struct {
			Policy []struct {
				PolicyName, PolicyType string
			}
		}
	}
	if why := p.ram(ctx, d, t, "ListPoliciesForUser", map[string]string{"UserName": user}, cred, &pol); why != "" {
		rep.ScopesNote = "cannot read the RAM user's policies: " + why + " (group policies are not read)"
	} else {
		scopes := []string{}
		for _, x := range pol.Policies.Policy {
			scopes = append(scopes, x.PolicyName)
		}
		rep.Scopes, rep.ScopesKnown = scopes, true
	}
	var keys struct {
		AccessKeys struct {
			AccessKey []struct {
				AccessKeyID string `json:"AccessKeyId"`
				Status      string
				CreateDate  string
			}
		}
	}
	if why := p.ram(ctx, d, t, "ListAccessKeys", map[string]string{"UserName": user}, cred, &keys); why == "" {
		for _, k := range keys.AccessKeys.AccessKey {
			if k.AccessKeyID != id {
				continue
			}
			if c, err := time.Parse(time.RFC3339, k.CreateDate); err == nil {
				c = c.UTC()
				rep.CreatedAt = &c
			}
			if k.Status != "" {
				rep.Facts["status"] = k.Status
			}
		}
	}
}

// ram sends one signed RAM RPC call to the target's base URL and decodes
// a 200 answer into out; otherwise it says why the fact is unknown.
func (p *Provider) ram(ctx context.Context, d provider.Doer, t provider.Target, action string, params map[string]string, cred Credential, out any) string {
	a, err := p.Client.rpc(ctx, d, t.BaseURL, action, RAMVersion, params, cred, false)
	if err != nil {
		return "no answer: " + err.Error()
	}
	if a.Status != 200 || a.Code != "" {
		return a.describe()
	}
	if err := json.Unmarshal(a.Body, out); err != nil {
		return fmt.Sprintf("unreadable answer (HTTP %d)", a.Status)
	}
	return ""
}
