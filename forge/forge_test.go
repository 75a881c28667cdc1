package forge

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

const goodToken = "ghp_FAKEgoodTOKENforTESTS000000000000000000"

func names(rs []Repo) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func TestGitHubOrganisationPaginates(t *testing.T) {
	t.Parallel()
	gh := &fakeGitHub{token: goodToken, orgs: map[string][]fakeRepo{
		"acme": repos("acme", 250, func(i int, r *fakeRepo) { r.private = i%5 == 0; r.fork = i%7 == 0; r.archived = i%11 == 0 }),
	}}
	srv := serve(t, gh)
	clock := newClock()
	c := New(Options{Tokens: map[string]string{KindGitHub: goodToken}, Clock: clock})
	got, err := c.List(context.Background(), Target{Kind: KindGitHub, Name: "acme", BaseURL: srv.URL + "/"})
	// A bare host is GitHub Enterprise Server: /api/v3 is added.
	if err == nil {
		t.Fatal("listed from a GHES base without /api/v3 routes")
	}
	gh.prefix = "/api/v3"
	gh.limit.hits = 0
	got, err = c.List(context.Background(), Target{Kind: KindGitHub, Name: "acme", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 || got[0].Name != "acme/repo-000" || got[249].Name != "acme/repo-249" {
		t.Fatalf("got %d repos (%v...)", len(got), names(got[:min(3, len(got))]))
	}
	r := got[0]
	if !r.Private || !r.Fork || !r.Archived || r.Forge != KindGitHub || r.CloneURL != srv.URL+"/acme/repo-000.git" {
		t.Errorf("repo 0 = %+v", r)
	}
	if gh.limit.hits != 3 {
		t.Errorf("%d requests, want 3 pages of 100", gh.limit.hits)
	}
	if len(clock.Sleeps()) != 0 {
		t.Errorf("slept %v without being limited", clock.Sleeps())
	}
	kept := Filter{SkipForks: true, SkipArchived: true}.Apply(got)
	for _, r := range kept {
		if r.Fork || r.Archived {
			t.Fatalf("filter kept %+v", r)
		}
	}
	if len(kept) != 250-36-23+4 { // forks 36, archived 23, both 4 (i%77==0)
		t.Errorf("filter kept %d", len(kept))
	}
}

func TestGitHubWithoutTokenListsPublicOnly(t *testing.T) {
	t.Parallel()
	gh := &fakeGitHub{prefix: "/api/v3", token: goodToken, orgs: map[string][]fakeRepo{
		"acme": repos("acme", 10, func(i int, r *fakeRepo) { r.private = i < 4 }),
	}}
	srv := serve(t, gh)
	got, err := New(Options{Clock: newClock()}).List(context.Background(), Target{Kind: KindGitHub, Name: "acme", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 {
		t.Errorf("unauthenticated listing: %d repos, want the 6 public ones", len(got))
	}
}

func TestGitHubUser(t *testing.T) {
	t.Parallel()
	gh := &fakeGitHub{prefix: "/api/v3", token: goodToken, users: map[string][]fakeRepo{"ann": repos("ann", 3, nil)}}
	srv := serve(t, gh)
	c := New(Options{Tokens: map[string]string{KindGitHub: goodToken}, Clock: newClock()})
	got, err := c.List(context.Background(), Target{Kind: KindGitHub, Name: "ann", BaseURL: srv.URL})
	if err != nil || len(got) != 3 {
		t.Fatalf("user listing: %v %v", names(got), err)
	}
	_, err = c.List(context.Background(), Target{Kind: KindGitHub, Name: "nobody", BaseURL: srv.URL})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown owner: %v", err)
	}
}

func TestBadTokenIsRejectedAndNeverPrinted(t *testing.T) {
	t.Parallel()
	const bad = "ghp_BADtokenTHATmustNEVERbePRINTED0000000"
	gh := serve(t, &fakeGitHub{prefix: "/api/v3", token: goodToken, orgs: map[string][]fakeRepo{"acme": repos("acme", 1, nil)}})
	gl := serve(t, &fakeGitLab{token: goodToken, groups: map[string]bool{"g": true}})
	cu := serve(t, &fakeCodeup{org: "org1", token: goodToken})
	var notes []string
	c := New(Options{Clock: newClock(), Notify: func(s string) { notes = append(notes, s) },
		Tokens: map[string]string{KindGitHub: bad, KindGitLab: bad, KindCodeup: bad}})
	for _, tg := range []Target{
		{Kind: KindGitHub, Name: "acme", BaseURL: gh.URL},
		{Kind: KindGitLab, Name: "g", BaseURL: gl.URL},
		{Kind: KindCodeup, Name: "org1", BaseURL: cu.URL},
	} {
		_, err := c.List(context.Background(), tg)
		if !errors.Is(err, ErrAuth) {
			t.Errorf("%s: %v, want ErrAuth", tg, err)
			continue
		}
		if strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "401") {
			t.Errorf("%s: error %q", tg, err)
		}
	}
	if strings.Contains(strings.Join(notes, "\n"), bad) {
		t.Error("a note carries the token")
	}
	// Codeup requires a token; without one the error says where to put it.
	_, err := New(Options{Clock: newClock()}).List(context.Background(), Target{Kind: KindCodeup, Name: "org1", BaseURL: cu.URL})
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "YUNXIAO_TOKEN") {
		t.Errorf("codeup without a token: %v", err)
	}
}

func TestRateLimitsAreWaitedOut(t *testing.T) {
	t.Parallel()
	gh := &fakeGitHub{prefix: "/api/v3", token: goodToken, orgs: map[string][]fakeRepo{"acme": repos("acme", 150, nil)}}
	clock := newClock()
	reset := clock.Now().Add(30 * time.Second).Unix()
	gh.limit.push(
		status(http.StatusTooManyRequests, "Retry-After", "7"),
		// GitHub's secondary limit: 403 with retry-after.
		status(http.StatusForbidden, "Retry-After", "60"),
		// The primary limit: 403, remaining 0, reset time.
		status(http.StatusForbidden, "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", strconv.FormatInt(reset+67, 10)),
		status(http.StatusBadGateway),
	)
	srv := serve(t, gh)
	var notes []string
	c := New(Options{Tokens: map[string]string{KindGitHub: goodToken}, Clock: clock, Notify: func(s string) { notes = append(notes, s) }})
	got, err := c.List(context.Background(), Target{Kind: KindGitHub, Name: "acme", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 150 {
		t.Errorf("%d repos after rate limits", len(got))
	}
	// 7 s; 60 s; reset (30+67 s from the start, 67 s into the waits) + 1 s; backoff after 502 (attempt 3: 8 s).
	want := []time.Duration{7 * time.Second, 60 * time.Second, 31 * time.Second, 8 * time.Second}
	if !reflect.DeepEqual(clock.Sleeps(), want) {
		t.Errorf("sleeps %v, want %v", clock.Sleeps(), want)
	}
	if len(notes) != 4 || !strings.Contains(notes[0], "rate limited") {
		t.Errorf("notes %q", notes)
	}
}

func TestRateLimitRetriesAreBounded(t *testing.T) {
	t.Parallel()
	gl := &fakeGitLab{token: goodToken, groups: map[string]bool{"g": true}, projects: repos("g", 3, nil)}
	for range 10 {
		gl.limit.push(status(http.StatusTooManyRequests, "Retry-After", "1"))
	}
	srv := serve(t, gl)
	clock := newClock()
	c := New(Options{Tokens: map[string]string{KindGitLab: goodToken}, Clock: clock, MaxRetries: 3})
	_, err := c.List(context.Background(), Target{Kind: KindGitLab, Name: "g", BaseURL: srv.URL})
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	if n := len(clock.Sleeps()); n != 3 {
		t.Errorf("%d waits, want 3", n)
	}
	// A wait longer than MaxWait fails at once.
	gl.limit.queue = nil
	gl.limit.push(status(http.StatusTooManyRequests, "Retry-After", "86400"))
	c = New(Options{Tokens: map[string]string{KindGitLab: goodToken}, Clock: newClock(), MaxWait: time.Minute})
	if _, err := c.List(context.Background(), Target{Kind: KindGitLab, Name: "g", BaseURL: srv.URL}); !errors.Is(err, ErrRateLimited) || !strings.Contains(err.Error(), "24h0m0s") {
		t.Errorf("long Retry-After: %v", err)
	}
}

func TestPaginationLinkToAnotherHostIsRefused(t *testing.T) {
	t.Parallel()
	gh := &fakeGitHub{prefix: "/api/v3", token: goodToken, evilNext: "http://attacker.invalid/steal?page=2",
		orgs: map[string][]fakeRepo{"acme": repos("acme", 150, nil)}}
	srv := serve(t, gh)
	c := New(Options{Tokens: map[string]string{KindGitHub: goodToken}, Clock: newClock()})
	_, err := c.List(context.Background(), Target{Kind: KindGitHub, Name: "acme", BaseURL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "another host") {
		t.Errorf("err = %v", err)
	}
}

func TestGitLabGroupWithSubgroups(t *testing.T) {
	t.Parallel()
	var projects []fakeRepo
	projects = append(projects, repos("acme", 120, func(i int, r *fakeRepo) { r.private = i%2 == 0 })...)
	projects = append(projects, repos("acme/infra", 30, func(i int, r *fakeRepo) { r.fork = i == 0 })...)
	projects = append(projects, repos("acme/infra/deep/er", 5, func(i int, r *fakeRepo) { r.archived = true })...)
	projects = append(projects, repos("other", 7, nil)...)
	groups := map[string]bool{"acme": true, "acme/infra": true, "acme/infra/deep": true, "acme/infra/deep/er": true, "other": true}
	for _, withLink := range []bool{false, true} {
		gl := &fakeGitLab{token: goodToken, groups: groups, projects: projects, withLink: withLink}
		srv := serve(t, gl)
		c := New(Options{Tokens: map[string]string{KindGitLab: goodToken}, Clock: newClock()})
		got, err := c.List(context.Background(), Target{Kind: KindGitLab, Name: "acme", BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 155 {
			t.Errorf("link=%v: %d projects, want 155 (group and nested subgroups, not 'other')", withLink, len(got))
		}
		if gl.limit.hits != 2 {
			t.Errorf("link=%v: %d requests, want 2 pages", withLink, gl.limit.hits)
		}
		sub, err := c.List(context.Background(), Target{Kind: KindGitLab, Name: "acme/infra", BaseURL: srv.URL})
		if err != nil || len(sub) != 35 {
			t.Errorf("subgroup: %d %v", len(sub), err)
		}
		var forks, archived int
		for _, r := range sub {
			if r.Fork {
				forks++
			}
			if r.Archived {
				archived++
			}
		}
		if forks != 1 || archived != 5 {
			t.Errorf("forks %d archived %d", forks, archived)
		}
		pub, err := New(Options{Clock: newClock()}).List(context.Background(), Target{Kind: KindGitLab, Name: "acme", BaseURL: srv.URL})
		if err != nil || len(pub) != 95 {
			t.Errorf("without a token: %d projects (%v), want 95 public", len(pub), err)
		}
	}
}

func TestCodeupCentralAndRegion(t *testing.T) {
	t.Parallel()
	rs := repos("org1/group", 230, func(i int, r *fakeRepo) { r.archived = i == 5 })
	for _, noHeaders := range []bool{false, true} {
		cu := &fakeCodeup{org: "60d54f3daccf2bbd6659f3ad", repos: rs, token: goodToken, noHeaders: noHeaders}
		srv := serve(t, cu)
		// Central: the real host name, pinned to the fake on loopback.
		c := New(Options{HTTP: pinnedClient(srv), Tokens: map[string]string{KindCodeup: goodToken}, Clock: newClock()})
		got, err := c.List(context.Background(), Target{Kind: KindCodeup, Name: cu.org, BaseURL: "http://openapi-rdc.aliyuncs.com"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 230 || got[0].Name != "org1/group/repo-000" || got[0].CloneURL != "https://codeup.aliyun.com/org1/group/repo-000.git" || !got[5].Archived {
			t.Fatalf("noHeaders=%v: %d repos, first %+v", noHeaders, len(got), got[0])
		}
		if !strings.HasPrefix(cu.paths[0], "/oapi/v1/codeup/organizations/"+cu.org+"/") {
			t.Errorf("central path %s", cu.paths[0])
		}
		// Region (or dedicated): the host names the tenant, no org in the path.
		cu.paths = nil
		got, err = New(Options{Tokens: map[string]string{KindCodeup: goodToken}, Clock: newClock()}).
			List(context.Background(), Target{Kind: KindCodeup, Name: cu.org, BaseURL: srv.URL})
		if err != nil || len(got) != 230 {
			t.Fatalf("region: %d %v", len(got), err)
		}
		if cu.paths[0] != "/oapi/v1/codeup/repositories" {
			t.Errorf("region path %s", cu.paths[0])
		}
		if noHeaders && len(cu.paths) != 3 {
			t.Errorf("without headers: %d requests, want 3 (a short page ends it)", len(cu.paths))
		}
	}
	// 429 with Retry-After on Codeup too.
	cu := &fakeCodeup{org: "o", repos: repos("o", 2, nil), token: goodToken}
	cu.limit.push(status(http.StatusTooManyRequests, "Retry-After", "3"))
	srv := serve(t, cu)
	clock := newClock()
	got, err := New(Options{Tokens: map[string]string{KindCodeup: goodToken}, Clock: clock}).
		List(context.Background(), Target{Kind: KindCodeup, Name: "o", BaseURL: srv.URL})
	if err != nil || len(got) != 2 || !reflect.DeepEqual(clock.Sleeps(), []time.Duration{3 * time.Second}) {
		t.Errorf("codeup 429: %d %v %v", len(got), err, clock.Sleeps())
	}
}

func TestParseTarget(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Target{
		"github:acme":           {Kind: KindGitHub, Name: "acme"},
		"gitlab:acme/infra/":    {Kind: KindGitLab, Name: "acme/infra"},
		"codeup:60d54f3daccf2b": {Kind: KindCodeup, Name: "60d54f3daccf2b"},
		"file:repos.txt":        {Kind: KindFile, Name: "repos.txt"},
		"dir:/srv/git":          {Kind: KindDir, Name: "/srv/git"},
	} {
		got, err := ParseTarget(in)
		if err != nil || got != want {
			t.Errorf("ParseTarget(%q) = %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"acme", "github:", "svn:x", "github:a/b", "gitlab:a/../b", "github:a?x=1", "codeup:a b"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q) accepted", bad)
		}
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"acme/*", "acme/web", true},
		{"acme/*", "acme/infra/web", false},
		{"acme/**", "acme/infra/web", true},
		{"**/secrets-*", "acme/infra/secrets-prod", true},
		{"**/secrets-*", "secrets-x", true},
		{"acme/**/web", "acme/web", true},
		{"acme/**/web", "acme/a/b/web", true},
		{"acme/**/web", "acme/a/b/web2", false},
		{"*-archive", "acme/old-archive", false},
	} {
		if got := Glob(c.pattern, c.name); got != c.want {
			t.Errorf("Glob(%q, %q) = %v", c.pattern, c.name, got)
		}
	}
	f := Filter{Include: []string{"acme/**"}, Exclude: []string{"**/*-sandbox"}}
	if !f.Keep(Repo{Name: "acme/x/api"}) || f.Keep(Repo{Name: "acme/x/api-sandbox"}) || f.Keep(Repo{Name: "other/api"}) {
		t.Error("include/exclude filter")
	}
	if err := (Filter{Include: []string{"[oops"}}).Validate(); err == nil {
		t.Error("bad glob accepted")
	}
}

func TestListFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	list := filepath.Join(dir, "repos.txt")
	os.WriteFile(list, []byte("# org repos\nhttps://git.example.com/a/b.git\n\n  git@git.example.com:a/c.git\nlocal/repo\n/abs/repo\nhttps://git.example.com/a/b.git\n"), 0o600)
	got, err := New(Options{}).List(context.Background(), Target{Kind: KindFile, Name: list})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://git.example.com/a/b.git", "git@git.example.com:a/c.git", filepath.Join(dir, "local/repo"), "/abs/repo"}
	var clones []string
	for _, r := range got {
		clones = append(clones, r.CloneURL)
	}
	if !reflect.DeepEqual(clones, want) {
		t.Errorf("clone URLs %q, want %q", clones, want)
	}
	for _, bad := range []string{"https://user:ghp_SECRET@git.example.com/a.git", "https://ghp_SECRET@git.example.com/a.git",
		"ext::sh -c evil", "--upload-pack=evil", "file:///etc"} {
		os.WriteFile(list, []byte(bad+"\n"), 0o600)
		_, err := New(Options{}).List(context.Background(), Target{Kind: KindFile, Name: list})
		if err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
	if _, err := New(Options{}).List(context.Background(), Target{Kind: KindFile, Name: filepath.Join(dir, "missing")}); err == nil {
		t.Error("missing file listed")
	}
}

func TestListDir(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	mk := func(p ...string) {
		if err := os.MkdirAll(filepath.Join(append([]string{root}, p...)...), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mk("team/a", ".git")
	mk("team/a/vendor/inner", ".git") // inside a repository: not listed
	mk("bare.git", "objects")
	mk("bare.git", "refs")
	os.WriteFile(filepath.Join(root, "bare.git", "HEAD"), []byte("ref: refs/heads/main\n"), 0o600)
	mk("not-a-repo/src")
	mk("x/y/z/w/v/deep", ".git") // deeper than maxDirDepth
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(outside, "r", ".git"), 0o755)
	os.Symlink(outside, filepath.Join(root, "link"))
	got, err := New(Options{}).List(context.Background(), Target{Kind: KindDir, Name: root})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"bare.git", "team/a"}; !reflect.DeepEqual(names(got), want) {
		t.Errorf("found %q, want %q", names(got), want)
	}
	if got[1].CloneURL != filepath.Join(root, "team/a") || got[1].Forge != KindDir {
		t.Errorf("repo %+v", got[1])
	}
}
