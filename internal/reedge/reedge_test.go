package reedge

import (
	"regexp/syntax"
	"testing"
)

func set(bs ...byte) Set {
	var s Set
	for _, b := range bs {
		s.add(b)
	}
	return s
}

func highBytes() Set {
	var s Set
	s.addRange(0x80, 0x80)
	return s
}

// TestEdge pins the edges and nullability of a few shapes: literals with
// and without case folding (K folds to the Kelvin sign, whose bytes are
// high), classes reaching past ASCII, optional tails that let an earlier
// element show, and a concatenation that can match empty.
func TestEdge(t *testing.T) {
	t.Parallel()
	hi := highBytes()
	withHi := func(s Set) Set { s.union(hi); return s }
	for _, c := range []struct {
		re          string
		first, last Set
		ok          bool
		nullable    bool
	}{
		{`abc`, set('a'), set('c'), true, false},
		{`(?i)k`, withHi(set('k', 'K')), withHi(set('k', 'K')), true, false},
		{`x[0-9]?`, set('x'), set('x', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), true, false},
		{`[a-bé]`, withHi(set('a', 'b')), withHi(set('a', 'b')), true, false},
		{`a|bc`, set('a', 'b'), set('a', 'c'), true, false},
		{`a*`, set('a'), set('a'), true, true},
	} {
		re, err := syntax.Parse(c.re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := Nullable(re); got != c.nullable {
			t.Errorf("%s: Nullable %v, want %v", c.re, got, c.nullable)
		}
		f, ok1 := Edge(re, true)
		l, ok2 := Edge(re, false)
		if f != c.first || l != c.last || ok1 != c.ok || ok2 != c.ok {
			t.Errorf("%s: first %v (%v), last %v (%v); want %v, %v (%v)", c.re, f, ok1, l, ok2, c.first, c.last, c.ok)
		}
		seq := []*syntax.Regexp{re}
		if _, ok := EdgeOfSeq(seq, false); ok == c.nullable {
			t.Errorf("%s: EdgeOfSeq ok %v for a sequence that can match empty: %v", c.re, ok, c.nullable)
		}
	}
}
