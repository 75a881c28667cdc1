package scanner

import (
	"context"

	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/source"
)

// PLACEHOLDER signatures agreed between helpers; bodies are being written.

// Options configures a Scanner.
type Options struct {
	Rules *rules.Set
	// Debugf receives --verbose diagnostics (e.g. a candidate dropped for a
	// failed checksum). May be nil.
	Debugf func(format string, args ...any)
}

// Scanner applies a rule set to content. It is safe for concurrent use.
type Scanner struct{ opts Options }

// New builds the prefilter automaton and compiles the rules.
func New(opts Options) (*Scanner, error) { panic("TODO") }

// Run scans everything src yields and groups matches into findings.
// Unreadable content is listed in Result.Skipped; an error is returned only
// when the scan as a whole could not run (findings made so far are still
// returned in the Result).
func (s *Scanner) Run(ctx context.Context, src source.Source) (*Result, error) { panic("TODO") }
