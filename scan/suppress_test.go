package scan

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/internal/fixture"
	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
	"github.com/scour-dev/scour/source/githistory"
	"github.com/scour-dev/scour/suppress"
)

// These tests check that suppressions keyed on the secret (package
// suppress) hold across what history attribution does to locations.

// A checksum-valid fake GitHub token built at test time (internal/fixture).
func fakePAT(seed string) string { return fixture.GitHubPAT(seed) }

// newScanner builds the engine over the built-in rules, with allow as its
// line hook when given.
func newScanner(t *testing.T, allow *suppress.Allowlist) *scanner.Scanner {
	t.Helper()
	set, err := rules.Builtin()
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
	res, err := sc.Run(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	expand(res, repo)
	return res
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

func allowlist(t *testing.T, entries ...config.Allow) *suppress.Allowlist {
	t.Helper()
	a, err := suppress.NewAllowlist(entries)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// settings renders a file holding tok on line `line` (1-based).
func settings(tok string, line int) string {
	var b strings.Builder
	for i := 1; i < line; i++ {
		b.WriteString("# filler line\n")
	}
	b.WriteString("GITHUB_TOKEN = \"" + tok + "\"\n")
	b.WriteString("DEBUG = False\n")
	return b.String()
}

// filters are the two secret-keyed suppressions made from a scan: a
// baseline (round-tripped through its file format) and an ignore file
// listing every fingerprint.
func filtersFrom(t *testing.T, res *scanner.Result) (baseline, ignore suppress.Filters) {
	t.Helper()
	var buf bytes.Buffer
	if err := suppress.WriteBaseline(&buf, suppress.NewBaseline(res)); err != nil {
		t.Fatal(err)
	}
	b, err := suppress.ReadBaseline("baseline.json", &buf)
	if err != nil {
		t.Fatal(err)
	}
	var entries []suppress.IgnoreEntry
	for _, f := range res.Findings {
		entries = append(entries, suppress.IgnoreEntry{Fingerprint: f.Fingerprint, Comment: "accepted"})
	}
	p := filepath.Join(t.TempDir(), suppress.IgnoreFileName)
	if _, err := suppress.AppendIgnore(p, entries); err != nil {
		t.Fatal(err)
	}
	l, err := suppress.LoadIgnore(p)
	if err != nil {
		t.Fatal(err)
	}
	return suppress.Filters{Baseline: b}, suppress.Filters{Ignore: l}
}

// Baselines and ignores hold across line moves, renames, rebases and
// squashes, in git history scans and in scans of the work tree, and a new
// secret written where the accepted one was is still reported.
func TestSuppressionsSurviveHistoryRewrites(t *testing.T) {
	t.Parallel()
	old, fresh := fakePAT("history-old"), fakePAT("history-fresh")
	cases := []struct {
		name string
		// setup commits the accepted secret; the baseline is taken after it.
		setup func(r *gittest.Repo)
		// rewrite moves the secret around and rewrites history.
		rewrite func(r *gittest.Repo)
		// where is the file holding the secret after rewrite.
		where string
	}{
		{
			name: "line move and rename",
			setup: func(r *gittest.Repo) {
				r.WriteFile("app/settings.py", settings(old, 2))
				r.Commit("add settings")
			},
			rewrite: func(r *gittest.Repo) {
				r.Remove("app/settings.py")
				r.WriteFile("config/prod.py", settings(old, 40))
				r.Commit("move settings")
			},
			where: "config/prod.py",
		},
		{
			name: "rebase",
			setup: func(r *gittest.Repo) {
				r.CheckoutNew("feature")
				r.WriteFile("app/settings.py", settings(old, 3))
				r.Commit("feature: settings")
			},
			rewrite: func(r *gittest.Repo) {
				r.Checkout("main")
				r.WriteFile("app/header.py", "# header\n")
				r.Commit("main moves on")
				r.Checkout("feature")
				r.Git("rebase", "-q", "main")
				// The pre-rebase commits are gone from every ref and reflog.
				r.ExpireReflogs()
				r.Git("gc", "-q", "--prune=now")
			},
			where: "app/settings.py",
		},
		{
			name: "squash merge",
			setup: func(r *gittest.Repo) {
				r.CheckoutNew("feature")
				r.WriteFile("app/settings.py", settings(old, 1))
				r.Commit("wip 1")
				r.WriteFile("app/settings.py", "# doc\n"+settings(old, 5))
				r.Commit("wip 2")
			},
			rewrite: func(r *gittest.Repo) {
				r.Checkout("main")
				r.Git("merge", "-q", "--squash", "feature")
				r.CommitStaged("feature, squashed")
				r.Git("branch", "-q", "-D", "feature")
				r.ExpireReflogs()
				r.Git("gc", "-q", "--prune=now")
			},
			where: "app/settings.py",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := gittest.Init(t)
			r.WriteFile("README.md", "# service\n")
			r.Commit("initial")
			c.setup(r)
			sc := newScanner(t, nil)

			before := scanHistory(t, sc, r.Dir)
			if got := secrets(before); len(got) != 1 || got[0] != old {
				t.Fatalf("history before: %v", got)
			}
			histFilters := []suppress.Filters{}
			b, i := filtersFrom(t, before)
			histFilters = append(histFilters, b, i)
			b, i = filtersFrom(t, scanDir(t, sc, r.Dir))
			dirFilters := []suppress.Filters{b, i}

			c.rewrite(r)
			for k, fl := range histFilters {
				res := scanHistory(t, sc, r.Dir)
				if len(res.Findings) != 1 {
					t.Fatalf("history after %s: %d findings, want the accepted one", c.name, len(res.Findings))
				}
				if n := suppress.Apply(res, fl); len(res.Findings) != 0 || n.Total() != 1 {
					t.Errorf("filter %d: history after %s still reports %v", k, c.name, secrets(res))
				}
			}
			for k, fl := range dirFilters {
				res := scanDir(t, sc, r.Dir)
				if n := suppress.Apply(res, fl); len(res.Findings) != 0 || n.Total() != 1 {
					t.Errorf("filter %d: work tree after %s still reports %v", k, c.name, secrets(res))
				}
			}

			// A new secret on the accepted secret's line is reported.
			path := filepath.Join(r.Dir, filepath.FromSlash(c.where))
			r.WriteFile(c.where, strings.Replace(readFile(t, path), old, fresh, 1))
			r.Commit("rotate the token into the same line")
			for k, fl := range append(histFilters, dirFilters...) {
				var res *scanner.Result
				if k < len(histFilters) {
					res = scanHistory(t, sc, r.Dir)
				} else {
					res = scanDir(t, sc, r.Dir)
				}
				suppress.Apply(res, fl)
				if got := secrets(res); len(got) != 1 || got[0] != fresh {
					t.Errorf("filter %d: after a new secret on the line: %v, want only the new one", k, got)
				}
			}
		})
	}
}

// A line allowlist runs inside the engine, so it holds in git history
// scans too (where paths are only known after the scan), with its rule
// scope and secret criteria.
func TestLineAllowlistInHistoryAndTree(t *testing.T) {
	t.Parallel()
	marked, other, unmarked := fakePAT("line-marked"), fakePAT("line-other"), fakePAT("line-unmarked")
	r := gittest.Init(t)
	r.WriteFile("test/fixtures.py", "TOKEN = \""+marked+"\"  # scour-test-fixture\n"+"OTHER = \""+unmarked+"\"\n")
	r.Commit("fixtures")
	r.WriteFile("test/fixtures.py", "# moved down\n\nTOKEN = \""+marked+"\"  # scour-test-fixture\n"+"OTHER = \""+unmarked+"\"\n")
	r.WriteFile("deploy.env", "SECOND = \""+other+"\"  # scour-test-fixture\n")
	r.Commit("more")
	allow := allowlist(t,
		config.Allow{Rules: []string{"github-pat"}, LineRegex: `scour-test-fixture`, SecretRegex: "^ghp_", Reason: "fixtures"},
	)
	// The entry's secret_regex excludes nothing here; a second entry scoped
	// to another rule must not apply.
	scoped := allowlist(t, config.Allow{Rules: []string{"gitlab-pat"}, LineRegex: `scour-test-fixture`})
	sc := newScanner(t, allow)
	for name, res := range map[string]*scanner.Result{"history": scanHistory(t, sc, r.Dir), "tree": scanDir(t, sc, r.Dir)} {
		got := secrets(res)
		if len(got) != 1 || got[0] != unmarked {
			t.Errorf("%s: %v, want only the unmarked secret", name, got)
		}
	}
	sc = newScanner(t, scoped)
	if got := secrets(scanDir(t, sc, r.Dir)); len(got) != 3 {
		t.Errorf("an entry for another rule allowed github tokens: %d findings left, want 3", len(got))
	}
}
