package scan

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
	"github.com/scour-dev/scour/source/githistory"
)

// awsKeyID is a fake AWS access key id, assembled here so the repository's
// own sources hold none.
func awsKeyID() string { return "AK" + "IA" + "QX7TZR2MB5NW4KPL" }

// builtinScanner is the engine over the built-in rules, built once per test
// binary (a few hundred milliseconds under -race); a Scanner is safe for
// concurrent use.
var builtinScanner = sync.OnceValues(func() (*scanner.Scanner, error) {
	set, err := rules.Builtin()
	if err != nil {
		return nil, err
	}
	return scanner.New(scanner.Options{Rules: set})
})

// historyScan runs the engine over a repository and attributes the
// findings as Run does.
func historyScan(t *testing.T, dir string, opts githistory.Options) *scanner.Result {
	t.Helper()
	sc, err := builtinScanner()
	if err != nil {
		t.Fatal(err)
	}
	repo, err := githistory.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	res, err := sc.Run(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	expand(res, repo)
	addStats(res, repo)
	return res
}

func TestSameSecretInManyCommitsIsOneFindingOldestFirst(t *testing.T) {
	t.Parallel()
	g := gittest.Init(t)
	key := awsKeyID()
	g.WriteFile("README", "hi\n")
	g.Commit("init")
	g.WriteFile("deploy/env", "AWS_ACCESS_KEY_ID="+key+"\n")
	first := g.Commit("add key")
	var later []string
	for i := 0; i < 4; i++ {
		g.AppendFile("deploy/env", fmt.Sprintf("SETTING_%d=%d\n", i, i))
		later = append(later, g.Commit("tweak"))
	}
	g.Git("mv", "deploy/env", "deploy/env.prod")
	renamed := g.Commit("rename")
	g.WriteFile("untracked.txt", "key "+key+"\n") // also on disk only

	res := historyScan(t, g.Dir, githistory.Options{Worktree: &source.Dir{Root: g.Dir}})
	if len(res.Findings) != 1 {
		t.Fatalf("%d findings, want 1: %+v", len(res.Findings), res.Findings)
	}
	f := res.Findings[0]
	want := append([]string{first}, later...)
	want = append(want, renamed)
	if len(f.Locations) != len(want)+1 {
		for _, l := range f.Locations {
			t.Logf("%s %s %+v", l.Kind, l.Path, l.Commit)
		}
		t.Fatalf("%d locations, want %d", len(f.Locations), len(want)+1)
	}
	for i, c := range want {
		l := f.Locations[i]
		if l.Commit == nil || l.Commit.Hash != c {
			t.Fatalf("location %d = %+v, want commit %s", i, l, c)
		}
		if l.Line != 1 || l.Column != 19 {
			t.Fatalf("location %d at %d:%d, want 1:19", i, l.Line, l.Column)
		}
	}
	if f.Locations[0].Path != "deploy/env" || f.Locations[len(want)-1].Path != "deploy/env.prod" {
		t.Fatalf("paths %q .. %q", f.Locations[0].Path, f.Locations[len(want)-1].Path)
	}
	if last := f.Locations[len(want)]; last.Kind != "worktree" || last.Path != "untracked.txt" {
		t.Fatalf("last location %+v, want the untracked file", last)
	}
}

func TestUnreachableLocationsComeLast(t *testing.T) {
	t.Parallel()
	g := gittest.Init(t)
	key := awsKeyID()
	g.WriteFile("a", "x")
	base := g.Commit("a")
	g.WriteFile("lost", key)
	g.Commit("lost")
	g.ResetHard(base)
	g.ExpireReflogs()
	g.WriteFile("kept", key+"\n")
	kept := g.Commit("kept")
	res := historyScan(t, g.Dir, githistory.Options{AllObjects: true})
	if len(res.Findings) != 1 || len(res.Findings[0].Locations) != 2 {
		t.Fatalf("findings %+v", res.Findings)
	}
	l := res.Findings[0].Locations
	if l[0].Commit.Hash != kept || l[0].Unreachable || !l[1].Unreachable {
		t.Fatalf("locations %+v", l)
	}
}

func TestUnreachableSecretIsNotReportedByDefault(t *testing.T) {
	t.Parallel()
	g := gittest.Init(t)
	key := awsKeyID()
	g.WriteFile("a", "x")
	base := g.Commit("a")
	g.WriteFile("lost", key)
	g.Commit("lost")
	g.ResetHard(base)
	g.ExpireReflogs()
	res := historyScan(t, g.Dir, githistory.Options{})
	if len(res.Findings) != 0 || res.Stats.Findings != 0 {
		t.Fatalf("findings %+v", res.Findings)
	}
	// The same content left on disk by a mixed reset is a working-tree file.
	g.WriteFile("lost", key)
	res = historyScan(t, g.Dir, githistory.Options{Worktree: &source.Dir{Root: g.Dir}})
	if len(res.Findings) != 1 || len(res.Findings[0].Locations) != 1 || res.Findings[0].Locations[0].Kind != "worktree" {
		t.Fatalf("findings %+v", res.Findings)
	}
}

func TestStatsAreAdded(t *testing.T) {
	t.Parallel()
	g := gittest.Init(t)
	g.WriteFile("a", "hello\n")
	g.Commit("a")
	g.WriteFile("b", "world!\n")
	g.Commit("b")
	res := historyScan(t, g.Dir, githistory.Options{})
	want := scanner.GitStats{Refs: 1, Commits: 2, Blobs: 2, Bytes: 13}
	if res.Stats.Git == nil || *res.Stats.Git != want {
		t.Fatalf("git stats %+v, want %+v", res.Stats.Git, want)
	}
}
