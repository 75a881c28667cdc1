package cmd

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/report"
)

// sweepOrg makes n repositories under a new directory; every third holds
// one shared token, each its own.
func sweepOrg(t *testing.T, n int) (string, []*gittest.Repo) {
	t.Helper()
	gittest.RequireGit(t)
	root := t.TempDir()
	var repos []*gittest.Repo
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("g/repo-%02d", i))
		os.MkdirAll(dir, 0o755)
		if out, err := exec.Command("git", "-C", dir, "init", "-q", "-b", "main").CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		r := gittest.Open(t, dir, false)
		r.WriteFile("README.md", "hello\n")
		r.WriteFile("deploy/env.sh", "export GITHUB_TOKEN="+fakeGitHubPAT(fmt.Sprint("own", i))+"\n")
		if i%3 == 0 {
			r.WriteFile("ci/token.txt", "token: "+fakeGitHubPAT("shared")+"\n")
		}
		r.Commit("initial")
		repos = append(repos, r)
	}
	return root, repos
}

func findingsJSONOf(t *testing.T, db string) []struct {
	Fingerprint  string   `json:"fingerprint"`
	Repositories []string `json:"repositories"`
	Places       int      `json:"places"`
} {
	t.Helper()
	code, out, errOut := runCLI(t, "", "findings", "--store", db, "--format", "json")
	if code != 0 {
		t.Fatalf("findings: exit %d: %s", code, errOut)
	}
	var list []struct {
		Fingerprint  string   `json:"fingerprint"`
		Repositories []string `json:"repositories"`
		Places       int      `json:"places"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	return list
}

func TestSweepCommand(t *testing.T) {
	t.Parallel()
	for _, mirror := range []bool{false, true} {
		t.Run(fmt.Sprintf("mirror-local=%v", mirror), func(t *testing.T) { testSweepCommand(t, mirror) })
	}
}

func testSweepCommand(t *testing.T, mirror bool) {
	root, repos := sweepOrg(t, 6)
	dir := t.TempDir()
	db, cache := filepath.Join(dir, "s.db"), filepath.Join(dir, "cache")
	sweepArgs := []string{"sweep", "--store", db, "--cache", cache, "dir:" + root}
	if mirror {
		sweepArgs = append(sweepArgs, "--mirror-local")
	}

	code, _, errOut := runCLI(t, "", sweepArgs...)
	if code != ExitFindings {
		t.Fatalf("first sweep: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "6 scanned, 0 unchanged, 0 failed") {
		t.Errorf("summary: %s", errOut)
	}
	list := findingsJSONOf(t, db)
	if len(list) != 7 {
		t.Fatalf("%d findings, want 7 (6 own tokens and 1 shared)", len(list))
	}
	shared := 0
	for _, f := range list {
		if len(f.Repositories) == 2 && f.Places == 2 {
			shared++
		}
	}
	if shared != 1 {
		t.Errorf("%d findings in two repositories, want the shared token's", shared)
	}

	if !strings.Contains(errOut, "; 14 blobs read;") { // per repository: README and own token, and the shared token in 2
		t.Errorf("first sweep's blob count: %q", errOut)
	}

	// Unchanged: nothing scanned, not a blob read, exit 0.
	code, _, errOut = runCLI(t, "", sweepArgs...)
	if code != ExitClean || !strings.Contains(errOut, "0 scanned, 6 unchanged, 0 failed; 0 blobs read") {
		t.Errorf("re-sweep: exit %d: %s", code, errOut)
	}

	// One push: one repository scanned, one blob read, the new token
	// recorded at its commit.
	repos[2].WriteFile("app.env", "TOKEN="+fakeGitHubPAT("pushed")+"\n")
	pushed := repos[2].Commit("leak")
	code, _, errOut = runCLI(t, "", sweepArgs...)
	if code != ExitFindings || !strings.Contains(errOut, "1 scanned, 5 unchanged, 0 failed; 1 blobs read") {
		t.Errorf("after a push: exit %d: %s", code, errOut)
	}
	if n := len(findingsJSONOf(t, db)); n != 8 {
		t.Errorf("%d findings after the push, want 8", n)
	}
	if _, out, _ := runCLI(t, "", "report", "--store", db, "--format", "json"); !strings.Contains(out, pushed) {
		t.Errorf("the pushed token is not attributed to commit %s:\n%s", pushed, out)
	}

	// A force-push rewriting that commit: only the new blob is read.
	repos[2].ResetHard("HEAD~1")
	repos[2].WriteFile("app.env", "TOKEN="+fakeGitHubPAT("rewritten")+"\n")
	repos[2].Commit("rewrite")
	code, _, errOut = runCLI(t, "", sweepArgs...)
	if code != ExitFindings || !strings.Contains(errOut, "1 scanned, 5 unchanged, 0 failed; 1 blobs read") {
		t.Errorf("after a force-push: exit %d: %s", code, errOut)
	}

	// Repacked and garbage-collected: object ids do not change.
	for _, r := range repos {
		r.Git("repack", "-adf")
		r.Git("gc", "-q")
	}
	code, _, errOut = runCLI(t, "", sweepArgs...)
	if code != ExitClean || !strings.Contains(errOut, "0 blobs read") {
		t.Errorf("after repacks: exit %d: %s", code, errOut)
	}

	// --all-objects: refs are no proof that nothing is new, so every
	// repository is scanned, incrementally: the commit the force-push left
	// behind was scanned while reachable; a blob written by hand (in place
	// only: a mirror does not fetch unreachable objects) is read alone.
	if _, err := repos[4].RunInput([]byte("TOKEN="+fakeGitHubPAT("dangling")+"\n"), "hash-object", "-w", "--stdin"); err != nil {
		t.Fatal(err)
	}
	wantRead := map[bool]string{false: "; 1 blobs read", true: "; 0 blobs read"}[mirror]
	code, _, errOut = runCLI(t, "", append(sweepArgs, "--all-objects")...)
	if !strings.Contains(errOut, "6 scanned, 0 unchanged, 0 failed"+wantRead) {
		t.Errorf("--all-objects: exit %d: %s", code, errOut)
	}
	if code, _, errOut = runCLI(t, "", append(sweepArgs, "--all-objects")...); !strings.Contains(errOut, "; 0 blobs read") {
		t.Errorf("--all-objects again: exit %d: %s", code, errOut)
	}
	if entries, _ := os.ReadDir(cache); (len(entries) == 6) != mirror {
		t.Errorf("mirror-local=%v: %d mirrors in the cache", mirror, len(entries))
	}

	// --list-only lists, sweeps nothing.
	code, out, _ := runCLI(t, "", "sweep", "--list-only", "--shard", "0/1", "dir:"+root)
	if code != 0 || strings.Count(out, "\n") != 6 {
		t.Errorf("list-only: exit %d:\n%s", code, out)
	}
	for _, bad := range [][]string{
		{"sweep", "svn:x"},
		{"sweep", "--shard", "3/3", "dir:" + root},
		{"sweep", "--include-repo", "[", "dir:" + root},
		{"sweep", "--store", db, "codeup:someorg"}, // needs a token
	} {
		if code, _, _ := runCLI(t, "", bad...); code != ExitError {
			t.Errorf("%q: exit %d", bad, code)
		}
	}
}

// TestShardedSweepEqualsOneProcess runs three shard sweeps as separate
// processes, merges their stores and compares the report with one
// process's.
func TestShardedSweepEqualsOneProcess(t *testing.T) {
	t.Parallel()
	root, _ := sweepOrg(t, 9)
	dir := t.TempDir()
	one := filepath.Join(dir, "one.db")
	runCLI(t, "", "sweep", "-q", "--store", one, "--cache", filepath.Join(dir, "c-one"), "dir:"+root)
	// Three shard processes at once, as a Kubernetes Indexed Job or a CI
	// matrix would run them.
	var shards []string
	var procs []*exec.Cmd
	for k := range 3 {
		db := filepath.Join(dir, fmt.Sprintf("shard-%d.db", k))
		args := []string{"sweep", "-q", "--shard", fmt.Sprintf("%d/3", k), "--store", db, "--cache", filepath.Join(dir, fmt.Sprint("c", k)), "dir:" + root}
		cmd := exec.Command(os.Args[0], "-test.run=^TestSweepCLIChild$")
		cmd.Env = append(os.Environ(), "SCOUR_SWEEP_CLI_CHILD="+strings.Join(args, "\x1f"))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd)
		shards = append(shards, db)
	}
	for k, p := range procs {
		if err := p.Wait(); err != nil {
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == ExitError {
				t.Fatalf("shard %d: %v", k, err)
			}
		}
	}
	merged := filepath.Join(dir, "merged.db")
	if code, _, errOut := runCLI(t, "", append([]string{"store", "merge", merged}, shards...)...); code != 0 {
		t.Fatalf("merge: %s", errOut)
	}
	reportOf := func(db string) string {
		code, out, errOut := runCLI(t, "", "report", "--store", db, "--format", "json")
		if code != 0 {
			t.Fatalf("report: %s", errOut)
		}
		var r report.JSONReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Findings) == 0 {
			t.Fatal("empty report")
		}
		return out
	}
	if a, b := reportOf(one), reportOf(merged); a != b {
		t.Errorf("merged shards' report differs from one process's:\n%s\nvs\n%s", b, a)
	}
}

// TestSweepVerifiesEachSecretOnce sweeps with --verify against a fake
// GitHub API: the shared token (in two repositories) is verified once, and
// a second sweep after a push verifies only the new token.
func TestSweepVerifiesEachSecretOnce(t *testing.T) {
	root, repos := sweepOrg(t, 6)
	var mu sync.Mutex
	hits := map[string]int{}
	shared := fakeGitHubPAT("shared")
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "token ")
		mu.Lock()
		hits[tok]++
		mu.Unlock()
		if r.URL.Path == "/user" && tok == shared {
			io.WriteString(w, `{"login":"ann"}`)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"message":"Bad credentials"}`)
	}))
	defer api.Close()
	t.Setenv("SCOUR_GITHUB_BASE_URL", api.URL)
	t.Setenv("SCOUR_CONFIG", "")

	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	args := []string{"sweep", "-q", "--verify", "--store", db, "--cache", filepath.Join(dir, "c"), "dir:" + root}
	code, _, errOut := runCLI(t, "", args...)
	if code != ExitLive {
		t.Fatalf("sweep --verify: exit %d, want %d (a live token): %s", code, ExitLive, errOut)
	}
	if hits[shared] != 1 || len(hits) != 7 {
		t.Errorf("verification calls %v: want each of 7 tokens once", hits)
	}
	code, out, _ := runCLI(t, "", "findings", "--store", db, "--format", "json")
	var list []struct {
		Fingerprint  string   `json:"fingerprint"`
		Repositories []string `json:"repositories"`
		Last         *struct {
			State string `json:"state"`
		} `json:"last_verification"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 {
		t.Fatal(err)
	}
	live := 0
	for _, f := range list {
		if f.Last == nil {
			t.Errorf("%s not verified", f.Fingerprint[:12])
		} else if f.Last.State == "live" {
			live++
			if len(f.Repositories) != 2 {
				t.Errorf("the live token is in %v", f.Repositories)
			}
		}
	}
	if live != 1 {
		t.Errorf("%d live findings, want 1", live)
	}

	repos[1].WriteFile("new.env", "T="+fakeGitHubPAT("new-one")+"\n")
	repos[1].Commit("another")
	mu.Lock()
	clear(hits)
	mu.Unlock()
	if code, _, errOut := runCLI(t, "", args...); code != ExitFindings {
		t.Fatalf("second sweep: exit %d: %s", code, errOut)
	}
	if len(hits) != 1 || hits[fakeGitHubPAT("new-one")] != 1 {
		t.Errorf("second sweep verified %v, want only the new token", hits)
	}
}

// TestSweepKilledAndResumed kills `scour sweep` (a child process running
// the CLI) with SIGKILL after it reports three scanned repositories, runs
// the sweep again, and compares the store with one uninterrupted sweep's.
func TestSweepKilledAndResumed(t *testing.T) {
	if os.Getenv("SCOUR_SWEEP_CLI_CHILD") != "" {
		t.Skip("child")
	}
	root, _ := sweepOrg(t, 12)
	dir := t.TempDir()
	db, cache := filepath.Join(dir, "k.db"), filepath.Join(dir, "cache")
	args := []string{"sweep", "--scan-jobs", "1", "--store", db, "--cache", cache, "--mirror-local", "dir:" + root}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSweepCLIChild$")
	cmd.Env = append(os.Environ(), "SCOUR_SWEEP_CLI_CHILD="+strings.Join(args, "\x1f"))
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	scanned := 0
	for scanned < 3 && sc.Scan() {
		if strings.Contains(sc.Text(), ": scanned ") {
			scanned++
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if scanned < 3 {
		t.Fatalf("child reported %d scans", scanned)
	}
	code, _, errOut := runCLI(t, "", args...)
	if code == ExitError {
		t.Fatalf("resumed sweep: %s", errOut)
	}
	m := regexp.MustCompile(`(\d+) scanned, (\d+) unchanged, 0 failed; (\d+) blobs read`).FindStringSubmatch(errOut)
	if m == nil || m[1] == "12" || atoi(m[1])+atoi(m[2]) != 12 || atoi(m[2]) < 3 {
		t.Fatalf("resumed sweep redid everything or failed: %s", errOut)
	}
	// What was committed is not read again: the blobs read are exactly
	// those of the repositories scanned now (2 each, 3 with the shared
	// token).
	want := 0
	for _, l := range regexp.MustCompile(`repo-(\d+): scanned \d+ findings, (\d+) blobs read`).FindAllStringSubmatch(errOut, -1) {
		n := 2
		if atoi(l[1])%3 == 0 {
			n = 3
		}
		if atoi(l[2]) != n {
			t.Errorf("repo-%s: %s blobs read, want %d", l[1], l[2], n)
		}
		want += n
	}
	if atoi(m[3]) != want {
		t.Errorf("resumed sweep read %s blobs, want %d: %s", m[3], want, errOut)
	}
	ref := filepath.Join(dir, "ref.db")
	runCLI(t, "", "sweep", "-q", "--store", ref, "--cache", filepath.Join(dir, "c2"), "dir:"+root)
	reportOf := func(db string) string {
		_, out, _ := runCLI(t, "", "report", "--store", db, "--format", "json")
		return out
	}
	if a, b := reportOf(db), reportOf(ref); a != b || !strings.Contains(a, "github-pat") {
		t.Errorf("resumed store's report differs from an uninterrupted sweep's")
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// TestSweepCLIChild runs the sweep that TestSweepKilledAndResumed kills.
func TestSweepCLIChild(t *testing.T) {
	env := os.Getenv("SCOUR_SWEEP_CLI_CHILD")
	if env == "" {
		t.Skip("run by TestSweepKilledAndResumed")
	}
	os.Exit(Run(strings.Split(env, "\x1f"), IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: os.Stderr}))
}
