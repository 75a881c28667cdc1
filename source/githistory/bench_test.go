package githistory

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/cputime"
	"github.com/scour-dev/scour/internal/gitobj"
	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/source"
)

type countSink struct{ n, bytes atomic.Int64 }

func (c *countSink) Item(_ context.Context, it source.Item) error {
	c.n.Add(1)
	c.bytes.Add(int64(len(it.Data)))
	return nil
}
func (c *countSink) Skipped(source.Skipped) {}

// benchRepo is $SCOUR_BENCH_REPO (for example one made by bench/mkrepo),
// or a small repository of 10 files in 60 commits, with delta chains.
func benchRepo(b *testing.B) string {
	if dir := os.Getenv("SCOUR_BENCH_REPO"); dir != "" {
		return dir
	}
	g := gittest.Init(b)
	for i := 0; i < 10; i++ {
		g.WriteFile(fmt.Sprintf("f%02d.txt", i), bigText(2000+i))
	}
	g.Commit("init")
	for c := 0; c < 60; c++ {
		g.AppendFile(fmt.Sprintf("f%02d.txt", c%10), bigText(20+c%7))
		g.Commit("c")
	}
	g.Repack("-a", "-d", "-f", "--depth=50", "--window=20")
	return g.Dir
}

// BenchmarkPackRead measures the depth-first pack reader alone: every
// blob of every pack, no history walk.
func BenchmarkPackRead(b *testing.B) {
	dir := benchRepo(b)
	gitDir, _, err := findGitDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	st := gitobj.OpenStore(gitobj.ObjectDirs(gitDir))
	defer st.Close()
	b.ResetTimer()
	var bytes int64
	c0 := cputime.Process()
	defer func() { b.ReportMetric(float64((cputime.Process()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op") }()
	for i := 0; i < b.N; i++ {
		bytes = 0
		for _, p := range st.Packs {
			v := &packVisitor{
				want:    func(plumbing.Hash) bool { return true },
				blob:    func(_ context.Context, _ plumbing.Hash, d []byte) error { bytes += int64(len(d)); return nil },
				fail:    func(h plumbing.Hash, err error, _ []plumbing.Hash) { b.Fatal(h, err) },
				reader:  func() *gitobj.Reader { return st.NewReader(DefaultMaxBlobSize, 16<<20) },
				maxSize: DefaultMaxBlobSize,
				workers: 1,
			}
			if err := walkBlobs(context.Background(), p, v); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.SetBytes(bytes)
}

// BenchmarkScan measures a whole-history scan: walk, attribution, reading.
func BenchmarkScan(b *testing.B) {
	dir := benchRepo(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		c := &countSink{}
		if err := r.Scan(context.Background(), c); err != nil {
			b.Fatal(err)
		}
		r.Close()
		b.SetBytes(c.bytes.Load())
	}
}

// BenchmarkWalk measures the commit and tree walk alone (what attributes
// blobs to commits and paths), no blob read. cpu-ns/op is the process's
// CPU time (getrusage), steadier than wall time on a shared machine.
func BenchmarkWalk(b *testing.B) {
	dir := benchRepo(b)
	var cpu time.Duration
	for b.Loop() {
		r, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		s := &scan{r: r, sink: &countSink{}}
		s.openStore()
		s.hist = newHistory(&odb{rd: s.store.NewReader(DefaultMaxBlobSize, walkCacheBytes(DefaultMemoryBudget))}, nil, s.skip)
		c0 := cputime.Process()
		if err := s.walkAll(context.Background()); err != nil {
			b.Fatal(err)
		}
		cpu += cputime.Process() - c0
		r.Close()
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}
