package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/suppress"
)

// Migration of fingerprints: a .scourignore written by an older scour
// holds the plain SHA-256 of a clone-URL password. The entry still
// suppresses the finding and the scan says how to rewrite it; `scour
// ignore --upgrade` rewrites it in the current form (the comment kept),
// after which the scan is clean and says nothing more. No output shows the
// old form.
func TestIgnoreUpgradeRewritesLegacyEntries(t *testing.T) {
	t.Parallel()
	const password = "sxLo6gQL98AleXv8"
	oldFP, newFP := scanner.LegacyFingerprint(password), scanner.Fingerprint(password)
	if oldFP == newFP {
		t.Fatal("the password should have an argon2id fingerprint")
	}
	dir := tree(t, map[string]string{
		"deploy.sh":             "git clone https://alice:" + password + "@codeup.aliyun.com/org/repo.git\n",
		suppress.IgnoreFileName: oldFP + "  # rotated in 2024\n",
	})
	code, out, errOut := runCLI(t, "", "scan", "--no-history", dir)
	if code != ExitClean || !strings.Contains(errOut, "1 entry in the old fingerprint form") || !strings.Contains(errOut, "scour ignore --upgrade") {
		t.Fatalf("exit %d, want 0 with a notice; stdout %s\nstderr %s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "", "ignore", "--upgrade", dir)
	if code != ExitClean || !strings.Contains(errOut, "rewrote 1 entry") {
		t.Fatalf("ignore --upgrade: exit %d\n%s", code, errOut)
	}
	data, err := os.ReadFile(filepath.Join(dir, suppress.IgnoreFileName))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != newFP+"  # rotated in 2024\n" {
		t.Errorf("ignore file after the upgrade:\n%s", data)
	}
	code, out, errOut = runCLI(t, "", "scan", "--no-history", "--format", "json", dir)
	if code != ExitClean || strings.Contains(errOut, "old fingerprint") {
		t.Errorf("after the upgrade: exit %d\n%s", code, errOut)
	}
	if strings.Contains(out+errOut, oldFP) {
		t.Error("the old (unsalted SHA-256) fingerprint was printed")
	}

	// A baseline with the old form: honoured, and `baseline update`
	// rewrites it (and says so, rather than "1 new, 1 no longer found").
	if err := os.Remove(filepath.Join(dir, suppress.IgnoreFileName)); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(t.TempDir(), "baseline.json")
	if err := os.WriteFile(base, []byte(`{"scour_baseline":1,"findings":[{"rule_id":"yunxiao-codeup-clone-password","fingerprint":"`+oldFP+`"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "", "scan", "--no-history", "--baseline", base, dir)
	if code != ExitClean || !strings.Contains(errOut, "scour baseline update") {
		t.Fatalf("scan --baseline: exit %d\n%s", code, errOut)
	}
	code, out, errOut = runCLI(t, "", "baseline", "update", base, dir, "--no-history")
	if code != ExitClean || !strings.Contains(out, "(0 new, 0 no longer found, 1 rewritten in the current fingerprint form)") {
		t.Fatalf("baseline update: exit %d\n%s\n%s", code, out, errOut)
	}
	data, _ = os.ReadFile(base)
	if !strings.Contains(string(data), newFP) || strings.Contains(string(data), oldFP) {
		t.Errorf("baseline after update:\n%s", data)
	}
}
