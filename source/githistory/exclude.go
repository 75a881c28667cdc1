package githistory

import (
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/scour-dev/scour/source"
)

// excluder matches history paths against gitignore-style patterns, with the
// same syntax and library as source.Dir's Excludes, so a config's excludes
// mean the same for files on disk and for blobs in history.
type excluder struct{ m gitignore.Matcher }

func newExcluder(pats []string) (*excluder, error) {
	m, err := source.CompileExcludes(pats)
	if m == nil || err != nil {
		return nil, err
	}
	return &excluder{m}, nil
}

// excluded reports whether path, or a directory above it, matches: a walk
// of the tree on disk would have pruned that directory.
func (e *excluder) excluded(path string) bool {
	if e == nil {
		return false
	}
	parts := strings.Split(path, "/")
	for i := 1; i <= len(parts); i++ {
		if e.m.Match(parts[:i], i < len(parts)) {
			return true
		}
	}
	return false
}
