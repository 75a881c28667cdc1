package alibaba

import (
	"context"
	"net/url"
	"regexp"
	"strings"

	"github.com/scour-dev/scour/provider"
)

// Name is the coded provider's name: rules say `coded: alibaba-accesskey`
// in their verify and revoke blocks, and cmd registers
// provider.Options.Coded[Name] = alibaba.New().
const Name = "alibaba-accesskey"

// Environment variables holding an administrator's AccessKey, used to
// disable RAM users' keys (which cannot usually disable themselves).
const (
	EnvAdminID     = "SCOUR_ALIBABA_ADMIN_ACCESS_KEY_ID"
	EnvAdminSecret = "SCOUR_ALIBABA_ADMIN_ACCESS_KEY_SECRET"
)

// Context groups a rule's pattern may capture beside the secret.
const (
	GroupID    = "id"             // the AccessKey ID paired with a secret
	GroupToken = "security_token" // an STS security token
)

// accessKeyID matches a whole AccessKey ID (long-term or STS).
var accessKeyID = regexp.MustCompile(`^(?:LTAI[A-Za-z0-9]{12}(?:[A-Za-z0-9]{8})?|STS\.[A-Za-z0-9]{16,64})$`)

// Provider adapts Client to provider.Coded.
type Provider struct {
	Client Client
}

// New returns the provider with the real clock and random nonces.
func New() *Provider { return &Provider{} }

var _ provider.Coded = (*Provider)(nil)

// pairing reads a target as a key ID and candidate secrets (provider.KeyPair).
func pairing(t provider.Target) (id string, secrets []string, token string) {
	return provider.KeyPair(t, GroupID, GroupToken, accessKeyID.MatchString)
}

// Verify runs STS GetCallerIdentity at the target's base URL.
func (p *Provider) Verify(ctx context.Context, d provider.Doer, t provider.Target) (provider.Status, error) {
	id, secrets, token := pairing(t)
	if id == "" {
		return provider.Status{State: provider.Unknown, Reason: "no AccessKey ID was found next to this secret; it cannot be verified alone"}, nil
	}
	if strings.HasPrefix(id, "STS.") && token == "" && len(secrets) > 0 {
		return provider.Status{State: provider.Unknown, Reason: "STS credentials need their security token, which was not found with them"}, nil
	}
	v := p.Client.Verify(ctx, d, t.BaseURL, id, secrets, token)
	return provider.Status{State: provider.State(v.State), Reason: v.Reason, HTTPStatus: v.HTTPStatus, Owner: v.Identity.Owner()}, nil
}

// Revoke disables the key through IMS (deletes it with Target.Delete) and
// re-verifies it through STS; see Client.Revoke.
func (p *Provider) Revoke(ctx context.Context, d provider.Doer, t provider.Target) (provider.Result, error) {
	id, secrets, token := pairing(t)
	if id == "" {
		return provider.Result{Outcome: provider.Manual, Reason: "no AccessKey ID was found next to this secret",
			Console: Console, Instructions: Steps("<the AccessKey ID paired with this secret>", nil)}, nil
	}
	req := RevokeRequest{
		Key:    Credential{ID: id, SecurityToken: token},
		Delete: t.Delete,
		IMS:    t.BaseURL,
		STS:    stsBase(t),
	}
	if len(secrets) > 0 {
		req.Key.Secret = secrets[0]
	} else {
		// The ID is the finding's secret: name it in instructions without
		// printing it whole (enough to find it in the console list).
		req.DisplayID = shorten(id)
	}
	if getenv := t.Getenv; getenv != nil {
		if aid, asec := strings.TrimSpace(getenv(EnvAdminID)), strings.TrimSpace(getenv(EnvAdminSecret)); aid != "" && asec != "" {
			req.Admin = &Credential{ID: aid, Secret: asec}
		}
	}
	rep := p.Client.Revoke(ctx, d, req)
	return provider.Result{
		Outcome:      provider.Outcome(rep.Outcome),
		Reason:       rep.Reason,
		HTTPStatus:   rep.HTTPStatus,
		Owner:        rep.Identity.Owner(),
		Console:      rep.Console,
		Instructions: rep.Instructions,
	}, nil
}

// stsBase is where GetCallerIdentity goes during a revoke. A base URL the
// user configured for the provider serves both APIs; otherwise the rule's
// verify base URL (sts.aliyuncs.com).
func stsBase(t provider.Target) *url.URL {
	if t.Rule == nil || t.Rule.Verify == nil || t.Rule.Revoke == nil || t.BaseURL == nil {
		return t.BaseURL
	}
	def, err := url.Parse(t.Rule.Revoke.BaseURL)
	if err != nil || !strings.EqualFold(def.Host, t.BaseURL.Host) {
		return t.BaseURL // configured: one base for both
	}
	if u, err := url.Parse(t.Rule.Verify.BaseURL); err == nil && u.Host != "" {
		return u
	}
	return t.BaseURL
}

// shorten keeps the first 8 and last 4 characters of an ID.
func shorten(id string) string {
	if len(id) <= 12 {
		return id[:min(4, len(id))] + "…"
	}
	return id[:8] + "…" + id[len(id)-4:]
}
