package scanner

import (
	"bytes"
	"cmp"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/coregx/ahocorasick"
)

// hitsBoth returns the keyword hits of s's keyword stage and those of the
// automaton run over the whole lower-cased input (the reference), sorted
// the same way.
func hitsBoth(s *Scanner, data []byte) (filtered, full []ahocorasick.Match) {
	sort := func(h []ahocorasick.Match) []ahocorasick.Match {
		h = slices.Clone(h)
		slices.SortFunc(h, func(a, b ahocorasick.Match) int {
			return cmp.Or(a.Start-b.Start, a.End-b.End, a.PatternID-b.PatternID)
		})
		return h
	}
	lower := make([]byte, len(data))
	lowerInto(lower, data)
	full = sort(s.ac.FindAllOverlapping(lower))
	filtered = sort(s.keywords(&scratch{}, data, nil))
	return filtered, full
}

func checkSameHits(t *testing.T, s *Scanner, data []byte) {
	t.Helper()
	got, want := hitsBoth(s, data)
	if !slices.Equal(got, want) {
		t.Fatalf("prefiltered hits differ from the full automaton pass on %d bytes %q:\nfiltered %v\nfull     %v",
			len(data), data[:min(len(data), 200)], got, want)
	}
}

// keywordSoup builds inputs dense in keywords of the built-in catalogue:
// keywords in random case, cut short, glued together and to random bytes,
// at every alignment and at both ends of the input.
func keywordSoup(r *rand.Rand, kws []string, n int) []byte {
	var b bytes.Buffer
	for b.Len() < n {
		switch r.IntN(6) {
		case 0, 1, 2:
			kw := []byte(kws[r.IntN(len(kws))])
			for i := range kw {
				if r.IntN(2) == 0 {
					kw[i] = bytes.ToUpper(kw[i : i+1])[0]
				}
			}
			if r.IntN(5) == 0 {
				kw = kw[:r.IntN(len(kw))]
			}
			b.Write(kw)
		case 3:
			b.WriteByte(byte(r.IntN(256)))
		case 4:
			b.WriteString(" \n_-.=:\"/"[r.IntN(9):][:1])
		case 5:
			b.WriteString(alnum(r, r.IntN(5)))
		}
	}
	return b.Bytes()[:n]
}

// TestPrefilterSameHits: the prefiltered keyword stage reports exactly the
// hits of one automaton pass over the whole chunk, on keyword-dense random
// input of every small length, on the benchmark corpus and on the rule
// examples.
func TestPrefilterSameHits(t *testing.T) {
	t.Parallel()
	s, set := builtinScanner(t, 0)
	if s.pf == nil {
		t.Fatal("built-in keywords have no prefilter")
	}
	var kws []string
	for _, r := range set.Rules() {
		kws = append(kws, r.Keywords...)
		for _, ex := range r.Examples {
			checkSameHits(t, s, []byte(ex.Text))
		}
	}
	r := rand.New(rand.NewPCG(7, 8))
	for n := range 200 {
		for range 20 {
			checkSameHits(t, s, keywordSoup(r, kws, n))
		}
	}
	for range 50 {
		checkSameHits(t, s, keywordSoup(r, kws, 1000+r.IntN(5000)))
	}
	data := benchCorpus()
	checkSameHits(t, s, data[:1<<20])
	got, _ := hitsBoth(s, data[:1<<20])
	if len(got) == 0 {
		t.Fatal("no keyword hits in the benchmark corpus")
	}
}

// TestPrefilterShortKeyword: a keyword under 3 bytes has no trigram, so
// the engine falls back to the whole-chunk pass and still finds it.
func TestPrefilterShortKeyword(t *testing.T) {
	t.Parallel()
	s := newTestScanner(t, 0, nil, testRule{id: "short", keywords: []string{"Q_"}, f: &fakeRule{
		re: regexpMust(`(?P<secret>q_[0-9]{6})`), window: 16}}, tokRule(32))
	if s.pf != nil {
		t.Fatal("prefilter built for a 2-byte keyword")
	}
	data := []byte("x = " + "q" + "_123456\n" + tok("AbC"))
	res := run(t, s, items{memItem("f", data)})
	if len(res.Findings) != 2 {
		t.Fatalf("got %d findings, want 2: %+v", len(res.Findings), res.Findings)
	}
}

