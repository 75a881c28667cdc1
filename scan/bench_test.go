package scan

import (
	"context"
	"testing"
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
