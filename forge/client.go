package forge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Options configures a Client.
type Options struct {
	// HTTP is the client for API calls (nil: one with a 30 s timeout).
	HTTP *http.Client
	// Tokens maps a forge kind to its API token (cmd fills it from the
	// environment, see TokenEnv). Empty: unauthenticated, public
	// repositories only.
	Tokens map[string]string
	// Clock times rate-limit waits (nil: the wall clock).
	Clock Clock
	// MaxRetries bounds retries of one request after 429, secondary rate
	// limits and 5xx (0 means 5).
	MaxRetries int
	// MaxWait is the longest single wait accepted (0 means 5 minutes); a
	// forge asking for longer fails the listing instead.
	MaxWait time.Duration
	// Notify receives one-line notes (rate-limit waits, retries). Nil
	// discards them. Lines carry no tokens.
	Notify func(string)
	// MaxPages bounds pagination (0 means 10000) against a forge that
	// never stops.
	MaxPages int
	// UserAgent is sent with every request.
	UserAgent string
}

// Client lists targets' repositories.
type Client struct {
	opts Options
}

// New returns a Client.
func New(opts Options) *Client {
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Clock == nil {
		opts.Clock = RealClock{}
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 5
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 5 * time.Minute
	}
	if opts.MaxPages <= 0 {
		opts.MaxPages = 10000
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "scour"
	}
	if opts.Notify == nil {
		opts.Notify = func(string) {}
	}
	return &Client{opts: opts}
}

// List lists the target's repositories (unfiltered), in the forge's order.
func (c *Client) List(ctx context.Context, t Target) ([]Repo, error) {
	switch t.Kind {
	case KindGitHub:
		return c.github(ctx, t)
	case KindGitLab:
		return c.gitlab(ctx, t)
	case KindCodeup:
		return c.codeup(ctx, t)
	case KindFile:
		return listFile(t.Name)
	case KindDir:
		return listDir(t.Name)
	}
	return nil, fmt.Errorf("unknown target kind %q", clip(t.Kind))
}

// page is one API response.
type page struct {
	body   []byte
	header http.Header
}

// maxBody bounds one API response: a listing page is small.
const maxBody = 32 << 20

// get fetches u with auth headers set by auth, retrying rate limits and
// server errors. what names the target in errors.
func (c *Client) get(ctx context.Context, kind, what string, u *url.URL, auth func(*http.Request)) (*page, error) {
	token := c.opts.Tokens[kind]
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", kind, what, err)
		}
		req.Header.Set("User-Agent", c.opts.UserAgent)
		req.Header.Set("Accept", "application/json")
		if token != "" {
			auth(req)
		}
		resp, err := c.opts.HTTP.Do(req)
		if err != nil {
			// url.Error repeats the URL, which never holds a token here.
			if attempt < c.opts.MaxRetries && ctx.Err() == nil {
				if err := c.wait(ctx, kind, what, backoff(attempt), "network error"); err != nil {
					return nil, err
				}
				continue
			}
			return nil, fmt.Errorf("%s %s: %w", kind, what, scrub(err, token))
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		resp.Body.Close()
		if rerr == nil && len(body) > maxBody {
			rerr = fmt.Errorf("response larger than %d bytes", maxBody)
		}
		switch {
		case resp.StatusCode == http.StatusOK && rerr == nil:
			return &page{body: body, header: resp.Header}, nil
		case resp.StatusCode == http.StatusOK:
			return nil, fmt.Errorf("%s %s: reading response: %w", kind, what, scrub(rerr, token))
		case resp.StatusCode == http.StatusUnauthorized:
			hint := "set " + strings.Join(TokenEnv(kind), " or ")
			if token != "" {
				hint = "the token in " + strings.Join(TokenEnv(kind), " or ") + " was rejected"
			}
			return nil, fmt.Errorf("%s %s: %w (HTTP 401): %s", kind, what, ErrAuth, hint)
		case resp.StatusCode == http.StatusNotFound:
			return nil, fmt.Errorf("%s %s: %w (HTTP 404)", kind, what, ErrNotFound)
		}
		if d, limited := rateLimitWait(resp, c.opts.Clock.Now()); limited || resp.StatusCode >= 500 {
			if attempt >= c.opts.MaxRetries {
				if limited {
					return nil, fmt.Errorf("%s %s: %w (HTTP %d) after %d retries", kind, what, ErrRateLimited, resp.StatusCode, attempt)
				}
				return nil, fmt.Errorf("%s %s: HTTP %d after %d retries", kind, what, resp.StatusCode, attempt)
			}
			if d <= 0 {
				d = backoff(attempt)
			}
			if d > c.opts.MaxWait {
				return nil, fmt.Errorf("%s %s: %w: asked to wait %s (longer than %s)", kind, what, ErrRateLimited, d, c.opts.MaxWait)
			}
			reason := fmt.Sprintf("HTTP %d", resp.StatusCode)
			if limited {
				reason = "rate limited"
			}
			if err := c.wait(ctx, kind, what, d, reason); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode == http.StatusForbidden {
			return nil, fmt.Errorf("%s %s: permission denied (HTTP 403)%s", kind, what, apiMessage(body, token))
		}
		return nil, fmt.Errorf("%s %s: HTTP %d%s", kind, what, resp.StatusCode, apiMessage(body, token))
	}
}

