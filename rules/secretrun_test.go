package rules

import (
	"math/rand/v2"
	"regexp/syntax"
	"sync/atomic"
	"testing"
)

// checkSecretRun: when the rule's secretRun rules out data[lo:hi], no
// match of its pattern there passes the boundary checks (so Find would
// have reported and dropped nothing). It returns whether it was ruled
// out.
func checkSecretRun(t testing.TB, r *Rule, data []byte, lo, hi int) bool {
	t.Helper()
	p := r.compiled.pattern()
	if p.run == nil || p.run.possible(data, lo, hi) {
		return false
	}
	for _, m := range p.re.FindAllSubmatchIndex(data[lo:hi], -1) {
		s, e := m[2*p.secretGroup], m[2*p.secretGroup+1]
		if s < 0 || s == e {
			continue
		}
		s, e = s+lo, e+lo
		if s > 0 && p.before.has(data[s-1]) || e < len(data) && p.after.has(data[e]) {
			continue
		}
		t.Fatalf("%s: window %q of %q ruled out, but the pattern finds %q", r.ID, data[lo:hi], data, data[s:e])
	}
	return true
}

// runLike mutates a rule's example: bytes of the secret's class (or
// others) inserted or deleted next to the secret or anywhere, so runs
// grow and shrink across the lengths the rule accepts.
func runLike(rng *rand.Rand, r *Rule, text string) string {
	p := r.compiled.pattern()
	b := []byte(text)
	var cls []byte
	for c := range 128 {
		if p.run.class.has(byte(c)) {
			cls = append(cls, byte(c))
		}
	}
	other := []byte(" \n\"'=:_-.,/+\\")
	for range 1 + rng.IntN(4) {
		at := rng.IntN(len(b) + 1)
		if m := p.re.FindSubmatchIndex(b); m != nil && m[2*p.secretGroup] >= 0 && rng.IntN(2) == 0 {
			at = m[2*p.secretGroup+rng.IntN(2)] // at the secret's start or end
		}
		switch rng.IntN(4) {
		case 0, 1:
			c := cls[rng.IntN(len(cls))]
			b = append(b[:at], append([]byte{c}, b[at:]...)...)
		case 2:
			c := other[rng.IntN(len(other))]
			b = append(b[:at], append([]byte{c}, b[at:]...)...)
		default:
			if at < len(b) {
				b = append(b[:at], b[at+1:]...)
			}
		}
	}
	return string(b)
}

func runRules(t testing.TB) []*Rule {
	set, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var out []*Rule
	for _, r := range set.Rules() {
		if r.compiled.pattern().run != nil {
			out = append(out, r)
		}
	}
	if len(out) < 50 {
		t.Fatalf("only %d rules have a secretRun", len(out))
	}
	return out
}

func TestSecretRun(t *testing.T) {
	t.Parallel()
	rs := runRules(t)
	var cut atomic.Int64
	// One subtest per rule, in parallel, each with its own generator
	// seeded by the rule's place (the same mutations run after run): a
	// few hundred thousand regex runs are most of this package's time
	// under -race.
	t.Run("rules", func(t *testing.T) {
		for i, r := range rs {
			t.Run(r.ID, func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(9, uint64(i)))
				texts := r.NegativeExamples
				for _, ex := range r.Examples {
					texts = append(texts, ex.Text)
					// Every example must pass as a whole and in the window
					// around its secret.
					if checkSecretRun(t, r, []byte(ex.Text), 0, len(ex.Text)) {
						t.Errorf("%s: example %q ruled out", r.ID, ex.Text)
					}
				}
				for _, text := range texts {
					for range 100 {
						m := runLike(rng, r, text)
						if checkSecretRun(t, r, []byte(m), 0, len(m)) {
							cut.Add(1)
						}
						lo := rng.IntN(len(m) + 1)
						hi := lo + rng.IntN(len(m)-lo+1)
						if checkSecretRun(t, r, []byte(m), lo, hi) {
							cut.Add(1)
						}
					}
				}
			})
		}
	})
	// The mutations must reach windows the test rules out.
	t.Logf("%d windows ruled out", cut.Load())
	if n := cut.Load(); n < 10000 {
		t.Fatalf("only %d windows ruled out", n)
	}
}

func FuzzSecretRun(f *testing.F) {
	rs := runRules(f)
	for i, r := range rs {
		if len(r.Examples) > 0 {
			f.Add(uint(i), r.Examples[0].Text, uint(0), uint(len(r.Examples[0].Text)))
		}
	}
	f.Fuzz(func(t *testing.T, ri uint, text string, lo, hi uint) {
		r := rs[ri%uint(len(rs))]
		l := int(lo % uint(len(text)+1))
		h := l + int(hi%uint(len(text)-l+1))
		checkSecretRun(t, r, []byte(text), l, h)
	})
}

// TestSecretRunOf pins what secretRunOf derives for a few shapes.
func TestSecretRunOf(t *testing.T) {
	alnum, _ := byteClass(nil)
	none, _ := byteClass(new(string))
	for _, c := range []struct {
		pattern        string
		before, after  asciiSet
		min, max       int
		start, end, ok bool
	}{
		{`key=(?P<secret>[A-Za-z0-9]{30})`, alnum, alnum, 30, 30, true, true, true},
		{`(?P<secret>[a-f0-9]{32,40})`, alnum, alnum, 32, 40, true, true, true},
		// The pattern says what is before and after the secret.
		{`key="(?P<secret>[A-Za-z0-9_-]{20})"`, none, none, 20, 20, true, true, true},
		{`(?:=|bc:)(?P<secret>[a-z]+)\s`, none, none, 1, unbounded, true, true, true},
		// ... or does not: the prefix can match empty, or end in a byte
		// of the secret's class.
		{`x?(?P<secret>[a-z]{8})`, none, none, 0, 0, false, false, false},
		{`ab(?P<secret>[a-z]{8})`, none, none, 0, 0, false, false, false},
		// A secret that may hold a rune outside ASCII, or anything.
		{`(?i)key=(?P<secret>[a-z]{8})`, alnum, alnum, 0, 0, false, false, false},
		{`key=(?P<secret>.{8})`, alnum, alnum, 0, 0, false, false, false},
		// Case folding that stays in ASCII.
		{`(?i:key=)(?P<secret>[0-9a-f]{8})`, alnum, alnum, 8, 8, true, true, true},
	} {
		re, err := syntax.Parse(c.pattern, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		sr := secretRunOf(re, c.before, c.after)
		if (sr != nil) != c.ok {
			t.Errorf("%s: secretRun %+v, want ok %v", c.pattern, sr, c.ok)
			continue
		}
		if sr != nil && (sr.min != max(c.min, 1) || sr.max != c.max || sr.start != c.start || sr.end != c.end) {
			t.Errorf("%s: secretRun %+v, want %d-%d start %v end %v", c.pattern, *sr, c.min, c.max, c.start, c.end)
		}
	}
}
