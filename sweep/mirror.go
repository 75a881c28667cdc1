package sweep

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/scour-dev/scour/forge"
	"github.com/scour-dev/scour/source/gitremote"
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
	// Timeout bounds one clone or fetch (0 means 10 minutes); IdleTimeout
	// ends a fetch that receives nothing for this long (0 means
	// gitremote.DefaultIdleTimeout).
	Timeout, IdleTimeout time.Duration
	// Tokens maps a forge kind to the API token also used for HTTPS
	// clones. It reaches git only as gitremote.Run gives credentials:
	// through the askpass helper's environment, for the repository's
	// scheme and host; never argv, a URL or a file.
	Tokens map[string]string
	// TokenHosts, when not nil, lists per forge kind the host names a token may
	// be sent to for a clone (the forge's own git hosts): a listing that
	// names a clone URL elsewhere gets no token.
	TokenHosts map[string][]string
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

// CleanDebris removes what a killed sweep left in the cache: mirrors
// being created (never renamed into place). One sweep owns its cache.
func (m *Mirrors) CleanDebris() {
	entries, _ := os.ReadDir(m.Dir)
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), ".new-") {
			os.RemoveAll(filepath.Join(m.Dir, e.Name()))
		}
	}
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
	if _, token := m.credentials(r); m.Git != "" && (token == "" || runtime.GOOS != "windows") {
		// (The askpass helper is a shell script: on Windows go-git takes
		// the credentials.)
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
	// go-git makes the empty bare repository either way: no transfer,
	// nothing to harden, and git's own templates (hooks) stay out.
	if _, err := git.PlainInit(tmp, true); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	return os.Rename(tmp, dir)
}

func (m *Mirrors) fetchGit(ctx context.Context, dir string, r forge.Repo) error {
	// Locks left by a fetch killed with -9 would fail every later one;
	// one sweep owns its cache directory.
	removeStaleLocks(dir)
	user, token := m.credentials(r)
	_, err := gitremote.Run{
		Git: m.Git, GitDir: dir, URL: r.CloneURL, Username: user, Password: token,
		Args:        append([]string{"fetch", "--prune", "--no-tags", "--progress", "--", r.CloneURL}, refspecs...),
		IdleTimeout: m.IdleTimeout,
		// A file of clone URLs may rely on the user's credential helpers.
		CredentialHelpers: true,
	}.Exec(ctx)
	return err
}

// credentials are the user name and token a repository's fetch may use:
// its forge's token, over HTTP(S), to a host the forge's token may go to.
func (m *Mirrors) credentials(r forge.Repo) (user, token string) {
	token = m.Tokens[r.Forge]
	u, err := url.Parse(r.CloneURL)
	if token == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !m.mayReceive(r.Forge, u.Host) {
		return "", ""
	}
	return cloneUser(r.Forge), token
}

// mayReceive reports whether a forge's token may go to host.
func (m *Mirrors) mayReceive(kind, host string) bool {
	if m.TokenHosts == nil {
		return true
	}
	// By host name: a forge may serve its API and git on different ports.
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	for _, h := range m.TokenHosts[kind] {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
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
	if user, token := m.credentials(r); token != "" {
		auth = &githttp.BasicAuth{Username: user, Password: token}
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
