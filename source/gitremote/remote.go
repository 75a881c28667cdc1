// Package gitremote clones a remote git repository, with every ref, into a
// temporary bare repository that the history scanner then reads. The
// credentials it is given never appear in what it returns: not in the
// remote URL it reports, not in its error messages, not in a command line
// or a file on disk.
//
// With git installed it runs `git clone --mirror` (gitcli.go): git streams
// objects to disk in bounded memory, can leave blobs over the size limit
// on the server (--filter=blob:limit), and is stopped when the transfer
// stalls. Without git, or over ssh with a password, go-git clones, bounded
// by the overall timeout only.
package gitremote

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

// Environment variables the command reads credentials from.
const (
	EnvUsername = "SCOUR_GIT_USERNAME"
	EnvPassword = "SCOUR_GIT_PASSWORD"
)

// ErrEmptyRepository is returned for a remote without any ref.
var ErrEmptyRepository = errors.New("the remote repository is empty")

// scpLike matches git's scp-style ssh address, user@host:path.
var scpLike = regexp.MustCompile(`^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]`)

// IsURL reports whether arg names a remote repository rather than a local
// path: an http(s)://, ssh://, git:// or file:// URL, or user@host:path.
func IsURL(arg string) bool {
	for _, p := range []string{"https://", "http://", "ssh://", "git://", "file://"} {
		if len(arg) > len(p) && strings.EqualFold(arg[:len(p)], p) {
			return true
		}
	}
	return scpLike.MatchString(arg)
}

// Options says what to clone and how.
type Options struct {
	URL string
	// Username and Password authenticate over http(s) (basic auth; a token
	// goes in Password) and, when Password is set, over ssh. Without them
	// ssh uses the ssh agent. The command fills them from the environment
	// only (EnvUsername, EnvPassword).
	Username, Password string
	// TempDir is where the clone's temporary directory is made ("" = the
	// system's).
	TempDir string
	// MaxFileSize, when positive, asks the server (git only) to leave out
	// blobs larger than this (a partial clone): the scan then lists them
	// as missing objects instead of downloading what it would skip.
	MaxFileSize int64
	// Timeout bounds the whole clone (0: DefaultTimeout). IdleTimeout
	// stops a git clone that shows no progress for that long (0:
	// DefaultIdleTimeout): a stalled server must not block a sweep
	// forever.
	Timeout, IdleTimeout time.Duration
	// Git is the git program ("": git on PATH, if any); NoGit forces
	// go-git.
	Git   string
	NoGit bool
}

// Default bounds of a clone.
const (
	DefaultTimeout     = time.Hour
	DefaultIdleTimeout = 2 * time.Minute
)

// ErrStalled is returned when the server stopped sending for
// Options.IdleTimeout; ErrTimeout when the clone took longer than
// Options.Timeout.
var (
	ErrStalled = errors.New("the transfer stalled")
	ErrTimeout = errors.New("the clone took too long")
)

// Clone is a temporary bare mirror of a remote repository.
type Clone struct {
	// Dir is the bare repository.
	Dir string
	// Remote is the URL without credentials, for reports.
	Remote string
	// Via is the program that cloned: "git" or "go-git".
	Via string
}

// Close removes the clone.
func (c *Clone) Close() error { return os.RemoveAll(c.Dir) }

// CloneContext mirrors opts.URL (all refs: branches, tags, notes, pull
// request heads...) into a new temporary directory. On any error, the
// context's cancellation and the timeouts included, the directory is
// removed before it returns. Errors never contain the credentials.
func CloneContext(ctx context.Context, opts Options) (*Clone, error) {
	remote, err := Validate(opts.URL)
	if err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	dir, err := os.MkdirTemp(opts.TempDir, "scour-clone-")
	if err != nil {
		return nil, fmt.Errorf("cannot make a directory for the clone: %w", err)
	}
	c := &Clone{Dir: dir, Remote: remote}
	cctx, cancel := context.WithTimeoutCause(ctx, opts.Timeout, ErrTimeout)
	defer cancel()
	if git := gitProgram(opts); git != "" {
		c.Via = "git"
		err = cloneWithGit(cctx, git, dir, opts)
	} else {
		c.Via = "go-git"
		err = cloneWithGoGit(cctx, dir, opts)
	}
	if err == nil {
		return c, nil
	}
	c.Close()
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("cloning %s: %w", remote, ctx.Err())
	case errors.Is(context.Cause(cctx), ErrTimeout):
		return nil, fmt.Errorf("cloning %s: %w (over %s)", remote, ErrTimeout, opts.Timeout)
	case errors.Is(err, ErrStalled):
		return nil, fmt.Errorf("cloning %s: %w: nothing received for %s", remote, ErrStalled, opts.IdleTimeout)
	case errors.Is(err, ErrEmptyRepository):
		return nil, fmt.Errorf("cloning %s: %w", remote, ErrEmptyRepository)
	case errors.Is(err, errAuth):
		hint := "set " + EnvUsername + " and " + EnvPassword
		if opts.Password != "" {
			hint = "check " + EnvUsername + " and " + EnvPassword
		}
		return nil, &scrubbed{fmt.Errorf("cloning %s: %w (%s)", remote, err, hint), secretsOf(opts)}
	}
	return nil, &scrubbed{fmt.Errorf("cloning %s: %w", remote, err), secretsOf(opts)}
}

