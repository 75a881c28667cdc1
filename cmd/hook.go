package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/internal/atomicfile"
)

// hookMarker identifies a pre-commit hook written by scour.
const hookMarker = "# scour pre-commit hook"

// chainedHook is where an existing pre-commit hook is moved so that scour's
// hook can run it first.
const chainedHook = "pre-commit.scour-chained"

// hookScript is the pre-commit hook. It runs a hook that was there before
// (propagating its failure), then `scour staged`. It fails closed when scour
// is not on PATH: a check that silently passes when its tool is missing
// protects no one, and `git commit --no-verify` is the explicit way round it.
const hookScript = `#!/bin/sh
` + hookMarker + ` (written by "scour hook install"; "scour hook uninstall" removes it)
# It runs the hook that was here before, if any, then scans the staged changes.
chained="$(dirname "$0")/` + chainedHook + `"
if [ -x "$chained" ]; then
	"$chained" "$@" || exit $?
fi
scour="${SCOUR_BIN:-scour}"
if ! command -v "$scour" >/dev/null 2>&1; then
	echo "scour pre-commit hook: '$scour' is not on PATH, so the staged changes were not scanned." >&2
	echo "Install it from a clone of scour with Go: cd scour && go install . (into \$(go env GOPATH)/bin," >&2
	echo "which must be on PATH), or set SCOUR_BIN to the path of a scour binary;" >&2
	echo "to commit without the check this once: git commit --no-verify" >&2
	exit 1
fi
exec "$scour" staged
`

// HookOptions configures `scour hook install|uninstall`.
type HookOptions struct {
	// Dir is a directory of the repository ("" = current directory).
	Dir string
	// Force replaces an existing pre-commit hook instead of chaining to it.
	Force bool
}

