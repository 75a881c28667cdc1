package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

// baseline create writes rule ids and fingerprints only, mode 0600;
// scan --baseline then reports and exits 1 for new findings only; update
// adds new ones and drops fixed ones.
func TestBaselineEndToEnd(t *testing.T) {
	t.Parallel()
	old, fresh := fakeGitHubPAT("old"), fakeGitHubPAT("fresh")
	dir := tree(t, map[string]string{"app/settings.py": "GITHUB_TOKEN = \"" + old + "\"\n"})
	base := filepath.Join(t.TempDir(), "baseline.json")

	code, out, errOut := runCLI(t, "", "baseline", "create", dir, "-o", base)
	if code != ExitClean || !strings.Contains(out, "wrote "+base+": 1 finding") {
		t.Fatalf("create: exit %d %s %s", code, out, errOut)
	}
	st, err := os.Stat(base)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("baseline mode: %v %v", st, err)
	}
	data, _ := os.ReadFile(base)
	if strings.Contains(string(data), old) || strings.Contains(string(data), "settings.py") || !strings.Contains(string(data), fingerprintOf(old)) {
		t.Errorf("baseline content:\n%s", data)
	}

	code, out, errOut = runCLI(t, "", "scan", dir, "--baseline", base)
	if code != ExitClean || out != "" || !strings.Contains(errOut, "1 in the baseline") {
		t.Errorf("baselined finding reported: exit %d %q %q", code, out, errOut)
	}
	// The old secret moves; a new one lands on its former line.
	writeTestFile(t, filepath.Join(dir, "app/settings.py"), "GITHUB_TOKEN = \""+fresh+"\"\n")
	writeTestFile(t, filepath.Join(dir, "legacy/old.py"), "\n\nTOKEN = \""+old+"\"\n")
	code, out, _ = runCLI(t, "", "scan", dir, "--baseline", base, "--format", "json")
	rep := parseReport(t, out)
	if code != ExitFindings || len(rep.Findings) != 1 || rep.Findings[0].Fingerprint != fingerprintOf(fresh) {
		t.Errorf("want only the new secret: exit %d %+v", code, rep.Findings)
	}

	// A full JSON report works as a baseline too.
	reportFile := filepath.Join(t.TempDir(), "report.json")
	if code, _, errOut := runCLI(t, "", "scan", dir, "--format", "json", "--report", reportFile); code != ExitFindings {
		t.Fatalf("report: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "scan", dir, "--baseline", reportFile); code != ExitClean {
		t.Errorf("report as baseline: exit %d %s", code, errOut)
	}

	// update: the old secret is fixed, the fresh one stays.
	if err := os.Remove(filepath.Join(dir, "legacy/old.py")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "", "baseline", "update", base, dir)
	if code != ExitClean || !strings.Contains(out, "updated "+base+": 1 finding (1 new, 1 no longer found)") {
		t.Errorf("update: exit %d %s %s", code, out, errOut)
	}
	data, _ = os.ReadFile(base)
	if strings.Contains(string(data), fingerprintOf(old)) || !strings.Contains(string(data), fingerprintOf(fresh)) {
		t.Errorf("updated baseline:\n%s", data)
	}

	// --from converts a report without scanning.
	fromBase := filepath.Join(t.TempDir(), "from.json")
	if code, out, errOut := runCLI(t, "", "baseline", "create", "--from", reportFile, "-o", fromBase); code != ExitClean || !strings.Contains(out, "2 findings") {
		t.Errorf("--from: exit %d %s %s", code, out, errOut)
	}
}

// Bad baselines and failed scans are errors, and write nothing.
func TestBaselineErrors(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"a.txt": "nothing\n"})
	tmp := t.TempDir()
	missing := filepath.Join(tmp, "missing.json")
	if code, _, errOut := runCLI(t, "", "scan", dir, "--baseline", missing); code != ExitError || !strings.Contains(errOut, "missing.json") {
		t.Errorf("missing baseline: exit %d %q", code, errOut)
	}
	bad := filepath.Join(tmp, "bad.json")
	writeTestFile(t, bad, `{"scour_baseline": 1, "findings": [{"rule_id": "github-pat", "fingerprint": "nope"}]}`)
	if code, _, errOut := runCLI(t, "", "scan", dir, "--baseline", bad); code != ExitError || !strings.Contains(errOut, bad) || !strings.Contains(errOut, "findings[0]") {
		t.Errorf("bad baseline: exit %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "baseline", "update", missing, dir); code != ExitError || !strings.Contains(errOut, "baseline create") {
		t.Errorf("update of a missing file: exit %d %q", code, errOut)
	}
	out := filepath.Join(tmp, "out.json")
	if code, _, _ := runCLI(t, "", "baseline", "create", filepath.Join(tmp, "no-such-dir"), "-o", out); code != ExitError {
		t.Errorf("failed scan: exit %d", code)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed scan wrote a baseline")
	}
	if code, _, errOut := runCLI(t, "", "baseline", "create", dir); code != ExitError || !strings.Contains(errOut, "output") {
		t.Errorf("no -o: exit %d %q", code, errOut)
	}
}

