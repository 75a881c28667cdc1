package sweep

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/scour-dev/scour/forge"
)

// refspecs are what a mirror keeps: branches and tags. Forge-specific refs
// (GitHub's refs/pull/*, GitLab's refs/merge-requests/*) hold other
// people's unmerged work and are left out.
var refspecs = []string{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}

// Mirrors keeps bare mirrors of repositories in a cache directory: cloned
// once, fetched on later sweeps.
type Mirrors struct {
	// Dir is the cache directory.
	Dir string
	// Git is the git program; "" uses go-git (no git installed).
	Git string
	// Timeout bounds one clone or fetch (0 means 10 minutes).
	Timeout time.Duration
	// Tokens maps a forge kind to the API token also used for HTTPS
	// clones. It reaches git through its environment, scoped to the
	// repository's host, never through argv, a URL or a file.
	Tokens map[string]string
	// MirrorLocal mirrors local repositories too (default: read in place;
	// copying a repository on the same disk buys nothing).
	MirrorLocal bool
}

// isLocal reports whether a clone URL is a path on this machine (not a
// URL, not an scp-like user@host:path address).
func isLocal(s string) bool {
	if strings.Contains(s, "://") {
		return false
	}
	if i := strings.Index(s, ":"); i > 1 && !strings.Contains(s[:i], "/") {
		return false // user@host:path
	}
	fi, err := os.Stat(s)
	return err == nil && fi.IsDir()
}

// FindGit returns the git program on PATH, or "" when there is none.
func FindGit() string {
	p, err := exec.LookPath("git")
	if err != nil {
		return ""
	}
	return p
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Path is where a repository's mirror lives: a hash of its URL (unique)
// and a readable tail of its name.
func (m *Mirrors) Path(r forge.Repo) string {
	sum := sha256.Sum256([]byte(r.CloneURL))
	name := unsafeName.ReplaceAllString(filepath.Base(strings.TrimSuffix(r.Name, ".git")), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	return filepath.Join(m.Dir, hex.EncodeToString(sum[:8])+"-"+name+".git")
}

// Update clones the repository's mirror or fetches into it, and returns
// the mirror's git directory and its refs (name -> object id). A local
// repository (a path, not a URL) is not mirrored unless MirrorLocal: it is
// read in place, and Update only reads its refs.
func (m *Mirrors) Update(ctx context.Context, r forge.Repo) (string, map[string]string, error) {
	if !m.MirrorLocal && isLocal(r.CloneURL) {
		tips, err := Tips(r.CloneURL)
		if err != nil {
			return "", nil, err
		}
		return r.CloneURL, tips, nil
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dir := m.Path(r)
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		if err := m.create(ctx, dir); err != nil {
			return "", nil, err
		}
	}
	var err error
	if m.Git != "" {
		err = m.fetchGit(ctx, dir, r)
	} else {
		err = m.fetchGoGit(ctx, dir, r)
	}
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return "", nil, fmt.Errorf("fetch timed out after %s", timeout)
		}
		return "", nil, err
	}
	tips, err := Tips(dir)
	return dir, tips, err
}

// create makes an empty bare repository at dir: in a temporary directory
// renamed into place, so a sweep killed midway never leaves half a mirror
// that looks whole.
func (m *Mirrors) create(ctx context.Context, dir string) error {
	if err := os.MkdirAll(m.Dir, 0o700); err != nil {
		return err
	}
	os.RemoveAll(dir) // a directory without HEAD is debris
	tmp, err := os.MkdirTemp(m.Dir, ".new-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if m.Git != "" {
		if out, err := m.git(ctx, "", nil, "init", "--bare", "--quiet", tmp); err != nil {
			return fmt.Errorf("git init: %w: %s", err, out)
		}
	} else if _, err := git.PlainInit(tmp, true); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	return os.Rename(tmp, dir)
}

