package scan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sourcegraph/conc"

	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/internal/progress"
)

// corrupt flips a token's last character, breaking its checksum.
func corrupt(tok string) string {
	last := tok[len(tok)-1]
	repl := byte('a')
	if last == 'a' {
		repl = 'b'
	}
	return tok[:len(tok)-1] + string(repl)
}

// writeTree writes files (slash paths) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runOK runs the pipeline and fails the test on an error.
func runOK(t *testing.T, opts Options) *Result {
	t.Helper()
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("Run(%+v): %v", opts, err)
	}
	return res
}

// One secret in many files, each pairing it with another user name (the
// rule's context): every run reports the same context (the one at the
// first location) and the same result, whichever file finished first.
func TestReportIsReproducibleRunToRun(t *testing.T) {
	t.Parallel()
	tok := "dckr" + "_pat_" + "Qm7vK2xZp9LwR4tYb8NcJ3hGf5D"
	files := map[string]string{}
	for i := range 120 {
		files[fmt.Sprintf("svc%03d/.env", i)] = fmt.Sprintf("DOCKER_USERNAME=user%03d\nDOCKER_TOKEN=%s\n", 500-i, tok)
	}
	dir := writeTree(t, t.TempDir(), files)
	var first *Result
	for run := range 6 {
		res := runOK(t, Options{Path: dir})
		if len(res.Findings) != 1 || len(res.Findings[0].Locations) != 120 {
			t.Fatalf("run %d: findings %+v", run, res.Findings)
		}
		if got := res.Findings[0].Context["user"]; got != "user500" {
			t.Fatalf("run %d: context user %q, want user500 (from svc000/.env, the first location)", run, got)
		}
		if first == nil {
			first = res
			continue
		}
		if !reflect.DeepEqual(first.Result, res.Result) {
			t.Fatalf("run %d differs from run 0", run)
		}
	}
}

// The pipeline is called once per repository by a sweep, concurrently:
// each call reports its own findings, notices and progress, and none
// shares state with another.
func TestConcurrentRunsAreIndependent(t *testing.T) {
	t.Parallel()
	const n = 4
	repos := make([]*gittest.Repo, n)
	toks := make([]string, n)
	for i := range n {
		r := gittest.Init(t)
		toks[i] = fakePAT(fmt.Sprintf("concurrent-%d", i))
		r.WriteFile("app.env", "GITHUB_TOKEN="+toks[i]+"\n")
		r.Commit("add token")
		r.WriteFile("app.env", "GITHUB_TOKEN=\n")
		r.Commit("remove token")
		repos[i] = r
	}
	results := make([]*Result, n)
	counters := make([]*progress.Counter, n)
	var cache RuleCache // shared, as a sweep shares it
	var wg conc.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := Run(context.Background(), Options{
				Path:      repos[i].Dir,
				RuleCache: &cache,
				Progress: func(noun string) (*progress.Counter, func()) {
					counters[i] = new(progress.Counter)
					return counters[i], func() {}
				},
			})
			if err != nil {
				t.Errorf("repo %d: %v", i, err)
				return
			}
			results[i] = res
		})
	}
	wg.Wait()
	for i, res := range results {
		if res == nil {
			continue
		}
		if got := secrets(res.Result); len(got) != 1 || got[0] != toks[i] {
			t.Errorf("repo %d: secrets %v, want only its own", i, got)
		}
		if res.Mode != ModeHistory || res.Stats.Git == nil || res.Stats.Git.Commits != 2 {
			t.Errorf("repo %d: mode %s, git stats %+v", i, res.Mode, res.Stats.Git)
		}
		if items, _ := counters[i].Snapshot(); items != res.Stats.Items {
			t.Errorf("repo %d: progress counted %d items, the scan %d", i, items, res.Stats.Items)
		}
	}
}

