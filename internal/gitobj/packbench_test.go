package gitobj

import (
	"math/rand"
	"os"
	"testing"

	"github.com/scour-dev/scour/internal/cputime"
	"github.com/scour-dev/scour/internal/gitobj/gitobjtest"
)

// benchPacks opens the packs of $SCOUR_BENCH_REPO (a git directory),
// closed when b ends, or without it makes one of generated samples.
func benchPacks(b *testing.B) []*Pack {
	if dir := os.Getenv("SCOUR_BENCH_REPO"); dir != "" {
		st := OpenStore(ObjectDirs(dir))
		b.Cleanup(func() { st.Close() })
		return st.Packs
	}
	var objs []gitobjtest.Object
	r := rand.New(rand.NewSource(7))
	for i := 0; i < 20; i++ {
		for _, data := range sampleData(r) {
			objs = append(objs, gitobjtest.Object{Type: gitobjtest.Blob, Data: data})
		}
	}
	data, idx, _ := gitobjtest.Pack(objs)
	x, err := ParseIndex(idx)
	if err != nil {
		b.Fatal(err)
	}
	p, err := NewPack("bench", data, x)
	if err != nil {
		b.Fatal(err)
	}
	return []*Pack{p}
}

// BenchmarkInflatePack inflates every entry of every pack of
// $SCOUR_BENCH_REPO (a git directory), whole objects and deltas alike,
// with one Inflater: the inflater alone, as a history scan drives it (no
// delta applied). Without the variable it uses a pack of generated
// samples. cpu-ns/op is the process's CPU time, steadier than wall time
// on a shared machine.
func BenchmarkInflatePack(b *testing.B) {
	packs := benchPacks(b)
	for _, p := range packs {
		p.Table()
	}
	var z Inflater
	var buf []byte
	var bytes int64
	c0 := cputime.Process()
	b.ResetTimer()
	for b.Loop() {
		bytes = 0
		for _, p := range packs {
			for _, e := range p.Table().Entries {
				if e.Hdr.Size > 64<<20 {
					continue
				}
				out, err := p.Inflate(&z, e.Hdr, buf)
				if err != nil {
					b.Fatal(err)
				}
				buf = out
				bytes += int64(len(out))
			}
		}
	}
	b.ReportMetric(float64(cputime.Process()-c0)/float64(b.N), "cpu-ns/op")
	b.SetBytes(bytes)
}

// BenchmarkReadTables reads the code lengths of the first dynamic block of
// every entry's stream in $SCOUR_BENCH_REPO's packs (the generated pack
// without it) and builds their tables, nothing else: the per-stream set-up
// that dominates small objects, the most of a pack.
func BenchmarkReadTables(b *testing.B) {
	packs := benchPacks(b)
	// The streams whose first block is dynamic, from their data.
	var streams [][]byte
	for _, p := range packs {
		for _, e := range p.Table().Entries {
			if e.Base == BadBase {
				continue
			}
			s := p.data[e.Hdr.Data:e.End]
			if len(s) > 3 && s[2]>>1&3 == 2 {
				streams = append(streams, s)
			}
		}
	}
	var f inflater
	c0 := cputime.Process()
	b.ResetTimer()
	for b.Loop() {
		for _, s := range streams {
			f.in, f.pos, f.over, f.b, f.nb = s, 2, 0, 0, 0
			_ = f.refill()
			f.bits(3)
			if err := f.readTables(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(cputime.Process()-c0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(len(streams)), "streams")
}

// BenchmarkPackTable builds the tables of $SCOUR_BENCH_REPO's packs (every
// entry's header and the delta tree), which a history scan does beside
// the walk, at its start.
func BenchmarkPackTable(b *testing.B) {
	dir := os.Getenv("SCOUR_BENCH_REPO")
	if dir == "" {
		b.Skip("SCOUR_BENCH_REPO is not set")
	}
	st := OpenStore(ObjectDirs(dir))
	defer st.Close()
	for _, p := range st.Packs {
		p.Table() // the pages in memory
	}
	c0 := cputime.Process()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range st.Packs {
			p.buildTable()
		}
	}
	b.ReportMetric(float64(cputime.Process()-c0)/float64(b.N), "cpu-ns/op")
}
