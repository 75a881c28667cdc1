package cmd

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scour-dev/scour/provider"
)

// fakeVendors serves GitLab's, Buildkite's and Yunxiao's verify and revoke
// endpoints for a set of live tokens, as docs/providers.md describes them.
type fakeVendors struct {
	mu      sync.Mutex
	live    map[string]bool
	count   int
	servers map[string]*httptest.Server
}

func newFakeVendors(t *testing.T, tokens ...string) *fakeVendors {
	fv := &fakeVendors{live: map[string]bool{}, servers: map[string]*httptest.Server{}}
	for _, tok := range tokens {
		fv.live[tok] = true
	}
	handle := func(h func(w http.ResponseWriter, r *http.Request)) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fv.mu.Lock()
			defer fv.mu.Unlock()
			fv.count++
			io.Copy(io.Discard, r.Body)
			h(w, r)
		}))
		t.Cleanup(s.Close)
		return s
	}
	fv.servers["gitlab"] = handle(func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("PRIVATE-TOKEN")
		if r.URL.Path != "/api/v4/personal_access_tokens/self" || !fv.live[tok] {
			w.WriteHeader(401)
			return
		}
		if r.Method == "DELETE" {
			fv.live[tok] = false
			w.WriteHeader(204)
			return
		}
		io.WriteString(w, `{"id":1,"name":"ci","user_id":42,"scopes":["api"]}`)
	})
	fv.servers["buildkite"] = handle(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if r.URL.Path != "/v2/access-token" || !fv.live[tok] {
			w.WriteHeader(401)
			return
		}
		if r.Method == "DELETE" {
			fv.live[tok] = false
			w.WriteHeader(204)
			return
		}
		io.WriteString(w, `{"uuid":"b1","scopes":["read_builds"]}`)
	})
	fv.servers["yunxiao"] = handle(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oapi/v1/platform/user" || !fv.live[r.Header.Get("x-yunxiao-token")] {
			w.WriteHeader(401)
			return
		}
		io.WriteString(w, `{"id":"u1","username":"dev","email":"dev@example.com"}`)
	})
	for name, s := range fv.servers {
		t.Setenv("SCOUR_"+strings.ToUpper(name)+"_BASE_URL", s.URL)
	}
	t.Setenv("SCOUR_YUNXIAO_ADMIN_TOKEN", "")
	return fv
}

func (fv *fakeVendors) requests() int {
	fv.mu.Lock()
	defer fv.mu.Unlock()
	return fv.count
}

