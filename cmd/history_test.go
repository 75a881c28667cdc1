package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

// historyRepo has a token added in one commit and deleted in the next,
// so only a history scan can find it.
func historyRepo(t *testing.T) (g *gittest.Repo, tok, leak string) {
	t.Helper()
	g = gittest.Init(t)
	tok = fakeGitHubPAT("history")
	g.WriteFile("README", "hello\n")
	g.Commit("init")
	g.WriteFile("deploy/token.txt", "GITHUB_TOKEN="+tok+"\n")
	leak = g.Commit("add deploy token")
	g.Remove("deploy/token.txt")
	g.Commit("remove token")
	return g, tok, leak
}

func TestScanRepositoryReadsHistory(t *testing.T) {
	t.Parallel()
	g, tok, leak := historyRepo(t)
	code, out, errOut := runCLI(t, "", "scan", "--format", "json", "--show-secrets", g.Dir)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitFindings, errOut)
	}
	var rep struct {
		Findings []struct {
			Secret    string `json:"secret"`
			Locations []struct {
				Kind   string `json:"kind"`
				Path   string `json:"path"`
				Line   int    `json:"line"`
				Commit *struct {
					Hash, Message string
				} `json:"commit"`
			} `json:"locations"`
		} `json:"findings"`
		Stats struct {
			Git *struct{ Refs, Commits, Blobs int64 } `json:"git"`
		} `json:"stats"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].Secret != tok {
		t.Fatalf("findings %+v", rep.Findings)
	}
	l := rep.Findings[0].Locations[0]
	if l.Commit == nil || l.Commit.Hash != leak || l.Path != "deploy/token.txt" || l.Line != 1 {
		t.Fatalf("headline location %+v", l)
	}
	if g := rep.Stats.Git; g == nil || g.Refs != 1 || g.Commits != 3 || g.Blobs != 2 {
		t.Fatalf("stats.git = %+v, want 1 ref, 3 commits, 2 blobs", g)
	}
	if !strings.Contains(errOut, "git history: 1 refs, 3 commits, 2 blobs") {
		t.Fatalf("summary lacks history counts:\n%s", errOut)
	}
}

func TestScanNoHistoryReadsOnlyFiles(t *testing.T) {
	t.Parallel()
	g, _, _ := historyRepo(t)
	if code, _, errOut := runCLI(t, "", "scan", "--no-history", g.Dir); code != ExitClean {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
}

func TestScanRangeAndEmptyRange(t *testing.T) {
	t.Parallel()
	g, _, _ := historyRepo(t)
	if code, _, errOut := runCLI(t, "", "scan", "--range", "HEAD~2..HEAD", g.Dir); code != ExitFindings {
		t.Fatalf("range with the leak: exit %d; stderr:\n%s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "scan", "--range", "HEAD~1..HEAD", g.Dir); code != ExitClean {
		t.Fatalf("range after the leak: exit %d; stderr:\n%s", code, errOut)
	}
	code, _, errOut := runCLI(t, "", "scan", "--range", "HEAD..HEAD", g.Dir)
	if code != ExitClean || !strings.Contains(errOut, "has no commits") {
		t.Fatalf("empty range: exit %d; stderr:\n%s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "scan", "--range", "nope..HEAD", g.Dir); code != ExitError {
		t.Fatalf("bad range: exit %d; stderr:\n%s", code, errOut)
	}
}

func TestScanAllObjectsFindsUnreachable(t *testing.T) {
	t.Parallel()
	g := gittest.Init(t)
	tok := fakeGitHubPAT("unreachable")
	g.WriteFile("a", "a\n")
	base := g.Commit("a")
	g.WriteFile("b", tok+"\n")
	g.Commit("b")
	g.ResetHard(base)
	if code, _, errOut := runCLI(t, "", "scan", g.Dir); code != ExitClean {
		t.Fatalf("default scan: exit %d; stderr:\n%s", code, errOut)
	}
	code, out, errOut := runCLI(t, "", "scan", "--all-objects", "--format", "json", g.Dir)
	if code != ExitFindings || !strings.Contains(out, `"unreachable": true`) {
		t.Fatalf("--all-objects: exit %d\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestHistoryFlagsNeedARepository(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{{"--range", "a..b"}, {"--all-objects"}} {
		if code, _, _ := runCLI(t, "", append(append([]string{"scan"}, args...), dir)...); code != ExitError {
			t.Errorf("%v on a plain directory: exit %d, want %d", args, code, ExitError)
		}
	}
}

func TestScanDamagedRepository(t *testing.T) {
	t.Parallel()
	g, _, _ := historyRepo(t)
	g.Repack()
	for _, p := range g.Packs() {
		os.Remove(p)
	}
	os.RemoveAll(filepath.Join(g.Dir, "README"))
	os.RemoveAll(filepath.Join(g.Dir, "deploy"))
	code, _, errOut := runCLI(t, "", "scan", g.Dir)
	if code != ExitError || !strings.Contains(errOut, "missing") {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
}

// TestScanMaxFileSizeAppliesToHistoryBlobs: --max-file-size is the one
// size guard a user sets; blobs in history obey it like files on disk.
func TestScanMaxFileSizeAppliesToHistoryBlobs(t *testing.T) {
	t.Parallel()
	g := gittest.Init(t)
	tok := fakeGitHubPAT("bigblob")
	g.WriteFile("README", "hello\n")
	g.WriteFile("dump.sql", "-- "+tok+"\n"+strings.Repeat("insert into t values (1);\n", 100))
	g.Commit("add dump")
	g.Remove("dump.sql")
	g.Commit("remove dump")
	code, out, errOut := runCLI(t, "", "scan", "--format", "json", "--max-file-size", "1KB", g.Dir)
	if code != ExitClean {
		t.Fatalf("exit %d, want %d (the large blob skipped); stderr:\n%s", code, ExitClean, errOut)
	}
	var rep struct {
		Findings []json.RawMessage `json:"findings"`
		Skipped  []struct{ Path, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Findings) != 0 || len(rep.Skipped) != 1 || rep.Skipped[0].Path != "dump.sql" || rep.Skipped[0].Reason != "too large" {
		t.Fatalf("findings %d, skipped %+v; want the blob over 1KB skipped as too large", len(rep.Findings), rep.Skipped)
	}
	// Without the guard the blob is scanned.
	if code, _, errOut := runCLI(t, "", "scan", "--max-file-size", "0", g.Dir); code != ExitFindings {
		t.Fatalf("--max-file-size 0: exit %d, want %d; stderr:\n%s", code, ExitFindings, errOut)
	}
}

// TestRangeDoesNotBlameAnEditForAnOldSecret: a pull request that edits
// another line of a file already holding a secret on the base branch does
// not fail and is not named as where the secret came in; a secret the
// range does add (in a file that already held another one) is reported,
// attributed to the commit that added it.
func TestRangeDoesNotBlameAnEditForAnOldSecret(t *testing.T) {
	t.Parallel()
	g := gittest.Init(t)
	old := fakeGitHubPAT("oldsecret")
	g.WriteFile("app.env", "line1\nT="+old+"\nline3\n")
	g.Commit("base with an old secret")
	g.CheckoutNew("pr")
	g.WriteFile("app.env", "line1\nT="+old+"\nline3 edited\n")
	g.Commit("edit another line")

	code, _, errOut := runCLI(t, "", "scan", "--range", "main..pr", g.Dir)
	if code != ExitClean {
		t.Fatalf("exit %d, want %d (the range adds no secret); stderr:\n%s", code, ExitClean, errOut)
	}
	if !strings.Contains(errOut, "already in the file before the range") {
		t.Errorf("stderr does not say why the old secret is not reported:\n%s", errOut)
	}

	added := fakeGitHubPAT("newsecret")
	g.WriteFile("app.env", "line1\nT="+old+"\nline3 edited\nU="+added+"\n")
	leak := g.Commit("add a second secret")
	code, out, errOut := runCLI(t, "", "scan", "--range", "main..pr", "--format", "json", "--show-secrets", g.Dir)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitFindings, errOut)
	}
	var rep struct {
		Findings []struct {
			Secret    string `json:"secret"`
			Locations []struct {
				Commit *struct{ Hash string } `json:"commit"`
			} `json:"locations"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].Secret != added {
		t.Fatalf("findings %+v, want only the added secret", rep.Findings)
	}
	if l := rep.Findings[0].Locations; len(l) != 1 || l[0].Commit == nil || l[0].Commit.Hash != leak {
		t.Fatalf("locations %+v, want one, in %s", l, leak)
	}
}

