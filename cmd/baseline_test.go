package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// baseline create writes rule ids and fingerprints only, mode 0600;
// scan --baseline then reports and exits 1 for new findings only; update
// adds new ones and drops fixed ones.
func TestBaselineEndToEnd(t *testing.T) {
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
