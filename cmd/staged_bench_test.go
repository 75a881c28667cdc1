package cmd

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

// BenchmarkStagedCommand is `scour staged` end to end (rules loaded and
// compiled, index read, 20 changed files scanned) on a commit of 20 changed
// files in a repository of 50,000 files, beside `git diff --cached
// --name-only` on the same repository. See also gitstaged's BenchmarkStaged
// for the index comparison alone.
//
//	go test -run '^$' -bench StagedCommand -benchtime 20x ./cmd/
func BenchmarkStagedCommand(b *testing.B) {
	const files, changed = 50_000, 20
	r := gittest.Init(b)
	var in bytes.Buffer
	path := func(i int) string { return fmt.Sprintf("d%02d/e%02d/f%05d.txt", i%20, (i/20)%25, i) }
	fmt.Fprintf(&in, "commit refs/heads/main\ncommitter T <t@example.com> 1700000000 +0000\ndata 2\nc1\n")
	for i := 0; i < files; i++ {
		data := fmt.Sprintf("file %d\n%s\n", i, bytes.Repeat([]byte("lorem ipsum "), 8))
		fmt.Fprintf(&in, "M 100644 inline %s\ndata %d\n%s\n", path(i), len(data), data)
	}
	fmt.Fprintf(&in, "commit refs/heads/next\ncommitter T <t@example.com> 1700000001 +0000\ndata 2\nc2\nfrom refs/heads/main\n")
	for i := 0; i < changed; i++ {
		data := fmt.Sprintf("changed %d\n%s\n", i, bytes.Repeat([]byte("dolor sit "), 20))
		fmt.Fprintf(&in, "M 100644 inline %s\ndata %d\n%s\n", path(i*2477), len(data), data)
	}
	if _, err := r.RunInput(in.Bytes(), "fast-import", "--quiet"); err != nil {
		b.Fatal(err)
	}
	r.Git("read-tree", "next")

	b.Run("scour-staged", func(b *testing.B) {
		for b.Loop() {
			var out, errOut bytes.Buffer
			code, err := runStaged(context.Background(), StagedOptions{Dir: r.Dir, Quiet: true}, IO{Out: &out, ErrOut: &errOut})
			if code != ExitClean || err != nil {
				b.Fatalf("exit %d: %v\n%s", code, err, errOut.String())
			}
		}
	})
	b.Run("git-diff-cached", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command("git", "diff", "--cached", "--name-only")
			cmd.Dir = r.Dir
			if out, err := cmd.Output(); err != nil || bytes.Count(out, []byte("\n")) != changed {
				b.Fatalf("git diff --cached: %v\n%s", err, out)
			}
		}
	})
}