// errAuth marks an authentication failure, whichever program cloned.
var errAuth = errors.New("authentication failed")

// cloneWithGoGit clones with go-git, in process.
func cloneWithGoGit(ctx context.Context, dir string, opts Options) error {
	auth, err := authFor(opts)
	if err != nil {
		return err
	}
	_, err = git.PlainCloneContext(ctx, dir, true, &git.CloneOptions{
		URL:    opts.URL,
		Auth:   auth,
		Mirror: true, // +refs/*:refs/*: every ref the remote advertises
		Tags:   git.AllTags,
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return ErrEmptyRepository
	case errors.Is(err, transport.ErrAuthenticationRequired) || errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("%w: %w", errAuth, err)
	}
	return err
}

// Validate checks a repository URL before cloning (it must parse and hold
// no credentials) and returns it without credentials, for messages.
func Validate(raw string) (string, error) {
	remote, err := Redact(raw)
	if err != nil {
		return "", err
	}
	if err := checkNoInlineSecret(raw); err != nil {
		return "", err
	}
	return remote, nil
}

// Redact returns the URL without credentials: no userinfo for http(s) (a
// user name there is often a token), no password elsewhere.
func Redact(raw string) (string, error) {
	if scpLike.MatchString(raw) && !strings.Contains(raw, "://") {
		return raw, nil // user@host:path has no password
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url's errors quote the input, which may hold credentials.
		return "", errors.New("not a valid repository URL")
	}
	if u.User != nil {
		if u.Scheme == "http" || u.Scheme == "https" {
			u.User = nil
		} else {
			u.User = url.User(u.User.Username())
		}
	}
	return u.String(), nil
}

// checkNoInlineSecret refuses credentials in the URL: they belong in the
// environment, where they stay out of shell history and process lists.
func checkNoInlineSecret(raw string) error {
	if !strings.Contains(raw, "://") {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return nil
	}
	_, hasPass := u.User.Password()
	if hasPass || u.Scheme == "http" || u.Scheme == "https" {
		return fmt.Errorf("credentials in the repository URL are not accepted: "+
			"set %s and %s instead (the URL was not used)", EnvUsername, EnvPassword)
	}
	return nil
}

func authFor(opts Options) (transport.AuthMethod, error) {
	if opts.Username == "" && opts.Password == "" {
		return nil, nil
	}
	ep, err := transport.NewEndpoint(opts.URL)
	if err != nil {
		return nil, errors.New("not a valid repository URL")
	}
	switch ep.Protocol {
	case "http", "https":
		user := opts.Username
		if user == "" {
			user = "git" // token-only hosts accept any user name
		}
		return &githttp.BasicAuth{Username: user, Password: opts.Password}, nil
	case "ssh":
		if opts.Password == "" {
			return nil, nil // the agent authenticates; a user name comes from the URL
		}
		user := opts.Username
		if user == "" {
			user = ep.User
		}
		return &gitssh.Password{User: user, Password: opts.Password}, nil
	default:
		return nil, nil // file:// and git:// have no authentication
	}
}

// secretsOf lists what to mask in messages: the password in its raw and
// URL-escaped forms, and the user name when it is long enough to be a
// token (masking "git" would garble "github.com").
func secretsOf(opts Options) []string {
	var s []string
	for _, v := range []string{opts.Password, opts.Username} {
		if len(v) >= 8 || (v == opts.Password && len(v) >= 3) {
			s = append(s, v, url.QueryEscape(v), url.PathEscape(v))
		}
	}
	return s
}

// scrubbed is an error whose message has the credentials masked: go-git's
// transport errors may quote URLs and server replies.
type scrubbed struct {
	err     error
	secrets []string
}

func (e *scrubbed) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		msg = strings.ReplaceAll(msg, s, "***")
	}
	return msg
}

func (e *scrubbed) Unwrap() error { return e.err }
