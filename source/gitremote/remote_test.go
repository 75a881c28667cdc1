package gitremote

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scour-dev/scour/internal/gittest"
)

const (
	testUser = "ci-bot"
	testPass = "pw-" + "Zq8s7fK2x" // assembled: not a real credential
)

// upstream makes a repository with refs of every kind a mirror must bring.
func upstream(t *testing.T) *gittest.Repo {
	t.Helper()
	r := gittest.Init(t)
	r.WriteFile("a.txt", "main\n")
	r.Commit("first")
	r.CheckoutNew("feature")
	r.WriteFile("b.txt", "feature\n")
	r.Commit("on a branch")
	r.Checkout("main")
	r.Tag("v1")
	r.Git("update-ref", "refs/pull/1/head", "feature")
	return r
}

// gitServer serves the repositories under root with git's own smart-HTTP
// CGI program, behind basic auth when user is set. The URL of root/NAME is
// srv.URL + "/git/NAME".
func gitServer(t *testing.T, root, user, pass string) *httptest.Server {
	t.Helper()
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		gittest.Unavailable(t, "git --exec-path: %v", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		gittest.Unavailable(t, "git-http-backend not installed (%v): cannot run the HTTP clone tests", err)
	}
	h := &cgi.Handler{
		Path: backend,
		Root: "/git",
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user != "" {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "authentication required", http.StatusUnauthorized)
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func serveUpstream(t *testing.T, user, pass string) string {
	t.Helper()
	up := upstream(t)
	root := t.TempDir()
	up.Git("clone", "-q", "--mirror", up.Dir, filepath.Join(root, "repo.git"))
	return gitServer(t, root, user, pass).URL + "/git/repo.git"
}

func refs(t *testing.T, gitDir string) string {
	t.Helper()
	out, err := exec.Command("git", "--git-dir", gitDir, "for-each-ref", "--format=%(refname)").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != 0 {
		t.Errorf("temporary clone left behind in %s: %v %v", dir, ents, err)
	}
}

func TestCloneOverHTTPWithCredentials(t *testing.T) {
	gittest.RequireGit(t)
	u := serveUpstream(t, testUser, testPass)
	tmp := t.TempDir()
	c, err := CloneContext(context.Background(), Options{URL: u, Username: testUser, Password: testPass, TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if c.Remote != u {
		t.Errorf("Remote = %q, want %q", c.Remote, u)
	}
	got := refs(t, c.Dir)
	for _, want := range []string{"refs/heads/main", "refs/heads/feature", "refs/tags/v1", "refs/pull/1/head"} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("clone lacks %s; has:\n%s", want, got)
		}
	}
	cfg, _ := os.ReadFile(filepath.Join(c.Dir, "config"))
	if strings.Contains(string(cfg), testPass) {
		t.Error("the clone's config holds the password")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	assertEmptyDir(t, tmp)
}

func TestCloneAuthFailuresNameNoSecret(t *testing.T) {
	gittest.RequireGit(t)
	u := serveUpstream(t, testUser, testPass)
	for _, tc := range []struct {
		name, user, pass, hint string
	}{
		{"no credentials", "", "", "set " + EnvUsername},
		{"wrong password", testUser, testPass + "-wrong", "check " + EnvUsername},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			_, err := CloneContext(context.Background(), Options{URL: u, Username: tc.user, Password: tc.pass, TempDir: tmp})
			if err == nil {
				t.Fatal("clone succeeded")
			}
			if !strings.Contains(err.Error(), tc.hint) || strings.Contains(err.Error(), testPass) {
				t.Errorf("error %q: want the hint %q and no password", err, tc.hint)
			}
			assertEmptyDir(t, tmp)
		})
	}
}

func TestCloneFileURL(t *testing.T) {
	up := upstream(t)
	c, err := CloneContext(context.Background(), Options{URL: "file://" + filepath.ToSlash(up.Dir), TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := refs(t, c.Dir); !strings.Contains(got, "refs/heads/feature\n") || !strings.Contains(got, "refs/pull/1/head\n") {
		t.Errorf("refs:\n%s", got)
	}
}

func TestCloneCancelledAndEmpty(t *testing.T) {
	up := upstream(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tmp := t.TempDir()
	if _, err := CloneContext(ctx, Options{URL: "file://" + up.Dir, TempDir: tmp}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled clone: err = %v", err)
	}
	assertEmptyDir(t, tmp)

	empty := gittest.InitBare(t)
	if _, err := CloneContext(context.Background(), Options{URL: "file://" + empty.Dir, TempDir: tmp}); !errors.Is(err, ErrEmptyRepository) {
		t.Errorf("empty remote: err = %v", err)
	}
	assertEmptyDir(t, tmp)
}

func TestCredentialsInURLRefused(t *testing.T) {
	for _, u := range []string{
		"https://" + testUser + ":" + testPass + "@example.invalid/r.git",
		"https://" + testPass + "@example.invalid/r.git", // a token as the user name
		"ssh://git:" + testPass + "@example.invalid/r.git",
	} {
		_, err := CloneContext(context.Background(), Options{URL: u, TempDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), EnvPassword) || strings.Contains(err.Error(), testPass) {
			t.Errorf("%s: err = %v", strings.ReplaceAll(u, testPass, "***"), err)
		}
	}
}

func TestIsURLAndRedact(t *testing.T) {
	for arg, want := range map[string]bool{
		"https://example.com/r.git": true, "HTTP://example.com/r": true, "ssh://git@example.com/r": true,
		"git://example.com/r": true, "file:///srv/r.git": true, "git@example.com:org/r.git": true,
		".": false, "./repo": false, "/abs/path": false, "C:/repo": false, "dir:with/colon": false,
	} {
		if IsURL(arg) != want {
			t.Errorf("IsURL(%q) = %v", arg, !want)
		}
	}
	for in, want := range map[string]string{
		"https://u:p@example.com/r.git":   "https://example.com/r.git",
		"ssh://git:pw@example.com:22/r":   "ssh://git@example.com:22/r",
		"git@example.com:org/r.git":       "git@example.com:org/r.git",
		"https://example.com/r.git?x=1#y": "https://example.com/r.git?x=1#y",
	} {
		if got, err := Redact(in); err != nil || got != want {
			t.Errorf("Redact(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// Ctrl-C in the middle of a transfer: the clone stops and its directory is
// removed before CloneContext returns.
func TestCloneInterruptedMidTransfer(t *testing.T) {
	gittest.RequireGit(t)
	up := upstream(t)
	root := t.TempDir()
	up.Git("clone", "-q", "--mirror", up.Dir, filepath.Join(root, "repo.git"))
	backend := gitServer(t, root, "", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// In front of the git server: the ref advertisement goes through, then
	// the pack request "hangs" and the user presses Ctrl-C.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/git-upload-pack") {
			io.Copy(io.Discard, r.Body) // so the server notices the client leaving
			cancel()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second): // the clone ignored the cancellation
			}
			return
		}
		resp, err := http.Get(backend.URL + r.URL.String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	defer proxy.Close()
	tmp := t.TempDir()
	_, err := CloneContext(ctx, Options{URL: proxy.URL + "/git/repo.git", TempDir: tmp})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	assertEmptyDir(t, tmp)
}
