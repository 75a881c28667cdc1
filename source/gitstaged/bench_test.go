package gitstaged

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"testing"
)

// BenchmarkStaged measures what the pre-commit hook does on a commit of 20
// changed files in a repository of 50,000 files (the target is well under
// 100 ms), beside `git diff --cached --name-only` on the same repository,
// which only lists the changes and reads no content.
//
//	go test -run '^$' -bench Staged -benchtime 20x ./source/gitstaged/
func BenchmarkStaged(b *testing.B) {
	const files, changed = 50_000, 20
	r := newRepo(b)
	var in bytes.Buffer
	// Commit 1 on main: 50,000 files in 20 x 25 directories. Commit 2 on
	// "next" changes 20 of them across directories; its tree becomes the
	// index while HEAD stays on main.
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
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir, cmd.Stdin, cmd.Env = r.dir, &in, gitEnv(b.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("fast-import: %v\n%s", err, out)
	}
	r.git("read-tree", "next")

	s, err := Open(Options{Dir: r.dir})
	if err != nil {
		b.Fatal(err)
	}
	if len(s.Changes) != changed || s.Entries != files {
		b.Fatalf("changes %d, entries %d: the generated repository is not what the benchmark needs", len(s.Changes), s.Entries)
	}

	b.Run("scour", func(b *testing.B) {
		for b.Loop() {
			s, err := Open(Options{Dir: r.dir})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Source().Scan(context.Background(), &collect{}); err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
	b.Run("git-diff-cached", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command("git", "diff", "--cached", "--name-only")
			cmd.Dir, cmd.Env = r.dir, gitEnv(r.dir)
			if out, err := cmd.Output(); err != nil || bytes.Count(out, []byte("\n")) != changed {
				b.Fatalf("git diff --cached: %v\n%s", err, out)
			}
		}
	})
}
