package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

// -v means --verbose wherever it is put, never --version: `scour -v scan`
// used to print the version and exit 0 without scanning, a silent pass for
// CI jobs written for gitleaks.
func TestDashVIsVerboseEverywhere(t *testing.T) {
	t.Parallel()
	tok := fakeGitHubPAT("dash-v")
	dir := tree(t, map[string]string{"app.env": "GITHUB_TOKEN=" + tok + "\n"})
	for _, args := range [][]string{
		{"-v", "scan", dir},
		{"scan", "-v", dir},
		{"--verbose", "scan", dir},
	} {
		code, out, errOut := runCLI(t, "", args...)
		if code != ExitFindings || !strings.Contains(errOut, "debug:") || strings.Contains(out, "version") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want a verbose scan with findings", args, code, out, errOut)
		}
	}
	code, out, _ := runCLI(t, "", "--version")
	if code != ExitClean || !strings.HasPrefix(out, "scour version ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	// On a command without diagnostics -v is accepted and changes nothing.
	if code, out, _ := runCLI(t, "", "-v", "version", "--short"); code != ExitClean || strings.TrimSpace(out) == "" {
		t.Errorf("-v version: exit %d, %q", code, out)
	}
}

// From a subdirectory of a repository, `scour scan` scans the repository:
// its whole history and its root config, as git commands do.
func TestScanFromASubdirectoryScansTheRepository(t *testing.T) {
	r := gittest.Init(t)
	tok := fakeGitHubPAT("subdir")
	r.WriteFile(".scour.yaml", "exclude:\n  - testdata/\n")
	r.WriteFile("deploy/prod.env", "GITHUB_TOKEN="+tok+"\n")
	r.WriteFile("testdata/fake.env", "GITHUB_TOKEN="+fakeGitHubPAT("subdir-fixture")+"\n")
	r.WriteFile("src/main.go", "package main\n")
	r.Commit("add")
	r.Remove("deploy/prod.env")
	r.Commit("remove the token")
	t.Chdir(filepath.Join(r.Dir, "src"))

	code, out, errOut := runCLI(t, "", "scan", "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1 (the token in history); stderr:\n%s", code, errOut)
	}
	rep := parseReport(t, out)
	if len(rep.Findings) != 1 || rep.Findings[0].Locations[0].Path != "deploy/prod.env" {
		t.Errorf("findings %+v, want the deleted token only (testdata/ is excluded by the root config)", rep.Findings)
	}
	if !strings.Contains(errOut, "scanning the repository at") || !strings.Contains(errOut, "git history: 1 refs, 2 commits") {
		t.Errorf("stderr does not say the repository was scanned:\n%s", errOut)
	}
}

// A bad --range or --exclude fails before anything is scanned: no summary,
// no report.
func TestBadScanArgumentsFailBeforeScanning(t *testing.T) {
	t.Parallel()
	r := gittest.Init(t)
	r.WriteFile("a.txt", "hello\n")
	r.Commit("a")
	plain := tree(t, map[string]string{"a.txt": "hello\n"})
	for _, args := range [][]string{
		{"scan", r.Dir, "--range", "nope..HEAD"},
		{"scan", r.Dir, "--range", "HEAD~3..HEAD"},
		{"scan", r.Dir, "--range", "HEAD...main"},
		{"scan", r.Dir, "--exclude", "["},
		{"scan", plain, "--exclude", "src/[a"},
		{"baseline", "create", plain, "-o", filepath.Join(t.TempDir(), "b.json"), "--exclude", "["},
		{"baseline", "create", plain, "-o", filepath.Join(plain, "missing", "b.json")},
	} {
		code, out, errOut := runCLI(t, "", args...)
		if code != ExitError || out != "" || strings.Contains(errOut, "scanned") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 before any scan", args, code, out, errOut)
		}
	}
	r.WriteFile("b.txt", "x\n")
	r.Git("add", "b.txt")
	if code, _, errOut := runCLI(t, "", "staged", "-C", r.Dir, "--exclude", "["); code != ExitError || strings.Contains(errOut, "scanned") {
		t.Errorf("staged --exclude '[': exit %d, stderr %q", code, errOut)
	}
}

// The summary says how many candidates failed their checksum: people try
// scour with made-up tokens and think it broken when it reports nothing.
func TestSummaryCountsCandidatesDroppedByChecksum(t *testing.T) {
	t.Parallel()
	fake := corrupt(fakeGitHubPAT("made-up"))
	dir := tree(t, map[string]string{"a.env": "GITHUB_TOKEN=" + fake + "\n", "b.env": "TOKEN=" + fake + "\n"})
	code, _, errOut := runCLI(t, "", "scan", dir)
	if code != ExitClean || !strings.Contains(errOut, "1 candidate dropped: checksum failed") || !strings.Contains(errOut, "-v shows it") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
	_, _, errOut = runCLI(t, "", "scan", "-v", dir)
	if !strings.Contains(errOut, "1 candidate dropped: checksum failed") || !strings.Contains(errOut, "listed above") || strings.Contains(errOut, fake) {
		t.Errorf("-v: stderr:\n%s", errOut)
	}
	if _, _, errOut = runCLI(t, "", "scan", "-q", dir); errOut != "" {
		t.Errorf("-q: stderr %q", errOut)
	}
	// The JSON report counts them too.
	_, out, _ := runCLI(t, "", "scan", "-q", "--format", "json", dir)
	if d := parseReport(t, out).Stats.Dropped; d == nil || d.Checksum != 1 || d.Total() != 1 {
		t.Errorf("JSON stats.dropped = %+v, want 1 checksum", d)
	}

	// The pre-commit hook says it too.
	r := gittest.Init(t)
	r.WriteFile("a.env", "GITHUB_TOKEN="+fake+"\n")
	r.Git("add", "a.env")
	code, _, errOut = runCLI(t, "", "staged", "-C", r.Dir)
	if code != ExitClean || !strings.Contains(errOut, "1 candidate dropped: checksum failed") {
		t.Errorf("staged: exit %d, stderr:\n%s", code, errOut)
	}
}

