package suppress

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/scour-dev/scour/gitscan"
	"github.com/scour-dev/scour/internal/fixture"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
	"github.com/scour-dev/scour/source/githistory"
)

// A checksum-valid fake GitHub token built at test time (internal/fixture).
func fakePAT(seed string) string { return fixture.GitHubPAT(seed) }

func fingerprint(secret string) string {
	s := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(s[:])
}

// builtinSet is the built-in rule set, built once per test binary (a few
// hundred milliseconds under -race); tests only read it.
var builtinSet = sync.OnceValues(rules.Builtin)

// newScanner builds the engine over the built-in rules, with allow as its
// line hook when given.
func newScanner(t *testing.T, allow *Allowlist) *scanner.Scanner {
	t.Helper()
	set, err := builtinSet()
	if err != nil {
		t.Fatal(err)
	}
	opts := scanner.Options{Rules: set}
	if allow.HasLineRules() {
		opts.Allow = allow.MatchLine
	}
	sc, err := scanner.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// scanDir scans a directory tree.
func scanDir(t *testing.T, sc *scanner.Scanner, dir string) *scanner.Result {
	t.Helper()
	res, err := sc.Run(context.Background(), &source.Dir{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// scanHistory scans every blob of a repository's history and attributes
// the findings to commits and paths.
func scanHistory(t *testing.T, sc *scanner.Scanner, dir string) *scanner.Result {
	t.Helper()
	repo, err := githistory.Open(dir, githistory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	res, err := gitscan.Scan(context.Background(), sc, repo)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// secrets lists the secrets of res's findings.
func secrets(res *scanner.Result) []string {
	var s []string
	for _, f := range res.Findings {
		s = append(s, f.Secret)
	}
	return s
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
