package scanner

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// maxWindowShare is how much of real source text one rule (or decoder)
// may hand to its regex (or byte scan), as merged keyword-hit windows.
// Measured on $GOROOT/src (goroot corpus below).
const maxWindowShare = 0.045

// gorootCorpus reads up to limit bytes of $GOROOT/src (files under 1 MiB,
// in walk order): real text, not a generated one, so a keyword common in
// code shows what it costs.
func gorootCorpus(t testing.TB, limit int) []byte {
	t.Helper()
	root := filepath.Join(runtime.GOROOT(), "src")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("no Go source tree at %s: %v", root, err)
	}
	var b bytes.Buffer
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || b.Len() >= limit {
			return filepath.SkipDir
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				return filepath.SkipDir // fixtures, some with keys in them on purpose
			}
			return nil
		}
		if info, err := d.Info(); err != nil || !info.Mode().IsRegular() || info.Size() > 1<<20 {
			return nil
		}
		data, err := os.ReadFile(p)
		if err == nil {
			b.Write(data)
			b.WriteByte('\n')
		}
		return nil
	})
	return b.Bytes()
}

// TestNoRuleFloodsTheEngine is a structural guard for the matcher's speed
// (no timing): a rule whose keyword is common in source code, with a wide
// window, makes the regex run over much of every file. A bare "_auth"
// keyword (every _authToken line) took 8% of text into windows and cut
// BenchmarkScan from 1.0 to 0.29 GB/s. The cure is a more specific keyword
// or a narrower `window:`. It runs the engine's own keyword pass over
// $GOROOT/src and measures, per rule, the bytes its merged windows cover.
func TestNoRuleFloodsTheEngine(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("reads $GOROOT/src")
	}
	s, _ := builtinScanner(t, 0)
	corpus := gorootCorpus(t, 48<<20)
	if len(corpus) < 1<<20 {
		t.Skipf("$GOROOT/src gave only %d bytes", len(corpus))
	}
	covered := make([]int, len(s.entries))
	sc := &scratch{}
	for a := 0; a < len(corpus); a += s.chunkSize {
		chunk := corpus[a:min(a+s.chunkSize, len(corpus))]
		s.keywordHits(sc, chunk)
		for _, ri := range sc.touched {
			spans := sc.spans[ri]
			slices.SortFunc(spans, func(a, b span) int { return a.lo - b.lo })
			end := 0
			for _, sp := range spans {
				lo := max(sp.lo, end)
				if sp.hi > lo {
					covered[ri] += sp.hi - lo
				}
				end = max(end, sp.hi)
			}
		}
	}
	for i, e := range s.entries {
		share := float64(covered[i]) / float64(len(corpus))
		if share > maxWindowShare {
			t.Errorf("rule %s: keyword windows cover %.1f%% of $GOROOT/src (limit %.1f%%): use a more specific keyword or a narrower window",
				e.id, 100*share, 100*maxWindowShare)
		} else if share > maxWindowShare/4 {
			t.Logf("rule %s: %.2f%%", e.id, 100*share)
		}
	}
}
