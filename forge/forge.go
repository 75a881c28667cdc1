// Package forge lists the repositories of a sweep target: a Codeup
// (Alibaba Cloud DevOps, Yunxiao) organisation, a GitHub organisation or
// user (github.com or GitHub Enterprise Server), a GitLab group with its
// subgroups (gitlab.com or self-managed), a file of clone URLs or paths, or
// a local directory of repositories.
//
// API tokens are given by the caller (cmd reads them from environment
// variables only) and go only to the target's API base URL: pagination
// links to another host are refused. No error or log line carries a token.
// Rate limits (429 with Retry-After, GitHub's secondary limits) are waited
// out a bounded number of times on an injectable clock.
package forge

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"
)

// Repo is one repository a target lists.
type Repo struct {
	// Name is the repository's full path on its forge ("org/group/repo"),
	// or the path or URL given in a file or found in a directory.
	Name string
	// CloneURL is what git clones: an https URL without credentials, or a
	// local path.
	CloneURL string
	Forge    string // "codeup", "github", "gitlab", "file" or "dir"
	Fork     bool
	Archived bool
	Private  bool
}

// Kinds of target.
const (
	KindCodeup = "codeup"
	KindGitHub = "github"
	KindGitLab = "gitlab"
	KindFile   = "file"
	KindDir    = "dir"
)

// Target is what to list: Kind and Name ("codeup:<organization id>",
// "github:<org or user>", "gitlab:<group/subgroup>", "file:<path>",
// "dir:<path>"), and for forges an optional API base URL.
type Target struct {
	Kind string
	Name string
	// BaseURL is the forge's API base: empty for the public service.
	// GitHub Enterprise Server: "https://ghe.example.com" (/api/v3 is
	// added); GitLab self-managed: "https://gitlab.example.com"; Codeup:
	// central "https://openapi-rdc.aliyuncs.com" (the default), a region
	// endpoint "https://<org>.devops.aliyuncs.com" or a dedicated
	// edition's domain.
	BaseURL string
}

func (t Target) String() string { return t.Kind + ":" + t.Name }

// ParseTarget parses "kind:name".
func ParseTarget(s string) (Target, error) {
	kind, name, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return Target{}, fmt.Errorf("target %q: want kind:name with kind one of codeup, github, gitlab, file, dir", clip(s))
	}
	switch kind {
	case KindCodeup, KindGitHub, KindGitLab:
		name = strings.Trim(name, "/")
		if name == "" || strings.ContainsAny(name, "?#\\ \t\n") || strings.Contains(name, "..") {
			return Target{}, fmt.Errorf("target %q: bad %s name", clip(s), kind)
		}
		if kind != KindGitLab && strings.Contains(name, "/") {
			return Target{}, fmt.Errorf("target %q: a %s name has no '/'", clip(s), kind)
		}
	case KindFile, KindDir:
	default:
		return Target{}, fmt.Errorf("target %q: unknown kind %q (want codeup, github, gitlab, file or dir)", clip(s), clip(kind))
	}
	return Target{Kind: kind, Name: name}, nil
}

// TokenEnv names the environment variables a forge's token is read from,
// first set wins. Tokens are never taken from flags or arguments.
func TokenEnv(kind string) []string {
	switch kind {
	case KindCodeup:
		return []string{"SCOUR_CODEUP_TOKEN", "YUNXIAO_TOKEN"}
	case KindGitHub:
		return []string{"SCOUR_GITHUB_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"}
	case KindGitLab:
		return []string{"SCOUR_GITLAB_TOKEN", "GITLAB_TOKEN"}
	}
	return nil
}

// Filter selects repositories after listing.
type Filter struct {
	// Include, when not empty, keeps only names matching one of the globs;
	// Exclude drops names matching any. In a glob '*' matches within one
	// path segment and '**' across segments.
	Include, Exclude []string
	SkipForks        bool
	SkipArchived     bool
}

// Validate checks the globs.
func (f Filter) Validate() error {
	for _, g := range append(append([]string{}, f.Include...), f.Exclude...) {
		if _, err := path.Match(strings.ReplaceAll(g, "**", "*"), ""); err != nil {
			return fmt.Errorf("bad glob %q: %w", clip(g), err)
		}
	}
	return nil
}

// Keep reports whether r passes the filter.
func (f Filter) Keep(r Repo) bool {
	if (f.SkipForks && r.Fork) || (f.SkipArchived && r.Archived) {
		return false
	}
	if len(f.Include) > 0 && !matchAny(f.Include, r.Name) {
		return false
	}
	return !matchAny(f.Exclude, r.Name)
}

// Apply returns the repositories that pass.
func (f Filter) Apply(repos []Repo) []Repo {
	var out []Repo
	for _, r := range repos {
		if f.Keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if Glob(g, name) {
			return true
		}
	}
	return false
}

// Glob matches name against a glob whose '*' stays within a path segment
// and whose '**' spans segments ("org/**/secrets-*").
func Glob(pattern, name string) bool {
	if !strings.Contains(pattern, "**") {
		ok, _ := path.Match(pattern, name)
		return ok
	}
	before, after, _ := strings.Cut(pattern, "**")
	after = strings.TrimPrefix(after, "/")
	// '**' matches zero or more whole segments: try every split.
	for i := 0; i <= len(name); i++ {
		if i != 0 && i != len(name) && name[i-1] != '/' {
			continue
		}
		head, tail := name[:i], name[i:]
		if before != "" {
			if ok, _ := path.Match(strings.TrimSuffix(before, "/"), strings.TrimSuffix(head, "/")); !ok {
				continue
			}
		}
		for j := 0; j <= len(tail); j++ {
			if j != len(tail) && j != 0 && tail[j-1] != '/' {
				continue
			}
			if Glob(after, tail[j:]) {
				return true
			}
		}
	}
	return false
}

// Clock is the time source for rate-limit waits; tests pass a fake that
// advances instantly, so no test waits on or races the wall clock.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits d or until ctx is done.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ErrAuth means the forge rejected the token (or wants one).
var ErrAuth = errors.New("authentication failed")

// ErrNotFound means the organisation, group or user does not exist or is
// not visible with the token given.
var ErrNotFound = errors.New("not found or not visible")

// ErrRateLimited means the forge kept refusing after the retries allowed.
var ErrRateLimited = errors.New("rate limited")

func clip(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Sprintf("%s", strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s))
}

// sameOrigin reports whether next stays on base's scheme and host: a
// pagination link elsewhere would take the token with it.
func sameOrigin(base, next *url.URL) bool {
	return strings.EqualFold(base.Scheme, next.Scheme) && strings.EqualFold(base.Host, next.Host)
}
