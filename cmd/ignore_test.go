package cmd

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/suppress"
)

func fingerprintOf(secret string) string {
	s := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(s[:])
}

// scour ignore appends with the reason, creates the file, skips
// duplicates and rejects what is not a fingerprint; scans then do not
// report the secret, but a new secret on the same line is reported.
func TestIgnoreEndToEnd(t *testing.T) {
	t.Parallel()
	tok, fresh := fakeGitHubPAT("ignored"), fakeGitHubPAT("fresh")
	dir := tree(t, map[string]string{"ci.env": "GITHUB_TOKEN=" + tok + "\n"})
	file := filepath.Join(dir, suppress.IgnoreFileName)
	fp := fingerprintOf(tok)

	if code, _, errOut := runCLI(t, "", "ignore", fp, "--file", file); code != ExitError || !strings.Contains(errOut, "--reason is required") {
		t.Errorf("no reason: exit %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "ignore", "ghp_notafingerprint", "--reason", "x", "--file", file); code != ExitError || !strings.Contains(errOut, "not a fingerprint") {
		t.Errorf("bad fingerprint: exit %d %q", code, errOut)
	}
	if _, err := os.Stat(file); err == nil {
		t.Fatal("file created by a failed command")
	}
	code, out, errOut := runCLI(t, "", "ignore", strings.ToUpper(fp), "--reason", "revoked 2024-05-02", "--file", file)
	if code != ExitClean || !strings.Contains(out, "added 1 fingerprint") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "", "ignore", fp, "--reason", "again", "--file", file); code != ExitClean || !strings.Contains(out, "already ignored") {
		t.Errorf("duplicate: exit %d %q", code, out)
	}
	data, _ := os.ReadFile(file)
	if strings.Count(string(data), fp) != 1 || !strings.Contains(string(data), fp+"  # revoked 2024-05-02\n") {
		t.Errorf("ignore file:\n%s", data)
	}

	code, _, errOut = runCLI(t, "", "scan", dir)
	if code != ExitClean || !strings.Contains(errOut, "1 ignored by fingerprint") {
		t.Errorf("ignored secret reported: exit %d %q", code, errOut)
	}
	// The secret moves to another file and line: still ignored.
	if err := os.Remove(filepath.Join(dir, "ci.env")); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(dir, "deploy", "app.yaml"), "# moved\nenv:\n  token: "+tok+"\n")
	if code, _, errOut := runCLI(t, "", "scan", dir); code != ExitClean {
		t.Errorf("moved secret reported: exit %d %q", code, errOut)
	}
	// A new secret on the very same line is reported.
	writeTestFile(t, filepath.Join(dir, "deploy", "app.yaml"), "# moved\nenv:\n  token: "+fresh+"\n")
	code, out, _ = runCLI(t, "", "scan", dir, "--format", "json")
	rep := parseReport(t, out)
	if code != ExitFindings || len(rep.Findings) != 1 || rep.Findings[0].Fingerprint != fingerprintOf(fresh) {
		t.Errorf("new secret on an ignored line: exit %d %+v", code, rep.Findings)
	}
	// A broken ignore file fails the scan with file and line.
	writeTestFile(t, file, fp+"\noops\n")
	if code, _, errOut := runCLI(t, "", "scan", dir); code != ExitError || !strings.Contains(errOut, file+":2:") {
		t.Errorf("bad ignore file: exit %d %q", code, errOut)
	}
}

// Fingerprints piped from a JSON report (or plain lines) are all added.
func TestIgnoreFromStdin(t *testing.T) {
	t.Parallel()
	a, b := fakeGitHubPAT("a"), fakeGitHubPAT("b")
	dir := tree(t, map[string]string{"x.env": "A=" + a + "\nB=" + b + "\n"})
	_, report, _ := runCLI(t, "", "scan", dir, "--format", "json")
	file := filepath.Join(t.TempDir(), suppress.IgnoreFileName)
	code, out, errOut := runCLI(t, report, "ignore", "-", "--reason", "fixtures", "--file", file)
	if code != ExitClean || !strings.Contains(out, "added 2 fingerprints") {
		t.Fatalf("from a report: exit %d %s %s", code, out, errOut)
	}
	_, jsonl, _ := runCLI(t, "", "scan", dir, "--format", "jsonl")
	if code, out, _ := runCLI(t, jsonl, "ignore", "-", "--reason", "fixtures", "--file", file); code != ExitClean || !strings.Contains(out, "already ignored") {
		t.Errorf("from JSONL: exit %d %q", code, out)
	}
	c := fingerprintOf("c")
	plain := "# from a script\n" + c + "  # third\n"
	if code, out, errOut := runCLI(t, plain, "ignore", "-", "--reason", "batch", "--file", file); code != ExitClean || !strings.Contains(out, "added 1") {
		t.Fatalf("plain lines: exit %d %s %s", code, out, errOut)
	}
	data, _ := os.ReadFile(file)
	if !strings.Contains(string(data), c+"  # batch: third\n") || strings.Contains(string(data), a) || strings.Contains(string(data), b) {
		t.Errorf("ignore file:\n%s", data)
	}
	if code, _, _ := runCLI(t, "", "scan", dir, "--config", writeTempConfig(t, filepath.Dir(file))); code != ExitFindings {
		t.Errorf("a --config elsewhere must not move the scan root's ignore file: exit %d", code)
	}
}