// --no-repo-config ignores the scanned tree's .scour.yaml and .scourignore
// in scan, staged and baseline.
func TestNoRepoConfigFlag(t *testing.T) {
	t.Parallel()
	excluded, ignored := fakeGitHubPAT("norepo-excluded"), fakeGitHubPAT("norepo-ignored")
	r := gittest.Init(t)
	r.WriteFile(".scour.yaml", "exclude:\n  - vendor/\n")
	r.WriteFile("vendor/lib.js", "token = '"+excluded+"'\n")
	r.WriteFile("app.env", "GITHUB_TOKEN="+ignored+"\n")
	r.WriteFile(".scourignore", fingerprintOf(ignored)+"  # accepted\n")
	r.Git("add", ".")

	count := func(args ...string) int {
		t.Helper()
		code, out, errOut := runCLI(t, "", append(args, "--format", "json")...)
		if code == ExitError {
			t.Fatalf("%v: exit 2: %s", args, errOut)
		}
		return len(parseReport(t, out).Findings)
	}
	for _, cmd := range [][]string{{"scan", r.Dir}, {"staged", "-C", r.Dir}} {
		if n := count(cmd...); n != 0 {
			t.Errorf("%v: %d findings, want 0 (excluded and ignored by the repository)", cmd, n)
		}
		if n := count(append(cmd, "--no-repo-config")...); n != 2 {
			t.Errorf("%v --no-repo-config: %d findings, want 2", cmd, n)
		}
	}
	out := filepath.Join(t.TempDir(), "b.json")
	if code, stdout, errOut := runCLI(t, "", "baseline", "create", r.Dir, "-o", out, "--no-repo-config"); code != ExitClean || !strings.Contains(stdout, "2 findings") {
		t.Errorf("baseline --no-repo-config: exit %d, %q %q", code, stdout, errOut)
	}
}

// Every report is the same run to run: one secret in many files and
// commits, each pairing it with another user name (a context group), in
// every format. Which file a worker finished first must not show.
func TestReportsAreReproducible(t *testing.T) {
	t.Parallel()
	tok := "dckr" + "_pat_" + "Qm7vK2xZp9LwR4tYb8NcJ3hGf5D"
	r := gittest.Init(t)
	for c := range 3 {
		for i := range 80 {
			r.WriteFile(fmt.Sprintf("svc%02d/.env", i), fmt.Sprintf("DOCKER_USERNAME=user%d%02d\nDOCKER_TOKEN=%s\n", c, 99-i, tok))
		}
		r.Commit(fmt.Sprintf("commit %d", c))
	}
	r.Repack("-a", "-d")
	// Files on disk are read by parallel walkers, git history by parallel
	// pack readers: both orders vary run to run.
	for _, mode := range []string{"--no-history", "--all-objects"} {
		checkReproducible(t, r.Dir, mode)
	}
}

func checkReproducible(t *testing.T, dir, mode string) {
	t.Helper()
	elapsed := regexp.MustCompile(`"elapsed_ms": \d+`)
	var first map[string]string
	for run := range 4 {
		out := t.TempDir()
		args := []string{"scan", dir, mode, "-q", "--format", "json", "--report", filepath.Join(out, "r.json")}
		for _, f := range []string{"sarif", "csv", "text", "jsonl", "github"} {
			args = append(args, "--report-to", f+"="+filepath.Join(out, "r."+f))
		}
		if code, _, errOut := runCLI(t, "", args...); code != ExitFindings {
			t.Fatalf("%s run %d: exit %d: %s", mode, run, code, errOut)
		}
		got := map[string]string{}
		for _, f := range []string{"json", "sarif", "csv", "text", "jsonl", "github"} {
			data, err := os.ReadFile(filepath.Join(out, "r."+f))
			if err != nil {
				t.Fatal(err)
			}
			got[f] = elapsed.ReplaceAllString(string(data), `"elapsed_ms": 0`)
		}
		if !strings.Contains(got["json"], `"user": "user`) {
			t.Fatalf("%s run %d: no context: %s", mode, run, got["json"])
		}
		if first == nil {
			first = got
			continue
		}
		for f := range got {
			if got[f] != first[f] {
				t.Errorf("%s run %d: %s report differs from run 0", mode, run, f)
			}
		}
	}
}
