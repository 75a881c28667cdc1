// Package cmd holds scour's cobra commands. Commands are thin: they parse
// flags into an options struct and call a plain function that tests call too.
package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
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

// Main runs the CLI with the process's arguments and returns the exit code.
func Main() int {
	return Run(os.Args[1:], IO{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
}

// Run runs the CLI with args and returns the exit code.
func Run(args []string, streams IO) int {
	root := NewRootCmd(streams)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitClean
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(streams.ErrOut, "scour:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(streams.ErrOut, "scour:", err)
	return ExitError
}

// NewRootCmd builds the command tree.
func NewRootCmd(streams IO) *cobra.Command {
	root := &cobra.Command{
		Use:           "scour",
		Short:         "Find leaked DevOps credentials in files and git history, and get them revoked",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	// One line per command; each lives in its own file.
	return root
}
