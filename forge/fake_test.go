package forge

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock advances only when slept on: rate-limit waits cost no time
// and are recorded exactly.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// fakeRepo is a repository a fake forge hosts.
type fakeRepo struct {
	path     string // full path: "org/repo", "group/sub/project"
	private  bool
	fork     bool
	archived bool
}

// limiter makes a fake forge refuse requests: each entry is the response
// to the next request (after the auth check), then requests pass.
type limiter struct {
	mu    sync.Mutex
	queue []func(w http.ResponseWriter)
	hits  int
}

func (l *limiter) push(f ...func(w http.ResponseWriter)) {
	l.mu.Lock()
	l.queue = append(l.queue, f...)
	l.mu.Unlock()
}

// refused answers with the next queued refusal, if any.
func (l *limiter) refused(w http.ResponseWriter) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hits++
	if len(l.queue) == 0 {
		return false
	}
	f := l.queue[0]
	l.queue = l.queue[1:]
	f(w)
	return true
}

func status(code int, headers ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"message":"refused with %d"}`, code)
	}
}

// pageOf returns items [start, end) of page p (1-based) of size per.
func pageOf(n, p, per int) (int, int) {
	start := min((p-1)*per, n)
	return start, min(start+per, n)
}

func atoiDefault(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n
	}
	return def
}

// fakeGitHub serves /orgs/{org}/repos and /users/{user}/repos as GitHub's
// REST API does: Link-header pagination, per_page up to 100, private
// repositories only with a good token, 401 for a bad one, 404 for an
// unknown owner. prefix is "" (github.com) or "/api/v3" (GHES).
type fakeGitHub struct {
	prefix string
	orgs   map[string][]fakeRepo
	users  map[string][]fakeRepo
	token  string
	limit  limiter
	// evilNext makes the first page's next link point at another host.
	evilNext string
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	authed := false
	switch auth := r.Header.Get("Authorization"); auth {
	case "":
	case "Bearer " + f.token:
		authed = true
	default:
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`)
		return
	}
	if f.limit.refused(w) {
		return
	}
	p := strings.TrimPrefix(r.URL.Path, f.prefix)
	var repos []fakeRepo
	var ok bool
	if org, found := strings.CutPrefix(p, "/orgs/"); found {
		repos, ok = f.orgs[strings.TrimSuffix(org, "/repos")]
	} else if user, found := strings.CutPrefix(p, "/users/"); found {
		repos, ok = f.users[strings.TrimSuffix(user, "/repos")]
	}
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found"}`)
		return
	}
	var visible []fakeRepo
	for _, rp := range repos {
		if authed || !rp.private {
			visible = append(visible, rp)
		}
	}
	per := min(atoiDefault(r.URL.Query().Get("per_page"), 30), 100)
	pg := atoiDefault(r.URL.Query().Get("page"), 1)
	start, end := pageOf(len(visible), pg, per)
	if end < len(visible) {
		next := *r.URL
		q := next.Query()
		q.Set("page", strconv.Itoa(pg+1))
		next.RawQuery = q.Encode()
		link := "http://" + r.Host + next.String()
		if f.evilNext != "" {
			link = f.evilNext
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <http://%s%s>; rel="last"`, link, r.Host, r.URL.Path))
	}
	out := []map[string]any{}
	for _, rp := range visible[start:end] {
		out = append(out, map[string]any{
			"full_name": rp.path, "clone_url": "http://" + r.Host + "/" + rp.path + ".git",
			"fork": rp.fork, "archived": rp.archived, "private": rp.private,
		})
	}
	json.NewEncoder(w).Encode(out)
}

// fakeGitLab serves /api/v4/groups/{id}/projects: include_subgroups,
// offset pagination with X-Next-Page (and a Link header when withLink),
// PRIVATE-TOKEN auth, non-public projects only with a good token.
type fakeGitLab struct {
	projects []fakeRepo
	groups   map[string]bool
	token    string
	withLink bool
	limit    limiter
}