// Bad options fail before anything is scanned: no result, no progress.
func TestBadOptionsFailBeforeScanning(t *testing.T) {
	t.Parallel()
	r := gittest.Init(t)
	r.WriteFile("a", "x\n")
	r.Commit("a")
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"unknown range end", Options{Range: "nope..HEAD"}, `cannot resolve "nope"`},
		{"range past the root", Options{Range: "HEAD~5..HEAD"}, "cannot resolve"},
		{"range without dots", Options{Range: "HEAD"}, "want A..B"},
		{"symmetric range", Options{Range: "HEAD...HEAD"}, "symmetric"},
		{"bad exclude glob", Options{Excludes: []string{"["}}, "exclude pattern"},
		{"negative size", Options{MaxFileSize: -1}, "negative"},
		{"range and all objects", Options{Range: "HEAD..HEAD", AllObjects: true}, "cannot be combined"},
	}
	for _, c := range cases {
		opts := c.opts
		opts.Path = r.Dir
		started := false
		opts.Progress = func(string) (*progress.Counter, func()) { started = true; return nil, nil }
		res, err := Run(context.Background(), opts)
		if err == nil || !strings.Contains(err.Error(), c.want) || res != nil || started {
			t.Errorf("%s: result %v, scan started %v, error %v; want an error about %q before the scan", c.name, res != nil, started, err, c.want)
		}
	}
	// In a plain directory too.
	dir := writeTree(t, t.TempDir(), map[string]string{"a": "x"})
	if res, err := Run(context.Background(), Options{Path: dir, Excludes: []string{"a/[b"}}); err == nil || res != nil {
		t.Errorf("bad exclude in a directory scan: %v, %v", res, err)
	}
}

// The target's own .scour.yaml and .scourignore apply, unless NoRepoConfig:
// then everything is reported.
func TestNoRepoConfigIgnoresTheTargetsConfigAndIgnoreFile(t *testing.T) {
	t.Parallel()
	excluded, ignored := fakePAT("norepo-excluded"), fakePAT("norepo-ignored")
	dir := writeTree(t, t.TempDir(), map[string]string{
		".scour.yaml":   "exclude:\n  - vendor/\n",
		"vendor/lib.js": "token = '" + excluded + "'\n",
		"app.env":       "GITHUB_TOKEN=" + ignored + "\n",
		".scourignore":  fingerprint(t, ignored) + "  # accepted\n",
	})
	res := runOK(t, Options{Path: dir})
	if len(res.Findings) != 0 || res.Suppressed.Ignored != 1 || res.Config.Path == "" {
		t.Fatalf("with the repository's config: findings %v, suppressed %+v", secrets(res.Result), res.Suppressed)
	}
	res = runOK(t, Options{Path: dir, NoRepoConfig: true})
	if got := secrets(res.Result); len(got) != 2 || res.Config.Path != "" || res.Suppressed.Total() != 0 {
		t.Fatalf("NoRepoConfig: secrets %v, config %q, suppressed %+v; want both secrets and no config", got, res.Config.Path, res.Suppressed)
	}
	// A config the user names still applies.
	cfg := writeTree(t, t.TempDir(), map[string]string{"mine.yaml": "exclude:\n  - app.env\n"})
	res = runOK(t, Options{Path: dir, NoRepoConfig: true, ConfigFile: filepath.Join(cfg, "mine.yaml")})
	if got := secrets(res.Result); len(got) != 1 || got[0] != excluded {
		t.Fatalf("NoRepoConfig with --config: secrets %v, want only the vendor one", got)
	}
}

// Path "" inside a repository's subdirectory scans the repository: its
// history and its root config, as git commands do.
func TestEmptyPathInASubdirectoryScansTheRepository(t *testing.T) {
	r := gittest.Init(t)
	inHistory := fakePAT("subdir-history")
	r.WriteFile(".scour.yaml", "exclude:\n  - fixtures/\n")
	r.WriteFile("deploy/prod.env", "GITHUB_TOKEN="+inHistory+"\n")
	r.WriteFile("fixtures/fake.env", "GITHUB_TOKEN="+fakePAT("subdir-fixture")+"\n")
	r.WriteFile("src/pkg/main.go", "package main\n")
	r.Commit("add")
	r.Remove("deploy/prod.env")
	r.Commit("remove the token")
	t.Chdir(filepath.Join(r.Dir, "src", "pkg"))

	var notices []Notice
	res := runOK(t, Options{Notify: func(n Notice) { notices = append(notices, n) }})
	if got := secrets(res.Result); len(got) != 1 || got[0] != inHistory {
		t.Fatalf("secrets %v, want the one in history only (fixtures/ excluded by the root config)", got)
	}
	if res.Mode != ModeHistory || !sameDir(res.Target, r.Dir) {
		t.Errorf("mode %s, target %s; want history of %s", res.Mode, res.Target, r.Dir)
	}
	if len(notices) == 0 || notices[0].Kind != NoticeTarget || !strings.Contains(notices[0].Text, "scanning the repository") {
		t.Errorf("notices %+v, want one saying the repository is scanned", notices)
	}
	// A directory named explicitly is scanned as named.
	res = runOK(t, Options{Path: "."})
	if res.Mode != ModeFiles || len(res.Findings) != 0 || res.Stats.Items != 1 {
		t.Errorf("Path \".\": mode %s, %d items, %d findings; want the one file of this directory", res.Mode, res.Stats.Items, len(res.Findings))
	}
}