// git runs the git program with a scrubbed, non-interactive environment.
func (m *Mirrors) git(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	base := []string{
		// Only real transports: no ext::, no fd::; file for local sweeps.
		"-c", "protocol.allow=never",
		"-c", "protocol.https.allow=always", "-c", "protocol.http.allow=always",
		"-c", "protocol.ssh.allow=always", "-c", "protocol.git.allow=always",
		"-c", "protocol.file.allow=always",
		// Abort a transfer stuck below 1 kB/s for a minute.
		"-c", "http.lowSpeedLimit=1000", "-c", "http.lowSpeedTime=60",
		"-c", "core.hooksPath=" + os.DevNull,
	}
	if dir != "" {
		base = append(base, "--git-dir", dir)
	}
	cmd := exec.CommandContext(ctx, m.Git, append(base, args...)...)
	cmd.Env = append(os.Environ(),
		"GIT_TERMINAL_PROMPT=0", // fail instead of asking for a password
		"GCM_INTERACTIVE=never",
		"GIT_ASKPASS=", "SSH_ASKPASS=",
		"GIT_SSH_COMMAND=ssh -o BatchMode=yes",
	)
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

func (m *Mirrors) fetchGit(ctx context.Context, dir string, r forge.Repo) error {
	// Locks left by a fetch killed with -9 would fail every later one;
	// one sweep owns its cache directory.
	removeStaleLocks(dir)
	env, token := m.authEnv(r)
	args := append([]string{"fetch", "--prune", "--no-tags", "--quiet", "--", r.CloneURL}, refspecs...)
	out, err := m.git(ctx, dir, env, args...)
	if err != nil {
		if token != "" {
			out = strings.ReplaceAll(out, token, "[token]")
		}
		return fmt.Errorf("git fetch: %w: %s", err, firstLines(out, 3))
	}
	return nil
}

// authEnv passes a forge token to git as an HTTP header scoped to the
// repository's scheme and host (GIT_CONFIG_* variables: not argv, not a
// file, not the URL).
func (m *Mirrors) authEnv(r forge.Repo) ([]string, string) {
	token := m.Tokens[r.Forge]
	u, err := url.Parse(r.CloneURL)
	if token == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, ""
	}
	basic := base64.StdEncoding.EncodeToString([]byte(cloneUser(r.Forge) + ":" + token))
	return []string{
		"GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=http." + u.Scheme + "://" + u.Host + "/.extraHeader",
		"GIT_CONFIG_VALUE_0=Authorization: Basic " + basic,
	}, token
}

// cloneUser is the user name a forge expects beside a token over HTTPS.
func cloneUser(kind string) string {
	switch kind {
	case forge.KindGitLab:
		return "oauth2"
	case forge.KindGitHub:
		return "x-access-token"
	}
	return "token"
}

func (m *Mirrors) fetchGoGit(ctx context.Context, dir string, r forge.Repo) error {
	repo, err := git.PlainOpen(dir)
	if err != nil {
		return fmt.Errorf("open mirror: %w", err)
	}
	var specs []gitconfig.RefSpec
	for _, s := range refspecs {
		specs = append(specs, gitconfig.RefSpec(s))
	}
	remote := git.NewRemote(repo.Storer, &gitconfig.RemoteConfig{Name: "origin", URLs: []string{r.CloneURL}, Fetch: specs})
	var auth transport.AuthMethod
	if token := m.Tokens[r.Forge]; token != "" && strings.HasPrefix(r.CloneURL, "http") {
		auth = &githttp.BasicAuth{Username: cloneUser(r.Forge), Password: token}
	}
	err = remote.FetchContext(ctx, &git.FetchOptions{RefSpecs: specs, Auth: auth, Prune: true, Tags: git.NoTags, Force: true})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) && !errors.Is(err, transport.ErrEmptyRemoteRepository) {
		msg := err.Error()
		if token := m.Tokens[r.Forge]; token != "" {
			msg = strings.ReplaceAll(msg, token, "[token]")
		}
		return fmt.Errorf("fetch: %s", msg)
	}
	return nil
}

// Tips reads a repository's branches and tags (name -> object id).
func Tips(gitDir string) (map[string]string, error) {
	repo, err := git.PlainOpen(gitDir)
	if err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	refs, err := repo.References()
	if err != nil {
		return nil, fmt.Errorf("refs: %w", err)
	}
	tips := map[string]string{}
	err = refs.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() == plumbing.HashReference && (ref.Name().IsBranch() || ref.Name().IsTag()) {
			tips[ref.Name().String()] = ref.Hash().String()
		}
		return nil
	})
	return tips, err
}

func removeStaleLocks(dir string) {
	for _, p := range []string{"HEAD.lock", "config.lock", "packed-refs.lock", "shallow.lock", "index.lock"} {
		os.Remove(filepath.Join(dir, p))
	}
	filepath.WalkDir(filepath.Join(dir, "refs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".lock") {
			os.Remove(p)
		}
		return nil
	})
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "; ")
}
