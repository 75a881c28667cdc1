package githistory

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// excluder matches history paths against gitignore-style patterns, with the
// same syntax and library as source.Dir's Excludes, so a config's excludes
// mean the same for files on disk and for blobs in history.
type excluder struct{ m gitignore.Matcher }

func newExcluder(pats []string) (*excluder, error) {
	if len(pats) == 0 {
		return nil, nil
	}
	ps := make([]gitignore.Pattern, 0, len(pats))
	for _, p := range pats {
		body := strings.TrimPrefix(p, "!")
		if strings.TrimSpace(body) == "" {
			return nil, fmt.Errorf("exclude pattern %q: empty", p)
		}
		for _, seg := range strings.Split(body, "/") {
			if _, err := filepath.Match(seg, ""); err != nil {
				return nil, fmt.Errorf("exclude pattern %q: %w", p, err)
			}
		}
		ps = append(ps, gitignore.ParsePattern(p, nil))
	}
	return &excluder{gitignore.NewMatcher(ps)}, nil
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