func (c *Client) wait(ctx context.Context, kind, what string, d time.Duration, reason string) error {
	c.opts.Notify(fmt.Sprintf("%s %s: %s, retrying in %s", kind, what, reason, d.Round(time.Millisecond)))
	if err := c.opts.Clock.Sleep(ctx, d); err != nil {
		return fmt.Errorf("%s %s: %w", kind, what, err)
	}
	return nil
}

// backoff is 1 s, 2 s, 4 s... capped at one minute.
func backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 6)
	return min(d, time.Minute)
}

// rateLimitWait reads a rate-limit response: 429, or 403 with Retry-After
// or x-ratelimit-remaining: 0 (GitHub's primary and secondary limits).
// The wait comes from Retry-After (seconds or an HTTP date), else from
// x-ratelimit-reset (Unix seconds), else 0 (the caller backs off).
func rateLimitWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	h := resp.Header
	retryAfter := h.Get("Retry-After")
	limited := resp.StatusCode == http.StatusTooManyRequests ||
		(resp.StatusCode == http.StatusForbidden && (retryAfter != "" || h.Get("X-Ratelimit-Remaining") == "0"))
	if !limited {
		if resp.StatusCode == http.StatusServiceUnavailable && retryAfter != "" {
			return parseRetryAfter(retryAfter, now), false
		}
		return 0, false
	}
	if retryAfter != "" {
		return parseRetryAfter(retryAfter, now), true
	}
	if reset, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
		if d := time.Unix(reset, 0).Sub(now); d > 0 {
			return d + time.Second, true // the reset second itself may still be limited
		}
	}
	return 0, true
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// apiMessage is the forge's error message, short, printable and without
// the token (a forge may echo a request back).
func apiMessage(body []byte, token string) string {
	var m struct {
		Message      string `json:"message"`
		Error        string `json:"error"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	msg := m.Message
	if msg == "" {
		msg = m.Error
	}
	if msg == "" {
		msg = m.ErrorMessage
	}
	if msg == "" {
		return ""
	}
	if token != "" {
		msg = strings.ReplaceAll(msg, token, "[token]")
	}
	return ": " + clip(msg)
}

// scrub removes the token from an error's text.
func scrub(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "[token]"))
}

// resolve parses a pagination link against base and refuses other hosts.
func resolve(base *url.URL, link string) (*url.URL, error) {
	next, err := base.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("bad pagination link: %w", err)
	}
	if !sameOrigin(base, next) {
		return nil, fmt.Errorf("pagination link to another host (%s) refused: the token would follow it", clip(next.Host))
	}
	return next, nil
}

// nextLink returns the rel="next" target of an RFC 8288 Link header.
func nextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for part := range strings.SplitSeq(v, ",") {
			segs := strings.Split(part, ";")
			if len(segs) < 2 {
				continue
			}
			target := strings.TrimSpace(segs[0])
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, p := range segs[1:] {
				p = strings.TrimSpace(p)
				if rel, ok := strings.CutPrefix(p, "rel="); ok {
					for r := range strings.FieldsSeq(strings.Trim(rel, `"`)) {
						if r == "next" {
							return target[1 : len(target)-1]
						}
					}
				}
			}
		}
	}
	return ""
}

// apiBase parses a base URL (default def) and requires http(s).
func apiBase(raw, def string) (*url.URL, error) {
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("bad API base URL %q: want http(s)://host[/path]", clip(raw))
	}
	if u.User != nil {
		return nil, fmt.Errorf("API base URL %q carries credentials: tokens come from the environment", clip(u.Redacted()))
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}
