package scan

import (
	"context"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

// A repository's own .scour.yaml that excludes everything must not make a
// scan pass as clean: the exclusion is counted, said in a notice printed
// even under --quiet, and a scan left with nothing is "nothing scanned"
// (exit 2), in history and in files alike.
func TestRepoConfigExcludingEverythingIsNotClean(t *testing.T) {
	t.Parallel()
	r := gittest.Init(t)
	tok := fakePAT("repo-excludes-all")
	r.WriteFile("deploy.env", "GITHUB_TOKEN="+tok+"\n")
	r.WriteFile(".scour.yaml", "exclude: ['**']\n")
	r.Commit("hide everything")

	for _, noHistory := range []bool{false, true} {
		var notices []Notice
		res := runOK(t, Options{Path: r.Dir, NoHistory: noHistory, Notify: func(n Notice) { notices = append(notices, n) }})
		if len(res.Findings) != 0 || res.Stats.ExcludedByRepo == 0 {
			t.Fatalf("no-history %v: %d findings, excluded by repo %d; want 0 and > 0", noHistory, len(res.Findings), res.Stats.ExcludedByRepo)
		}
		if !res.NothingScanned() || !strings.Contains(res.NothingScannedReason(), "excluded everything") {
			t.Errorf("no-history %v: NothingScanned %v (%q); want true", noHistory, res.NothingScanned(), res.NothingScannedReason())
		}
		if !hasNotice(notices, NoticeRepoExcluded, `"**"`) {
			t.Errorf("no-history %v: notices %+v; want one naming the repository's pattern", noHistory, notices)
		}
		if !noHistory && (res.Stats.Git == nil || res.Stats.Git.ExcludedBlobs != res.Stats.ExcludedByRepo) {
			t.Errorf("git stats %+v, want excluded blobs = %d", res.Stats.Git, res.Stats.ExcludedByRepo)
		}
	}
	// The user's own --exclude is the user's word: counted, not flagged.
	res := runOK(t, Options{Path: r.Dir, NoRepoConfig: true, Excludes: []string{"**"}})
	if res.Stats.ExcludedByRepo != 0 || res.NothingScanned() {
		t.Errorf("user excludes: excluded by repo %d, nothing scanned %v; want 0, false", res.Stats.ExcludedByRepo, res.NothingScanned())
	}
}

// Rules the repository's own config disables are named in a notice.
func TestRepoConfigDisablingRulesIsSaid(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, t.TempDir(), map[string]string{
		".scour.yaml": "disable: [github-pat]\n",
		"app.env":     "GITHUB_TOKEN=" + fakePAT("repo-disables") + "\n",
	})
	var notices []Notice
	res := runOK(t, Options{Path: dir, Notify: func(n Notice) { notices = append(notices, n) }})
	if len(res.Findings) != 0 || !hasNotice(notices, NoticeRepoExcluded, `disables 1 rule ("github-pat")`) {
		t.Fatalf("%d findings, notices %+v; want none and a notice naming the disabled rule", len(res.Findings), notices)
	}
	cfg := writeTree(t, t.TempDir(), map[string]string{"mine.yaml": "disable: [github-pat]\n"})
	notices = nil
	runOK(t, Options{Path: dir, ConfigFile: cfg + "/mine.yaml", Notify: func(n Notice) { notices = append(notices, n) }})
	if hasNotice(notices, NoticeRepoExcluded, "disables") {
		t.Errorf("a config the user named: notices %+v, want no warning", notices)
	}
}

// Blobs the repository's config excludes are counted apart from those the
// user's --exclude also excludes.
func TestRepoExcludesCountedApartFromTheUsers(t *testing.T) {
	t.Parallel()
	r := gittest.Init(t)
	r.WriteFile("app.env", "GITHUB_TOKEN="+fakePAT("repo-excl-app")+"\n")
	r.WriteFile("vendor/a.js", "a\n")
	r.WriteFile("fixtures/b.env", "GITHUB_TOKEN="+fakePAT("repo-excl-fixture")+"\n")
	r.WriteFile(".scour.yaml", "exclude: [vendor/, fixtures/]\n")
	r.Commit("init")
	res := runOK(t, Options{Path: r.Dir, Excludes: []string{"vendor/"}})
	if got := secrets(res.Result); len(got) != 1 {
		t.Fatalf("secrets %v, want the app one", got)
	}
	if res.Stats.ExcludedByRepo != 1 || res.Stats.Git.ExcludedBlobs != 2 {
		t.Errorf("excluded by repo %d (want 1: fixtures/b.env), excluded blobs %d (want 2)", res.Stats.ExcludedByRepo, res.Stats.Git.ExcludedBlobs)
	}
}