func (f *fakeGitLab) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	authed := false
	switch tok := r.Header.Get("PRIVATE-TOKEN"); tok {
	case "":
	case f.token:
		authed = true
	default:
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"401 Unauthorized"}`)
		return
	}
	if f.limit.refused(w) {
		return
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v4/groups/")
	rest, ok2 := strings.CutSuffix(rest, "/projects")
	group, err := url.PathUnescape(rest)
	if !ok || !ok2 || err != nil || !f.groups[group] {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"404 Group Not Found"}`)
		return
	}
	sub := r.URL.Query().Get("include_subgroups") == "true"
	var visible []fakeRepo
	for _, p := range f.projects {
		dir := p.path[:strings.LastIndex(p.path, "/")]
		if dir != group && !(sub && strings.HasPrefix(dir, group+"/")) {
			continue
		}
		if authed || !p.private {
			visible = append(visible, p)
		}
	}
	per := min(atoiDefault(r.URL.Query().Get("per_page"), 20), 100)
	pg := atoiDefault(r.URL.Query().Get("page"), 1)
	start, end := pageOf(len(visible), pg, per)
	w.Header().Set("X-Page", strconv.Itoa(pg))
	w.Header().Set("X-Per-Page", strconv.Itoa(per))
	if end < len(visible) {
		w.Header().Set("X-Next-Page", strconv.Itoa(pg+1))
		if f.withLink {
			next := *r.URL
			q := next.Query()
			q.Set("page", strconv.Itoa(pg+1))
			next.RawQuery = q.Encode()
			w.Header().Set("Link", fmt.Sprintf(`<http://%s%s>; rel="next"`, r.Host, next.String()))
		}
	} else {
		w.Header().Set("X-Next-Page", "")
	}
	out := []map[string]any{}
	for _, p := range visible[start:end] {
		vis := "public"
		if p.private {
			vis = "private"
		}
		m := map[string]any{
			"path_with_namespace": p.path, "http_url_to_repo": "http://" + r.Host + "/" + p.path + ".git",
			"archived": p.archived, "visibility": vis,
		}
		if p.fork {
			m["forked_from_project"] = map[string]any{"id": 1}
		}
		out = append(out, m)
	}
	json.NewEncoder(w).Encode(out)
}

// fakeCodeup serves the Yunxiao OpenAPI's ListRepositories: the central
// path with the organisation id, or the region path without one; a token
// is always required (x-yunxiao-token); numbered pages with x-next-page,
// x-total and x-total-pages headers unless noHeaders.
type fakeCodeup struct {
	org       string
	repos     []fakeRepo
	token     string
	noHeaders bool
	limit     limiter
	paths     []string
}

func (f *fakeCodeup) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.paths = append(f.paths, r.URL.Path)
	if r.Header.Get("x-yunxiao-token") != f.token {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"errorCode":"Unauthorized","errorMessage":"invalid token"}`)
		return
	}
	if f.limit.refused(w) {
		return
	}
	if r.URL.Path != "/oapi/v1/codeup/organizations/"+f.org+"/repositories" && r.URL.Path != "/oapi/v1/codeup/repositories" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errorCode":"NotFound","errorMessage":"organization not found"}`)
		return
	}
	per := min(atoiDefault(r.URL.Query().Get("perPage"), 20), 100)
	pg := atoiDefault(r.URL.Query().Get("page"), 1)
	start, end := pageOf(len(f.repos), pg, per)
	if !f.noHeaders {
		pages := (len(f.repos) + per - 1) / per
		w.Header().Set("x-page", strconv.Itoa(pg))
		w.Header().Set("x-per-page", strconv.Itoa(per))
		w.Header().Set("x-total", strconv.Itoa(len(f.repos)))
		w.Header().Set("x-total-pages", strconv.Itoa(pages))
		if pg < pages {
			w.Header().Set("x-next-page", strconv.Itoa(pg+1))
		}
	}
	out := []map[string]any{}
	for _, p := range f.repos[start:end] {
		vis := "private"
		if !p.private {
			vis = "public"
		}
		out = append(out, map[string]any{
			"name": p.path[strings.LastIndex(p.path, "/")+1:], "path": p.path[strings.LastIndex(p.path, "/")+1:],
			"pathWithNamespace": p.path, "webUrl": "https://codeup.aliyun.com/" + p.path,
			"archived": p.archived, "visibility": vis,
		})
	}
	json.NewEncoder(w).Encode(out)
}

// serve starts h on loopback.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// pinnedClient sends every request, whatever its host, to srv: tests can
// use a real host name (the Codeup central endpoint) and stay on loopback.
func pinnedClient(srv *httptest.Server) *http.Client {
	addr := srv.Listener.Addr().String()
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}
}

func repos(prefix string, n int, mark func(i int, r *fakeRepo)) []fakeRepo {
	out := make([]fakeRepo, n)
	for i := range out {
		out[i] = fakeRepo{path: fmt.Sprintf("%s/repo-%03d", prefix, i)}
		if mark != nil {
			mark(i, &out[i])
		}
	}
	return out
}
