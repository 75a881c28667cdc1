package alibaba

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// State is what a verification learned; the values are the provider
// package's states.
type State string

// States. A timeout, a throttle or a 5xx is unknown, never dead.
const (
	Live        State = "live"
	LiveLimited State = "live-limited"
	Dead        State = "dead"
	Unknown     State = "unknown"
)

// Identity is STS GetCallerIdentity's answer.
type Identity struct {
	IdentityType string // Account | RAMUser | AssumedRoleUser
	AccountID    string `json:"AccountId"`
	UserID       string `json:"UserId"`
	PrincipalID  string `json:"PrincipalId"`
	Arn          string
	RoleID       string `json:"RoleId"`
}

// Root reports whether the key is the account's root AccessKey: it can
// do anything in the account, disabling itself included.
func (id *Identity) Root() bool {
	return id != nil && (strings.HasSuffix(id.Arn, ":root") || id.IdentityType == "Account")
}

// UserName is the RAM user name from an Arn acs:ram::<account>:user/<name>.
func (id *Identity) UserName() string {
	if id == nil {
		return ""
	}
	_, name, ok := strings.Cut(id.Arn, ":user/")
	if !ok || id.IdentityType == "AssumedRoleUser" {
		return ""
	}
	return name
}

// Owner returns labels for reports: name, arn, account_id, identity_type.
func (id *Identity) Owner() map[string]string {
	if id == nil {
		return nil
	}
	o := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			o[k] = v
		}
	}
	set("arn", id.Arn)
	set("account_id", id.AccountID)
	set("identity_type", id.IdentityType)
	switch {
	case id.Root():
		set("name", "root of account "+id.AccountID)
	case id.UserName() != "":
		set("name", id.UserName())
	}
	return o
}

// Verdict is the result of verifying an AccessKey ID with its candidate
// secrets.
type Verdict struct {
	State      State
	Reason     string
	HTTPStatus int
	Identity   *Identity // set when live
	// Secret is the index of the candidate secret that authenticated (live
	// or live-limited), or -1.
	Secret int
	// IDExists: Alibaba said SignatureDoesNotMatch, so the ID exists and is
	// active (only the secret was wrong).
	IDExists bool
	// Code is Alibaba's error code, if any (InvalidAccessKeyId.Inactive...).
	Code string
}

// class is how one GetCallerIdentity answer reads (docs/providers.md §3.2).
type class struct {
	state       State
	reason      string
	wrongSecret bool // SignatureDoesNotMatch: try the next candidate
	unfamiliar  bool // a 4xx answer none of the documented codes explains
	identity    *Identity
}

// classify reads an answer on its JSON Code, not its status.
func classify(a *Answer) class {
	code := a.Code
	switch {
	case a.Status == http.StatusOK && code == "":
		var id Identity
		if json.Unmarshal(a.Body, &id) != nil || id.Arn == "" {
			return class{state: Unknown, reason: "HTTP 200 without an Arn"}
		}
		if id.Root() {
			return class{state: Live, identity: &id, reason: "live ROOT AccessKey of account " + id.AccountID + " (critical: full control of the account)"}
		}
		return class{state: Live, identity: &id, reason: "live AccessKey (" + id.Arn + ")"}
	case code == "InvalidAccessKeyId.Inactive":
		return class{state: Dead, reason: "AccessKey is disabled (Inactive), not deleted"}
	case code == "InvalidAccessKeyId.NotFound" || code == "InvalidAccessKeyId":
		return class{state: Dead, reason: "no such AccessKey ID (deleted or never existed)"}
	case code == "InvalidSecurityToken.Expired":
		return class{state: Dead, reason: "STS security token expired"}
	case code == "SignatureDoesNotMatch" || code == "IncompleteSignature":
		// The ID exists and is active; the signature (so the secret) is wrong.
		return class{state: Unknown, wrongSecret: true, reason: "wrong secret for this AccessKey ID (" + code + ")"}
	case code == "Forbidden.AccessDenied" || code == "NoPermission" || code == "Forbidden":
		return class{state: LiveLimited, reason: "live AccessKey, restricted (" + code + ")"}
	case strings.HasPrefix(code, "InvalidTimeStamp") || code == "SignatureNonceUsed":
		return class{state: Unknown, reason: "request rejected for its time or nonce (" + code + "); check the clock"}
	case a.Status == http.StatusTooManyRequests || strings.HasPrefix(code, "Throttling"):
		return class{state: Unknown, reason: "rate limited (" + a.describe() + ")"}
	case a.Status >= 500 || code == "ServiceUnavailable" || code == "InternalError":
		return class{state: Unknown, reason: "vendor error (" + a.describe() + ")"}
	}
	return class{state: Unknown, unfamiliar: a.Status >= 400, reason: "unrecognised answer (" + a.describe() + ")"}
}

