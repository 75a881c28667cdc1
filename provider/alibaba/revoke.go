package alibaba

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// Outcome is what a revocation did; the values are the provider
// package's outcomes.
type Outcome string

// Outcomes.
const (
	Revoked        Outcome = "revoked"
	AlreadyRevoked Outcome = "already-revoked"
	Manual         Outcome = "manual"
	Failed         Outcome = "failed"
)

// Console is the RAM console, where a person disables or deletes a key.
const Console = "https://ram.console.aliyun.com/"

// BreakWarning is said with every disable: it is the point, but it hurts.
const BreakWarning = "workloads that still use this AccessKey now fail; the owner can re-enable it in the RAM console if that was premature"

// RevokeRequest says which key to disable and how.
type RevokeRequest struct {
	// Key is the leaked AccessKey. Without its Secret only the admin path
	// or a person can act.
	Key Credential
	// DisplayID is how instructions name the key (default Key.ID); callers
	// shorten it when the ID itself is the finding's secret.
	DisplayID string
	// Delete deletes the key (after disabling it, with an admin key)
	// instead of only disabling it. Deleted keys sit in RAM's recycle bin
	// for a while; disabled keys can be re-enabled by the owner.
	Delete bool
	// Admin is an administrator's AccessKey of the same account
	// (SCOUR_ALIBABA_ADMIN_ACCESS_KEY_ID/_SECRET), used for RAM users' keys,
	// which cannot usually disable themselves.
	Admin *Credential
	// STS and IMS are the base URLs for GetCallerIdentity and for
	// UpdateAccessKey/DeleteAccessKey.
	STS, IMS *url.URL
}

// RevokeReport is the result of Revoke.
type RevokeReport struct {
	Outcome    Outcome
	Reason     string
	HTTPStatus int
	Identity   *Identity
	// Console and Instructions tell a person what to do (manual outcomes,
	// and failures).
	Console      string
	Instructions string
}

// imsResult is how an IMS answer reads.
type imsResult int

const (
	imsOK imsResult = iota
	imsGone
	imsDisabled
	imsDenied
	imsFailed
)

func readIMS(a *Answer) imsResult {
	c := a.Code
	switch {
	case a.Status == http.StatusOK && c == "":
		return imsOK
	case strings.HasPrefix(c, "EntityNotExist") || c == "InvalidAccessKeyId.NotFound" || c == "InvalidAccessKeyId":
		return imsGone
	case c == "InvalidAccessKeyId.Inactive":
		return imsDisabled
	case c == "NoPermission" || c == "Forbidden" || strings.HasPrefix(c, "Forbidden."):
		return imsDenied
	}
	return imsFailed
}

// Revoke disables (or, with Delete, deletes) a leaked AccessKey through
// IMS, then re-verifies it through STS.
//
// It asks STS who the key belongs to first. A root key (and any key that
// is allowed to) disables itself: UpdateAccessKey with its own ID,
// Status=Inactive and no principal. A RAM user's key is disabled with the
// admin key, naming the user (UserPrincipalName), when one is configured;
// otherwise scour tries the key itself and, refused, gives the console
// steps. STS credentials (AssumedRoleUser) cannot be revoked one by one.
func (c *Client) Revoke(ctx context.Context, d Doer, r RevokeRequest) RevokeReport {
	if r.DisplayID == "" {
		r.DisplayID = r.Key.ID
	}
	if strings.HasPrefix(r.Key.ID, "STS.") || r.Key.SecurityToken != "" {
		return manual(r, nil, "STS credentials cannot be revoked one by one: they expire on their own (at most 12 hours, usually 1)",
			"Disable the AccessKey that obtained them, or revoke the role's active sessions: in "+Console+" open Identities > Roles, select the role and revoke its sessions (or detach its policies).")
	}
	if r.Key.Secret == "" {
		return manual(r, nil, "only the AccessKey ID was found; its secret is needed to find the owner", "")
	}
	v := c.Verify(ctx, d, r.STS, r.Key.ID, []string{r.Key.Secret}, "")
	rep := RevokeReport{HTTPStatus: v.HTTPStatus, Identity: v.Identity}
	switch {
	case v.State == Dead && v.Code == "InvalidAccessKeyId.Inactive" && r.Delete:
		// Harmless already; deleting needs a person (a disabled key cannot
		// sign its own deletion, and its owner is no longer reported).
		rep = manual(r, nil, "", "")
		rep.Outcome, rep.HTTPStatus = AlreadyRevoked, v.HTTPStatus
		rep.Reason = "already disabled; delete it in the RAM console if it must go (a disabled key cannot sign its own deletion)"
		return rep
	case v.State == Dead:
		rep.Outcome, rep.Reason = AlreadyRevoked, "already revoked: "+v.Reason
		return rep
	case v.IDExists:
		return manual(r, nil, "the secret found does not match this AccessKey ID", "")
	case v.Identity != nil && v.Identity.IdentityType == "AssumedRoleUser":
		return manual(r, v.Identity, "an assumed-role session cannot be revoked one by one", "")
	}
	upn := principal(v.Identity)
	if upn != "" && !v.Identity.Root() && r.Admin != nil {
		return c.adminRevoke(ctx, d, r, v.Identity, upn)
	}
	rep, denied := c.selfRevoke(ctx, d, r, v.Identity)
	if !denied {
		return rep
	}
	if upn != "" && r.Admin != nil {
		return c.adminRevoke(ctx, d, r, v.Identity, upn)
	}
	why := "the key may not disable itself (" + rep.Reason + ")"
	if r.Admin == nil {
		why += "; no admin AccessKey is configured"
	}
	out := manual(r, v.Identity, why, "")
	out.HTTPStatus = rep.HTTPStatus
	return out
}

