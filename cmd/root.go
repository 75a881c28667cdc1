// Package cmd holds scour's cobra commands. Commands are thin: they parse
// flags into an options struct and call a plain function that tests call too.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/internal/version"
)

// Exit codes, documented in --help and the README.
const (
	ExitClean    = 0 // nothing found
	ExitFindings = 1 // findings
	ExitError    = 2 // error: bad usage, bad config, nothing could be scanned
)

// exitError carries an exit code out of a command's RunE.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// IO is the set of streams a command uses; tests substitute buffers.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// exitCodesHelp ends the help of the root command and of every command
// that exits with these codes.
const exitCodesHelp = `Exit codes:
  0  nothing found
  1  findings
  2  error (bad usage, bad config or rule pack, unreadable path, nothing
     could be scanned); findings made before the error are still reported
  3  a found secret was verified live (scan --verify)`

// Main runs the CLI with the process's arguments and returns the exit code.
// An interrupt cancels the run; what was found so far is still reported.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return RunContext(ctx, os.Args[1:], IO{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
}

// Run runs the CLI with args and returns the exit code.
func Run(args []string, streams IO) int {
	return RunContext(context.Background(), args, streams)
}

// RunContext is Run with a context that cancels the command.
func RunContext(ctx context.Context, args []string, streams IO) int {
	root := NewRootCmd(streams)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitClean
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(streams.ErrOut, "scour:", safetext.Lines(ee.err.Error()))
		}
		return ee.code
	}
	// Errors name paths, refs and values from the scanned tree: escaped,
	// keeping the line breaks of joined errors (each line defused).
	fmt.Fprintln(streams.ErrOut, "scour:", safetext.Lines(err.Error()))
	return ExitError
}

// NewRootCmd builds the command tree.
func NewRootCmd(streams IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "scour",
		Short: "Find leaked DevOps credentials in files and git history, and get them revoked",
		Long: `scour finds leaked DevOps credentials (Alibaba Cloud DevOps/Yunxiao,
GitHub, GitLab, Azure DevOps, Atlassian, package registries, CI/CD and cloud
tokens) in files, stdin and git history.

` + exitCodesHelp,
		Version:       Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// -v means --verbose, on every command and before the command name
	// too (`scour -v scan`, as gitleaks users type it); the version is
	// `scour version` or `scour --version`. Without this, cobra would give
	// -v to --version and `scour -v scan` would print the version and exit
	// 0 without scanning. Commands with diagnostics define their own
	// --verbose, which takes the flag's value.
	root.PersistentFlags().BoolP("verbose", "v", false, "print diagnostics to stderr")
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	// One line per command; each lives in its own file.
	root.AddCommand(newScanCmd(streams))
	root.AddCommand(newRulesCmd(streams))
	root.AddCommand(newVerifyCmd(streams))
	root.AddCommand(newRevokeCmd(streams))
	root.AddCommand(newStagedCmd(streams))
	root.AddCommand(newHookCmd(streams))
	root.AddCommand(newVersionCmd(streams))
	root.AddCommand(newConfigCmd(streams))
	root.AddCommand(newIgnoreCmd(streams))
	root.AddCommand(newBaselineCmd(streams))
	root.AddCommand(newFindingsCmd(streams))
	root.AddCommand(newReportCmd(streams))
	root.AddCommand(newStoreCmd(streams))
	root.AddCommand(newSweepCmd(streams))
	return root
}

// Version is scour's version: stamped at release (internal/version), or
// what the Go build info says ("dev" for `go run .`).
func Version() string { return version.String() }
