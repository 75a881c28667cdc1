package cmd

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	git "github.com/go-git/go-git/v5"

	"github.com/scour-dev/scour/internal/gittest"
)

// TestSweepSyntheticOrganisationOf200 sweeps a fake GitHub organisation of
// 200 repositories, listed in two pages with a secondary rate limit in
// between, served by the real git http-backend on loopback, every seventh
// private. Each repository holds its own token and every tenth one more,
// shared: the store has 201 findings, the shared one in 20 repositories
// (verified once would be once), and an unchanged re-sweep reads no blob.
func TestSweepSyntheticOrganisationOf200(t *testing.T) {
	gittest.RequireGit(t)
	gitProg, _ := exec.LookPath("git")
	execPath, err := exec.Command(gitProg, "--exec-path").Output()
	if err != nil {
		t.Fatal(err)
	}
	backend := filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		gittest.Unavailable(t, "no git-http-backend: %v", err)
	}
	const n = 200
	token := fakeGitHubPAT("org-api-token")
	shared := fakeGitHubPAT("org-shared")
	root := t.TempDir()
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("repo-%03d.git", i))
		if _, err := git.PlainInit(dir, true); err != nil {
			t.Fatal(err)
		}
		// One process a repository: the history streamed into fast-import.
		var files strings.Builder
		file := func(path, content string) {
			fmt.Fprintf(&files, "M 644 inline %s\ndata %d\n%s\n", path, len(content), content)
		}
		file("README.md", fmt.Sprintf("repository %d\n", i))
		file("deploy/env.sh", "export GITHUB_TOKEN="+fakeGitHubPAT(fmt.Sprint("org-own-", i))+"\n")
		if i%10 == 0 {
			file("ci/token.txt", "token: "+shared+"\n")
		}
		msg := "initial\n"
		stream := fmt.Sprintf("commit refs/heads/main\ncommitter Ann <ann@example.com> 1577836800 +0000\ndata %d\n%s%s\n", len(msg), msg, files.String())
		cmd := exec.Command(gitProg, "--git-dir", dir, "fast-import", "--quiet")
		cmd.Stdin = strings.NewReader(stream)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("fast-import: %v: %s", err, out)
		}
	}

	backendH := &cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+token))
	var limited atomic.Bool
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/git/"); ok {
			name, _, _ := strings.Cut(rest, "/")
			var i int
			fmt.Sscanf(name, "repo-%03d.git", &i)
			if i%7 == 3 && r.Header.Get("Authorization") != basic {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + rest
			backendH.ServeHTTP(w, r2)
			return
		}
		if r.URL.Path != "/api/v3/orgs/acme/repos" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		page := r.URL.Query().Get("page")
		if page == "2" && !limited.Swap(true) {
			// GitHub's secondary rate limit: 403 with Retry-After.
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusForbidden)
			return
		}
		from, to := 0, 100
		if page == "2" {
			from, to = 100, n
		} else {
			w.Header().Set("Link", fmt.Sprintf(`<%s/api/v3/orgs/acme/repos?per_page=100&type=all&page=2>; rel="next"`, srv.URL))
		}
		var list []map[string]any
		for i := from; i < to; i++ {
			list = append(list, map[string]any{"full_name": fmt.Sprintf("acme/repo-%03d", i),
				"clone_url": fmt.Sprintf("%s/git/repo-%03d.git", srv.URL, i), "private": i%7 == 3})
		}
		json.NewEncoder(w).Encode(list)
	}))
	defer srv.Close()
	t.Setenv("SCOUR_GITHUB_TOKEN", token)
	t.Setenv("SCOUR_CONFIG", "")

	dir := t.TempDir()
	db := filepath.Join(dir, "org.db")
	args := []string{"sweep", "-q", "--github-url", srv.URL, "--store", db, "--cache", filepath.Join(dir, "mirrors"), "--fetch-jobs", "8", "github:acme"}
	code, _, errOut := runCLI(t, "", args...)
	if code != ExitFindings || !strings.Contains(errOut, "200 scanned, 0 unchanged, 0 failed") {
		t.Fatalf("sweep: exit %d: %s", code, errOut)
	}
	if !limited.Load() {
		t.Error("the rate-limited page was not asked for")
	}
	list := findingsJSONOf(t, db)
	if len(list) != n+1 {
		t.Fatalf("%d findings, want %d (one per repository and the shared one)", len(list), n+1)
	}
	sharedRepos := 0
	for _, f := range list {
		if len(f.Repositories) > 1 {
			sharedRepos = len(f.Repositories)
		}
	}
	if sharedRepos != n/10 {
		t.Errorf("the shared token is one finding in %d repositories, want %d", sharedRepos, n/10)
	}
	if db, _ := os.ReadFile(db); strings.Contains(string(db), token) {
		t.Error("the API token is in the store")
	}
	code, _, errOut = runCLI(t, "", args...)
	if code != ExitClean || !strings.Contains(errOut, "0 scanned, 200 unchanged, 0 failed; 0 blobs read") {
		t.Errorf("unchanged re-sweep: exit %d: %s", code, errOut)
	}
}