// principal is a RAM user's logon name, <user>@<account id>.onaliyun.com
// (the default domain, whose alias is the account ID unless renamed).
func principal(id *Identity) string {
	if id == nil || id.Root() || id.UserName() == "" || id.AccountID == "" {
		return ""
	}
	return id.UserName() + "@" + id.AccountID + ".onaliyun.com"
}

// selfRevoke signs IMS calls with the leaked key itself. denied reports
// that the key lacked the permission (the caller may try the admin path).
func (c *Client) selfRevoke(ctx context.Context, d Doer, r RevokeRequest, id *Identity) (RevokeReport, bool) {
	rep := RevokeReport{Identity: id}
	if r.Delete {
		// A disabled key cannot sign its own deletion: delete directly.
		a, err := c.rpc(ctx, d, r.IMS, "DeleteAccessKey", IMSVersion, map[string]string{"UserAccessKeyId": r.Key.ID}, r.Key, false)
		if err == nil {
			rep.HTTPStatus = a.Status
			switch readIMS(a) {
			case imsOK:
				return c.confirm(ctx, d, r, rep, "deleted"), false
			case imsGone:
				rep.Outcome, rep.Reason = AlreadyRevoked, "already deleted ("+a.describe()+")"
				return rep, false
			case imsDisabled:
				rep.Outcome, rep.Reason = AlreadyRevoked, "already disabled ("+a.describe()+")"
				return rep, false
			}
		}
		// Deleting failed: disabling is still worth doing.
	}
	a, err := c.rpc(ctx, d, r.IMS, "UpdateAccessKey", IMSVersion, map[string]string{"UserAccessKeyId": r.Key.ID, "Status": "Inactive"}, r.Key, false)
	if err != nil {
		return failed(r, id, 0, "UpdateAccessKey: no answer: "+err.Error()), false
	}
	rep.HTTPStatus = a.Status
	switch readIMS(a) {
	case imsOK:
		return c.confirm(ctx, d, r, rep, "disabled"), false
	case imsGone:
		rep.Outcome, rep.Reason = AlreadyRevoked, "already deleted ("+a.describe()+")"
	case imsDisabled:
		rep.Outcome, rep.Reason = AlreadyRevoked, "already disabled ("+a.describe()+")"
	case imsDenied:
		rep.Reason = a.describe()
		return rep, true
	default:
		return failed(r, id, a.Status, "UpdateAccessKey failed ("+a.describe()+")"), false
	}
	return rep, false
}

