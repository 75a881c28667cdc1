package gitstaged

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/source"
)

// repo is a throwaway repository driven with the git CLI, isolated from the
// user's and system's git configuration.
type repo struct {
	t   testing.TB
	dir string
}

func gitEnv(home string) []string {
	return append(os.Environ(),
		"HOME="+home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+filepath.Join(home, ".gitconfig"),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_AUTHOR_DATE=2024-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2024-01-02T03:04:05Z",
	)
}

func newRepo(t testing.TB) *repo {
	t.Helper()
	gittest.RequireTool(t, "git", "tests that build repositories with it")
	r := &repo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	return runGit(r.t, r.dir, nil, args...)
}

func runGit(t testing.TB, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(gitEnv(filepath.Dir(dir)), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *repo) write(name, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// collect gathers what a source yields.
type collect struct {
	mu      sync.Mutex
	items   []source.Item
	skipped []source.Skipped
}

func (c *collect) Item(_ context.Context, it source.Item) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items = append(c.items, it)
	return nil
}

func (c *collect) Skipped(s source.Skipped) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skipped = append(c.skipped, s)
}

func scanAll(t *testing.T, src source.Source) *collect {
	t.Helper()
	c := &collect{}
	if err := src.Scan(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}