// End to end on a real repository: a baseline and an ignore entry made
// before a line move, a rebase and a squash merge still hold afterwards,
// in history scans and --no-history scans, and a new secret written on the
// accepted secret's line is reported.
func TestSuppressionsHoldAcrossHistoryRewrites(t *testing.T) {
	t.Parallel()
	old, fresh := fakeGitHubPAT("cli-old"), fakeGitHubPAT("cli-fresh")
	g := gittest.Init(t)
	g.WriteFile("README.md", "# service\n")
	g.Commit("initial")
	g.CheckoutNew("feature")
	g.WriteFile("app/settings.py", "DEBUG = False\nGITHUB_TOKEN = \""+old+"\"\n")
	g.Commit("feature: settings")

	base := filepath.Join(t.TempDir(), "baseline.json")
	if code, out, errOut := runCLI(t, "", "baseline", "create", g.Dir, "-o", base); code != ExitClean || !strings.Contains(out, "1 finding") {
		t.Fatalf("baseline create: exit %d %s %s", code, out, errOut)
	}
	ignoreFile := filepath.Join(g.Dir, ".scourignore")
	if code, _, errOut := runCLI(t, "", "ignore", fingerprintOf(old), "--reason", "revoked", "--file", ignoreFile); code != ExitClean {
		t.Fatal(errOut)
	}
	ignoreText, _ := os.ReadFile(ignoreFile)
	if err := os.Remove(ignoreFile); err != nil { // first the baseline alone
		t.Fatal(err)
	}

	// Rewrite: main moves on, the feature is rebased onto it, the secret
	// moves to another file and line, and the branch is squash-merged and
	// deleted, its commits pruned.
	g.Checkout("main")
	g.WriteFile("CHANGELOG.md", "- started\n")
	g.Commit("main moves on")
	g.Checkout("feature")
	g.Git("rebase", "-q", "main")
	g.Remove("app/settings.py")
	g.WriteFile("config/prod.py", "# production\n\n\n\nTOKEN = \""+old+"\"\n")
	g.Commit("feature: move settings")
	g.Checkout("main")
	g.Git("merge", "-q", "--squash", "feature")
	g.CommitStaged("feature (squashed)")
	g.Git("branch", "-q", "-D", "feature")
	g.ExpireReflogs()
	g.Git("gc", "-q", "--prune=now")

	// check scans and wants exactly the secret want ("" for none).
	check := func(name, want string, args ...string) {
		t.Helper()
		code, out, errOut := runCLI(t, "", append([]string{"scan", "--format", "json", g.Dir}, args...)...)
		rep := parseReport(t, out)
		switch {
		case want == "" && (code != ExitClean || len(rep.Findings) != 0):
			t.Errorf("%s: exit %d, findings %+v, want none\n%s", name, code, rep.Findings, errOut)
		case want != "" && (code != ExitFindings || len(rep.Findings) != 1 || rep.Findings[0].Fingerprint != fingerprintOf(want)):
			t.Errorf("%s: exit %d, findings %+v, want exactly one\n%s", name, code, rep.Findings, errOut)
		}
	}
	check("no suppression", old)
	check("baseline, history", "", "--baseline", base)
	check("baseline, files only", "", "--baseline", base, "--no-history")
	writeTestFile(t, ignoreFile, string(ignoreText))
	check("ignore file, history", "")
	check("ignore file, files only", "", "--no-history")

	// The token is rotated in place: the new one is on the old one's line.
	g.WriteFile("config/prod.py", "# production\n\n\n\nTOKEN = \""+fresh+"\"\n")
	g.Commit("rotate")
	check("new secret on the line, ignore file", fresh)
	check("new secret on the line, ignore file, files only", fresh, "--no-history")
	if err := os.Remove(ignoreFile); err != nil {
		t.Fatal(err)
	}
	check("new secret on the line, baseline", fresh, "--baseline", base)
	check("new secret on the line, baseline, files only", fresh, "--baseline", base, "--no-history")
}
