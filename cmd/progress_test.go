package cmd

import (
	"bytes"
	"testing"
)

// The progress display is for people at a terminal: with stderr not a
// terminal (a buffer, a pipe, a CI log) or switched off, there is no
// progress hook and nothing is written.
func TestProgressOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	for _, off := range []bool{false, true} {
		var errOut bytes.Buffer
		if hook := progressOn(&errOut, off); hook != nil || errOut.Len() != 0 {
			t.Errorf("off=%v: progress hook set (%v) or output written %q", off, hook != nil, errOut.String())
		}
	}
}
