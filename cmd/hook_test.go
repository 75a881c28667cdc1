package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

func installHook(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, "", append([]string{"hook", "install", "-C", dir}, args...)...)
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestHookInstallIsIdempotent(t *testing.T) {
	t.Parallel()
	r := gittest.Init(t)
	hook := filepath.Join(r.GitDir, "hooks", "pre-commit")
	if code, out, errOut := installHook(t, r.Dir); code != ExitClean || !strings.Contains(out, "installed") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	fi, err := os.Stat(hook)
	if err != nil || fi.Mode().Perm() != 0o755 || readFile(t, hook) != hookScript {
		t.Fatalf("hook: %v, mode %v", err, fi.Mode())
	}
	code, out, _ := installHook(t, r.Dir)
	if code != ExitClean || !strings.Contains(out, "already installed") || readFile(t, hook) != hookScript {
		t.Errorf("second install: exit %d, %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(r.GitDir, "hooks", chainedHook)); err == nil {
		t.Error("second install chained scour's own hook to itself")
	}
}

func TestHookInstallFollowsGit(t *testing.T) {
	t.Parallel()
	t.Run("core.hooksPath relative", func(t *testing.T) {
		r := gittest.Init(t)
		r.Git("config", "core.hooksPath", ".githooks")
		if code, _, errOut := installHook(t, r.Dir); code != ExitClean {
			t.Fatal(errOut)
		}
		readFile(t, filepath.Join(r.Dir, ".githooks", "pre-commit"))
	})
	t.Run("core.hooksPath absolute", func(t *testing.T) {
		r := gittest.Init(t)
		dir := filepath.Join(t.TempDir(), "shared-hooks")
		r.Git("config", "core.hooksPath", dir)
		if code, _, errOut := installHook(t, filepath.Join(r.Dir)); code != ExitClean {
			t.Fatal(errOut)
		}
		readFile(t, filepath.Join(dir, "pre-commit"))
	})
	t.Run("linked worktree", func(t *testing.T) {
		r := gittest.Init(t)
		r.WriteFile("a", "a\n")
		r.Commit("first")
		wt := filepath.Join(t.TempDir(), "wt")
		r.Git("worktree", "add", "-q", wt)
		if code, _, errOut := installHook(t, wt); code != ExitClean {
			t.Fatal(errOut)
		}
		readFile(t, filepath.Join(r.GitDir, "hooks", "pre-commit")) // worktrees share the repository's hooks
	})
	t.Run("not a repository", func(t *testing.T) {
		if code, _, errOut := installHook(t, t.TempDir()); code != ExitError || !strings.Contains(errOut, "hooks directory") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
}

func TestHookChainsToExistingHook(t *testing.T) {
	t.Parallel()
	r := gittest.Init(t)
	hooks := filepath.Join(r.GitDir, "hooks")
	hook, chained := filepath.Join(hooks, "pre-commit"), filepath.Join(hooks, chainedHook)
	os.MkdirAll(hooks, 0o755)
	const theirs = "#!/bin/sh\necho their hook\n"
	os.WriteFile(hook, []byte(theirs), 0o755)

	code, out, _ := installHook(t, r.Dir)
	if code != ExitClean || readFile(t, hook) != hookScript || readFile(t, chained) != theirs || !strings.Contains(out, "runs first") {
		t.Fatalf("install over an existing hook: exit %d, %q", code, out)
	}
	if code, _, _ := installHook(t, r.Dir); code != ExitClean || readFile(t, chained) != theirs {
		t.Fatal("second install disturbed the chained hook")
	}
	code, _, _ = runCLI(t, "", "hook", "uninstall", "-C", r.Dir)
	if code != ExitClean || readFile(t, hook) != theirs {
		t.Fatalf("uninstall: exit %d, hook %q", code, readFile(t, hook))
	}
	if _, err := os.Stat(chained); err == nil {
		t.Error("uninstall left the chained copy behind")
	}
	code, _, errOut := runCLI(t, "", "hook", "uninstall", "-C", r.Dir)
	if code != ExitError || !strings.Contains(errOut, "not written by scour") || readFile(t, hook) != theirs {
		t.Errorf("uninstall of a foreign hook: exit %d, %s", code, errOut)
	}

	// --force replaces instead of chaining.
	if code, _, _ := installHook(t, r.Dir, "--force"); code != ExitClean || readFile(t, hook) != hookScript {
		t.Fatal("--force did not replace the hook")
	}
	if _, err := os.Stat(chained); err == nil {
		t.Error("--force chained the old hook")
	}
}

func TestHookInstallLeavesHuskyAlone(t *testing.T) {
	t.Parallel()
	r := gittest.Init(t)
	hooks := filepath.Join(r.Dir, ".husky", "_")
	os.MkdirAll(hooks, 0o755)
	const husky = "#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"\n" // husky v9
	os.WriteFile(filepath.Join(hooks, "pre-commit"), []byte(husky), 0o755)
	os.WriteFile(filepath.Join(hooks, "h"), []byte("# husky\n"), 0o755)
	r.Git("config", "core.hooksPath", ".husky/_")
	code, _, errOut := installHook(t, r.Dir)
	if code != ExitError || !strings.Contains(errOut, ".husky/pre-commit") || readFile(t, filepath.Join(hooks, "pre-commit")) != husky {
		t.Errorf("exit %d, stderr %q: want husky's hook untouched and advice", code, errOut)
	}
}

// buildScour builds the scour binary into a temporary directory.
func buildScour(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "scour")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("building scour: %v\n%s", err, out)
	}
	return bin
}

// gitWithScour runs git in r with scour's directory first on PATH, as a
// developer's shell would, and returns its combined output.
func gitWithScour(t *testing.T, bin string, r *gittest.Repo, extraEnv []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.Dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "PATH=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "HOME="+r.Dir)
	cmd.Env = append(cmd.Env, extraEnv...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestHookBlocksCommitEndToEnd(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds scour: skipped with -short")
	}
	gittest.RequireGit(t)
	if runtime.GOOS == "windows" {
		t.Skip("the hook is a POSIX shell script; Git for Windows runs it, this test does not")
	}
	bin := buildScour(t)
	r := gittest.Init(t)
	r.WriteFile("app.conf", "debug = false\n")
	r.Commit("first")
	if code, _, errOut := installHook(t, r.Dir); code != ExitClean {
		t.Fatal(errOut)
	}

	// A secret staged with git add blocks the commit.
	r.WriteFile("key.txt", "token="+fakeGitHubPAT("hook-e2e")+"\n")
	r.Git("add", "key.txt")
	out, err := gitWithScour(t, bin, r, nil, "commit", "-qm", "add key")
	if err == nil || !strings.Contains(out, "key.txt") || !strings.Contains(out, "the commit adds 1 secret") {
		t.Fatalf("commit with a secret: err %v, output:\n%s", err, out)
	}
	r.Git("rm", "-q", "--cached", "key.txt")

	// git commit -a: the hook sees git's temporary index (GIT_INDEX_FILE).
	r.WriteFile("app.conf", "token = "+fakeGitHubPAT("commit-a")+"\n")
	if out, err := gitWithScour(t, bin, r, nil, "commit", "-aqm", "edit"); err == nil {
		t.Fatalf("git commit -a with a secret passed:\n%s", out)
	}
	r.WriteFile("app.conf", "debug = true\n")
	if out, err := gitWithScour(t, bin, r, nil, "commit", "-aqm", "edit"); err != nil {
		t.Fatalf("clean commit -a blocked: %v\n%s", err, out)
	}

	// A chained hook runs first and its failure stops the commit.
	hooks := filepath.Join(r.GitDir, "hooks")
	marker := filepath.Join(t.TempDir(), "ran")
	os.WriteFile(filepath.Join(hooks, chainedHook), []byte("#!/bin/sh\ntouch '"+marker+"'\nexit 3\n"), 0o755)
	r.WriteFile("app.conf", "debug = 1\n")
	r.Git("add", ".")
	if out, err := gitWithScour(t, bin, r, nil, "commit", "-qm", "x"); err == nil {
		t.Fatalf("the chained hook's failure did not stop the commit:\n%s", out)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Error("the chained hook did not run")
	}
	os.Remove(filepath.Join(hooks, chainedHook))

	// In a linked worktree git sets GIT_DIR and GIT_INDEX_FILE to the
	// worktree's; the shared hook must check that index.
	wtDir := filepath.Join(t.TempDir(), "wt")
	r.Git("worktree", "add", "-q", wtDir)
	wt := gittest.Open(t, wtDir, false)
	wt.WriteFile("wt.txt", "k="+fakeGitHubPAT("worktree")+"\n")
	wt.Git("add", "wt.txt")
	if out, err := gitWithScour(t, bin, wt, nil, "commit", "-qm", "wt"); err == nil || !strings.Contains(out, "wt.txt") {
		t.Errorf("commit with a secret in a linked worktree: err %v, output:\n%s", err, out)
	}

	// Without scour the hook refuses rather than passing unchecked.
	out, err = gitWithScour(t, bin, r, []string{"SCOUR_BIN=scour-not-installed"}, "commit", "-qm", "x")
	if err == nil || !strings.Contains(out, "not on PATH") || !strings.Contains(out, "--no-verify") ||
		!strings.Contains(out, "go install .") || !strings.Contains(out, "SCOUR_BIN") {
		t.Errorf("scour missing: err %v, output:\n%s", err, out)
	}
}
