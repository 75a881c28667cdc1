package cmd

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
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
