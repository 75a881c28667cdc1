package cmd

import (
	"bytes"
	"testing"

	"github.com/scour-dev/scour/source"
)

// The progress display is for people at a terminal: with stderr not a
// terminal (a buffer, a pipe, a CI log) or switched off, the source is
// used as is and nothing is written.
func TestProgressOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	src := source.Stdin(bytes.NewReader(nil))
	for _, off := range []bool{false, true} {
		var errOut bytes.Buffer
		got, stop := withProgress(src, "files", off, &errOut)
		stop()
		if got != src || errOut.Len() != 0 {
			t.Errorf("off=%v: source wrapped (%v) or output written %q", off, got != src, errOut.String())
		}
	}
}
