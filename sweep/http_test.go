package sweep

import (
	"context"
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
	"testing"
	"time"

	"github.com/scour-dev/scour/forge"
	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/store"
)

const cloneToken = "ghp_CLONEtokenTHATmustNEVERleak0000000000"

// TestSweepGitHubOverHTTP sweeps a fake GitHub organisation whose API
// lists repositories served by the real `git http-backend` on loopback;
// the private ones need the token. The token must reach git only through
// gitremote.Run's askpass helper's environment: never git's argv, the
// helper's file, the mirror's files, the store or events.
func TestSweepGitHubOverHTTP(t *testing.T) {
	t.Parallel()
	gitProg := FindGit()
	if gitProg == "" {
		gittest.Unavailable(t, "git not installed: cannot serve repositories over HTTP")
	}
	execPath, err := exec.Command(gitProg, "--exec-path").Output()
	if err != nil {
		t.Fatal(err)
	}
	backend := filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		gittest.Unavailable(t, "no git-http-backend: %v", err)
	}

	// The organisation: 5 repositories, 2 private, served bare from root.
	src := t.TempDir()
	repos := org(t, src, 5)
	root := t.TempDir()
	private := map[string]bool{}
	for i, r := range repos {
		name := fmt.Sprintf("repo-%02d.git", i)
		if out, err := exec.Command(gitProg, "clone", "-q", "--bare", r.Dir, filepath.Join(root, name)).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		private[name] = i%2 == 1
	}

	git := &cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+cloneToken))
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authed := r.Header.Get("Authorization") == wantAuth
		if rest, ok := strings.CutPrefix(r.URL.Path, "/git/"); ok {
			name, _, _ := strings.Cut(rest, "/")
			if private[name] && !authed {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + rest
			git.ServeHTTP(w, r2)
			return
		}
		if r.URL.Path != "/api/v3/orgs/acme/repos" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+cloneToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var list []map[string]any
		for i := range repos {
			name := fmt.Sprintf("repo-%02d.git", i)
			list = append(list, map[string]any{"full_name": "acme/" + strings.TrimSuffix(name, ".git"),
				"clone_url": srv.URL + "/git/" + name, "private": private[name]})
		}
		json.NewEncoder(w).Encode(list)
	}))
	defer srv.Close()

	tokens := map[string]string{forge.KindGitHub: cloneToken}
	listed, err := forge.New(forge.Options{Tokens: tokens}).List(context.Background(), forge.Target{Kind: forge.KindGitHub, Name: "acme", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	// A git that logs its arguments, to prove the token is not among them.
	argLog := filepath.Join(t.TempDir(), "argv.log")
	wrapper := filepath.Join(t.TempDir(), "git")
	helperLog := filepath.Join(t.TempDir(), "helper.log")
	script := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$*\" >> %q\n[ -n \"$GIT_ASKPASS\" ] && cat \"$GIT_ASKPASS\" >> %q\nexec %q \"$@\"\n", argLog, helperLog, gitProg)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}

	cache := t.TempDir()
	dbPath := filepath.Join(t.TempDir(), "s.db")
	st := openStore(t, dbPath)
	var events []string
	bs := &blobScanner{}
	sum, err := Run(context.Background(), listed, Options{
		Store: st, Mirrors: &Mirrors{Dir: cache, Git: wrapper, Tokens: tokens}, Scan: bs.scan,
		Clock: &sleepless{}, Notify: func(e Event) { events = append(events, e.Repo+" "+e.Kind+" "+e.Detail) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Scanned != 5 || sum.Failed != 0 {
		t.Fatalf("sweep over HTTP: %+v\n%s", sum, strings.Join(events, "\n"))
	}
	fs, _ := st.Findings(context.Background(), store.Filter{})
	if len(fs) != 6 { // five own secrets and the shared one
		t.Errorf("%d findings, want 6", len(fs))
	}

	// Without the token the private repositories fail, with a reason, and
	// the public ones still sweep.
	st2 := openStore(t, filepath.Join(t.TempDir(), "s2.db"))
	sum, err = Run(context.Background(), listed, Options{
		Store: st2, Mirrors: &Mirrors{Dir: t.TempDir(), Git: gitProg}, Scan: bs.scan, Clock: &sleepless{}, Retries: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Scanned != 3 || sum.Failed != 2 {
		t.Errorf("without a token: %+v", sum)
	}
	st.Close()

	// A token is not sent to a clone host outside TokenHosts: the private
	// repositories then fail like without a token.
	st3 := openStore(t, filepath.Join(t.TempDir(), "s3.db"))
	sum, err = Run(context.Background(), listed, Options{
		Store: st3, Mirrors: &Mirrors{Dir: t.TempDir(), Git: gitProg, Tokens: tokens,
			TokenHosts: map[string][]string{forge.KindGitHub: {"github.com"}}},
		Scan: bs.scan, Clock: &sleepless{}, Retries: 1,
	})
	if err != nil || sum.Scanned != 3 || sum.Failed != 2 {
		t.Errorf("token host not allowed: %+v %v", sum, err)
	}

	check := func(what string, data []byte) {
		t.Helper()
		if strings.Contains(string(data), cloneToken) || strings.Contains(string(data), base64.StdEncoding.EncodeToString([]byte("x-access-token:"+cloneToken))) {
			t.Errorf("the token is in %s", what)
		}
	}
	argv, _ := os.ReadFile(argLog)
	if !strings.Contains(string(argv), "fetch") {
		t.Fatalf("wrapper not used: %q", argv)
	}
	check("git's argv", argv)
	helper, _ := os.ReadFile(helperLog)
	if !strings.Contains(string(helper), "#!/bin/sh") {
		t.Fatalf("the askpass helper was not used: %q", helper)
	}
	check("the askpass helper", helper)
	db, _ := os.ReadFile(dbPath)
	check("the store", db)
	check("the events", []byte(strings.Join(events, "\n")))
	filepath.WalkDir(cache, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil {
				check(p, b)
			}
		}
		return nil
	})
}

// TestFetchOfAStalledServerEnds: a mirror's fetch goes through the same
// hardened git run as scour scan's clones (gitremote.Run), so a server
// that accepts the connection and sends nothing ends the fetch by the idle
// timeout, with a reason, and leaves no half mirror.
func TestFetchOfAStalledServerEnds(t *testing.T) {
	t.Parallel()
	gitProg := FindGit()
	if gitProg == "" {
		gittest.Unavailable(t, "git not installed")
	}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	m := &Mirrors{Dir: t.TempDir(), Git: gitProg, IdleTimeout: time.Second, Tokens: map[string]string{forge.KindGitHub: cloneToken}}
	_, _, err := m.Update(context.Background(), forge.Repo{Name: "acme/stuck", CloneURL: srv.URL + "/acme/stuck.git", Forge: forge.KindGitHub})
	if err == nil || !strings.Contains(err.Error(), "stalled") || strings.Contains(err.Error(), cloneToken) {
		t.Fatalf("fetch of a stalled server: %v", err)
	}
	m.CleanDebris()
	if ents, _ := os.ReadDir(m.Dir); len(ents) > 1 {
		t.Errorf("cache after a stalled fetch: %v", ents)
	}
}
