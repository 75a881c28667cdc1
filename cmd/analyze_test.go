package cmd

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

// fakeGitLabAnalyze is a GitLab that knows one token: a write-scoped,
// never-expiring PAT created in 2024, member of 3 projects.
func fakeGitLabAnalyze(t *testing.T, token string) func() []string {
	var mu sync.Mutex
	var seen []string
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.Header.Get("PRIVATE-TOKEN") != token {
			w.WriteHeader(401)
			return
		}
		switch r.URL.Path {
		case "/api/v4/personal_access_tokens/self":
			io.WriteString(w, `{"id":1,"name":"ci","user_id":42,"scopes":["api"],"active":true,"created_at":"2024-01-01T00:00:00Z","expires_at":null}`)
		case "/api/v4/user":
			io.WriteString(w, `{"username":"ci-bot","is_admin":false}`)
		case "/api/v4/projects":
			w.Header().Set("X-Total", "3")
			io.WriteString(w, `[{"path_with_namespace":"acme/a"},{"path_with_namespace":"acme/b"},{"path_with_namespace":"acme/c"}]`)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(s.Close)
	t.Setenv("SCOUR_GITLAB_BASE_URL", s.URL)
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// TestScanVerifyAnalyze: scan --verify --analyze puts the analysis and its
// flags in JSON, SARIF (properties and rank) and text; verify --analyze
// reads the same from a saved report; only read-only calls are sent.
func TestScanVerifyAnalyze(t *testing.T) {
	live := "glpat" + "-" + seeded("an-live", "ABCDEFGHabcdefgh0123456789", 20)
	seen := fakeGitLabAnalyze(t, live)
	dir := tree(t, map[string]string{"a.yml": "GITLAB_TOKEN: \"" + live + "\"\n"})

	code, stdout, stderr := runCLI(t, "", "scan", dir, "--verify", "--analyze", "--max-age", "365d", "--format", "json", "--quiet")
	if code != ExitLive {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout, live) {
		t.Fatal("JSON report shows the secret")
	}
	var rep struct {
		Findings []struct {
			Verification *struct {
				Analysis *struct {
					Scopes []string `json:"scopes"`
					Flags  []struct {
						ID, Severity, Doc string
					} `json:"flags"`
					Reach []struct {
						Kind  string
						Count int
					} `json:"reach"`
				} `json:"analysis"`
			} `json:"verification"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	a := rep.Findings[0].Verification.Analysis
	if a == nil || len(a.Scopes) != 1 || a.Reach[0].Count != 3 {
		t.Fatalf("analysis %+v", a)
	}
	var ids []string
	for _, f := range a.Flags {
		ids = append(ids, f.ID)
		if !strings.HasPrefix(f.Doc, "https://docs.gitlab.com/") {
			t.Errorf("flag %s links %q", f.ID, f.Doc)
		}
	}
	if strings.Join(ids, ",") != "write-scope,no-expiry,older-than-max-age" {
		t.Errorf("flags %v", ids)
	}
	for _, s := range seen() {
		if !strings.HasPrefix(s, "GET ") {
			t.Errorf("non-read request %s", s)
		}
	}

	code, stdout, _ = runCLI(t, "", "scan", dir, "--verify", "--analyze", "--format", "sarif", "--quiet")
	if code != ExitLive || !strings.Contains(stdout, `"rank": 70`) || !strings.Contains(stdout, `"leastPrivilegeFlags"`) || strings.Contains(stdout, "older-than-max-age") {
		t.Fatalf("sarif: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "", "scan", dir, "--verify", "--analyze", "--quiet")
	if code != ExitLive || !strings.Contains(stdout, "FLAG no-expiry") || !strings.Contains(stdout, "reach: projects: 3") {
		t.Fatalf("text: exit %d\n%s", code, stdout)
	}

	report := filepath.Join(t.TempDir(), "r.json")
	if code, _, stderr := runCLI(t, "", "scan", dir, "--format", "json", "--show-secrets", "--report", report, "--quiet"); code != ExitFindings {
		t.Fatalf("scan: exit %d %s", code, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "verify", "--analyze", report)
	if code != ExitLive || !strings.Contains(stdout, "scopes: api") || !strings.Contains(stdout, "FLAG write-scope") || strings.Contains(stdout, live) {
		t.Fatalf("verify --analyze: exit %d\n%s\n%s", code, stdout, stderr)
	}
	cfg := filepath.Join(t.TempDir(), "scour.yaml")
	writeTestFile(t, cfg, "analyze:\n  max_age: 365d\n")
	code, stdout, _ = runCLI(t, "", "verify", "--analyze", "--config", cfg, report)
	if code != ExitLive || !strings.Contains(stdout, "FLAG older-than-max-age") {
		t.Fatalf("analyze.max_age from --config: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "", "verify", "--analyze", "--config", cfg, "--max-age", "0", report)
	if code != ExitLive || strings.Contains(stdout, "older-than-max-age") {
		t.Fatalf("--max-age 0 wins over the config: exit %d\n%s", code, stdout)
	}
	writeTestFile(t, cfg, "analyze:\n  max_age: soon\n")
	if code, _, stderr := runCLI(t, "", "verify", "--analyze", "--config", cfg, report); code != ExitError || !strings.Contains(stderr, "analyze.max_age") {
		t.Fatalf("bad max_age: exit %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "verify", "--max-age", "30d", report); code != ExitError || !strings.Contains(stderr, "--analyze") {
		t.Fatalf("--max-age alone: exit %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "scan", dir, "--analyze"); code != ExitError || !strings.Contains(stderr, "--verify") {
		t.Fatalf("--analyze without --verify: exit %d %s", code, stderr)
	}
	_ = os.Remove(report)
}

// TestSweepVerifyAnalyzeStoresTheAnalysis: sweep --verify --analyze
// analyses a live token once however many repositories hold it, keeps the
// analysis in the store, and findings show and every report format from
// the store carry it.
func TestSweepVerifyAnalyzeStoresTheAnalysis(t *testing.T) {
	gittest.RequireGit(t)
	live := "glpat" + "-" + seeded("sw-live", "ABCDEFGHabcdefgh0123456789", 20)
	seen := fakeGitLabAnalyze(t, live)
	t.Setenv("SCOUR_CONFIG", "")
	root := t.TempDir()
	for _, name := range []string{"a", "b"} {
		dir := filepath.Join(root, name)
		os.MkdirAll(dir, 0o755)
		if out, err := exec.Command("git", "-C", dir, "init", "-q", "-b", "main").CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		r := gittest.Open(t, dir, false)
		r.WriteFile("ci.yml", "GITLAB_TOKEN: \""+live+"\"\n")
		r.Commit("ci")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	sweepArgs := []string{"sweep", "-q", "--store", db, "--cache", filepath.Join(dir, "c"), "dir:" + root}
	if code, _, errOut := runCLI(t, "", append(sweepArgs, "--analyze")...); code != ExitError || !strings.Contains(errOut, "need --verify") {
		t.Fatalf("--analyze without --verify: exit %d: %s", code, errOut)
	}
	code, _, errOut := runCLI(t, "", append(sweepArgs, "--verify", "--analyze", "--max-age", "365d")...)
	if code != ExitLive {
		t.Fatalf("sweep --verify --analyze: exit %d: %s", code, errOut)
	}
	selfCalls := 0
	for _, s := range seen() {
		if !strings.HasPrefix(s, "GET ") {
			t.Errorf("non-read request %s", s)
		}
		if strings.HasSuffix(s, "/api/v4/user") {
			selfCalls++
		}
	}
	// One verification (token self) and one analysis (self, user, projects).
	if selfCalls != 1 || len(seen()) != 4 {
		t.Errorf("the token in two repositories was analysed %d times, want once: %v", selfCalls, seen())
	}

	var list []struct {
		Fingerprint  string   `json:"fingerprint"`
		Repositories []string `json:"repositories"`
	}
	_, out, _ := runCLI(t, "", "findings", "--store", db, "--format", "json")
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 || len(list[0].Repositories) != 2 {
		t.Fatalf("findings: %v %s", err, out)
	}
	code, out, errOut = runCLI(t, "", "findings", "show", list[0].Fingerprint[:12], "--store", db)
	for _, want := range []string{"scopes: api", "FLAG write-scope", "FLAG no-expiry", "FLAG older-than-max-age", "reach: projects: 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("findings show lacks %q: exit %d\n%s%s", want, code, out, errOut)
		}
	}
	for format, wants := range map[string][]string{
		"json":  {`"analysis"`, `"scopes"`, `"no-expiry"`},
		"sarif": {`"leastPrivilegeFlags"`, `"no-expiry"`},
		"html":  {"no-expiry", "write-scope"},
		"text":  {"FLAG no-expiry"},
	} {
		_, out, errOut := runCLI(t, "", "report", "--store", db, "--format", format)
		for _, want := range wants {
			if !strings.Contains(out, want) {
				t.Errorf("report --format %s lacks %s: %s", format, want, errOut)
			}
		}
		if strings.Contains(out, live) {
			t.Errorf("report --format %s shows the secret", format)
		}
	}
}