// TestRangeRenameCarriesNoNewSecret: renaming a file that already held a
// secret (git mv within its directory, same content) does not fail a range
// scan; a secret added while renaming does. (A renamed and edited file is
// new content at a new path, so its old secret is reported too: there is
// no similarity-based rename detection.)
func TestRangeRenameCarriesNoNewSecret(t *testing.T) {
	t.Parallel()
	g := gittest.Init(t)
	old := fakeGitHubPAT("renamed-old")
	g.WriteFile("config/app.env", "T="+old+"\n")
	g.Commit("base with an old secret")
	g.CheckoutNew("pr")
	g.Git("mv", "config/app.env", "config/prod.env")
	g.Commit("rename")
	if code, _, errOut := runCLI(t, "", "scan", "--range", "main..pr", g.Dir); code != ExitClean {
		t.Fatalf("pure rename: exit %d, want %d; stderr:\n%s", code, ExitClean, errOut)
	}
	added := fakeGitHubPAT("renamed-new")
	g.Git("mv", "config/prod.env", "config/live.env")
	g.WriteFile("config/live.env", "T="+old+"\nU="+added+"\n")
	g.Commit("rename and add")
	code, out, errOut := runCLI(t, "", "scan", "--range", "main..pr", "--format", "json", "--show-secrets", g.Dir)
	if code != ExitFindings || !strings.Contains(out, added) {
		t.Fatalf("rename with an added secret: exit %d, want %d with the new secret\n%s\n%s", code, ExitFindings, out, errOut)
	}
}
