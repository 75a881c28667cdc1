package scanner

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/source"
	"github.com/scour-dev/scour/source/githistory"
)

// timedFinder counts the wall time and window bytes one rule's Find
// takes; BenchmarkRuleRegexCost wraps every entry in one, so production
// code carries no counter.
//
// Wall time is inflated on a loaded machine (a worker descheduled inside
// a call); each call also carries a pprof label "rule", so a CPU profile
// (-cpuprofile, then go tool pprof -tags) attributes CPU samples instead.
type timedFinder struct {
	finder
	labels           context.Context
	calls, bytes, ns atomic.Int64
}

func (f *timedFinder) Find(data []byte, lo, hi int, fn func(rules.Match), dropped func(secret, why string)) {
	t0 := time.Now()
	pprof.SetGoroutineLabels(f.labels)
	f.finder.Find(data, lo, hi, fn, dropped)
	pprof.SetGoroutineLabels(context.Background())
	f.ns.Add(int64(time.Since(t0)))
	f.calls.Add(1)
	f.bytes.Add(int64(min(hi, len(data)) - max(lo, 0)))
}

// benchBlobs reads up to limit bytes of the blobs of the git repository
// at SCOUR_BENCH_REPO (every version, in pack order, as a scan without
// delta-aware matching sees them), or the Go source tree without it.
func benchBlobs(b *testing.B, limit int) []source.Item {
	repo := os.Getenv("SCOUR_BENCH_REPO")
	if repo == "" {
		return []source.Item{memItem("goroot", gorootCorpus(b, limit))}
	}
	cmd := exec.Command("git", "-C", repo, "cat-file", "--batch-all-objects", "--batch", "--unordered")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	r := bufio.NewReaderSize(out, 1<<20)
	var its []source.Item
	total := 0
	for total < limit {
		hdr, err := r.ReadString('\n')
		if err != nil {
			break
		}
		f := strings.Fields(hdr)
		if len(f) != 3 {
			b.Fatalf("cat-file header %q", hdr)
		}
		n, _ := strconv.Atoi(f[2])
		data := make([]byte, n+1)
		if _, err := io.ReadFull(r, data); err != nil {
			b.Fatal(err)
		}
		if f[1] == "blob" && !bytes.Contains(data[:min(n, 8000)], []byte{0}) {
			its = append(its, memItem(f[0], data[:n]))
			total += n
		}
	}
	return its
}

// BenchmarkRuleRegexCost attributes the regex time of a scan to rules:
// SCOUR_BENCH_REPO=/path/to/repo.git go test -v -run '^$' -bench RuleRegexCost -benchtime 1x ./scanner/
// prints the rules whose Find took longest. Without SCOUR_BENCH_DELTA it
// matches every blob in full (SCOUR_BENCH_BYTES caps the blob bytes read,
// default 256 MiB); with SCOUR_BENCH_DELTA=1 it scans the repository's
// history as scour does, delta-aware.
func BenchmarkRuleRegexCost(b *testing.B) {
	limit := 256 << 20
	if v, err := strconv.Atoi(os.Getenv("SCOUR_BENCH_BYTES")); err == nil {
		limit = v
	}
	var src source.Source
	total := 0
	delta := os.Getenv("SCOUR_BENCH_DELTA") != ""
	if repo := os.Getenv("SCOUR_BENCH_REPO"); repo != "" && delta {
		r, err := githistory.Open(repo, githistory.Options{})
		if err != nil {
			b.Fatal(err)
		}
		src = r
	} else {
		its := benchBlobs(b, limit)
		for _, it := range its {
			total += len(it.Data)
		}
		src = items(its)
	}
	s, _ := builtinScannerOpts(b, 0, Options{NoDeltaMatching: !delta})
	var tf []*timedFinder
	for i := range s.entries {
		if s.entries[i].find != nil {
			t := &timedFinder{finder: s.entries[i].find,
				labels: pprof.WithLabels(context.Background(), pprof.Labels("rule", s.entries[i].id))}
			s.entries[i].find = t
			tf = append(tf, t)
		}
	}
	b.SetBytes(int64(total))
	for b.Loop() {
		if _, err := s.Run(context.Background(), src); err != nil {
			b.Fatal(err)
		}
	}
	idx := make([]int, len(tf))
	for i := range idx {
		idx[i] = i
	}
	var sum time.Duration
	for _, t := range tf {
		sum += time.Duration(t.ns.Load())
	}
	slices.SortFunc(idx, func(x, y int) int { return cmp.Compare(tf[y].ns.Load(), tf[x].ns.Load()) })
	var sb strings.Builder
	fmt.Fprintf(&sb, "regex time %v (blobs matched in full: %d MB)\n", sum, total>>20)
	ids := map[*timedFinder]string{}
	for i := range s.entries {
		if t, ok := s.entries[i].find.(*timedFinder); ok {
			ids[t] = s.entries[i].id
		}
	}
	for _, i := range idx[:min(15, len(idx))] {
		t := tf[i]
		fmt.Fprintf(&sb, "%-40s %10v %8d calls %12d bytes %6.1f ns/B\n", ids[t], time.Duration(t.ns.Load()),
			t.calls.Load(), t.bytes.Load(), float64(t.ns.Load())/float64(max(t.bytes.Load(), 1)))
	}
	b.Log(sb.String())
}
