package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/config"
)

// config init writes a starter file that a scan accepts, and will not
// overwrite it without --force.
func TestConfigInit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "", "config", "init", dir)
	if code != ExitClean || !strings.Contains(out, "wrote") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	p := filepath.Join(dir, config.FileName)
	data, err := os.ReadFile(p)
	if err != nil || string(data) != config.Starter() {
		t.Fatalf("starter not written: %v", err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	// A hand-edited config is not clobbered.
	if err := os.WriteFile(p, []byte("exclude: [mine/]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "", "config", "init", dir)
	if code != ExitError || !strings.Contains(errOut, "exists") || !strings.Contains(errOut, "--force") {
		t.Errorf("overwrite without --force: exit %d, %q", code, errOut)
	}
	if data, _ := os.ReadFile(p); string(data) != "exclude: [mine/]\n" {
		t.Errorf("file changed: %q", data)
	}
	if code, _, errOut := runCLI(t, "", "config", "init", "--force", dir); code != ExitClean {
		t.Fatalf("--force: exit %d %s", code, errOut)
	}
	// The starter file loads in a real scan and in config check.
	if code, _, errOut := runCLI(t, "", "scan", dir); code != ExitClean {
		t.Errorf("scan with the starter config: exit %d: %s", code, errOut)
	}
	if code, out, errOut := runCLI(t, "", "config", "check", dir); code != ExitClean || !strings.Contains(out, "ok") {
		t.Errorf("config check: exit %d: %s %s", code, out, errOut)
	}
	// The starter's examples, uncommented, pass every check a scan runs
	// (rule ids exist, format is known).
	ex := filepath.Join(t.TempDir(), "examples.yaml")
	if err := os.WriteFile(ex, []byte(config.StarterExamples()), 0o644); err != nil {
		t.Fatal(err)
	}
	packDir := filepath.Join(filepath.Dir(ex), ".scour", "rules")
	if err := os.MkdirAll(packDir, 0o755); err != nil {
		t.Fatal(err)
	}
	pack := "provider: internal\nrules:\n  - id: internal-token\n    description: x\n    pattern: 'itk_(?P<secret>[a-z0-9]{32})'\n    keywords: [itk_]\n    examples: []\n    negative_examples: []\n"
	if err := os.WriteFile(filepath.Join(packDir, "internal-tokens.yaml"), []byte(pack), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "config", "check", "--config", ex); code != ExitClean {
		t.Errorf("uncommented examples: exit %d: %s %s", code, out, errOut)
	}
}

// config check and scan reject what the rule set or the formats make
// wrong, naming file, line and key.
func TestConfigCheckErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, cfg, want string }{
		{"unknown disable", "disable:\n  - github-pat\n  - github-patt\n", `line 3: disable[1]: unknown rule id "github-patt"`},
		{"unknown allow rule", "allow:\n  - rules: [gitlab-patt]\n    stopwords: [x]\n", `line 2: allow[0].rules[0]: unknown rule id "gitlab-patt"`},
		{"unknown format", "format: sarif2\n", `line 1: format: unknown format "sarif2"`},
		{"unknown provider", "providers:\n  gitlab:\n    base_url: https://gitlab.example.com\n  yunxaio:\n    base_url: https://devops.example.com\n", `line 4: providers.yunxaio: unknown provider "yunxaio"`},
		{"unknown key", "exclude: []\nallowlist: []\n", `line 2: unknown key "allowlist"`},
		{"bad regex", "allow:\n  - secret_regex: '*x'\n", `line 2: allow[0].secret_regex: bad regular expression`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := tree(t, map[string]string{config.FileName: c.cfg, "a.txt": "nothing\n"})
			p := filepath.Join(dir, config.FileName)
			for _, args := range [][]string{{"config", "check", dir}, {"scan", dir}} {
				code, _, errOut := runCLI(t, "", args...)
				if code != ExitError || !strings.Contains(errOut, p) || !strings.Contains(errOut, c.want) {
					t.Errorf("%v: exit %d, stderr %q; want %s and %q", args, code, errOut, p, c.want)
				}
			}
		})
	}
}

