// Package reedge answers, for a parsed regular expression, the two
// questions scour's prechecks ask of a pattern (scanner's needs, rules'
// secret runs): can it match the empty string, and which bytes can start
// or end a non-empty match of it.
package reedge

import (
	"regexp/syntax"
	"unicode"
)

// Set is a set of bytes.
type Set [4]uint64

func (s *Set) add(b byte)  { s[b>>6] |= 1 << (b & 63) }
func (s *Set) union(o Set) { s[0], s[1], s[2], s[3] = s[0]|o[0], s[1]|o[1], s[2]|o[2], s[3]|o[3] }
func (s *Set) addRange(lo, hi rune) {
	for r := max(lo, 0); r <= hi && r < 0x80; r++ {
		s.add(byte(r))
	}
	// A rune >= 0x80 is encoded in bytes >= 0x80 only, and Go's regexp
	// reads an invalid byte as U+FFFD: all high bytes cover both.
	if hi >= 0x80 {
		for b := 0x80; b <= 0xff; b++ {
			s.add(byte(b))
		}
	}
}

// Nullable reports whether r can match the empty string; operators it
// does not model count as able to (the safe answer for Edge).
func Nullable(r *syntax.Regexp) bool {
	switch r.Op {
	case syntax.OpLiteral:
		return len(r.Rune) == 0
	case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		return false
	case syntax.OpCapture, syntax.OpPlus:
		return Nullable(r.Sub[0])
	case syntax.OpRepeat:
		return r.Min == 0 || Nullable(r.Sub[0])
	case syntax.OpConcat:
		for _, sub := range r.Sub {
			if !Nullable(sub) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		for _, sub := range r.Sub {
			if Nullable(sub) {
				return true
			}
		}
		return false
	}
	return true
}

// EdgeOfSeq returns the bytes that can start (first) or end a non-empty
// match of the concatenation seq, and ok false when seq can match empty
// (then nothing is known of the byte beside it) or holds an operator it
// does not model.
func EdgeOfSeq(seq []*syntax.Regexp, first bool) (Set, bool) {
	s, ok, empty := edgeOfSeq(seq, first)
	if !ok || empty {
		return Set{}, false
	}
	return s, true
}

// edgeOfSeq is the union of the edges of seq's elements from its start
// (first) or end up to the first that cannot match empty; empty says
// there was none.
func edgeOfSeq(seq []*syntax.Regexp, first bool) (s Set, ok, empty bool) {
	for j := range seq {
		i := len(seq) - 1 - j
		if first {
			i = j
		}
		e, ok := Edge(seq[i], first)
		if !ok {
			return Set{}, false, false
		}
		s.union(e)
		if !Nullable(seq[i]) {
			return s, true, false
		}
	}
	return s, true, true
}

// Edge returns the bytes that can start (first) or end a non-empty match
// of r, and ok false for an operator it does not model.
func Edge(r *syntax.Regexp, first bool) (Set, bool) {
	var s Set
	switch r.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return s, true
	case syntax.OpLiteral:
		if len(r.Rune) == 0 {
			return s, true
		}
		c := r.Rune[len(r.Rune)-1]
		if first {
			c = r.Rune[0]
		}
		s.addRange(c, c)
		if r.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
				s.addRange(f, f)
			}
		}
		return s, true
	case syntax.OpCharClass:
		for i := 0; i+1 < len(r.Rune); i += 2 {
			s.addRange(r.Rune[i], r.Rune[i+1])
		}
		return s, true
	case syntax.OpAnyChar:
		s.addRange(0, unicode.MaxRune)
		return s, true
	case syntax.OpAnyCharNotNL:
		s.addRange(0, '\n'-1)
		s.addRange('\n'+1, unicode.MaxRune)
		return s, true
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		if r.Op == syntax.OpRepeat && r.Max == 0 {
			return s, true
		}
		return Edge(r.Sub[0], first)
	case syntax.OpConcat:
		// A concatenation that can match empty still has the edges of
		// its non-empty matches.
		s, ok, _ := edgeOfSeq(r.Sub, first)
		return s, ok
	case syntax.OpAlternate:
		for _, sub := range r.Sub {
			e, ok := Edge(sub, first)
			if !ok {
				return Set{}, false
			}
			s.union(e)
		}
		return s, true
	}
	return Set{}, false
}