// Without --file, the ignore file is at the top of the git work tree.
func TestIgnoreDefaultsToWorkTreeTop(t *testing.T) {
	t.Parallel()
	top := t.TempDir()
	if err := os.Mkdir(filepath.Join(top, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(top, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := IgnoreOptions{Fingerprints: []string{fingerprintOf("x")}, Reason: "r", Dir: sub}
	if err := runIgnore(t.Context(), opts, IO{Out: new(strings.Builder), ErrOut: new(strings.Builder)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(top, suppress.IgnoreFileName)); err != nil {
		t.Errorf("not at the work tree top: %v", err)
	}
}

func writeTestFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeTempConfig writes an empty config in dir and returns its path.
func writeTempConfig(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "scour.yaml")
	writeTestFile(t, p, "exclude: []\n")
	return p
}

// The pre-commit check honours .scourignore: an ignored secret does not
// block a commit, a new one does.
func TestStagedHonoursIgnoreFile(t *testing.T) {
	t.Parallel()
	ok, fresh := fakeGitHubPAT("staged-ignored"), fakeGitHubPAT("staged-fresh")
	r := gittest.Init(t)
	r.WriteFile("README", "hello\n")
	r.Commit("first")
	if code, _, errOut := runCLI(t, "", "ignore", fingerprintOf(ok), "--reason", "test account, revoked", "--file", filepath.Join(r.Dir, suppress.IgnoreFileName)); code != ExitClean {
		t.Fatal(errOut)
	}
	r.WriteFile("ci.env", "TOKEN="+ok+"\n")
	r.Git("add", ".")
	if code, _, errOut := runCLI(t, "", "staged", "-C", r.Dir); code != ExitClean || !strings.Contains(errOut, "1 ignored by fingerprint") {
		t.Errorf("ignored secret blocks the commit: exit %d %q", code, errOut)
	}
	r.WriteFile("ci.env", "TOKEN="+fresh+"\n")
	r.Git("add", ".")
	if code, _, errOut := runCLI(t, "", "staged", "-C", r.Dir); code != ExitFindings {
		t.Errorf("new secret on the ignored line: exit %d %q", code, errOut)
	}
}

// The fingerprint the default text output shows (what the pre-commit hook
// prints) is one `scour ignore` accepts: the README tells users to copy it.
func TestIgnoreFingerprintFromTextOutput(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"x.env": "A=" + fakeGitHubPAT("text") + "\n"})
	code, out, _ := runCLI(t, "", "scan", dir)
	_, after, ok := strings.Cut(out, "fingerprint ")
	if code != ExitFindings || !ok {
		t.Fatalf("exit %d, no fingerprint in:\n%s", code, out)
	}
	fp := strings.Fields(after)[0]
	file := filepath.Join(dir, suppress.IgnoreFileName)
	if code, _, errOut := runCLI(t, "", "ignore", fp, "--reason", "test credential", "--file", file); code != ExitClean {
		t.Fatalf("ignore %s (as the text output shows it): exit %d: %s", fp, code, errOut)
	}
	if code, out, _ := runCLI(t, "", "scan", dir); code != ExitClean {
		t.Errorf("still reported after ignoring it: exit %d\n%s", code, out)
	}
}

// `scour ignore` writes .scourignore at the top of the work tree; a scan of
// a directory inside that work tree (`scour scan src`, or `scour scan` run
// from src) must honour it, or the README's ignore step silently fails
// there. A .scourignore in the scanned directory itself still wins.
func TestScanOfSubdirectoryReadsWorkTreeIgnore(t *testing.T) {
	t.Parallel()
	tok := fakeGitHubPAT("subdir")
	top := tree(t, map[string]string{"src/a.env": "T=" + tok + "\n"})
	if err := os.Mkdir(filepath.Join(top, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(top, "src")
	if code, _, _ := runCLI(t, "", "scan", src); code != ExitFindings {
		t.Fatalf("before ignoring: exit %d", code)
	}
	opts := IgnoreOptions{Fingerprints: []string{fingerprintOf(tok)}, Reason: "test credential", Dir: src}
	if err := runIgnore(t.Context(), opts, IO{Out: new(strings.Builder), ErrOut: new(strings.Builder)}); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCLI(t, "", "scan", src); code != ExitClean {
		t.Errorf("scan of a subdirectory ignores the work tree's %s: exit %d\n%s", suppress.IgnoreFileName, code, out)
	}
	// A (here empty) ignore file in the scanned directory is the one used.
	writeTestFile(t, filepath.Join(src, suppress.IgnoreFileName), "# nothing ignored here\n")
	if code, _, _ := runCLI(t, "", "scan", src); code != ExitFindings {
		t.Errorf("the scanned directory's own %s should win: exit %d", suppress.IgnoreFileName, code)
	}
}
