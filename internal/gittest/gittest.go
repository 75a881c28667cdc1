// Package gittest builds real git repositories for tests with the git CLI:
// commits with fixed authors and dates, branches, tags, merges, resets and
// repacks. Every repository lives in a t.TempDir and is deterministic, so
// commit hashes are stable across runs of the same test.
package gittest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Epoch is the author and committer date of the first commit a Repo makes;
// each later commit is one minute later.
var Epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Default identity of commits.
const (
	AuthorName  = "Test Author"
	AuthorEmail = "author@example.com"
)

// Repo is a git repository under construction.
type Repo struct {
	t testing.TB
	// Dir is the working tree (for a bare repository: the repository itself).
	Dir string
	// GitDir is the .git directory (equal to Dir for a bare repository).
	GitDir string
	Bare   bool
	// Name and Email are the identity used by the next commits.
	Name, Email string
	tick        int
}

// RequireGit skips the test when the git program is not installed, or
// fails it under CI (see Unavailable).
func RequireGit(t testing.TB) {
	t.Helper()
	RequireTool(t, "git", "a test that builds a real repository")
}

// RequireTool returns the path of program name, for the test described by
// what. When it is not on PATH the test is skipped, or failed under CI (see
// Unavailable).
func RequireTool(t testing.TB, name, what string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, "%s is not installed: cannot run %s", name, what)
	}
	return p
}

// Unavailable ends a test that cannot run here because a tool it needs is
// missing. It skips, saying why, on a developer's machine; when the CI
// environment variable is true (GitHub Actions and GitLab CI set CI=true)
// it fails instead, so that a CI run never goes green on tests that did not
// run.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf(format+" (CI is set: install it, or unset CI to skip)", args...)
		return
	}
	t.Skipf(format, args...)
}

// InCI reports whether the CI environment variable says this is a CI run.
func InCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// Init makes an empty repository with a working tree and branch "main".
// Automatic gc is off, so objects stay loose until Repack or GC is called.
func Init(t testing.TB) *Repo {
	t.Helper()
	RequireGit(t)
	dir := t.TempDir()
	r := &Repo{t: t, Dir: dir, GitDir: filepath.Join(dir, ".git"), Name: AuthorName, Email: AuthorEmail}
	r.Git("init", "-q", "-b", "main", ".")
	r.configure()
	return r
}

// InitBare makes an empty bare repository with branch "main".
func InitBare(t testing.TB) *Repo {
	t.Helper()
	RequireGit(t)
	dir := t.TempDir()
	r := &Repo{t: t, Dir: dir, GitDir: dir, Bare: true, Name: AuthorName, Email: AuthorEmail}
	r.Git("init", "-q", "--bare", "-b", "main", ".")
	r.configure()
	return r
}

// Open wraps an existing repository (for example a clone) made by a test.
func Open(t testing.TB, dir string, bare bool) *Repo {
	gitDir := filepath.Join(dir, ".git")
	if bare {
		gitDir = dir
	}
	r := &Repo{t: t, Dir: dir, GitDir: gitDir, Bare: bare, Name: AuthorName, Email: AuthorEmail}
	r.configure()
	return r
}

func (r *Repo) configure() {
	r.Git("config", "gc.auto", "0")
	r.Git("config", "commit.gpgsign", "false")
	r.Git("config", "tag.gpgsign", "false")
	r.Git("config", "core.autocrlf", "false")
	r.Git("config", "user.name", AuthorName)
	r.Git("config", "user.email", AuthorEmail)
}

// Env is the environment git runs with: no user or system configuration,
// and the date of the next commit.
func (r *Repo) env() []string {
	when := r.When().Format(time.RFC3339)
	env := make([]string, 0, len(os.Environ())+10)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"HOME="+r.Dir,
		"GIT_AUTHOR_NAME="+r.Name, "GIT_AUTHOR_EMAIL="+r.Email, "GIT_AUTHOR_DATE="+when,
		"GIT_COMMITTER_NAME="+r.Name, "GIT_COMMITTER_EMAIL="+r.Email, "GIT_COMMITTER_DATE="+when,
		"GIT_TERMINAL_PROMPT=0",
	)
}

// When is the date the next commit (or annotated tag) gets.
func (r *Repo) When() time.Time { return Epoch.Add(time.Duration(r.tick) * time.Minute) }

// Run runs git in the repository and returns its standard output, trimmed,
// and an error carrying standard error when git fails.
func (r *Repo) Run(args ...string) (string, error) {
	return r.RunInput(nil, args...)
}

