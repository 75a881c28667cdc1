package gitremote

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scour-dev/scour/internal/gittest"
)

// Both ways of cloning bring every ref over HTTP with credentials; with git
// installed, git is the one used.
func TestCloneViaGitAndGoGit(t *testing.T) {
	gittest.RequireGit(t)
	u := serveUpstream(t, testUser, testPass)
	for _, noGit := range []bool{false, true} {
		tmp := t.TempDir()
		c, err := CloneContext(context.Background(), Options{URL: u, Username: testUser, Password: testPass, TempDir: tmp, NoGit: noGit})
		if err != nil {
			t.Fatalf("NoGit=%v: %v", noGit, err)
		}
		want := map[bool]string{false: "git", true: "go-git"}[noGit]
		if c.Via != want {
			t.Errorf("NoGit=%v: cloned via %q, want %q", noGit, c.Via, want)
		}
		if got := refs(t, c.Dir); !strings.Contains(got, "refs/pull/1/head\n") || !strings.Contains(got, "refs/tags/v1\n") {
			t.Errorf("via %s: refs:\n%s", c.Via, got)
		}
		c.Close()
		assertEmptyDir(t, tmp)
	}
}

// git gets the credentials from the askpass helper, through its
// environment: never on its command line, never in a file. A wrapper in
// place of git records its arguments; the clone's files and the helper
// are searched for the password.
func TestGitCloneKeepsCredentialsOffArgvAndDisk(t *testing.T) {
	gittest.RequireGit(t)
	real, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	u := serveUpstream(t, testUser, testPass)
	work := t.TempDir()
	argvFile := filepath.Join(work, "argv")
	helperCopy := filepath.Join(work, "helper")
	wrapper := filepath.Join(work, "git-wrapper")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + argvFile + "'\ncat \"$GIT_ASKPASS\" > '" + helperCopy + "'\nexec '" + real + "' \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	c, err := CloneContext(context.Background(), Options{URL: u, Username: testUser, Password: testPass, TempDir: tmp, Git: wrapper})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	argv, _ := os.ReadFile(argvFile)
	helper, _ := os.ReadFile(helperCopy)
	if len(argv) == 0 || len(helper) == 0 {
		t.Fatalf("the wrapper did not run as git (argv %q, helper %q)", argv, helper)
	}
	for what, data := range map[string]string{"git's arguments": string(argv), "the askpass helper": string(helper)} {
		if strings.Contains(data, testPass) || strings.Contains(data, testUser) {
			t.Errorf("%s hold the credentials:\n%s", what, data)
		}
	}
	filepath.WalkDir(c.Dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), testPass) {
				t.Errorf("%s holds the password", p)
			}
		}
		return nil
	})
	if ents, _ := os.ReadDir(tmp); len(ents) != 1 {
		t.Errorf("the askpass helper was left in %s: %v", tmp, ents)
	}
}

// stallingServer accepts HTTP requests and never answers.
func stallingServer(t *testing.T) string {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv.URL + "/git/repo.git"
}

// A server that accepts the connection and then sends nothing stops the
// clone: git by the idle timeout (no progress), go-git by the overall
// timeout. Either way the error says why and nothing is left on disk.
func TestCloneOfAStalledServerEnds(t *testing.T) {
	gittest.RequireGit(t)
	u := stallingServer(t)
	for _, tc := range []struct {
		noGit bool
		want  error
	}{{false, ErrStalled}, {true, ErrTimeout}} {
		tmp := t.TempDir()
		opts := Options{URL: u, TempDir: tmp, NoGit: tc.noGit, IdleTimeout: time.Second}
		if tc.noGit {
			opts.Timeout = time.Second
		}
		_, err := CloneContext(context.Background(), opts)
		if !errors.Is(err, tc.want) {
			t.Errorf("NoGit=%v: err = %v, want %v", tc.noGit, err, tc.want)
		}
		assertEmptyDir(t, tmp)
	}
}

// A raw TCP server that accepts and stays silent (not even HTTP) is
// stopped the same way.
func TestCloneOfASilentSocketEnds(t *testing.T) {
	gittest.RequireGit(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	tmp := t.TempDir()
	_, err = CloneContext(context.Background(), Options{URL: "http://" + l.Addr().String() + "/r.git", TempDir: tmp, IdleTimeout: time.Second})
	if !errors.Is(err, ErrStalled) {
		t.Errorf("err = %v, want %v", err, ErrStalled)
	}
	assertEmptyDir(t, tmp)
}

// With MaxFileSize, git asks the server to leave larger blobs out (a
// partial clone); the small ones, and every ref, arrive.
func TestGitCloneLeavesLargeBlobsOnTheServer(t *testing.T) {
	gittest.RequireGit(t)
	up := upstream(t)
	up.WriteFile("big.bin", strings.Repeat("0123456789abcdef", 8<<10)) // 128 KiB
	up.Commit("a big file")
	root := t.TempDir()
	served := filepath.Join(root, "repo.git")
	up.Git("clone", "-q", "--mirror", up.Dir, served)
	if out, err := exec.Command("git", "--git-dir", served, "config", "uploadpack.allowFilter", "true").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	u := gitServer(t, root, "", "").URL + "/git/repo.git"
	big := strings.TrimSpace(up.Git("rev-parse", "HEAD:big.bin"))
	small := strings.TrimSpace(up.Git("rev-parse", "HEAD:a.txt"))

	c, err := CloneContext(context.Background(), Options{URL: u, TempDir: t.TempDir(), MaxFileSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// --batch-all-objects lists what is on disk without fetching.
	out, err := exec.Command("git", "--git-dir", c.Dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), big) || !strings.Contains(string(out), small) {
		t.Errorf("objects on disk: big blob present %v, small present %v", strings.Contains(string(out), big), strings.Contains(string(out), small))
	}
	if !strings.Contains(refs(t, c.Dir), "refs/pull/1/head\n") {
		t.Error("refs missing")
	}
}

// A server that redirects the clone to another host does not get the
// credentials there: git's askpass helper answers only for the host the
// user named, and go-git's HTTP client drops them on a cross-host
// redirect.
func TestGitCloneCredentialsStayWithTheNamedHost(t *testing.T) {
	gittest.RequireGit(t)
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, p, ok := r.BasicAuth(); ok && p == testPass {
			leaked.Store(true)
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
	}))
	t.Cleanup(other.Close)
	named := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	t.Cleanup(named.Close)
	for _, noGit := range []bool{false, true} {
		tmp := t.TempDir()
		_, err := CloneContext(context.Background(), Options{URL: named.URL + "/git/repo.git", Username: testUser, Password: testPass, TempDir: tmp, NoGit: noGit})
		if err == nil {
			t.Fatal("clone succeeded")
		}
		if leaked.Load() {
			t.Errorf("NoGit=%v: the redirect target received the password", noGit)
		}
		if strings.Contains(err.Error(), testPass) {
			t.Errorf("error shows the password: %v", err)
		}
		assertEmptyDir(t, tmp)
	}
}