// seeded derives count characters of alphabet from seed, so fixtures are
// assembled at test time and look random enough for entropy floors.
func seeded(seed, alphabet string, count int) string {
	var b strings.Builder
	for i := 0; b.Len() < count; i++ {
		h := sha256.Sum256([]byte(seed + string(rune('a'+i))))
		for _, c := range h {
			if b.Len() < count {
				b.WriteByte(alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return b.String()
}

// TestScanVerifyRevokeEndToEnd scans a tree, writes a report, verifies,
// revokes with --yes, checks the audit log, and revokes again.
func TestScanVerifyRevokeEndToEnd(t *testing.T) {
	gitlab := "glpat" + "-" + seeded("gl", "ABCDEFGHabcdefgh0123456789", 20)
	buildkite := "bkua" + "_" + seeded("bk", "abcdefghijklmnopqrstuvwxyz0123456789", 40)
	yxID := "pt-" + seeded("yx", "ABCDEFGHabcdefgh0123456789", 24)
	yunxiao := yxID + "_" + "0f1e2d3c-4b5a-4969-8877-665544332211"
	fv := newFakeVendors(t, gitlab, buildkite, yunxiao)

	dir := tree(t, map[string]string{
		"ci/.gitlab-ci.yml": "variables:\n  GITLAB_TOKEN: \"" + gitlab + "\"\n",
		"deploy.sh":         "export BUILDKITE_API_TOKEN=" + buildkite + "\n",
		"mcp.json":          `{"env": {"YUNXIAO_ACCESS_TOKEN": "` + yunxiao + `"}}` + "\n",
	})
	out := t.TempDir()
	rep := filepath.Join(out, "report.json")
	code, _, stderr := runCLI(t, "", "scan", dir, "--format", "json", "--show-secrets", "--report", rep, "--quiet")
	if code != ExitFindings {
		t.Fatalf("scan: exit %d: %s", code, stderr)
	}
	if fi, err := os.Stat(rep); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("report mode: %v %v", fi, err)
	}
	if fv.requests() != 0 {
		t.Fatal("scan without --verify contacted a vendor")
	}

	code, stdout, stderr := runCLI(t, "", "verify", rep)
	if code != ExitLive || strings.Count(stdout, "live ") != 3 || !strings.Contains(stdout, "owner: dev <dev@example.com>") {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, s := range []string{gitlab, buildkite, yunxiao} {
		if strings.Contains(stdout+stderr, s) {
			t.Fatal("verify printed a secret")
		}
	}

	// Not on a terminal and no --yes: refuse, send nothing.
	n := fv.requests()
	audit := filepath.Join(out, "audit.jsonl")
	code, _, stderr = runCLI(t, "", "revoke", rep, "--audit", audit)
	if code != ExitError || !strings.Contains(stderr, "--yes") || fv.requests() != n {
		t.Fatalf("revoke without --yes: exit %d, %s", code, stderr)
	}
	// Dry run: the plan, nothing sent, no audit log.
	code, stdout, _ = runCLI(t, "", "revoke", rep, "--dry-run", "--audit", audit)
	if code != ExitClean || fv.requests() != n || !strings.Contains(stdout, "Dry run: nothing was sent.") ||
		!strings.Contains(stdout, "gitlab-pat") || !strings.Contains(stdout, "admin") {
		t.Fatalf("dry run: exit %d, %d requests\n%s", code, fv.requests()-n, stdout)
	}
	if _, err := os.Stat(audit); err == nil {
		t.Fatal("dry run wrote an audit log")
	}

	code, stdout, stderr = runCLI(t, "", "revoke", rep, "--yes", "--audit", audit)
	if code != ExitClean {
		t.Fatalf("revoke: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "2 revoked, 1 manual") || !strings.Contains(stdout, "steps: ") || !strings.Contains(stdout, yxID) {
		t.Fatalf("revoke output:\n%s", stdout)
	}
	recs := readAudit(t, audit)
	if len(recs) != 3 {
		t.Fatalf("%d audit records, want 3", len(recs))
	}
	outcomes := map[string]provider.Outcome{}
	for _, r := range recs {
		outcomes[r.RuleID] = r.Outcome
		if r.Fingerprint == "" || r.Provider == "" || r.Host == "" || r.Time.IsZero() {
			t.Errorf("incomplete audit record %+v", r)
		}
	}
	if outcomes["gitlab-pat"] != provider.Revoked || outcomes["buildkite-api-token"] != provider.Revoked || outcomes["yunxiao-pat"] != provider.Manual {
		t.Fatalf("outcomes %v", outcomes)
	}

	// Again: the tokens are dead and the audit log shows scour revoked them.
	code, stdout, _ = runCLI(t, "", "revoke", rep, "--yes", "--audit", audit)
	if code != ExitClean || !strings.Contains(stdout, "2 already-revoked, 1 manual") {
		t.Fatalf("second revoke: exit %d\n%s", code, stdout)
	}
	data, _ := os.ReadFile(audit)
	for _, s := range []string{gitlab, buildkite, yunxiao, yunxiao[len(yxID)+1:]} {
		if strings.Contains(string(data), s) {
			t.Fatal("audit log contains a secret")
		}
	}
	if fi, _ := os.Stat(audit); fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit log mode %v", fi.Mode())
	}
	if len(readAudit(t, audit)) != 6 {
		t.Fatal("second run did not append")
	}
	code, stdout, _ = runCLI(t, "", "verify", rep)
	if code != ExitLive || strings.Count(stdout, "dead ") != 2 {
		t.Fatalf("verify after revoke: exit %d\n%s", code, stdout)
	}
}

func readAudit(t *testing.T, path string) []provider.AuditRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []provider.AuditRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r provider.AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func TestRevokeSelectionAndErrors(t *testing.T) {
	t.Parallel()
	code, _, stderr := runCLI(t, "", "revoke", filepath.Join(t.TempDir(), "missing.json"), "--yes")
	if code != ExitError || !strings.Contains(stderr, "report") {
		t.Fatalf("missing report: %d %s", code, stderr)
	}
	code, _, stderr = runCLI(t, "not json", "verify", "-")
	if code != ExitError || !strings.Contains(stderr, "not a scour JSON report") {
		t.Fatalf("bad stdin: %d %s", code, stderr)
	}
	// A redacted report: nothing is sent, the reason says why.
	tok := fakeGitHubPAT("redacted")
	dir := tree(t, map[string]string{"a.env": "GITHUB_TOKEN=" + tok + "\n"})
	_, stdout, _ := runCLI(t, "", "scan", dir, "--format", "json", "--quiet")
	code, out, _ := runCLI(t, stdout, "verify", "-")
	if code != ExitUnknown || !strings.Contains(out, "--show-secrets") || !strings.Contains(out, "1 secret: 1 unknown") {
		t.Fatalf("redacted report: %d\n%s", code, out)
	}
	code, _, stderr = runCLI(t, stdout, "revoke", "-", "--rule", "no-such-rule", "--yes")
	if code != ExitError || !strings.Contains(stderr, "no such rule") {
		t.Fatalf("--rule: %d %s", code, stderr)
	}
	code, _, stderr = runCLI(t, stdout, "revoke", "-", "--fingerprint", "abc", "--yes")
	if code != ExitError || !strings.Contains(stderr, "at least 8") {
		t.Fatalf("--fingerprint: %d %s", code, stderr)
	}
	code, out, _ = runCLI(t, stdout, "revoke", "-", "--fingerprint", "00000000", "--yes")
	if code != ExitClean || !strings.Contains(out, "Nothing to revoke") {
		t.Fatalf("no match: %d %s", code, out)
	}
}

// TestRevokeAsksOnATerminal: on a terminal revoke asks, and only "y" acts.
func TestRevokeAsksOnATerminal(t *testing.T) {
	gitlab := "glpat" + "-" + seeded("tty", "ABCDEFGHabcdefgh0123456789", 20)
	fv := newFakeVendors(t, gitlab)
	dir := tree(t, map[string]string{"ci.yml": "GITLAB_TOKEN: \"" + gitlab + "\"\n"})
	rep := filepath.Join(t.TempDir(), "r.json")
	if code, _, stderr := runCLI(t, "", "scan", dir, "--format", "json", "--show-secrets", "--report", rep, "--quiet"); code != ExitFindings {
		t.Fatalf("scan: %d %s", code, stderr)
	}
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	run := func(answer string) string {
		var out strings.Builder
		code, err := runRevoke(t.Context(), RevokeOptions{Report: rep, Audit: audit, Interactive: true},
			IO{In: strings.NewReader(answer), Out: &out, ErrOut: io.Discard})
		if code != ExitClean || err != nil {
			t.Fatalf("exit %d %v\n%s", code, err, out.String())
		}
		return out.String()
	}
	// One secret reads as one ("Plan (1 secret)", "Revoke this secret?").
	if out := run("n\n"); !strings.Contains(out, "Plan (1 secret):") || !strings.Contains(out, "Revoke this secret?") || !strings.Contains(out, "[y/N]") || !strings.Contains(out, "Nothing was sent.") || fv.requests() != 0 {
		t.Fatalf("answer n: %d requests\n%s", fv.requests(), out)
	}
	if out := run("y\n"); !strings.Contains(out, "1 revoked") {
		t.Fatalf("answer y:\n%s", out)
	}
}

// TestScanVerify: scan --verify records each secret's status in the
// report and exits 3 when one is live; without live secrets it exits 1.
func TestScanVerify(t *testing.T) {
	live := "glpat" + "-" + seeded("sv-live", "ABCDEFGHabcdefgh0123456789", 20)
	dead := "bkua" + "_" + seeded("sv-dead", "abcdefghijklmnopqrstuvwxyz0123456789", 40)
	newFakeVendors(t, live)
	dir := tree(t, map[string]string{"a.yml": "GITLAB_TOKEN: \"" + live + "\"\n", "b.sh": "BUILDKITE_API_TOKEN=" + dead + "\n"})
	code, stdout, stderr := runCLI(t, "", "scan", dir, "--verify", "--format", "json", "--quiet")
	if code != ExitLive {
		t.Fatalf("exit %d, want %d: %s", code, ExitLive, stderr)
	}
	rep := parseReport(t, stdout)
	states := map[string]string{}
	for _, f := range rep.Findings {
		if f.Verification == nil {
			t.Fatalf("%s: no verification", f.RuleID)
		}
		states[f.RuleID] = f.Verification.State
	}
	if states["gitlab-pat"] != "live" || states["buildkite-api-token"] != "dead" {
		t.Fatalf("states %v", states)
	}
	code, stdout, _ = runCLI(t, "", "scan", dir, "--verify", "--quiet")
	if code != ExitLive || !strings.Contains(stdout, "status") || !strings.Contains(stdout, "user_id=42") {
		t.Fatalf("text: exit %d\n%s", code, stdout)
	}
	if strings.Contains(stdout, live) {
		t.Fatal("text output shows the secret")
	}
	os.Remove(filepath.Join(dir, "a.yml"))
	if code, _, _ := runCLI(t, "", "scan", dir, "--verify", "--quiet"); code != ExitFindings {
		t.Fatalf("only dead secrets: exit %d, want %d", code, ExitFindings)
	}
}

// TestScannedTreeConfigDoesNotChooseVerifyHosts: a .scour.yaml inside the
// scanned tree is scanned content; its providers.<name>.base_url must not
// receive the secrets found there. The same file named with --config is
// the user's choice and is used. (Every server is on loopback: the user's
// own base URL stands in for the vendor's default host.)
func TestScannedTreeConfigDoesNotChooseVerifyHosts(t *testing.T) {
	t.Setenv("SCOUR_CONFIG", "")
	serve := func(n *atomic.Int64) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			io.WriteString(w, `{"id": 1, "active": true}`)
		}))
		t.Cleanup(s.Close)
		return s
	}
	var toAttacker, toUser atomic.Int64
	attacker, user := serve(&toAttacker), serve(&toUser)
	tok := "glpat" + "-" + seeded("hostile", "ABCDEFGHabcdefgh0123456789", 20)
	dir := tree(t, map[string]string{
		"ci.yml":      "GITLAB_TOKEN: \"" + tok + "\"\n",
		".scour.yaml": "providers:\n  gitlab:\n    base_url: " + attacker.URL + "\n",
	})

	t.Setenv("SCOUR_GITLAB_BASE_URL", user.URL)
	_, _, stderr := runCLI(t, "", "scan", dir, "--verify", "--format", "json")
	if n := toAttacker.Load(); n != 0 {
		t.Fatalf("the scanned tree's config received %d requests", n)
	}
	if toUser.Load() == 0 {
		t.Fatal("the user's base URL was not used")
	}
	if !strings.Contains(stderr, "ignoring providers") {
		t.Errorf("stderr does not say the tree's providers were ignored:\n%s", stderr)
	}

	t.Setenv("SCOUR_GITLAB_BASE_URL", "")
	runCLI(t, "", "scan", dir, "--verify", "--format", "json", "--config", filepath.Join(dir, ".scour.yaml"))
	if toAttacker.Load() == 0 {
		t.Fatal("with --config, the configured base URL was not used")
	}
}