// GetCallerIdentity calls STS GetCallerIdentity at base with cred, V3
// signed, or V1 signed when v1 is set.
func (c *Client) GetCallerIdentity(ctx context.Context, d Doer, base *url.URL, cred Credential, v1 bool) (*Answer, error) {
	return c.rpc(ctx, d, base, "GetCallerIdentity", STSVersion, nil, cred, v1)
}

// check verifies one credential: V3 first; an unfamiliar 4xx answer (a
// server that does not take V3) is retried once with V1.
func (c *Client) check(ctx context.Context, d Doer, base *url.URL, cred Credential) (class, *Answer, error) {
	a, err := c.GetCallerIdentity(ctx, d, base, cred, false)
	if err != nil {
		return class{}, nil, err
	}
	cl := classify(a)
	if cl.unfamiliar {
		if a1, err := c.GetCallerIdentity(ctx, d, base, cred, true); err == nil {
			if cl1 := classify(a1); !cl1.unfamiliar {
				return cl1, a1, nil
			}
		}
	}
	return cl, a, nil
}

// Verify checks an AccessKey ID with its candidate secrets (nearest
// first) through STS GetCallerIdentity at base. A candidate Alibaba
// rejects with SignatureDoesNotMatch is wrong: the next is tried, at most
// MaxCandidates. With no candidate the ID alone is probed: Alibaba checks
// the ID before the signature, so the answer still tells a deleted or
// disabled key from an active one.
func (c *Client) Verify(ctx context.Context, d Doer, base *url.URL, id string, secrets []string, securityToken string) Verdict {
	limit := c.MaxCandidates
	if limit <= 0 {
		limit = 3
	}
	v := Verdict{State: Unknown, Secret: -1}
	if id == "" {
		v.Reason = "no AccessKey ID"
		return v
	}
	probe := len(secrets) == 0
	if probe {
		secrets = []string{""}
	}
	tried := 0
	for i, s := range secrets {
		if i >= limit {
			break
		}
		tried++
		cl, a, err := c.check(ctx, d, base, Credential{ID: id, Secret: s, SecurityToken: securityToken})
		if err != nil {
			v.Reason = "no answer: " + err.Error()
			return v
		}
		v.HTTPStatus, v.Code = a.Status, a.Code
		if cl.wrongSecret {
			v.IDExists = true
			continue
		}
		v.State, v.Reason, v.Identity = cl.state, cl.reason, cl.identity
		if probe && cl.state.live() {
			// Cannot happen with a real server: an empty secret signed it.
			v.State, v.Reason = Unknown, "the server accepted an unsigned probe; not trusted"
			return v
		}
		if cl.state.live() {
			v.Secret = i
		}
		return v
	}
	switch {
	case probe:
		v.Reason = "AccessKey ID exists and is active, but no secret was found with it: treat it as live"
	default:
		v.Reason = fmt.Sprintf("AccessKey ID exists and is active, but none of the %d candidate secret(s) matches (SignatureDoesNotMatch): secret not found", tried)
	}
	if len(secrets) > limit {
		v.Reason += fmt.Sprintf("; %d more candidate(s) not tried", len(secrets)-limit)
	}
	return v
}

func (s State) live() bool { return s == Live || s == LiveLimited }
