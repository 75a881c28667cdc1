package cmd

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/rules"
)

// `rules list` prints a header and one row per built-in rule with its
// provider, confidence, and verify/revoke columns.
func TestRulesList(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, "", "rules", "list")
	if code != ExitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	set, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if got := strings.Fields(lines[0]); strings.Join(got, " ") != "ID PROVIDER CONFIDENCE VERIFY REVOKE" {
		t.Errorf("header = %q", lines[0])
	}
	if len(lines)-1 != len(set.Rules()) {
		t.Errorf("%d rows, want %d", len(lines)-1, len(set.Rules()))
	}
	rows := map[string][]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		rows[f[0]] = f
	}
	for _, r := range set.Rules() {
		row := rows[r.ID]
		verify := map[bool]string{true: "yes", false: "no"}[r.CanVerify()]
		if len(row) != 5 || row[1] != r.Provider || row[2] != r.Confidence || row[3] != verify || row[4] != r.RevokeKind() {
			t.Errorf("row for %s = %q", r.ID, row)
		}
	}
	// A user pack's rules are listed too.
	pack := filepath.Join(tree(t, map[string]string{"acme.yaml": acmePack}), "acme.yaml")
	if _, out, _ := runCLI(t, "", "rules", "list", "--rules", pack); !strings.Contains(out, "acme-api-key") {
		t.Errorf("--rules pack not listed:\n%s", out)
	}
}

// `rules check` passes a good pack (0), lists every problem of a pack that
// fails its checks with file and rule id (1), and rejects packs that do not
// load (2).
func TestRulesCheck(t *testing.T) {
	t.Parallel()
	failing := strings.Replace(acmePack, "'ACME_KEY=acme_xxxxxxxxxxxxxxxxxxxx'", "'ACME_KEY=acme_z9y8x7w6v5u4t3s2r1q0'", 1)
	dir := tree(t, map[string]string{
		"good.yaml":    acmePack,
		"failing.yaml": failing,
		"broken.yaml":  "provider: acme\nrules:\n  - id: acme-x\n    patern: 'x'\n",
	})
	good, bad, broken := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "failing.yaml"), filepath.Join(dir, "broken.yaml")

	code, out, errOut := runCLI(t, "", "rules", "check", good)
	if code != ExitClean || !strings.Contains(out, "ok: 1 rules in 1 packs") {
		t.Errorf("good pack: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	code, out, errOut = runCLI(t, "", "rules", "check", bad)
	if code != ExitFindings {
		t.Errorf("failing pack: exit %d, want 1; stderr %q", code, errOut)
	}
	if !strings.Contains(out, bad) || !strings.Contains(out, `"acme-api-key"`) || !strings.Contains(out, "negative example") {
		t.Errorf("failing pack: problem not listed with file, rule and problem:\n%s", out)
	}

	code, _, errOut = runCLI(t, "", "rules", "check", broken)
	if code != ExitError || !strings.Contains(errOut, broken) || !strings.Contains(errOut, "patern") {
		t.Errorf("broken pack: exit %d, stderr %q", code, errOut)
	}

	if code, _, _ := runCLI(t, "", "rules", "check"); code != ExitError {
		t.Errorf("no files: exit %d, want 2", code)
	}
}

// `rules import` converts a team's gitleaks config: the written pack passes
// `rules check`, the written .scour.yaml part passes `config check`, and
// stderr lists what did not convert.
func TestRulesImport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pack := filepath.Join(dir, "acme.yaml")
	cfg := filepath.Join(dir, "scour-allow.yaml")
	src := filepath.Join("..", "rules", "importer", "testdata", "gitleaks.toml")
	code, out, errOut := runCLI(t, "", "rules", "import", src, "-o", pack, "--config-out", cfg, "--provider", "acme")
	if code != ExitClean {
		t.Fatalf("import: exit %d; stderr:\n%s", code, errOut)
	}
	if out != "" {
		t.Errorf("stdout with -o: %q", out)
	}
	for _, want := range []string{"4 rules converted, 3 left out", `rule "acme-lookaround": regex not usable`, "useDefault"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if code, out, errOut := runCLI(t, "", "rules", "check", pack); code != ExitClean {
		t.Errorf("rules check on the imported pack: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "", "config", "check", cfg); code != ExitClean {
		t.Errorf("config check on the imported allowlists: exit %d\n%s%s", code, out, errOut)
	}
	// Without -o the pack goes to stdout.
	code, out, _ = runCLI(t, "", "rules", "import", src)
	if code != ExitClean || !strings.Contains(out, "provider: custom") {
		t.Errorf("import to stdout: exit %d, output:\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "", "rules", "import", filepath.Join(dir, "missing.toml")); code != ExitError || errOut == "" {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
}