func newHookCmd(streams IO) *cobra.Command {
	c := &cobra.Command{
		Use:   "hook",
		Short: "Install or remove a git pre-commit hook that runs scour staged",
	}
	var opts HookOptions
	install := &cobra.Command{
		Use:   "install",
		Short: "Install a pre-commit hook that runs scour staged",
		Long: `Write a pre-commit hook that runs "scour staged" before every commit, in
the directory git runs hooks from (core.hooksPath is respected; linked
worktrees share their repository's hooks).

Running it again changes nothing. A pre-commit hook that is already there
is kept: it is moved to pre-commit.scour-chained and runs first, and a
failure of it still stops the commit. --force replaces it instead.

The hook finds scour on PATH (or $SCOUR_BIN) and refuses the commit when it
is missing, rather than letting it through unchecked; "git commit
--no-verify" skips the check once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return hookExit(runHookInstall(cmd.Context(), opts, streams))
		},
	}
	install.Flags().BoolVar(&opts.Force, "force", false, "replace an existing pre-commit hook instead of chaining to it")
	uninstall := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove scour's pre-commit hook, restoring a hook it chained to",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return hookExit(runHookUninstall(cmd.Context(), opts, streams))
		},
	}
	for _, sub := range []*cobra.Command{install, uninstall} {
		sub.Flags().StringVarP(&opts.Dir, "dir", "C", "", "the repository `directory` (default: the current one)")
		c.AddCommand(sub)
	}
	return c
}

func hookExit(code int, err error) error {
	if code != ExitClean || err != nil {
		return &exitError{code: code, err: err}
	}
	return nil
}

// hooksDir returns the directory git runs hooks from, as git itself
// resolves it (core.hooksPath, worktrees, GIT_DIR).
func hooksDir(ctx context.Context, dir string) (string, error) {
	if dir == "" {
		dir = "."
	}
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--path-format=absolute", "--git-path", "hooks")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if errors.Is(err, exec.ErrNotFound) {
		return "", errors.New("git is not on PATH: it is needed to find the hooks directory (and to run the hook)")
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("cannot find the git hooks directory of %s: %s", dir, msg)
	}
	p := strings.TrimSpace(string(out))
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	return filepath.Clean(p), nil
}

func isScourHook(data []byte) bool { return bytes.Contains(data, []byte(hookMarker)) }

func runHookInstall(ctx context.Context, opts HookOptions, streams IO) (int, error) {
	dir, err := hooksDir(ctx, opts.Dir)
	if err != nil {
		return ExitError, err
	}
	hook := filepath.Join(dir, "pre-commit")
	chained := filepath.Join(dir, chainedHook)
	old, err := os.ReadFile(hook)
	switch {
	case errors.Is(err, os.ErrNotExist):
		old = nil
	case err != nil:
		return ExitError, fmt.Errorf("cannot read the existing hook: %w", err)
	}

	var msg string
	switch {
	case string(old) == hookScript:
		fi, err := os.Stat(hook)
		if err == nil && fi.Mode().Perm()&0o111 != 0 {
			fmt.Fprintf(streams.Out, "scour: the pre-commit hook is already installed at %s\n", hook)
			return ExitClean, nil
		}
		msg = "made the pre-commit hook at " + hook + " executable"
	case old == nil:
		msg = "installed the pre-commit hook at " + hook
	case isScourHook(old):
		msg = "updated the pre-commit hook at " + hook
	case opts.Force:
		msg = "replaced the pre-commit hook at " + hook + " (--force; the previous hook is gone)"
	case bytes.Contains(bytes.ToLower(old), []byte("husky")) || strings.Contains(filepath.ToSlash(dir)+"/", "/.husky/"):
		// husky's hooks find their script by their own file name: renamed
		// to chain them, they would silently do nothing.
		return ExitError, fmt.Errorf("%s is husky's: add the line \"scour staged\" to .husky/pre-commit "+
			"instead of installing scour's hook (or use --force to replace husky's)", hook)
	default:
		if _, err := os.Lstat(chained); err == nil {
			return ExitError, fmt.Errorf("%s is not scour's, and %s already exists: "+
				"not overwriting either; merge them by hand or use --force", hook, chained)
		}
		if err := os.Rename(hook, chained); err != nil {
			return ExitError, fmt.Errorf("cannot move the existing hook aside: %w", err)
		}
		msg = "installed the pre-commit hook at " + hook + "; the existing hook moved to " + chained + " and runs first"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ExitError, fmt.Errorf("cannot create the hooks directory: %w", err)
	}
	if err := writeHook(hook); err != nil {
		return ExitError, err
	}
	fmt.Fprintf(streams.Out, "scour: %s\n", msg)
	return ExitClean, nil
}

// writeHook writes the script executable (0755 regardless of umask), never
// leaving a half-written hook for git to run.
func writeHook(path string) error {
	err := atomicfile.Write(path, 0o755, func(w io.Writer) error {
		_, err := io.WriteString(w, hookScript)
		return err
	})
	if err != nil {
		return fmt.Errorf("cannot write the hook: %w", err)
	}
	return nil
}

func runHookUninstall(ctx context.Context, opts HookOptions, streams IO) (int, error) {
	dir, err := hooksDir(ctx, opts.Dir)
	if err != nil {
		return ExitError, err
	}
	hook := filepath.Join(dir, "pre-commit")
	chained := filepath.Join(dir, chainedHook)
	data, err := os.ReadFile(hook)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(streams.Out, "scour: no pre-commit hook at %s: nothing to remove\n", hook)
		return ExitClean, nil
	}
	if err != nil {
		return ExitError, err
	}
	if !isScourHook(data) {
		return ExitError, fmt.Errorf("the pre-commit hook at %s was not written by scour: leaving it", hook)
	}
	if _, err := os.Lstat(chained); err == nil {
		if err := os.Rename(chained, hook); err != nil {
			return ExitError, fmt.Errorf("cannot restore %s: %w", chained, err)
		}
		fmt.Fprintf(streams.Out, "scour: removed scour's pre-commit hook and restored the one it chained to\n")
		return ExitClean, nil
	}
	if err := os.Remove(hook); err != nil {
		return ExitError, err
	}
	fmt.Fprintf(streams.Out, "scour: removed the pre-commit hook at %s\n", hook)
	return ExitClean, nil
}
