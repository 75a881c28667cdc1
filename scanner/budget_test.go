package scanner

import (
	"bytes"
	"testing"
)

// maxWindowShare is how much of the benchmark corpus one rule may hand to
// its regex, as keyword-hit windows. The noisiest built-in rule today,
// yunxiao-pat (keyword "pt-", window 64), takes 4.1%.
const maxWindowShare = 0.045

// TestNoRuleFloodsTheEngine is a structural guard for the matcher's speed
// (no timing): a rule whose keyword is common in source code, with a wide
// window, makes the regex run over much of every file. A bare "_auth"
// keyword (every _authToken line) took 8% of the corpus into windows and
// cut BenchmarkScan from 1.0 to 0.29 GB/s. The cure is a more specific
// keyword or a narrower `window:`.
func TestNoRuleFloodsTheEngine(t *testing.T) {
	t.Parallel()
	set, err := builtinSet()
	if err != nil {
		t.Fatal(err)
	}
	corpus := bytes.ToLower(benchCorpus())
	for _, r := range set.Rules() {
		var windowBytes int
		for _, k := range r.Keywords {
			k = asciiLower(k)
			windowBytes += bytes.Count(corpus, []byte(k)) * (2*r.Window() + len(k))
		}
		if share := float64(windowBytes) / float64(len(corpus)); share > maxWindowShare {
			t.Errorf("rule %s: keyword windows cover %.1f%% of the benchmark corpus (limit %.1f%%): use a more specific keyword or a narrower window",
				r.ID, 100*share, 100*maxWindowShare)
		}
	}
}
