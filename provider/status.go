// Package provider verifies and revokes found credentials through their
// vendors' APIs. Rules declare the HTTP exchanges (rules/action.go); signed
// protocols are small coded providers registered through Options.Coded.
//
// Safety is enforced here, in one place, for declarative and coded
// providers alike: a secret goes only to its rule's API host, a host the
// user configured for that provider, or an allow-listed host named in the
// finding's context; TLS is required except on loopback; redirects are
// never followed; requests are bounded in time, retried with backoff on 429
// and 5xx (honouring Retry-After), and limited per host; each secret is
// verified once per run; a secret two providers' rules claim is not sent.
package provider

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/scour-dev/scour/access"
	"github.com/scour-dev/scour/rules"
)

// State is what verification learned about a credential.
type State string

// States. A timeout, a 429 or a 5xx is unknown, never dead.
const (
	Live        State = "live"
	LiveLimited State = "live-limited" // authenticated, lacking a scope or membership
	Dead        State = "dead"
	Unknown     State = "unknown"
)

// IsLive reports whether the credential works (fully or limited).
func (s State) IsLive() bool { return s == Live || s == LiveLimited }

// Status is the verification result for one secret.
type Status struct {
	Fingerprint string    `json:"fingerprint"`
	RuleID      string    `json:"rule_id"`
	Provider    string    `json:"provider"`
	State       State     `json:"state"`
	Reason      string    `json:"reason,omitempty"`
	Host        string    `json:"host,omitempty"` // the host that answered
	HTTPStatus  int       `json:"http_status,omitempty"`
	Owner       Owner     `json:"owner,omitempty"`
	CheckedAt   time.Time `json:"checked_at"`
	// Analysis is what the live token can do (Options.Analyze).
	Analysis *access.Report `json:"analysis,omitempty"`
}

// Owner describes who a credential belongs to, as the vendor reported it
// (labels such as "username", "email").
type Owner map[string]string

// String formats the owner for people: "username <email>" or label=value pairs.
func (o Owner) String() string {
	if len(o) == 0 {
		return ""
	}
	s := o["username"]
	if s == "" {
		s = o["login"]
	}
	if s == "" {
		s = o["name"]
	}
	if e := o["email"]; e != "" {
		if s != "" {
			return s + " <" + e + ">"
		}
		return e
	}
	if s != "" {
		return s
	}
	for _, k := range sortedKeys(o) {
		if s != "" {
			s += " "
		}
		s += k + "=" + o[k]
	}
	return s
}

// Outcome is what a revocation did.
type Outcome string

// Outcomes. Success: Revoked, AlreadyRevoked, Accepted. Not failures:
// Manual (listed for a person), Skipped (dead or not selected), DryRun.
const (
	Revoked        Outcome = "revoked"
	AlreadyRevoked Outcome = "already-revoked"
	Accepted       Outcome = "accepted" // the vendor took it; revocation propagates
	Manual         Outcome = "manual"
	Skipped        Outcome = "skipped"
	Failed         Outcome = "failed"
	Refused        Outcome = "refused" // scour would not act (ambiguous binding, two providers)
	DryRun         Outcome = "dry-run"
)

// Failure reports whether the outcome counts as a failed action for the
// exit code.
func (o Outcome) Failure() bool { return o == Failed }

// Result is the revocation result for one secret.
type Result struct {
	Fingerprint string  `json:"fingerprint"`
	RuleID      string  `json:"rule_id"`
	Provider    string  `json:"provider"`
	Class       string  `json:"class"`
	Outcome     Outcome `json:"outcome"`
	Reason      string  `json:"reason,omitempty"`
	Host        string  `json:"host,omitempty"`
	HTTPStatus  int     `json:"http_status,omitempty"`
	Owner       Owner   `json:"owner,omitempty"`
	// Console and Instructions tell a person what to do for Manual
	// outcomes (and as a fallback when an automatic revoke failed).
	Console      string `json:"console,omitempty"`
	Instructions string `json:"instructions,omitempty"`
}

// Target is one secret handed to a coded provider.
type Target struct {
	Rule        *rules.Rule
	Secret      string
	Fingerprint string
	// Context holds the rule's other named groups (id, user, host...).
	Context map[string]string
	// BaseURL is the checked base URL for this attempt; the Doer refuses
	// requests to any other host.
	BaseURL *url.URL
	// Getenv reads the environment (admin credentials); tests substitute it.
	Getenv func(string) string
	// Delete asks for deletion where the vendor distinguishes disabling
	// from deleting (Alibaba: --delete).
	Delete bool
}

// Doer sends one request under scour's safety rules: only to the target's
// base URL host (scheme and port included), TLS unless loopback, no
// redirects, bounded time, retries on 429/5xx with Retry-After, per-host
// concurrency limits. The response body is fully read and may be re-read.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// CodedAnalyzer is a coded provider that reads what a live key may do
// with signed read-only calls (AWS IAM, Alibaba Cloud RAM). Analyze adds
// to rep (identity from verification is already there) and says in rep
// what it could not read; it must send only read-only requests. The Doer
// reaches only t.BaseURL: the rule's analyze base_url, or the base URL the
// user configured for the provider.
type CodedAnalyzer interface {
	Analyze(ctx context.Context, d Doer, t Target, rep *access.Report)
}

// Coded is a provider written in Go, for protocols a declarative action
// cannot express (request signing). Rules name it with `coded: NAME` in
// their verify or revoke block; Options.Coded maps NAME to it.
//
// Verify must be side-effect free. Revoke is called only after the user
// confirmed; it returns the outcome (Revoked, AlreadyRevoked, Accepted,
// Manual with Instructions, Refused or Failed) and the last HTTP status.
// A returned error means unknown (verify) or failed (revoke); its text is
// shown to people, so it must never contain the secret.
type Coded interface {
	Verify(ctx context.Context, d Doer, t Target) (Status, error)
	Revoke(ctx context.Context, d Doer, t Target) (Result, error)
}
