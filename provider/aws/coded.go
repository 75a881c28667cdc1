package aws

import (
	"context"
	"regexp"
	"strings"

	"github.com/scour-dev/scour/provider"
)

// Name is the coded provider's name: rules say `coded: aws-access-key` in
// their verify block, and cmd registers provider.Options.Coded[Name] =
// aws.New().
const Name = "aws-access-key"

// Context groups a rule's pattern may capture beside the secret.
const (
	GroupID    = "id"            // the access key ID paired with a secret
	GroupToken = "session_token" // the session token of ASIA credentials
)

// Console is IAM's security credentials page.
const Console = "https://console.aws.amazon.com/iam/home#/security_credentials"

var accessKeyID = regexp.MustCompile(`^(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}$`)

// Provider adapts Client to provider.Coded.
type Provider struct {
	Client Client
}

// New returns the provider with the real clock.
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
		return provider.Status{State: provider.Unknown, Reason: "no access key ID was found next to this secret; it cannot be verified alone"}, nil
	}
	if strings.HasPrefix(id, "ASIA") && token == "" && len(secrets) > 0 {
		return provider.Status{State: provider.Unknown, Reason: "temporary (ASIA) credentials need their session token, which was not found with them"}, nil
	}
	v := p.Client.Verify(ctx, d, t.BaseURL, id, secrets, token)
	return provider.Status{State: provider.State(v.State), Reason: v.Reason, HTTPStatus: v.HTTPStatus, Owner: v.Identity.Owner()}, nil
}

// Revoke never changes anything: it learns the key's owner and returns
// the manual steps (IAM console, or aws iam update-access-key).
func (p *Provider) Revoke(ctx context.Context, d provider.Doer, t provider.Target) (provider.Result, error) {
	id, secrets, token := pairing(t)
	var ident *Identity
	res := provider.Result{Outcome: provider.Manual, Reason: "AWS keys are disabled by a person with IAM rights"}
	if id != "" && len(secrets) > 0 {
		v := p.Client.Verify(ctx, d, t.BaseURL, id, secrets, token)
		res.HTTPStatus = v.HTTPStatus
		if v.State == Dead {
			res.Outcome, res.Reason = provider.AlreadyRevoked, "already revoked: "+v.Reason
			return res, nil
		}
		ident = v.Identity
		res.Owner = ident.Owner()
	}
	display := id
	if len(secrets) == 0 && len(id) > 12 {
		display = id[:8] + "…" + id[len(id)-4:] // the ID is the finding's secret
	}
	if display == "" {
		display = "<the access key ID paired with this secret>"
	}
	res.Console, res.Instructions = Steps(display, ident)
	return res, nil
}

// Steps returns the console page and the steps to disable, then delete,
// the access key id.
func Steps(id string, ident *Identity) (console, steps string) {
	console = Console
	user := ""
	switch {
	case ident.Root():
		steps = "Sign in as the root user of account " + ident.Account + ", open " + Console + ", Access keys: make " + id + " Inactive, then delete it. "
	case ident.UserName() != "":
		user = " --user-name " + ident.UserName()
		console = "https://console.aws.amazon.com/iam/home#/users/details/" + ident.UserName() + "?section=security_credentials"
		steps = "In " + console + " (account " + ident.Account + "), Access keys: make " + id + " Inactive, then delete it once nothing uses it. "
	default:
		steps = "Find the owner with `aws sts get-access-key-info --access-key-id " + id + "` (the account) and the IAM users' access keys, then make " + id + " Inactive in " + Console + " or the user's Security credentials tab. "
	}
	steps += "CLI: aws iam update-access-key --access-key-id " + id + " --status Inactive" + user +
		"; later: aws iam delete-access-key --access-key-id " + id + user +
		". Review CloudTrail for the key's use. Workloads that still use the key will fail once it is inactive."
	return console, steps
}
