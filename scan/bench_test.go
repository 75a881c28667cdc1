package scan

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

// BenchmarkRunSetup is a scan of an empty directory: the fixed cost of one
// Run (config, rule set, engine), which a sweep pays per repository.
//
//	go test -run '^$' -bench RunSetup -benchtime 20x ./scan/
func BenchmarkRunSetup(b *testing.B) {
	dir := b.TempDir()
	for _, cached := range []bool{false, true} {
		name := "uncached"
		var cache *RuleCache
		if cached {
			name, cache = "RuleCache", &RuleCache{}
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Run(context.Background(), Options{Path: dir, RuleCache: cache}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHistory scans a whole git history with the built-in catalogue,
// delta-aware matching on and off: $SCOUR_BENCH_REPO (a clone with all
// refs, or one made by bench/mkrepo), else a small generated one. Profile
// it with -cpuprofile (docs/performance.md):
//
//	SCOUR_BENCH_REPO=/tmp/etcd go test -run '^$' -bench History -benchtime 1x -cpuprofile cpu.out ./scan/
func BenchmarkHistory(b *testing.B) {
	dir := os.Getenv("SCOUR_BENCH_REPO")
	if dir == "" {
		g := gittest.Init(b)
		for c := range 60 {
			for f := range 10 {
				g.AppendFile(fmt.Sprintf("f%02d.go", f), strings.Repeat(fmt.Sprintf("\tx%d := compute(a, b) // password = os.Getenv(\"K%d\")\n", c, f), 40))
			}
			g.Commit("c")
		}
		g.Repack("-a", "-d", "-f", "--depth=50", "--window=20")
		dir = g.Dir
	}
	cache := &RuleCache{}
	for _, noDelta := range []bool{false, true} {
		name := "delta"
		if noDelta {
			name = "full"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				res, err := Run(context.Background(), Options{Path: dir, RuleCache: cache, NoDeltaMatching: noDelta})
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(res.Stats.Bytes)
			}
		})
	}
}