// disable: turns rules off; allow: entries suppress what they describe;
// format: is the default a flag overrides.
func TestScanConfigDisableAllowFormat(t *testing.T) {
	t.Parallel()
	tok, other := fakeGitHubPAT("disable"), fakeGitHubPAT("keep")
	files := map[string]string{
		"a.env":         "GITHUB_TOKEN=" + tok + "\n",
		"docs/guide.md": "export GITHUB_TOKEN=" + other + "\n",
		"src/main.go":   "var t = \"" + other + "\"\n",
	}
	run := func(cfg string, args ...string) (int, string, string) {
		files[config.FileName] = cfg
		dir := tree(t, files)
		return runCLI(t, "", append([]string{"scan", dir}, args...)...)
	}
	if code, out, errOut := run("disable: [github-pat]\n"); code != ExitClean || out != "" {
		t.Errorf("disabled rule still reports: exit %d %s %s", code, out, errOut)
	}
	code, out, errOut := run("format: json\nallow:\n  - secret_regex: '^" + tok[:10] + "'\n    reason: test\n")
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep := parseReport(t, out) // format: json from the config
	if len(rep.Findings) != 1 || rep.Findings[0].Fingerprint != fingerprintOf(other) {
		t.Errorf("findings = %+v", rep.Findings)
	}
	if !strings.Contains(errOut, "1 finding not reported: 1 allowed by config") {
		t.Errorf("no note of the suppressed finding: %q", errOut)
	}
	// A path entry drops only the locations it names.
	code, out, _ = run("format: json\nallow:\n  - paths: [docs/]\n")
	rep = parseReport(t, out)
	for _, f := range rep.Findings {
		for _, l := range f.Locations {
			if strings.HasPrefix(l.Path, "docs/") {
				t.Errorf("allowlisted path reported: %+v", l)
			}
		}
	}
	if code != ExitFindings || len(rep.Findings) != 2 {
		t.Errorf("exit %d, %d findings, want 2", code, len(rep.Findings))
	}
	// A line entry sees the text of the line, in the engine.
	files["src/main.go"] = "var t = \"" + other + "\" // scour-test-fixture\n"
	code, out, _ = run("format: json\nallow:\n  - line_regex: scour-test-fixture\n")
	rep = parseReport(t, out)
	if code != ExitFindings || len(rep.Findings) != 2 {
		t.Fatalf("line allowlist: exit %d, %d findings, want 2", code, len(rep.Findings))
	}
	for _, f := range rep.Findings {
		for _, l := range f.Locations {
			if l.Path == "src/main.go" {
				t.Errorf("allowlisted line reported: %+v", l)
			}
		}
	}
	// --format on the command line wins over format: in the config.
	code, out, _ = run("format: json\n", "--format", "csv")
	if code != ExitFindings || strings.HasPrefix(strings.TrimSpace(out), "{") {
		t.Errorf("flag did not win over config: %q", out)
	}
}

// $SCOUR_CONFIG names the config when --config is not given.
func TestScanConfigFromEnv(t *testing.T) {
	tok := fakeGitHubPAT("env")
	dir := tree(t, map[string]string{"a.env": "GITHUB_TOKEN=" + tok + "\n"})
	cfg := filepath.Join(t.TempDir(), "ci.yaml")
	if err := os.WriteFile(cfg, []byte("disable: [github-pat]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(config.EnvVar, cfg)
	if code, _, errOut := runCLI(t, "", "scan", dir); code != ExitClean {
		t.Errorf("exit %d with $%s disabling the rule: %s", code, config.EnvVar, errOut)
	}
	t.Setenv(config.EnvVar, filepath.Join(dir, "missing.yaml"))
	if code, _, errOut := runCLI(t, "", "scan", dir); code != ExitError || !strings.Contains(errOut, config.EnvVar) {
		t.Errorf("missing $%s file: exit %d %q", config.EnvVar, code, errOut)
	}
}

// `scour config check FILE` checks that file: a user who names the config
// itself must not be told "no config" (exit 0) while it is broken.
func TestConfigCheckNamedFile(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"ci/scour.yaml": "exclude: [a]\nexlcude: [b]\n"})
	p := filepath.Join(dir, "ci", "scour.yaml")
	code, out, errOut := runCLI(t, "", "config", "check", p)
	if code != ExitError || !strings.Contains(errOut, p) || !strings.Contains(errOut, `line 2: unknown key "exlcude"`) {
		t.Errorf("broken file: exit %d, out %q, stderr %q", code, out, errOut)
	}
	if err := os.WriteFile(p, []byte("exclude: [a]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "config", "check", p); code != ExitClean || !strings.Contains(out, p+": ok") {
		t.Errorf("valid file: exit %d, out %q, stderr %q", code, out, errOut)
	}
}
