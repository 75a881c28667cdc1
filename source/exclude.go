package source

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// CompileExcludes compiles gitignore-style exclude patterns (nil for none).
// go-git's matcher treats a malformed pattern as "no match", so patterns
// are checked first and a bad one is an error naming it. Every source that
// honours excludes uses this, so a pattern means the same on disk, in
// history and in the index.
func CompileExcludes(pats []string) (gitignore.Matcher, error) {
	if len(pats) == 0 {
		return nil, nil
	}
	ps := make([]gitignore.Pattern, 0, len(pats))
	for _, p := range pats {
		neg := strings.HasPrefix(p, "!")
		body := strings.TrimPrefix(p, "!")
		if rest, ok := strings.CutPrefix(body, "./"); ok {
			// "./vendor" from a shell means the root's vendor; gitignore
			// would match nothing for it.
			body = "/" + rest
			p = body
			if neg {
				p = "!" + body
			}
		}
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
	return gitignore.NewMatcher(ps), nil
}

// Excluder matches slash-separated file paths (not read from disk: blobs in
// history, index entries, report locations) against exclude patterns.
type Excluder struct{ m gitignore.Matcher }

// NewExcluder compiles pats; it returns nil (which excludes nothing) for
// no patterns.
func NewExcluder(pats []string) (*Excluder, error) {
	m, err := CompileExcludes(pats)
	if m == nil || err != nil {
		return nil, err
	}
	return &Excluder{m}, nil
}

// Excluded reports whether the file at path, or a directory above it,
// matches: a walk of the same tree on disk would have pruned that
// directory, so `scour scan --no-history` and a history scan agree.
func (e *Excluder) Excluded(path string) bool {
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