// adminRevoke disables the RAM user's key with the admin key, then deletes
// it when asked.
func (c *Client) adminRevoke(ctx context.Context, d Doer, r RevokeRequest, id *Identity, upn string) RevokeReport {
	rep := RevokeReport{Identity: id}
	disable := func(upn string) (*Answer, error) {
		params := map[string]string{"UserAccessKeyId": r.Key.ID, "Status": "Inactive", "UserPrincipalName": upn}
		return c.rpc(ctx, d, r.IMS, "UpdateAccessKey", IMSVersion, params, *r.Admin, false)
	}
	a, err := disable(upn)
	if err == nil && a.Code == "EntityNotExist.User" {
		// The account renamed its default domain (<alias>.onaliyun.com):
		// ask for it and name the user with it.
		if dom := c.defaultDomain(ctx, d, r); dom != "" && !strings.HasSuffix(upn, "@"+dom) {
			upn = id.UserName() + "@" + dom
			a, err = disable(upn)
		}
	}
	if err != nil {
		return failed(r, id, 0, "UpdateAccessKey with the admin key: no answer: "+err.Error())
	}
	rep.HTTPStatus = a.Status
	switch readIMS(a) {
	case imsOK:
	case imsGone:
		rep.Outcome, rep.Reason = AlreadyRevoked, "already deleted ("+a.describe()+")"
		return rep
	default:
		return failed(r, id, a.Status, "UpdateAccessKey with the admin key failed ("+a.describe()+")")
	}
	what := "disabled with the admin key"
	if r.Delete {
		a, err := c.rpc(ctx, d, r.IMS, "DeleteAccessKey", IMSVersion, map[string]string{"UserAccessKeyId": r.Key.ID, "UserPrincipalName": upn}, *r.Admin, false)
		switch {
		case err != nil:
			what += "; deleting it got no answer (" + err.Error() + ")"
		case readIMS(a) == imsOK || readIMS(a) == imsGone:
			rep.HTTPStatus = a.Status
			what = "disabled and deleted with the admin key"
		default:
			rep.HTTPStatus = a.Status
			what += "; deleting it failed (" + a.describe() + ")"
		}
	}
	return c.confirm(ctx, d, r, rep, what)
}

// defaultDomain asks IMS GetDefaultDomain, with the admin key, for the
// account's default domain; "" when it cannot tell.
func (c *Client) defaultDomain(ctx context.Context, d Doer, r RevokeRequest) string {
	a, err := c.rpc(ctx, d, r.IMS, "GetDefaultDomain", IMSVersion, nil, *r.Admin, false)
	if err != nil || readIMS(a) != imsOK {
		return ""
	}
	var v struct{ DefaultDomainName string }
	if json.Unmarshal(a.Body, &v) != nil {
		return ""
	}
	return strings.TrimSpace(v.DefaultDomainName)
}

// confirm re-verifies the key after IMS accepted the change: STS must now
// reject it (InvalidAccessKeyId.Inactive or .NotFound).
func (c *Client) confirm(ctx context.Context, d Doer, r RevokeRequest, rep RevokeReport, what string) RevokeReport {
	v := c.Verify(ctx, d, r.STS, r.Key.ID, []string{r.Key.Secret}, "")
	switch {
	case v.State == Dead:
		rep.Outcome, rep.Reason = Revoked, what+" (confirmed: STS answers "+v.Code+"); "+BreakWarning
	case v.State.live():
		return failed(r, rep.Identity, rep.HTTPStatus, what+" according to IMS, but STS still accepts the key")
	default:
		rep.Outcome, rep.Reason = Revoked, what+"; not confirmed ("+v.Reason+"); "+BreakWarning
	}
	return rep
}

func failed(r RevokeRequest, id *Identity, status int, reason string) RevokeReport {
	rep := manual(r, id, reason, "")
	rep.Outcome, rep.HTTPStatus = Failed, status
	return rep
}

// manual builds a Manual report with the console steps for this key.
func manual(r RevokeRequest, id *Identity, reason, steps string) RevokeReport {
	if steps == "" {
		steps = Steps(r.DisplayID, id)
	}
	return RevokeReport{Outcome: Manual, Reason: reason, Identity: id, Console: Console, Instructions: steps}
}

// Steps are the console (and CLI) steps to disable the AccessKey id.
func Steps(id string, ident *Identity) string {
	who := "the RAM user that owns it"
	where := "Identities > Users, open the user, AccessKey tab"
	cli := "aliyun ims UpdateAccessKey --UserAccessKeyId " + id + " --Status Inactive --UserPrincipalName <user>@<account>.onaliyun.com"
	switch {
	case ident.Root():
		who = "the root account " + ident.AccountID
		where = "AccessKey management (https://ram.console.aliyun.com/manage/ak) while signed in as the root account"
		cli = "aliyun ims UpdateAccessKey --UserAccessKeyId " + id + " --Status Inactive (with the root account's credentials)"
	case principal(ident) != "":
		who = "RAM user " + principal(ident)
		cli = "aliyun ims UpdateAccessKey --UserAccessKeyId " + id + " --Status Inactive --UserPrincipalName " + principal(ident)
	}
	return "As an administrator of the account, open " + Console + " > " + where +
		", find AccessKey ID " + id + " (owner: " + who + ") and click Disable; delete it once nothing uses it. " +
		"Or run: " + cli + ". " +
		"scour can do this itself with an admin AccessKey in SCOUR_ALIBABA_ADMIN_ACCESS_KEY_ID and SCOUR_ALIBABA_ADMIN_ACCESS_KEY_SECRET. " +
		"Workloads that still use the key will fail once it is disabled."
}
