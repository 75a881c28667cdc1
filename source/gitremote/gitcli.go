package gitremote

import (
	"bytes"
	"context"
	"os"
	"os/exec"
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

// cloneWithGit runs git clone --mirror into dir (empty), through Run.
func cloneWithGit(ctx context.Context, git, dir string, opts Options) error {
	args := []string{"clone", "--mirror", "--progress"}
	if opts.MaxFileSize > 0 {
		args = append(args, "--filter=blob:limit="+strconv.FormatInt(opts.MaxFileSize, 10))
	}
	args = append(args, "--", opts.URL, dir)
	msg, err := Run{Git: git, Args: args, URL: opts.URL, Username: opts.Username, Password: opts.Password,
		TempDir: opts.TempDir, IdleTimeout: opts.IdleTimeout}.exec(ctx)
	if err != nil {
		return err
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
	out = append(out, "GIT_TERMINAL_PROMPT=0", "GCM_INTERACTIVE=never", "LC_ALL=C", "LANGUAGE=C")
	if os.Getenv("GIT_SSH_COMMAND") == "" {
		// ssh must not ask for a password or a host key on the terminal.
		out = append(out, "GIT_SSH_COMMAND=ssh -o BatchMode=yes")
	}
	return out
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
