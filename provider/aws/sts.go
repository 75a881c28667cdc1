package aws

import (
	"context"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// DefaultSTS is AWS's global STS endpoint (signed for us-east-1).
const DefaultSTS = "https://sts.amazonaws.com"

// getCallerIdentityBody is the form body of the documented request.
const getCallerIdentityBody = "Action=GetCallerIdentity&Version=2011-06-15"

const formType = "application/x-www-form-urlencoded; charset=utf-8"

// Doer sends one HTTP request. *http.Client satisfies it, and so does the
// provider engine's hardened, host-bound sender.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// State is what verification learned; the values are the provider
// package's states.
type State string

// States. A timeout, a throttle or a 5xx is unknown, never dead.
const (
	Live        State = "live"
	LiveLimited State = "live-limited"
	Dead        State = "dead"
	Unknown     State = "unknown"
)

func (s State) live() bool { return s == Live || s == LiveLimited }

// Identity is GetCallerIdentity's result.
type Identity struct {
	Arn     string
	UserID  string `xml:"UserId"`
	Account string
}

// Root reports whether the key is the account root user's.
func (id *Identity) Root() bool { return id != nil && strings.HasSuffix(id.Arn, ":root") }

// UserName is the IAM user name of an arn:aws:iam::<acct>:user[/path]/<name>.
func (id *Identity) UserName() string {
	if id == nil {
		return ""
	}
	_, rest, ok := strings.Cut(id.Arn, ":user/")
	if !ok {
		return ""
	}
	return rest[strings.LastIndexByte(rest, '/')+1:]
}

// Owner returns labels for reports: name, arn, account_id.
func (id *Identity) Owner() map[string]string {
	if id == nil {
		return nil
	}
	o := map[string]string{"arn": id.Arn}
	if id.Account != "" {
		o["account_id"] = id.Account
	}
	switch {
	case id.Root():
		o["name"] = "root of account " + id.Account
	case id.UserName() != "":
		o["name"] = id.UserName()
	}
	return o
}

// Client signs and sends STS requests. The zero value uses the real clock.
type Client struct {
	Now func() time.Time
	// MaxCandidates bounds the candidate secrets tried for one key ID
	// (default 3).
	MaxCandidates int
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// stsRegion is the signing region of an STS host: sts.<region>.amazonaws.com,
// else us-east-1 (the global endpoint, and any configured proxy).
var stsRegion = regexp.MustCompile(`^sts(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$`)

// Region returns the SigV4 region for an STS host.
func Region(host string) string {
	if m := stsRegion.FindStringSubmatch(strings.ToLower(host)); m != nil {
		return m[1]
	}
	return "us-east-1"
}

// Answer is a parsed STS response.
type Answer struct {
	Status   int
	Code     string // ErrorResponse/Error/Code, "" on success
	Identity *Identity
}

func (a *Answer) describe() string {
	if a.Code != "" {
		return fmt.Sprintf("HTTP %d, %s", a.Status, a.Code)
	}
	return fmt.Sprintf("HTTP %d", a.Status)
}

// GetCallerIdentity sends the documented request to base: POST / with the
// form body Action=GetCallerIdentity&Version=2011-06-15, SigV4 for the
// host's region and service sts.
func (c *Client) GetCallerIdentity(ctx context.Context, d Doer, base *url.URL, keyID, secret, sessionToken string) (*Answer, error) {
	u := &url.URL{Scheme: base.Scheme, Host: base.Host, Path: base.Path}
	if u.Path == "" {
		u.Path = "/"
	}
	body := []byte(getCallerIdentityBody)
	s := SignV4(V4Request{
		Method: http.MethodPost, Host: base.Host, Path: u.Path,
		Headers: map[string]string{"content-type": formType},
		Body:    body, Region: Region(base.Hostname()), Service: "sts", Date: c.now(),
		SessionToken: sessionToken,
	}, keyID, secret)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	for k, v := range s.Headers {
		req.Header.Set(k, v)
	}
	resp, err := d.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	a := &Answer{Status: resp.StatusCode}
	var doc struct {
		XMLName xml.Name
		Result  Identity `xml:"GetCallerIdentityResult"`
		Error   struct {
			Code string
		}
	}
	if xml.Unmarshal(data, &doc) == nil {
		switch doc.XMLName.Local {
		case "GetCallerIdentityResponse":
			if doc.Result.Arn != "" {
				id := doc.Result
				a.Identity = &id
			}
		case "ErrorResponse":
			a.Code = strings.TrimSpace(doc.Error.Code)
		}
	}
	return a, nil
}

type class struct {
	state       State
	reason      string
	wrongSecret bool
}

// classify reads an STS answer.
func classify(a *Answer) class {
	switch c := a.Code; {
	case a.Status == http.StatusOK && a.Identity != nil:
		if a.Identity.Root() {
			return class{state: Live, reason: "live ROOT access key of account " + a.Identity.Account + " (critical)"}
		}
		return class{state: Live, reason: "live access key (" + a.Identity.Arn + ")"}
	case a.Status == http.StatusOK:
		return class{state: Unknown, reason: "HTTP 200 without an Arn"}
	case c == "InvalidClientTokenId":
		return class{state: Dead, reason: "AWS does not know this access key ID (deleted, inactive or never existed)"}
	case c == "ExpiredToken":
		return class{state: Dead, reason: "the session token has expired"}
	case c == "SignatureDoesNotMatch":
		return class{state: Unknown, wrongSecret: true, reason: "wrong secret for this access key ID"}
	case c == "AccessDenied":
		return class{state: LiveLimited, reason: "live access key, denied GetCallerIdentity (" + a.describe() + ")"}
	case a.Status == http.StatusTooManyRequests || c == "Throttling" || c == "RequestLimitExceeded":
		return class{state: Unknown, reason: "rate limited (" + a.describe() + ")"}
	case c == "RequestExpired" || c == "RequestTimeTooSkewed":
		return class{state: Unknown, reason: "request rejected for its time (" + c + "); check the clock"}
	case a.Status >= 500:
		return class{state: Unknown, reason: "vendor error (" + a.describe() + ")"}
	}
	return class{state: Unknown, reason: "unrecognised answer (" + a.describe() + ")"}
}

// Verdict is the result of verifying an access key ID with its candidate
// secrets.
type Verdict struct {
	State      State
	Reason     string
	HTTPStatus int
	Code       string
	Identity   *Identity
	Secret     int  // index of the candidate that authenticated, or -1
	IDExists   bool // AWS said SignatureDoesNotMatch: the ID is valid
}

// Verify checks an access key ID with its candidate secrets (nearest
// first) through GetCallerIdentity at base, trying at most MaxCandidates.
// With no candidate the ID alone is probed (AWS checks the ID before the
// signature: InvalidClientTokenId means no such active key).
func (c *Client) Verify(ctx context.Context, d Doer, base *url.URL, keyID string, secrets []string, sessionToken string) Verdict {
	limit := c.MaxCandidates
	if limit <= 0 {
		limit = 3
	}
	v := Verdict{State: Unknown, Secret: -1}
	if keyID == "" {
		v.Reason = "no access key ID"
		return v
	}
	probe := len(secrets) == 0
	if probe {
		// A random secret: it cannot authenticate, only test the ID.
		var b [20]byte
		_, _ = rand.Read(b[:])
		secrets = []string{fmt.Sprintf("%x", b)}
	}
	tried := 0
	for i, s := range secrets {
		if i >= limit {
			break
		}
		tried++
		a, err := c.GetCallerIdentity(ctx, d, base, keyID, s, sessionToken)
		if err != nil {
			v.Reason = "no answer: " + err.Error()
			return v
		}
		v.HTTPStatus, v.Code = a.Status, a.Code
		cl := classify(a)
		if cl.wrongSecret {
			v.IDExists = true
			continue
		}
		if probe && cl.state.live() {
			v.Reason = "the server accepted a probe signed with a random secret; not trusted"
			return v
		}
		v.State, v.Reason = cl.state, cl.reason
		if cl.state.live() {
			v.Identity, v.Secret = a.Identity, i
		}
		return v
	}
	if probe {
		v.Reason = "access key ID exists and is active, but no secret was found with it: treat it as live"
	} else {
		v.Reason = fmt.Sprintf("access key ID exists and is active, but none of the %d candidate secret(s) matches (SignatureDoesNotMatch): secret not found", tried)
	}
	if !probe && len(secrets) > limit {
		v.Reason += fmt.Sprintf("; %d more candidate(s) not tried", len(secrets)-limit)
	}
	return v
}
