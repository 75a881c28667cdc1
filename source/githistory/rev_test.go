package githistory

import (
	"strings"
	"testing"

	"github.com/scour-dev/scour/source"
)

// TestResolveRevAgreesWithGit: the revision forms ranges use resolve to
// the commit git rev-parse names.
func TestResolveRevAgreesWithGit(t *testing.T) {
	g := newRepo(t)
	g.WriteFile("a", "a")
	g.Commit("a")
	g.CheckoutNew("side")
	g.WriteFile("s", "s")
	g.Commit("s")
	g.Checkout("main")
	g.WriteFile("b", "b")
	g.Commit("b")
	g.Merge("side", "merge", nil)
	g.TagAnnotated("v1", "release", "HEAD~1")
	g.Git("update-ref", "refs/remotes/origin/main", "HEAD^2")
	short := g.RevParse("HEAD~1")[:8]

	r, err := Open(g.Dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := &scan{r: r, sink: &collector{}}
	s.openStore()
	s.hist = newHistory(&odb{rd: s.store.NewReader(1<<20, 1<<20)}, nil, func(source.Skipped) {})
	for _, rev := range []string{"HEAD", "@", "main", "refs/heads/main", "HEAD~1", "HEAD^", "HEAD^2", "HEAD^2~1", "HEAD~2^0",
		"v1", "v1~1", "origin/main", short, short + "^", g.RevParse("HEAD")} {
		got, err := s.resolveRev(rev)
		if err != nil {
			t.Errorf("%s: %v", rev, err)
			continue
		}
		if want := g.RevParse(rev + "^{commit}"); got.String() != want {
			t.Errorf("%s = %s, git says %s", rev, got, want)
		}
	}
	for _, rev := range []string{"nope", "HEAD~9", "HEAD^3", "HEAD@{1}"} {
		if id, err := s.resolveRev(rev); err == nil || !strings.Contains(err.Error(), "unknown revision") {
			t.Errorf("%s = %s, %v: want an unknown revision", rev, id, err)
		}
	}
}
