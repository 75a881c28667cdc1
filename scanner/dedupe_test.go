package scanner

import (
	"github.com/scour-dev/scour/rules"
	"regexp"
	"testing"
)

// TestOverlappingRulesOfOneProvider checks that a secret matched at the same
// place by two rules of one provider is one finding (from the higher-
// confidence rule, with both rules' context), while rules of different
// providers each keep theirs.
func TestOverlappingRulesOfOneProvider(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`(?P<secret>tok_[A-Za-z0-9]{20})`)
	mk := func(id, provider string, rank int) entry {
		return entry{id: id, provider: provider, description: id, rank: rank,
			find: &fakeRule{re: re, window: 64}, window: 64}
	}
	cases := []struct {
		name    string
		entries []entry
		want    []string // rule ids of the findings
	}{
		{"same provider: higher confidence wins", []entry{mk("a-context", "acme", 1), mk("a-url", "acme", 2)}, []string{"a-url"}},
		{"same provider, same confidence: earlier rule", []entry{mk("a-one", "acme", 1), mk("a-two", "acme", 1)}, []string{"a-one"}},
		{"different providers: both", []entry{mk("a-tok", "acme", 2), mk("b-tok", "bravo", 2)}, []string{"a-tok", "b-tok"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kws := make([][]string, len(tc.entries))
			for i := range kws {
				kws[i] = []string{"tok_"}
			}
			s, err := newScanner(Options{}, tc.entries, kws)
			if err != nil {
				t.Fatal(err)
			}
			secret := tok("dedupe")
			res := run(t, s, items{memItem("f.txt", []byte("x = "+secret+"\ny = "+secret+"\n"))})
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.RuleID)
				if len(f.Locations) != 2 {
					t.Errorf("%s: %d locations, want 2", f.RuleID, len(f.Locations))
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("findings from %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("findings from %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestDedupeMergesContext(t *testing.T) {
	t.Parallel()
	s := &Scanner{entries: []entry{{id: "a", provider: "p", rank: 2}, {id: "b", provider: "p", rank: 1}}}
	hits := []hit{
		{rule: 1, m: matchWith("s", map[string]string{"org": "acme"})},
		{rule: 0, m: matchWith("s", map[string]string{"user": "u"})},
	}
	out := s.dedupeHits(hits)
	if len(out) != 1 || out[0].rule != 0 {
		t.Fatalf("kept %+v, want rule 0 only", out)
	}
	if out[0].m.Context["org"] != "acme" || out[0].m.Context["user"] != "u" {
		t.Fatalf("context %v, want both groups", out[0].m.Context)
	}
}

func matchWith(secret string, ctx map[string]string) rules.Match {
	return rules.Match{Start: 4, End: 4 + len(secret), Secret: secret, Context: ctx}
}
