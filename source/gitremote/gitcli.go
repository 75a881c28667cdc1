package gitremote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scour-dev/scour/internal/safetext"
)

// gitProgram returns the git to clone with, or "" for go-git: git when it
// is installed, except over ssh (go-git's ssh takes a password without a
// terminal and honours SSH_KNOWN_HOSTS) and on Windows (the askpass helper
// is a shell script).
func gitProgram(opts Options) string {
	if opts.NoGit || runtime.GOOS == "windows" || isSSH(opts.URL) {
		return ""
	}
	if opts.Git != "" {
		return opts.Git
	}
	p, err := exec.LookPath("git")
	if err != nil {
		return ""
	}
	return p
}

func isSSH(raw string) bool {
	return strings.HasPrefix(strings.ToLower(raw), "ssh://") || (scpLike.MatchString(raw) && !strings.Contains(raw, "://"))
}

// Names of the variables that hand the askpass helper the credentials:
// they exist only in the environment of the git process.
const (
	askUserVar   = "SCOUR_GIT_ASKPASS_USERNAME"
	askPassVar   = "SCOUR_GIT_ASKPASS_PASSWORD"
	askSchemeVar = "SCOUR_GIT_ASKPASS_SCHEME"
	askHostVar   = "SCOUR_GIT_ASKPASS_HOST"
)

// askpassScript answers git's "Username for 'URL': " and "Password for
// 'URL': " prompts from the environment: the credentials never go on a
// command line (visible in process lists), into a URL, or into a file. It
// answers only for the scheme and host the user named: a server that
// redirects git elsewhere gets nothing.
const askpassScript = `#!/bin/sh
s="$` + askSchemeVar + `"
h="$` + askHostVar + `"
p=$(printf '%s' "$1" | tr 'A-Z' 'a-z')
case "$p" in
*"'$s://$h'"*|*"'$s://"*"@$h'"*) ;;
*) exit 1 ;;
esac
case "$1" in
[Uu]sername*) printf '%s\n' "$` + askUserVar + `" ;;
*) printf '%s\n' "$` + askPassVar + `" ;;
esac
`

// cloneWithGit runs git clone --mirror into dir (empty). The transfer is
// stopped when git reports nothing for opts.IdleTimeout (git prints
// progress while it receives) or when curl's low-speed limit trips, and
// the whole process group is killed when ctx ends.
func cloneWithGit(ctx context.Context, git, dir string, opts Options) error {
	idle := opts.IdleTimeout
	args := []string{
		"-c", "credential.helper=", // credentials come from opts only
		"-c", "protocol.ext.allow=never",
		"-c", "http.lowSpeedLimit=1",
		"-c", "http.lowSpeedTime=" + strconv.Itoa(max(1, int(idle/time.Second))),
		"clone", "--mirror", "--progress",
	}
	if opts.MaxFileSize > 0 {
		args = append(args, "--filter=blob:limit="+strconv.FormatInt(opts.MaxFileSize, 10))
	}
	args = append(args, "--", opts.URL, dir)

	env := gitEnv(os.Environ())
	if opts.Username != "" || opts.Password != "" {
		helperDir, err := os.MkdirTemp(opts.TempDir, "scour-askpass-")
		if err != nil {
			return fmt.Errorf("cannot make a directory for the askpass helper: %w", err)
		}
		defer os.RemoveAll(helperDir)
		helper := filepath.Join(helperDir, "askpass")
		if err := os.WriteFile(helper, []byte(askpassScript), 0o700); err != nil {
			return fmt.Errorf("cannot write the askpass helper: %w", err)
		}
		user := opts.Username
		if user == "" {
			user = "git" // token-only hosts accept any user name
		}
		u, err := url.Parse(opts.URL)
		if err != nil {
			return errors.New("not a valid repository URL")
		}
		env = append(env, "GIT_ASKPASS="+helper, askUserVar+"="+user, askPassVar+"="+opts.Password,
			askSchemeVar+"="+strings.ToLower(u.Scheme), askHostVar+"="+strings.ToLower(u.Host))
	}

	stallCtx, stalled := context.WithCancelCause(ctx)
	defer stalled(nil)
	watch := &activity{idle: idle, timer: time.AfterFunc(idle, func() { stalled(ErrStalled) })}
	defer watch.timer.Stop()

	cmd := exec.CommandContext(stallCtx, git, args...)
	cmd.Env = env
	cmd.Stderr = watch
	cmd.WaitDelay = 5 * time.Second // a child holding stderr open must not hang Wait
	killGroup(cmd)
	err := cmd.Run()
	if cause := context.Cause(stallCtx); errors.Is(cause, ErrStalled) {
		return ErrStalled
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	msg := watch.text()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return fmt.Errorf("running git: %w", err) // git could not be started
	}
	if err != nil {
		switch {
		case strings.Contains(msg, "Operation too slow"), strings.Contains(msg, "Operation timed out"):
			return ErrStalled
		case strings.Contains(msg, "Authentication failed"), strings.Contains(msg, "could not read Username"),
			strings.Contains(msg, "could not read Password"), strings.Contains(msg, "HTTP 401"), strings.Contains(msg, "HTTP 403"):
			return fmt.Errorf("%w: %s", errAuth, lastError(msg))
		}
		return fmt.Errorf("git clone: %s", lastError(msg))
	}
	if strings.Contains(msg, "cloned an empty repository") {
		return ErrEmptyRepository
	}
	return nil
}

// gitEnv is the environment for git: the user's (proxies, CA bundles,
// config), less what would point git at another repository or another
// source of credentials, with prompts off and messages in English (they
// are matched above).
func gitEnv(base []string) []string {
	drop := map[string]bool{
		"GIT_DIR": true, "GIT_WORK_TREE": true, "GIT_INDEX_FILE": true, "GIT_OBJECT_DIRECTORY": true,
		"GIT_ALTERNATE_OBJECT_DIRECTORIES": true, "GIT_NAMESPACE": true, "GIT_COMMON_DIR": true,
		"GIT_ASKPASS": true, "SSH_ASKPASS": true, "LC_ALL": true, "LANGUAGE": true,
		EnvUsername: true, EnvPassword: true, askUserVar: true, askPassVar: true, askSchemeVar: true, askHostVar: true,
	}
	out := make([]string, 0, len(base)+6)
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	return append(out, "GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "LANGUAGE=C")
}

// activity is git's stderr: every write is progress (it resets the idle
// timer), and the last few KB are kept for the error message.
type activity struct {
	idle  time.Duration
	timer *time.Timer
	mu    sync.Mutex
	tail  []byte
}

const tailBytes = 8 << 10

func (a *activity) Write(p []byte) (int, error) {
	a.timer.Reset(a.idle)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tail = append(a.tail, p...)
	if len(a.tail) > tailBytes {
		a.tail = append(a.tail[:0:0], a.tail[len(a.tail)-tailBytes:]...)
	}
	return len(p), nil
}

func (a *activity) text() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return string(bytes.ReplaceAll(a.tail, []byte("\r"), []byte("\n")))
}

// lastError picks git's fatal/error lines (the server's own text
// included), escaped: they may hold anything the server sent.
func lastError(msg string) string {
	var picked []string
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "fatal:") || strings.HasPrefix(l, "error:") || strings.HasPrefix(l, "remote: ") && !strings.Contains(l, "%") {
			picked = append(picked, safetext.Escape(l))
		}
	}
	if len(picked) == 0 {
		return "git exited with an error"
	}
	if len(picked) > 4 {
		picked = picked[len(picked)-4:]
	}
	return strings.Join(picked, "; ")
}
