package cmd

import (
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

// TestPreCommitFramework runs the real pre-commit program against this
// repository's .pre-commit-hooks.yaml: pre-commit clones a snapshot of the
// module, builds scour with `go install ./...` (language: golang) and runs
// the hook on `git commit`. It works offline: the build uses the module
// cache this test runs with (GOPROXY=off) and the shared build cache.
func TestPreCommitFramework(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds scour inside pre-commit: skipped with -short")
	}
	gittest.RequireTool(t, "pre-commit", "the framework integration test (Debian: apt-get install pre-commit)")
	gittest.RequireGit(t)
	goEnv := func(name string) string {
		out, err := exec.Command("go", "env", name).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", name, err)
		}
		return strings.TrimSpace(string(out))
	}

	// A snapshot of the module as a git repository pre-commit can clone.
	src := gittest.Init(t)
	copyTree(t, "..", src.Dir)
	src.Git("add", "-A")
	src.Git("commit", "-qm", "snapshot")
	rev := src.Head()

	r := gittest.Init(t)
	r.WriteFile(".pre-commit-config.yaml", "repos:\n  - repo: "+src.Dir+"\n    rev: "+rev+"\n    hooks:\n      - id: scour\n")
	r.WriteFile("README", "hello\n")
	r.Git("add", ".")

	home := t.TempDir()
	env := []string{
		"PRE_COMMIT_HOME=" + filepath.Join(home, "pre-commit"),
		"GOMODCACHE=" + goEnv("GOMODCACHE"), // else pre-commit's GOPATH would start an empty one
		"GOCACHE=" + goEnv("GOCACHE"),
		"GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false",
	}
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = r.Dir
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "GO") && !strings.HasPrefix(kv, "PRE_COMMIT") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "HOME="+home)
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("pre-commit", "install"); err != nil {
		t.Fatalf("pre-commit install: %v\n%s", err, out)
	}
	if out, err := run("git", "commit", "-qm", "clean"); err != nil {
		t.Fatalf("clean commit blocked (or the hook failed to build): %v\n%s", err, out)
	}

	r.WriteFile("deploy.env", "GITHUB_TOKEN="+fakeGitHubPAT("pre-commit-framework")+"\n")
	r.Git("add", "deploy.env")
	out, err := run("git", "commit", "-qm", "leak")
	if err == nil || !strings.Contains(out, "deploy.env") || !strings.Contains(out, "the commit adds 1 secret") {
		t.Fatalf("commit with a secret: err %v, output:\n%s", err, out)
	}
	if strings.Contains(out, fakeGitHubPAT("pre-commit-framework")) {
		t.Error("pre-commit output shows the secret unredacted")
	}
}

// copyTree copies the files under from (no .git) into to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.Name() == ".git" { // a directory, or a file in a git worktree
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		fi, err := in.Stat()
		if err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}
