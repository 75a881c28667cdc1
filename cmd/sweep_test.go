package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	root, repos := sweepOrg(t, 6)
	dir := t.TempDir()
	db, cache := filepath.Join(dir, "s.db"), filepath.Join(dir, "cache")
	sweepArgs := []string{"sweep", "--store", db, "--cache", cache, "dir:" + root}

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

	// Unchanged: nothing scanned, exit 0.
	code, _, errOut = runCLI(t, "", sweepArgs...)
	if code != ExitClean || !strings.Contains(errOut, "0 scanned, 6 unchanged") {
		t.Errorf("re-sweep: exit %d: %s", code, errOut)
	}

	// One push: one repository scanned, the new token recorded.
	repos[2].WriteFile("app.env", "TOKEN="+fakeGitHubPAT("pushed")+"\n")
	repos[2].Commit("leak")
	code, _, errOut = runCLI(t, "", sweepArgs...)
	if code != ExitFindings || !strings.Contains(errOut, "1 scanned, 5 unchanged") {
		t.Errorf("after a push: exit %d: %s", code, errOut)
	}
	if n := len(findingsJSONOf(t, db)); n != 8 {
		t.Errorf("%d findings after the push, want 8", n)
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

// TestShardedSweepEqualsOneProcess runs three shard sweeps, merges their
// stores and compares the report with one process's.
func TestShardedSweepEqualsOneProcess(t *testing.T) {
	root, _ := sweepOrg(t, 9)
	dir := t.TempDir()
	one := filepath.Join(dir, "one.db")
	runCLI(t, "", "sweep", "-q", "--store", one, "--cache", filepath.Join(dir, "c-one"), "dir:"+root)
	var shards []string
	for k := range 3 {
		db := filepath.Join(dir, fmt.Sprintf("shard-%d.db", k))
		code, _, errOut := runCLI(t, "", "sweep", "-q", "--shard", fmt.Sprintf("%d/3", k), "--store", db, "--cache", filepath.Join(dir, fmt.Sprint("c", k)), "dir:"+root)
		if code == ExitError {
			t.Fatalf("shard %d: %s", k, errOut)
		}
		shards = append(shards, db)
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
