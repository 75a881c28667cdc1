package cmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/fixture"
	"github.com/scour-dev/scour/report"
)

// A checksum-valid fake GitHub token built at test time (internal/fixture).
func fakeGitHubPAT(seed string) string { return fixture.GitHubPAT(seed) }

// corrupt flips the token's last character, breaking its checksum.
func corrupt(tok string) string {
	last := tok[len(tok)-1]
	repl := byte('a')
	if last == 'a' {
		repl = 'b'
	}
	return tok[:len(tok)-1] + string(repl)
}

// runCLI runs scour with args and stdin, returning the exit code and output.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(args, IO{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

// tree writes files (slash paths relative to a new temp dir) and returns the dir.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func parseReport(t *testing.T, data string) report.JSONReport {
	t.Helper()
	var rep report.JSONReport
	if err := json.Unmarshal([]byte(data), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, data)
	}
	return rep
}

// A tree without secrets exits 0, prints nothing on stdout and a summary
// on stderr.
func TestScanCleanTree(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{
		"main.go":   "package main\n\nfunc main() {}\n",
		"README.md": "# nothing to see\nGITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	})
	code, out, errOut := runCLI(t, "", "scan", dir)
	if code != ExitClean {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
	}
	if out != "" {
		t.Errorf("stdout not empty: %q", out)
	}
	if !strings.Contains(errOut, "scanned 2 files") || !strings.Contains(errOut, "0 findings") {
		t.Errorf("summary missing: %q", errOut)
	}
}

// Planted tokens are found with exact line and column (in characters),
// grouped by secret, exit 1, and redacted in both formats.
func TestScanFindsPlantedTokens(t *testing.T) {
	t.Parallel()
	tok := fakeGitHubPAT("planted")
	dir := tree(t, map[string]string{
		"app/config.go": "package app\n\n// héllo\nvar tok = \"" + tok + "\"\n",
		"deploy/.env":   "GITHUB_TOKEN=" + tok + "\n",
		"clean.txt":     "nothing\n",
	})
	code, out, errOut := runCLI(t, "", "scan", dir, "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, errOut)
	}
	if strings.Contains(out, tok) || strings.Contains(errOut, tok) {
		t.Error("secret printed without --show-secrets")
	}
	rep := parseReport(t, out)
	if len(rep.Findings) != 1 {
		t.Fatalf("%d findings, want 1 (one secret in two places): %s", len(rep.Findings), out)
	}
	f := rep.Findings[0]
	sum := sha256.Sum256([]byte(tok))
	if f.RuleID != "github-pat" || f.Provider != "github" || f.Fingerprint != hex.EncodeToString(sum[:]) {
		t.Errorf("finding = %+v", f)
	}
	if f.Secret != "" || !strings.HasPrefix(f.SecretRedacted, "ghp_") || !strings.HasSuffix(f.SecretRedacted, "…") {
		t.Errorf("secret %q, secret_redacted %q", f.Secret, f.SecretRedacted)
	}
	type loc struct {
		path         string
		line, column int
	}
	var got []loc
	for _, l := range f.Locations {
		got = append(got, loc{l.Path, l.Line, l.Column})
	}
	want := []loc{{"app/config.go", 4, 12}, {"deploy/.env", 1, 14}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("locations = %v, want %v", got, want)
	}
	if rep.SchemaVersion != report.SchemaVersion || rep.Stats.Items != 3 || rep.Stats.Findings != 1 {
		t.Errorf("schema %d, stats %+v", rep.SchemaVersion, rep.Stats)
	}

	// Text: grouped, redacted, both locations.
	code, out, _ = runCLI(t, "", "scan", dir)
	if code != ExitFindings {
		t.Fatalf("text: exit %d", code)
	}
	for _, s := range []string{"github-pat", "app/config.go:4:12", "deploy/.env:1:14", f.SecretRedacted} {
		if !strings.Contains(out, s) {
			t.Errorf("text output lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, tok) || strings.Contains(out, "\x1b[") {
		t.Errorf("text output has the secret or colour on a non-TTY:\n%s", out)
	}
}

// --show-secrets puts the raw secret in JSON `secret` and in text.
func TestScanShowSecrets(t *testing.T) {
	t.Parallel()
	tok := fakeGitHubPAT("shown")
	dir := tree(t, map[string]string{"a.env": "T=" + tok + "\n"})
	code, out, _ := runCLI(t, "", "scan", dir, "--format", "json", "--show-secrets")
	if code != ExitFindings {
		t.Fatalf("exit %d", code)
	}
	if rep := parseReport(t, out); rep.Findings[0].Secret != tok {
		t.Errorf("secret = %q", rep.Findings[0].Secret)
	}
	if _, out, _ = runCLI(t, "", "scan", dir, "--show-secrets"); !strings.Contains(out, tok) {
		t.Errorf("text lacks the secret:\n%s", out)
	}
}

// --report writes the report to a file with mode 0600 (replacing a more
// open file), atomically (no temp file left), and nothing to stdout.
func TestScanReportFile(t *testing.T) {
	t.Parallel()
	tok := fakeGitHubPAT("reported")
	dir := tree(t, map[string]string{"a.env": "T=" + tok + "\n"})
	outDir := t.TempDir()
	path := filepath.Join(outDir, "report.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "scan", dir, "--format", "json", "--report", path)
	if code != ExitFindings {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	if out != "" {
		t.Errorf("stdout not empty with --report: %q", out)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if rep := parseReport(t, string(data)); len(rep.Findings) != 1 {
		t.Errorf("report has %d findings", len(rep.Findings))
	}
	entries, _ := os.ReadDir(outDir)
	if len(entries) != 1 {
		t.Errorf("files left beside the report: %v", entries)
	}
	// A report path in a missing directory is an error, found before the
	// scan (which would otherwise run to the end and lose its report).
	for _, args := range [][]string{
		{"--report", filepath.Join(outDir, "no", "such", "r.txt")},
		{"--report-to", "sarif=" + filepath.Join(outDir, "no", "such", "r.sarif")},
		{"--report", outDir},
	} {
		code, out, errOut = runCLI(t, "", append([]string{"scan", dir}, args...)...)
		if code != ExitError || !strings.Contains(errOut, args[0]) || strings.Contains(errOut, "scanned") || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 before any scan", args, code, out, errOut)
		}
	}
}

// `scan -` reads stdin and names the location "-" of kind stdin.
func TestScanStdin(t *testing.T) {
	t.Parallel()
	tok := fakeGitHubPAT("stdin")
	code, out, errOut := runCLI(t, "line one\nx = '"+tok+"'\n", "scan", "-", "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	rep := parseReport(t, out)
	if len(rep.Findings) != 1 {
		t.Fatalf("%d findings", len(rep.Findings))
	}
	l := rep.Findings[0].Locations[0]
	if l.Kind != "stdin" || l.Path != "-" || l.Line != 2 || l.Column != 6 {
		t.Errorf("location = %+v", l)
	}
	if code, _, _ := runCLI(t, "nothing here\n", "scan", "-"); code != ExitClean {
		t.Errorf("clean stdin: exit %d", code)
	}
}

// Errors exit 2 with a message that says what is wrong.
func TestScanErrors(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"a.txt": "x\n"})
	missing := filepath.Join(dir, "does-not-exist")
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"missing path", []string{"scan", missing}, []string{"cannot scan " + missing, "no such file or directory"}},
		{"bad format", []string{"scan", dir, "--format", "xml"}, []string{`--format "xml"`, "text, json"}},
		{"bad size", []string{"scan", dir, "--max-file-size", "lots"}, []string{"max-file-size", "want a size"}},
		{"bad exclude", []string{"scan", dir, "--exclude", "[a-"}, []string{"exclude pattern"}},
		{"missing rule pack", []string{"scan", dir, "--rules", filepath.Join(dir, "nope.yaml")}, []string{"nope.yaml"}},
		{"missing config", []string{"scan", dir, "--config", filepath.Join(dir, "nope.yaml")}, []string{"config", "nope.yaml"}},
		{"two paths", []string{"scan", dir, dir}, []string{"accepts at most 1 arg"}},
		{"verbose and quiet", []string{"scan", dir, "-v", "-q"}, []string{"verbose", "quiet"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, "", c.args...)
			if code != ExitError {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// A malformed rule pack stops the scan with exit 2 and a message naming
// the file, the rule id and the problem.
func TestScanMalformedRulePack(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{
		"a.txt": "x\n",
		"pack.yaml": `provider: acme
rules:
  - id: acme-broken
    description: no secret group
    pattern: 'acme_[a-z0-9]{20}'
    keywords: [acme_]
`,
	})
	pack := filepath.Join(dir, "pack.yaml")
	code, _, errOut := runCLI(t, "", "scan", filepath.Join(dir, "a.txt"), "--rules", pack)
	if code != ExitError {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, w := range []string{pack, "acme-broken", "secret"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}

// acmePack is a valid user rule pack for a made-up provider.
const acmePack = `provider: acme
rules:
  - id: acme-api-key
    description: Acme API key
    pattern: '(?P<secret>acme_[a-z0-9]{20})'
    keywords: [acme_]
    remediation: Rotate it in the Acme console.
    examples:
      - 'ACME_KEY=acme_k3j9x0q2m5v8b1n4c7z6'
      - 'client = Acme(key="acme_p0o9i8u7y6t5r4e3w2q1")'
    negative_examples:
      - 'ACME_KEY=acme_xxxxxxxxxxxxxxxxxxxx'
      - 'ACME_KEY=<your acme key>'
`

// --rules adds a user pack; the config's rules: and exclude: apply, and
// an unknown config key is an error naming the file and key.
func TestScanUserRulesAndConfig(t *testing.T) {
	t.Parallel()
	key := "acme_" + "q8w7e6r5t4y3u2i1o0p9"
	dir := tree(t, map[string]string{
		"src/a.py":       "KEY = '" + key + "'\n",
		"fixtures/b.txt": "KEY=" + key + "\n",
	})
	packs := tree(t, map[string]string{"acme.yaml": acmePack})
	pack := filepath.Join(packs, "acme.yaml")

	code, out, errOut := runCLI(t, "", "scan", dir, "--rules", pack, "--format", "json")
	if code != ExitFindings {
		t.Fatalf("--rules: exit %d; stderr:\n%s", code, errOut)
	}
	if rep := parseReport(t, out); len(rep.Findings) != 1 || len(rep.Findings[0].Locations) != 2 || rep.Findings[0].Remediation == "" {
		t.Fatalf("--rules: %s", out)
	}

	// A .scour.yaml at the scan root may not name a pack outside the
	// scanned tree (it is the tree's content, docs/config.md)...
	cfg := "rules: [" + pack + "]\nexclude: [fixtures/]\n"
	if err := os.WriteFile(filepath.Join(dir, ".scour.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "", "scan", dir); code != ExitError || !strings.Contains(errOut, "outside the repository") {
		t.Fatalf("pack outside the tree: exit %d; stderr:\n%s", code, errOut)
	}
	// ...but may name one inside it, with an exclude.
	if err := os.WriteFile(filepath.Join(dir, "acme.yaml"), []byte(acmePack), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg = "rules: [acme.yaml]\nexclude: [fixtures/, acme.yaml]\n"
	if err := os.WriteFile(filepath.Join(dir, ".scour.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "", "scan", dir, "--format", "json")
	rep := parseReport(t, out)
	if code != ExitFindings || len(rep.Findings) != 1 || len(rep.Findings[0].Locations) != 1 || rep.Findings[0].Locations[0].Path != "src/a.py" {
		t.Fatalf("config: exit %d: %s", code, out)
	}
	// --exclude adds to the config's excludes.
	if code, _, errOut := runCLI(t, "", "scan", dir, "--exclude", "*.py"); code != ExitClean {
		t.Errorf("--exclude: exit %d; stderr:\n%s", code, errOut)
	}

	// An explicit --config replaces the root's file; unknown keys fail.
	bad := filepath.Join(packs, "bad.yaml")
	if err := os.WriteFile(bad, []byte("exclude: [x]\nallowlist: [y]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "", "scan", dir, "--config", bad)
	if code != ExitError || !strings.Contains(errOut, bad) || !strings.Contains(errOut, `unknown key "allowlist"`) {
		t.Errorf("bad config: exit %d, stderr %q", code, errOut)
	}
}

// Files over --max-file-size are skipped with a notice on stderr and in
// the JSON skipped list, and the rest of the scan still reports.
func TestScanMaxFileSize(t *testing.T) {
	t.Parallel()
	tok := fakeGitHubPAT("big")
	dir := tree(t, map[string]string{
		"small.env": "T=" + tok + "\n",
		"big.log":   strings.Repeat("log line\n", 200),
	})
	code, out, errOut := runCLI(t, "", "scan", dir, "--max-file-size", "1KB", "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	rep := parseReport(t, out)
	if len(rep.Findings) != 1 || len(rep.Skipped) != 1 || rep.Skipped[0].Path != "big.log" || rep.Skipped[0].Reason != "too large" {
		t.Errorf("findings %d, skipped %+v", len(rep.Findings), rep.Skipped)
	}
	for _, w := range []string{"skipped big.log: too large", "skipped 1 (1 too large)", "1 finding"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	// --quiet drops the summary and the skipped list.
	if _, _, errOut := runCLI(t, "", "scan", dir, "--max-file-size", "1KB", "-q"); errOut != "" {
		t.Errorf("--quiet stderr: %q", errOut)
	}
}

// A token whose checksum fails is not a finding; --verbose says it was dropped.
func TestScanVerboseChecksumDrop(t *testing.T) {
	t.Parallel()
	bad := corrupt(fakeGitHubPAT("typo"))
	dir := tree(t, map[string]string{"a.env": "T=" + bad + "\n"})
	code, out, errOut := runCLI(t, "", "scan", dir, "--verbose")
	if code != ExitClean || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if !strings.Contains(errOut, "scour: debug:") || !strings.Contains(errOut, "checksum") {
		t.Errorf("--verbose does not report the checksum drop:\n%s", errOut)
	}
	if strings.Contains(errOut, bad) {
		t.Errorf("--verbose printed the candidate in full:\n%s", errOut)
	}
}

// The help texts document the exit codes.
func TestHelpDocumentsExitCodes(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"scan", "--help"}} {
		code, out, _ := runCLI(t, "", args...)
		if code != ExitClean {
			t.Errorf("%v: exit %d", args, code)
		}
		for _, w := range []string{"Exit codes:", "0  nothing found", "1  findings", "2  error"} {
			if !strings.Contains(out, w) {
				t.Errorf("%v lacks %q", args, w)
			}
		}
	}
}

// A tree where everything was skipped exits 2 (not "clean"), still listing
// what was skipped and why, on stderr and in the JSON report.
func TestScanNothingScannable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "link")); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	code, out, errOut := runCLI(t, "", "scan", dir, "--format", "json")
	if code != ExitError {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, errOut)
	}
	for _, w := range []string{"skipped link: broken symlink", "nothing could be scanned", "1 broken symlink"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	if rep := parseReport(t, out); len(rep.Skipped) != 1 || rep.Skipped[0].Reason != "broken symlink" {
		t.Errorf("skipped = %+v", rep.Skipped)
	}
}

// A cancelled run (Ctrl-C) exits 2 and says so; an empty tree is clean.
func TestScanInterruptedAndEmpty(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"a.txt": "x\n"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	code := RunContext(ctx, []string{"scan", dir}, IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	if code != ExitError || !strings.Contains(errOut.String(), "interrupted") {
		t.Errorf("cancelled: exit %d, stderr %q", code, errOut.String())
	}
	if code, _, errOut := runCLI(t, "", "scan", t.TempDir()); code != ExitClean {
		t.Errorf("empty dir: exit %d, stderr %q", code, errOut)
	}
}

// A Yunxiao token is shown by its token id only: the UUID that is the
// actual secret appears in no output, while the id is kept in context.
func TestScanYunxiaoRedaction(t *testing.T) {
	t.Parallel()
	id := "pt-" + "u8jzPde0IgxLd6GncfBAepfJ"
	uuid := "90c192cf-d3ac-44af" + "-8f21-ddb66cad4a26"
	dir := tree(t, map[string]string{"env.sh": "export YUNXIAO_ACCESS_TOKEN=" + id + "_" + uuid + "\n"})
	for _, format := range []string{"text", "json"} {
		code, out, errOut := runCLI(t, "", "scan", dir, "--format", format, "-v")
		if code != ExitFindings {
			t.Fatalf("%s: exit %d; stderr:\n%s", format, code, errOut)
		}
		if !strings.Contains(out, id+"_…") {
			t.Errorf("%s: token id not shown:\n%s", format, out)
		}
		if strings.Contains(out+errOut, uuid[:8]) {
			t.Errorf("%s: output holds the token's UUID:\n%s%s", format, out, errOut)
		}
	}
}

// With the default limit a 2 GB file (sparse, so cheap) is skipped with a
// notice and the rest of the tree is still scanned.
func TestScanDefaultMaxFileSize(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"ok.txt": "fine\n"})
	f, err := os.Create(filepath.Join(dir, "disk.img"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(2 << 30); err != nil {
		t.Skip("cannot make a sparse file:", err)
	}
	f.Close()
	code, _, errOut := runCLI(t, "", "scan", dir)
	if code != ExitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	for _, w := range []string{"skipped disk.img: too large", "scanned 1 file", "skipped 1 (1 too large)"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}
