package cmd

import (
	"io"
	"time"

	"github.com/scour-dev/scour/internal/progress"
)

// Progress display timing: nothing for scans under a second; then a few
// redraws a second, cheap next to the scan.
const (
	progressDelay = time.Second
	progressEvery = 250 * time.Millisecond
)

// progressOn returns the scan pipeline's progress hook (scan.Options.
// Progress): a progress line on errOut while the scan runs, when errOut is
// a terminal and off is false; otherwise nil.
func progressOn(errOut io.Writer, off bool) func(noun string) (*progress.Counter, func()) {
	if off || !isTerminal(errOut) {
		return nil
	}
	return func(noun string) (*progress.Counter, func()) {
		c := new(progress.Counter)
		stop := progress.Display{W: errOut, Noun: noun, Delay: progressDelay, Every: progressEvery}.Start(c)
		return c, stop
	}
}
