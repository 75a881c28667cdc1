package gitremote

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Run is one run of the git program against a remote, with the hardening
// every git transfer in scour gets, whether `scour scan URL` clones or
// `scour sweep` fetches into a mirror:
//
//   - credentials reach git only through the askpass helper's environment
//     (never argv, a URL or a file), answered only for the URL's scheme
//     and host, and are scrubbed from errors;
//   - git's environment is the user's less whatever points it at another
//     repository or source of credentials; no prompts, no hooks, no
//     credential helpers unless asked, only real transports (no ext::,
//     no fd::);
//   - the transfer ends when git reports nothing for IdleTimeout (it is
//     run with --progress) or curl's low-speed limit trips, and the whole
//     process group is killed when ctx ends (and, on Linux, when scour
//     dies: a sweep killed with -9 leaves no fetch behind).
type Run struct {
	// Git is the git program.
	Git string
	// GitDir, when set, is passed as --git-dir.
	GitDir string
	// Args are git's command and its arguments ("fetch", "--progress", ...).
	Args []string
	// URL is the remote: credentials are given only for its scheme and
	// host.
	URL string
	// Username and Password, when set, are the credentials (a token-only
	// host accepts any user name; "" means "git").
	Username, Password string
	// TempDir is where the askpass helper is written ("" for the system's).
	TempDir string
	// IdleTimeout ends a transfer that reports nothing for this long
	// (0 means DefaultIdleTimeout).
	IdleTimeout time.Duration
	// CredentialHelpers keeps the user's git credential helpers (each
	// answers only for its own hosts): a sweep's file of clone URLs may
	// rely on them. Off, credentials come from Run alone.
	CredentialHelpers bool
}

// Exec runs git. Its error is ErrStalled for a stalled transfer, wraps
// the authentication failure for rejected credentials, or carries git's
// own error lines, escaped; it never holds the credentials. out is the
// tail of git's messages.
func (r Run) Exec(ctx context.Context) (out string, err error) {
	out, err = r.exec(ctx)
	if err != nil {
		err = &scrubbed{err, secretsOf(Options{Username: r.Username, Password: r.Password})}
	}
	return out, err
}

func (r Run) exec(ctx context.Context) (string, error) {
	idle := r.IdleTimeout
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	var args []string
	if !r.CredentialHelpers {
		args = append(args, "-c", "credential.helper=") // credentials come from Run only
	}
	args = append(args,
		"-c", "protocol.allow=never",
		"-c", "protocol.https.allow=always", "-c", "protocol.http.allow=always",
		"-c", "protocol.ssh.allow=always", "-c", "protocol.git.allow=always",
		"-c", "protocol.file.allow=always",
		"-c", "http.lowSpeedLimit=1",
		"-c", "http.lowSpeedTime="+strconv.Itoa(max(1, int(idle/time.Second))),
		"-c", "core.hooksPath="+os.DevNull,
	)
	if r.GitDir != "" {
		args = append(args, "--git-dir", r.GitDir)
	}
	args = append(args, r.Args...)

	env := gitEnv(os.Environ())
	if r.Username != "" || r.Password != "" {
		u, err := url.Parse(r.URL)
		if err != nil || u.Host == "" {
			return "", errors.New("not a valid repository URL")
		}
		helperDir, err := os.MkdirTemp(r.TempDir, "scour-askpass-")
		if err != nil {
			return "", fmt.Errorf("cannot make a directory for the askpass helper: %w", err)
		}
		defer os.RemoveAll(helperDir)
		helper := filepath.Join(helperDir, "askpass")
		if err := os.WriteFile(helper, []byte(askpassScript), 0o700); err != nil {
			return "", fmt.Errorf("cannot write the askpass helper: %w", err)
		}
		user := r.Username
		if user == "" {
			user = "git" // token-only hosts accept any user name
		}
		env = append(env, "GIT_ASKPASS="+helper, askUserVar+"="+user, askPassVar+"="+r.Password,
			askSchemeVar+"="+strings.ToLower(u.Scheme), askHostVar+"="+strings.ToLower(u.Host))
	}

	stallCtx, stalled := context.WithCancelCause(ctx)
	defer stalled(nil)
	watch := &activity{idle: idle, timer: time.AfterFunc(idle, func() { stalled(ErrStalled) })}
	defer watch.timer.Stop()

	cmd := exec.CommandContext(stallCtx, r.Git, args...)
	cmd.Env = env
	cmd.Stderr = watch
	cmd.Stdout = watch
	cmd.WaitDelay = 5 * time.Second // a child holding stderr open must not hang Wait
	killGroup(cmd)
	err := cmd.Run()
	if cause := context.Cause(stallCtx); errors.Is(cause, ErrStalled) {
		return "", ErrStalled
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	msg := watch.text()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return msg, fmt.Errorf("running git: %w", err) // git could not be started
	}
	if err != nil {
		switch {
		case strings.Contains(msg, "Operation too slow"), strings.Contains(msg, "Operation timed out"):
			return msg, ErrStalled
		case strings.Contains(msg, "Authentication failed"), strings.Contains(msg, "could not read Username"),
			strings.Contains(msg, "could not read Password"), strings.Contains(msg, "HTTP 401"), strings.Contains(msg, "HTTP 403"):
			return msg, fmt.Errorf("%w: %s", errAuth, lastError(msg))
		}
		verb := "git"
		if len(r.Args) > 0 {
			verb += " " + r.Args[0]
		}
		return msg, fmt.Errorf("%s: %s", verb, lastError(msg))
	}
	return msg, nil
}

// IsAuthError reports whether err is a rejection of the credentials (or
// their absence).
func IsAuthError(err error) bool { return errors.Is(err, errAuth) }