// TestPrefilterThreeByteKeywords covers 3-byte keywords at odd and even
// offsets, at the very end of the input, and case variants; stage one
// represents "zq-" at an odd offset by its last two bytes and "://" by its
// first two (the rarer pair), so both ways are exercised.
func TestPrefilterThreeByteKeywords(t *testing.T) {
	t.Parallel()
	for _, kw := range []string{"zq-", "://", "cio"} {
		s := newTestScanner(t, 0, nil,
			testRule{id: "three", keywords: []string{kw}, f: &fakeRule{re: regexpMust(`(?i)(?P<secret>` + regexp.QuoteMeta(kw) + `[0-9]{4})`), window: 8}},
			tokRule(32))
		up := strings.ToUpper(kw)
		for _, in := range []string{kw, "x" + kw, "xx" + up, kw + "1234", "x" + up + "1234", strings.Repeat("a", 13) + kw,
			strings.Repeat("a", 14) + up, strings.Repeat("a", 11) + kw + "b", strings.Repeat("b", 12) + kw + "bb", kw[:1] + kw + kw + kw[1:]} {
			checkSameHits(t, s, []byte(in))
			if got, _ := hitsBoth(s, []byte(in)); len(got) == 0 {
				t.Errorf("%q: no hit", in)
			}
		}
	}
}

// FuzzPrefilter: on any input, prefiltered hits equal the full pass.
func FuzzPrefilter(f *testing.F) {
	f.Add([]byte("pt-abc SEC0 gitee.com ghp_ xoxb- \x00\xff"))
	f.Add([]byte("VAULT LOGIN sonar.login"))
	s, _ := builtinScanner(f, 0)
	f.Fuzz(func(t *testing.T, data []byte) { checkSameHits(t, s, data) })
}

// fastAndSlow are two scanners over the built-in catalogue: the engine as
// it runs, and the same with the prefilter and the window needs off (the
// automaton over every byte, every window handed to its regex).
func fastAndSlow(t testing.TB) (fast, slow *Scanner) {
	fast, _ = builtinScanner(t, 0)
	slow, _ = builtinScanner(t, 0)
	slow.noPrefilter, slow.noNeeds = true, true
	slow.fps = fast.fps // same secrets: compute slow fingerprints once
	return fast, slow
}

func checkSameFindings(t *testing.T, fast, slow *Scanner, data []byte) {
	t.Helper()
	got := run(t, fast, items{memItem("f", data)})
	want := run(t, slow, items{memItem("f", data)})
	if !sameFindings(got, want) {
		t.Fatalf("findings differ with the fast paths on %d bytes:\nfast %+v\nslow %+v", len(data), got.Findings, want.Findings)
	}
}

// TestFastPathsSameFindings: the prefilter and the window needs change no
// finding, on the benchmark corpus (tokens of several providers in source
// text) and on every rule example buried in keyword-dense noise.
func TestFastPathsSameFindings(t *testing.T) {
	t.Parallel()
	fast, slow := fastAndSlow(t)
	data := benchCorpus()[:2<<20]
	res := run(t, fast, items{memItem("f", data)})
	if len(res.Findings) == 0 {
		t.Fatal("no findings in the benchmark corpus")
	}
	checkSameFindings(t, fast, slow, data)

	_, set := builtinScanner(t, 0)
	var kws []string
	for _, r := range set.Rules() {
		kws = append(kws, r.Keywords...)
	}
	r := rand.New(rand.NewPCG(9, 10))
	var b bytes.Buffer
	for _, rule := range set.Rules() {
		for _, ex := range rule.Examples {
			b.Write(keywordSoup(r, kws, r.IntN(300)))
			b.WriteString(ex.Text)
			if r.IntN(2) == 0 {
				b.WriteByte('\n')
			}
		}
	}
	checkSameFindings(t, fast, slow, b.Bytes())
}

// FuzzFastPaths: on any input the engine's findings equal those of the
// automaton over every byte with every window handed to its regex.
func FuzzFastPaths(f *testing.F) {
	if set, err := builtinSet(); err == nil {
		for _, r := range set.Rules() {
			for _, ex := range r.Examples {
				f.Add([]byte(ex.Text))
			}
		}
	}
	fast, slow := fastAndSlow(f)
	f.Fuzz(func(t *testing.T, data []byte) { checkSameFindings(t, fast, slow, data) })
}