// RunInput is Run with data on standard input.
func (r *Repo) RunInput(stdin []byte, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.Dir
	cmd.Env = r.env()
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return strings.TrimSpace(out.String()), fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// Git runs git and fails the test when it fails.
func (r *Repo) Git(args ...string) string {
	r.t.Helper()
	out, err := r.Run(args...)
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// WriteFile writes content to path (slash-separated, relative to the
// working tree), creating directories.
func (r *Repo) WriteFile(path, content string) {
	r.t.Helper()
	r.WriteBytes(path, []byte(content))
}

// WriteBytes is WriteFile for binary content.
func (r *Repo) WriteBytes(path string, content []byte) {
	r.t.Helper()
	if r.Bare {
		r.t.Fatal("gittest: WriteFile on a bare repository")
	}
	p := filepath.Join(r.Dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, content, 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// AppendFile appends content to path.
func (r *Repo) AppendFile(path, content string) {
	r.t.Helper()
	f, err := os.OpenFile(filepath.Join(r.Dir, filepath.FromSlash(path)), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		r.t.Fatal(err)
	}
}

// Remove deletes path from the working tree.
func (r *Repo) Remove(path string) {
	r.t.Helper()
	if err := os.RemoveAll(filepath.Join(r.Dir, filepath.FromSlash(path))); err != nil {
		r.t.Fatal(err)
	}
}

// Commit stages every change in the working tree (git add -A) and commits
// it with the repository's identity and the next fixed date. It returns the
// new commit's hash. Empty commits are allowed.
func (r *Repo) Commit(msg string) string {
	r.t.Helper()
	r.Git("add", "-A")
	return r.CommitStaged(msg)
}

// CommitStaged commits the index as it is.
func (r *Repo) CommitStaged(msg string) string {
	r.t.Helper()
	r.Git("commit", "-q", "--allow-empty", "--no-verify", "-m", msg)
	r.tick++
	return r.Head()
}

// Head is the hash of HEAD.
func (r *Repo) Head() string {
	r.t.Helper()
	return r.RevParse("HEAD")
}

// RevParse resolves a revision to an object id.
func (r *Repo) RevParse(rev string) string {
	r.t.Helper()
	return r.Git("rev-parse", "--verify", "-q", rev+"^{object}")
}

// BlobID is the id of the blob at path in rev (for example "HEAD").
func (r *Repo) BlobID(rev, path string) string {
	r.t.Helper()
	return r.Git("rev-parse", rev+":"+path)
}

// Branch creates a branch at HEAD without switching to it.
func (r *Repo) Branch(name string) { r.t.Helper(); r.Git("branch", name) }

// Checkout switches to an existing branch or commit.
func (r *Repo) Checkout(rev string) { r.t.Helper(); r.Git("checkout", "-q", rev) }

// CheckoutNew creates a branch at HEAD and switches to it.
func (r *Repo) CheckoutNew(name string) { r.t.Helper(); r.Git("checkout", "-q", "-b", name) }

// Tag makes a lightweight tag at HEAD.
func (r *Repo) Tag(name string) { r.t.Helper(); r.Git("tag", name) }

// TagAnnotated makes an annotated tag of rev.
func (r *Repo) TagAnnotated(name, msg, rev string) {
	r.t.Helper()
	r.Git("tag", "-a", "-m", msg, name, rev)
	r.tick++
}

// Merge merges branch into the current branch with a merge commit. When
// the merge stops on conflicts, resolve is called to fix the working tree;
// the resolution is then committed. It returns the merge commit's hash.
func (r *Repo) Merge(branch, msg string, resolve func()) string {
	r.t.Helper()
	if _, err := r.Run("merge", "--no-ff", "--no-edit", "-m", msg, branch); err != nil {
		if resolve == nil {
			r.t.Fatal(err)
		}
		resolve()
		r.Git("add", "-A")
		r.Git("commit", "-q", "--no-verify", "--no-edit", "-m", msg)
	}
	r.tick++
	return r.Head()
}

// Revert reverts a commit with a new commit and returns its hash.
func (r *Repo) Revert(rev string) string {
	r.t.Helper()
	r.Git("revert", "--no-edit", rev)
	r.tick++
	return r.Head()
}

// ResetHard moves the current branch and working tree to rev.
func (r *Repo) ResetHard(rev string) { r.t.Helper(); r.Git("reset", "-q", "--hard", rev) }

// ExpireReflogs drops every reflog entry, so commits left behind by resets
// are reachable from no ref and no reflog.
func (r *Repo) ExpireReflogs() {
	r.t.Helper()
	r.Git("reflog", "expire", "--expire=now", "--expire-unreachable=now", "--all")
}

// Repack packs objects: with no arguments "git repack -a -d -q".
func (r *Repo) Repack(args ...string) {
	r.t.Helper()
	if len(args) == 0 {
		args = []string{"-a", "-d"}
	}
	r.Git(append([]string{"repack", "-q"}, args...)...)
}

// GC runs "git gc" keeping unreachable objects (prune=never), so tests of
// unreachable objects still have them, now packed.
func (r *Repo) GC() { r.t.Helper(); r.Git("gc", "-q", "--prune=never") }

// WriteCommitGraph writes the commit-graph file for all reachable commits.
func (r *Repo) WriteCommitGraph() { r.t.Helper(); r.Git("commit-graph", "write", "--reachable") }

// HashObject writes content as a loose blob without referencing it and
// returns its id (a dangling blob).
func (r *Repo) HashObject(content string) string {
	r.t.Helper()
	out, err := r.RunInput([]byte(content), "hash-object", "-w", "--stdin")
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// LooseObjectPath is the file of a loose object, whether or not it exists.
func (r *Repo) LooseObjectPath(id string) string {
	return filepath.Join(r.GitDir, "objects", id[:2], id[2:])
}

// Packs lists the pack files (.pack) of the repository.
func (r *Repo) Packs() []string {
	r.t.Helper()
	packs, err := filepath.Glob(filepath.Join(r.GitDir, "objects", "pack", "*.pack"))
	if err != nil {
		r.t.Fatal(err)
	}
	return packs
}

// IsDelta reports whether object id is stored as a delta in the repository's
// packs, as "git verify-pack -v" shows it.
func (r *Repo) IsDelta(id string) bool {
	r.t.Helper()
	for _, p := range r.Packs() {
		out := r.Git("verify-pack", "-v", strings.TrimSuffix(p, ".pack")+".idx")
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			// Deltas have 7 fields: id type size size-in-pack offset depth base.
			if len(f) == 7 && f[0] == id {
				return true
			}
		}
	}
	return false
}
