package gittest

import (
	"os"
	"strings"
	"testing"
)

func TestReposAreDeterministic(t *testing.T) {
	build := func() (string, *Repo) {
		r := Init(t)
		r.WriteFile("dir/a.txt", "a\n")
		r.Commit("first")
		r.CheckoutNew("side")
		r.WriteFile("b.txt", "b\n")
		r.Commit("side")
		r.Checkout("main")
		r.WriteFile("c.txt", "c\n")
		r.Commit("main")
		return r.Merge("side", "merge", nil), r
	}
	h1, r := build()
	h2, _ := build()
	if h1 != h2 {
		t.Fatalf("same steps gave different commits: %s %s", h1, h2)
	}
	if got := r.Git("log", "-1", "--format=%an <%ae> %aI", "HEAD~1"); got != AuthorName+" <"+AuthorEmail+"> 2020-01-01T00:02:00+00:00" {
		t.Fatalf("author line %q", got)
	}
	blob := r.BlobID("HEAD", "dir/a.txt")
	if _, err := os.Stat(r.LooseObjectPath(blob)); err != nil {
		t.Fatalf("objects should stay loose until Repack: %v", err)
	}
	r.Repack()
	if len(r.Packs()) != 1 {
		t.Fatalf("packs = %v", r.Packs())
	}
	if _, err := os.Stat(r.LooseObjectPath(blob)); err == nil {
		t.Fatal("object still loose after Repack")
	}
}

func TestBareAndDanglingObjects(t *testing.T) {
	r := InitBare(t)
	if !r.Bare || r.GitDir != r.Dir {
		t.Fatal("not bare")
	}
	id := r.HashObject("dangling\n")
	if got := r.Git("cat-file", "-t", id); got != "blob" {
		t.Fatalf("type %q", got)
	}
	if _, err := r.Run("rev-parse", "--verify", "-q", "nope"); err == nil || !strings.Contains(err.Error(), "rev-parse") {
		t.Fatalf("error %v should name the command", err)
	}
}

func TestIsDelta(t *testing.T) {
	r := Init(t)
	big := strings.Repeat("line of text that repeats\n", 2000)
	r.WriteFile("f", big)
	r.Commit("one")
	r.WriteFile("f", big+"tail\n")
	r.Commit("two")
	r.Repack("-a", "-d", "-f", "--depth=50", "--window=250")
	a, b := r.BlobID("HEAD~1", "f"), r.BlobID("HEAD", "f")
	if r.IsDelta(a) == r.IsDelta(b) {
		t.Fatalf("exactly one version should be a delta of the other: %v %v", r.IsDelta(a), r.IsDelta(b))
	}
}

// recorder is a testing.TB that records how a helper ended the test.
type recorder struct {
	testing.TB
	ended string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.ended = "skip" }
func (r *recorder) Fatalf(format string, args ...any) { r.ended = "fail" }

// A missing tool skips the test on a developer's machine and fails it
// under CI, so CI never passes on tests that did not run.
func TestUnavailableFailsUnderCI(t *testing.T) {
	for _, c := range []struct{ ci, want string }{{"", "skip"}, {"false", "skip"}, {"true", "fail"}, {"1", "fail"}} {
		t.Setenv("CI", c.ci)
		r := &recorder{TB: t}
		RequireTool(r, "scour-test-no-such-program", "this test")
		if r.ended != c.want {
			t.Errorf("CI=%q: the test was ended with %q, want %q", c.ci, r.ended, c.want)
		}
	}
}