// Dropped candidates are counted in the result, verbose or not.
func TestCandidatesDroppedByChecksumAreCounted(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, t.TempDir(), map[string]string{
		"a.env": "GITHUB_TOKEN=" + corrupt(fakePAT("dropped")) + "\n",
		"b.env": "GITHUB_TOKEN=" + corrupt(fakePAT("dropped")) + "\n",
	})
	res := runOK(t, Options{Path: dir})
	if len(res.Findings) != 0 || res.Stats.Dropped.Checksum != 1 {
		t.Fatalf("findings %d, dropped %+v; want the one made-up token counted once", len(res.Findings), res.Stats.Dropped)
	}
}

// An interrupted scan returns what it found with the context's error; a
// scan that skipped everything says so.
func TestCancelledAndNothingScanned(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, t.TempDir(), map[string]string{"big.txt": strings.Repeat("x", 100)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Run(ctx, Options{Path: dir})
	if !errors.Is(err, context.Canceled) || res == nil || res.Result == nil {
		t.Fatalf("cancelled: result %v, error %v", res, err)
	}
	res = runOK(t, Options{Path: dir, MaxFileSize: 10})
	if !res.NothingScanned() || res.SkipCounts() != "1 too large" {
		t.Fatalf("nothing scanned %v, skips %q", res.NothingScanned(), res.SkipCounts())
	}
}

// Stdin needs a reader; a missing path is an error naming it.
func TestStdinAndMissingPath(t *testing.T) {
	t.Parallel()
	tok := fakePAT("stdin")
	res := runOK(t, Options{Path: "-", Stdin: strings.NewReader("k=" + tok + "\n")})
	if res.Mode != ModeStdin || len(res.Findings) != 1 || res.Findings[0].Locations[0].Kind != "stdin" {
		t.Fatalf("stdin: mode %s, findings %+v", res.Mode, res.Findings)
	}
	if _, err := Run(context.Background(), Options{Path: "-"}); err == nil {
		t.Error("stdin without a reader: no error")
	}
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := Run(context.Background(), Options{Path: missing}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing path: %v", err)
	}
}

// A range scan attributes findings to the range's commits and sets apart
// those the range only carried along.
func TestRangeNotIntroduced(t *testing.T) {
	t.Parallel()
	r := gittest.Init(t)
	old, fresh := fakePAT("range-old"), fakePAT("range-new")
	r.WriteFile("settings.env", "A="+old+"\n")
	base := r.Commit("old secret")
	r.AppendFile("settings.env", "B=1\n")
	r.WriteFile("new.env", "C="+fresh+"\n")
	head := r.Commit("touch settings, add a secret")
	var notices []Notice
	res := runOK(t, Options{Path: r.Dir, Range: base + ".." + head, Notify: func(n Notice) { notices = append(notices, n) }})
	if got := secrets(res.Result); len(got) != 1 || got[0] != fresh {
		t.Fatalf("secrets %v, want only the new one", got)
	}
	if len(res.NotIntroduced) != 1 || res.NotIntroduced[0].Secret != old {
		t.Fatalf("not introduced %+v", res.NotIntroduced)
	}
	if len(notices) != 1 || notices[0].Kind != NoticeNotIntroduced || strings.Contains(notices[0].Text, old) {
		t.Errorf("notices %+v: want one, without the secret", notices)
	}
	if l := res.Findings[0].Locations[0]; l.Commit == nil || l.Commit.Hash != head || l.Path != "new.env" {
		t.Errorf("location %+v", l)
	}
}

// Staged reports only what the commit adds, and says what HEAD already
// held.
func TestStagedSubtractsHead(t *testing.T) {
	t.Parallel()
	r := gittest.Init(t)
	old, fresh := fakePAT("staged-old"), fakePAT("staged-new")
	r.WriteFile("settings.env", "A="+old+"\n")
	r.Commit("old secret")
	r.AppendFile("settings.env", "B="+fresh+"\n")
	r.Git("add", "settings.env")
	res, err := Staged(context.Background(), StagedOptions{Dir: r.Dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := secrets(res.Result); len(got) != 1 || got[0] != fresh {
		t.Fatalf("secrets %v, want only the added one", got)
	}
	if res.Mode != ModeStaged || res.Staged.Changed != 1 || res.Staged.AlreadyInHead["settings.env"] != 1 {
		t.Fatalf("mode %s, staged %+v", res.Mode, res.Staged)
	}
	// Outside a repository nothing is passed.
	if _, err := Staged(context.Background(), StagedOptions{Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "unchecked") {
		t.Errorf("outside a repository: %v", err)
	}
}

// fingerprint is a secret's fingerprint as findings carry it (taken from
// a scan, so the test does not depend on how fingerprints are made).
func fingerprint(t *testing.T, secret string) string {
	t.Helper()
	res := runOK(t, Options{Path: "-", Stdin: strings.NewReader("GITHUB_TOKEN=" + secret + "\n")})
	if len(res.Findings) != 1 {
		t.Fatalf("fingerprint: %d findings", len(res.Findings))
	}
	return res.Findings[0].Fingerprint
}

// A remote repository is cloned only once everything else checks out, and
// its findings name the URL.
func TestRemoteIsClonedAfterTheChecks(t *testing.T) {
	t.Parallel()
	r := gittest.Init(t)
	tok := fakePAT("remote")
	r.WriteFile("app.env", "GITHUB_TOKEN="+tok+"\n")
	r.Commit("add")
	url := "file://" + filepath.ToSlash(r.Dir)

	var notices []Notice
	notify := func(n Notice) { notices = append(notices, n) }
	_, err := Run(context.Background(), Options{Path: url, ConfigFile: filepath.Join(t.TempDir(), "missing.yaml"), Notify: notify})
	if err == nil || len(notices) != 0 {
		t.Fatalf("missing --config: error %v, notices %+v; want an error before any clone", err, notices)
	}
	res := runOK(t, Options{Path: url, Notify: notify})
	if len(notices) != 1 || notices[0].Kind != NoticeClone {
		t.Errorf("notices %+v, want one saying the clone started", notices)
	}
	if got := secrets(res.Result); len(got) != 1 || res.Findings[0].Locations[0].Remote != url || res.Mode != ModeHistory {
		t.Errorf("secrets %v, locations %+v", got, res.Findings)
	}
	if _, err := os.Stat(res.Target); !os.IsNotExist(err) {
		t.Errorf("clone %s left behind: %v", res.Target, err)
	}
}

// A RuleCache builds a sweep's rule set once, and never serves a
// repository's own config from it.
func TestRuleCache(t *testing.T) {
	t.Parallel()
	var c RuleCache
	plain := writeTree(t, t.TempDir(), map[string]string{"a.env": "GITHUB_TOKEN=" + fakePAT("cache") + "\n"})
	own := writeTree(t, t.TempDir(), map[string]string{
		".scour.yaml": "disable: [github-pat]\n",
		"a.env":       "GITHUB_TOKEN=" + fakePAT("cache") + "\n",
	})
	first := runOK(t, Options{Path: plain, RuleCache: &c})
	second := runOK(t, Options{Path: plain, RuleCache: &c})
	if first.Rules != second.Rules || len(second.Findings) != 1 {
		t.Errorf("the same configuration built its rule set twice (or lost the finding: %d)", len(second.Findings))
	}
	mine := runOK(t, Options{Path: own, RuleCache: &c})
	if mine.Rules == first.Rules || len(mine.Findings) != 0 {
		t.Errorf("a repository's own config was served from the cache: %d findings", len(mine.Findings))
	}
	if res := runOK(t, Options{Path: own, RuleCache: &c, NoRepoConfig: true}); res.Rules != first.Rules || len(res.Findings) != 1 {
		t.Errorf("--no-repo-config did not share the cached rule set")
	}
}