// A range scan (a pull request's check) reads the repository's own config
// and ignore file from the range's base: a range that adds a secret and,
// with it, a .scour.yaml excluding it, disabling its rule, or a
// .scourignore entry for it still reports it. Once merged, the new config
// applies.
func TestRangeTakesRepoConfigFromItsBase(t *testing.T) {
	t.Parallel()
	tok := fakePAT("range-base-config")
	cases := map[string]map[string]string{
		"exclude all":  {".scour.yaml": "exclude: ['**']\n"},
		"exclude path": {".scour.yaml": "exclude: [deploy/]\n"},
		"disable rule": {".scour.yaml": "disable: [github-pat]\n"},
		"ignore file":  {".scourignore": "FINGERPRINT  # accepted\n"},
		"allow secret": {".scour.yaml": "allow:\n  - secret_regex: 'ghp_'\n"},
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := gittest.Init(t)
			r.WriteFile("README", "hi\n")
			r.WriteFile(".scour.yaml", "exclude: [fixtures/]\n") // the base's own, reviewed config
			base := r.Commit("base")
			r.WriteFile("deploy/prod.env", "GITHUB_TOKEN="+tok+"\n")
			for f, content := range files {
				r.WriteFile(f, strings.ReplaceAll(content, "FINGERPRINT", fingerprint(t, tok)))
			}
			head := r.Commit("add a secret and hide it")

			var notices []Notice
			res := runOK(t, Options{Path: r.Dir, Range: base + ".." + head, Notify: func(n Notice) { notices = append(notices, n) }})
			if got := secrets(res.Result); len(got) != 1 || got[0] != tok {
				t.Fatalf("range: secrets %v, want the added token (config from the base)", got)
			}
			if res.ConfigRev != base || res.Config.Path != base+":.scour.yaml" {
				t.Errorf("config rev %q, path %q; want the base's", res.ConfigRev, res.Config.Path)
			}
			if !hasNotice(notices, NoticeConfig, "the range's base") {
				t.Errorf("notices %+v, want one saying the config comes from the base", notices)
			}
			// --no-repo-config and a config the user names are unaffected.
			res = runOK(t, Options{Path: r.Dir, Range: base + ".." + head, NoRepoConfig: true})
			if len(res.Findings) != 1 || res.ConfigRev != "" {
				t.Errorf("--no-repo-config: %d findings, config rev %q", len(res.Findings), res.ConfigRev)
			}
		})
	}
}

// The base's config applies in full: its excludes keep a range that only
// touches excluded paths from failing, without "nothing scanned".
func TestRangeHonoursTheBaseConfig(t *testing.T) {
	t.Parallel()
	r := gittest.Init(t)
	r.WriteFile(".scour.yaml", "exclude: [fixtures/]\n")
	r.WriteFile("README", "hi\n")
	base := r.Commit("base")
	r.WriteFile("fixtures/fake.env", "GITHUB_TOKEN="+fakePAT("range-base-fixture")+"\n")
	head := r.Commit("a fixture")
	res := runOK(t, Options{Path: r.Dir, Range: base + ".." + head})
	if len(res.Findings) != 0 || res.NothingScanned() || res.Stats.ExcludedByRepo != 1 {
		t.Fatalf("%d findings, nothing scanned %v, excluded by repo %d; want 0, false, 1",
			len(res.Findings), res.NothingScanned(), res.Stats.ExcludedByRepo)
	}
	// A rule pack the base's config names is read from the base too.
	r.WriteFile("rules/team.yaml", "bad: [")
	r.WriteFile(".scour.yaml", "rules: [rules/team.yaml]\n")
	head2 := r.Commit("a broken pack, only in the range")
	if _, err := Run(context.Background(), Options{Path: r.Dir, Range: base + ".." + head2}); err != nil {
		t.Fatalf("range whose base names no pack: %v", err)
	}
	if _, err := Run(context.Background(), Options{Path: r.Dir, Range: head2 + ".." + head2}); err == nil {
		t.Fatal("range whose base names a broken pack: no error")
	}
}

func hasNotice(ns []Notice, kind, text string) bool {
	for _, n := range ns {
		if n.Kind == kind && strings.Contains(n.Text, text) {
			return true
		}
	}
	return false
}
