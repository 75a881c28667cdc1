package cmd

import (
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/source/gitremote"
)

// remoteUpstream is a bare repository whose only secret is on a branch
// that is not the default one, so finding it proves all refs were cloned.
func remoteUpstream(t *testing.T, secret string) *gittest.Repo {
	t.Helper()
	r := gittest.Init(t)
	r.WriteFile("README", "hello\n")
	r.Commit("first")
	r.CheckoutNew("feature")
	r.WriteFile("deploy.env", "TOKEN="+secret+"\n")
	r.Commit("add deploy config")
	r.Checkout("main")
	bare := filepath.Join(t.TempDir(), "repo.git")
	r.Git("clone", "-q", "--mirror", r.Dir, bare)
	return gittest.Open(t, bare, true)
}

// emptyTempDir points os.TempDir at a fresh directory and returns it, to
// check that a clone leaves nothing behind.
func emptyTempDir(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	return dir
}

func assertNoClone(t *testing.T, tmp string) {
	t.Helper()
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("the temporary clone was left behind: %v", ents)
	}
}

func TestScanRemoteFileURL(t *testing.T) {
	secret := fakeGitHubPAT("remote-file")
	up := remoteUpstream(t, secret)
	tmp := emptyTempDir(t)
	url := "file://" + filepath.ToSlash(up.Dir)
	code, out, errOut := runCLI(t, "", "scan", "--format", "json", url)
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1\n%s", code, errOut)
	}
	rep := parseReport(t, out)
	if len(rep.Findings) != 1 {
		t.Fatalf("findings: %+v", rep.Findings)
	}
	l := rep.Findings[0].Locations[0]
	if l.Remote != url || l.Path != "deploy.env" || l.Commit == nil {
		t.Errorf("location %+v: want remote %s, path deploy.env and its commit", l, url)
	}
	assertNoClone(t, tmp)
}

func TestScanRemoteHTTPCredentials(t *testing.T) {
	gittest.RequireGit(t)
	const user, pass = "ci-bot", "pw-" + "Hq2m9Lx4Tz"
	secret := fakeGitHubPAT("remote-http")
	up := remoteUpstream(t, secret)
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		gittest.Unavailable(t, "git --exec-path failed: %v", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		gittest.Unavailable(t, "git-http-backend is not installed: cannot run the HTTP clone test")
	}
	h := &cgi.Handler{Path: backend, Root: "/git",
		Env: []string{"GIT_PROJECT_ROOT=" + filepath.Dir(up.Dir), "GIT_HTTP_EXPORT_ALL=1"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	url := srv.URL + "/git/" + filepath.Base(up.Dir)
	tmp := emptyTempDir(t)

	t.Setenv(gitremote.EnvUsername, user)
	t.Setenv(gitremote.EnvPassword, pass+"-wrong")
	code, out, errOut := runCLI(t, "", "scan", url)
	if code != ExitError || !strings.Contains(errOut, gitremote.EnvPassword) || strings.Contains(out+errOut, pass) {
		t.Errorf("wrong password: exit %d, output:\n%s%s", code, out, errOut)
	}
	assertNoClone(t, tmp)

	t.Setenv(gitremote.EnvPassword, pass)
	code, out, errOut = runCLI(t, "", "scan", "--format", "json", url)
	if code != ExitFindings || strings.Contains(out+errOut, pass) {
		t.Fatalf("exit %d (want 1), or the password is printed:\n%s", code, errOut)
	}
	if rep := parseReport(t, out); len(rep.Findings) != 1 || rep.Findings[0].Locations[0].Remote != url {
		t.Errorf("findings %+v: want one, located in %s", rep.Findings, url)
	}
	assertNoClone(t, tmp)

	code, _, errOut = runCLI(t, "", "scan", strings.Replace(url, "://", "://"+user+":"+pass+"@", 1))
	if code != ExitError || strings.Contains(errOut, pass) || !strings.Contains(errOut, gitremote.EnvPassword) {
		t.Errorf("credentials in the URL: exit %d, stderr:\n%s", code, errOut)
	}
}

// With --max-file-size, a remote's larger blobs stay on the server (a
// partial clone): the scan lists them as not scanned and still finds the
// secret in the rest.
func TestScanRemoteLeavesLargeBlobs(t *testing.T) {
	gittest.RequireGit(t)
	secret := fakeGitHubPAT("remote-partial")
	r := gittest.Init(t)
	r.WriteFile("dump.bin", strings.Repeat("0123456789abcdef", 8<<10)) // 128 KiB
	r.WriteFile("deploy.env", "TOKEN="+secret+"\n")
	r.Commit("config and a dump")
	bare := filepath.Join(t.TempDir(), "repo.git")
	r.Git("clone", "-q", "--mirror", r.Dir, bare)
	if out, err := exec.Command("git", "--git-dir", bare, "config", "uploadpack.allowFilter", "true").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	big := strings.TrimSpace(r.Git("rev-parse", "HEAD:dump.bin"))
	tmp := emptyTempDir(t)
	code, out, errOut := runCLI(t, "", "scan", "--format", "json", "--max-file-size", "64KiB", "file://"+filepath.ToSlash(bare))
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1\n%s", code, errOut)
	}
	rep := parseReport(t, out)
	if len(rep.Findings) != 1 || rep.Findings[0].Locations[0].Path != "deploy.env" {
		t.Fatalf("findings: %+v", rep.Findings)
	}
	if !strings.Contains(errOut, big[:7]) && !strings.Contains(out, big) {
		t.Errorf("the blob left on the server is not listed as skipped:\n%s", errOut)
	}
	assertNoClone(t, tmp)
}
