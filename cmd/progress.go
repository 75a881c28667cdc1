package cmd

import (
	"io"
	"time"

	"github.com/scour-dev/scour/internal/progress"
	"github.com/scour-dev/scour/source"
)

// Progress display timing: nothing for scans under a second; then a few
// redraws a second, cheap next to the scan.
const (
	progressDelay = time.Second
	progressEvery = 250 * time.Millisecond
)

// withProgress wraps src to show a progress line on errOut while it is
// scanned, when errOut is a terminal and off is false; otherwise src is
// returned as is. noun names the items ("files", "blobs"). Call stop when
// the scan returns, before writing anything else to errOut.
func withProgress(src source.Source, noun string, off bool, errOut io.Writer) (wrapped source.Source, stop func()) {
	if off || !isTerminal(errOut) {
		return src, func() {}
	}
	var c progress.Counter
	stop = progress.Display{W: errOut, Noun: noun, Delay: progressDelay, Every: progressEvery}.Start(&c)
	return c.Wrap(src), stop
}
