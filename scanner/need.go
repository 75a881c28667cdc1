package scanner

import (
	"regexp/syntax"
	"slices"
	"unicode"
)

// A need is a necessary condition for a rule's regex to match: every match
// holds at least n consecutive bytes from class. Needs come from the
// mandatory, fixed parts of the pattern (the secret's [a-z2-7]{52}, a
// UUID's hex groups). Checking one costs a table lookup per n-th window
// byte plus the short runs it lands in (hasRun), while Go's regexp on a
// pattern that starts with a (?i:...) context alternation costs tens to
// hundreds of nanoseconds per byte. A window without such a run cannot
// hold a match and is not handed to the regex; the findings do not change
// (TestNeedsNeverLoseMatches, TestFastPathsSameFindings, FuzzFastPaths).
type need struct {
	table [256]bool
	n     int
}

type byteSet [4]uint64

func (s *byteSet) add(b byte)      { s[b>>6] |= 1 << (b & 63) }
func (s *byteSet) has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }
func (s *byteSet) union(o *byteSet) {
	s[0], s[1], s[2], s[3] = s[0]|o[0], s[1]|o[1], s[2]|o[2], s[3]|o[3]
}

func addBytes(s *byteSet, lo, hi int) {
	for r := max(lo, 0); r <= hi && r < 0x80; r++ {
		s.add(byte(r))
	}
	// A rune >= 0x80 is encoded in bytes >= 0x80 only, and Go's regexp
	// reads an invalid byte as U+FFFD; both are covered by all high bytes.
	if hi >= 0x80 {
		for b := 0x80; b <= 0xff; b++ {
			s.add(byte(b))
		}
	}
}

// minNeedRun: shorter runs are too common in source code to be worth a
// pass over the window.
const minNeedRun = 8

// maxNeeds bounds the passes over a window.
const maxNeeds = 3

// needsOf derives needs from a rule's pattern (Go regexp syntax, as
// rules.Rule compiles it). It returns nil when the pattern has no long
// mandatory run or does not parse.
func needsOf(pattern string) []need {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	var seq []*syntax.Regexp
	var flatten func(*syntax.Regexp)
	flatten = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpConcat:
			for _, s := range r.Sub {
				flatten(s)
			}
		case syntax.OpCapture:
			flatten(r.Sub[0])
		default:
			seq = append(seq, r)
		}
	}
	flatten(re)

	var needs []need
	var seg byteSet // union of the current fixed run of single-byte-wide items
	segLen := 0
	flush := func() {
		if segLen >= minNeedRun {
			needs = append(needs, newNeed(seg, segLen))
		}
		seg, segLen = byteSet{}, 0
	}
	for _, r := range seq {
		switch r.Op {
		case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
			syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
			// Zero-width: the bytes on either side are still adjacent.
		case syntax.OpLiteral:
			for _, c := range r.Rune {
				cs := runeClass(c, r.Flags&syntax.FoldCase != 0)
				seg.union(&cs)
				segLen++
			}
		case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
			cs := class(r)
			seg.union(&cs)
			segLen++
		case syntax.OpRepeat, syntax.OpPlus:
			lo, hi := r.Min, r.Max
			if r.Op == syntax.OpPlus {
				lo, hi = 1, -1
			}
			cs, ok := single(r.Sub[0])
			if !ok || lo == 0 {
				flush()
				continue
			}
			if lo >= minNeedRun {
				needs = append(needs, newNeed(cs, lo))
			}
			seg.union(&cs)
			segLen += lo
			if hi != lo {
				// Variable length: what follows is not at a fixed distance,
				// but the run so far is contiguous with the repeat's start.
				flush()
			}
		default:
			flush()
		}
	}
	flush()
	// Longest first: the rarest, and the cheapest to rule out.
	slices.SortStableFunc(needs, func(a, b need) int { return b.n - a.n })
	needs = slices.Compact(needs)
	return needs[:min(len(needs), maxNeeds)]
}

func newNeed(s byteSet, n int) need {
	nd := need{n: n}
	for b := range 256 {
		nd.table[b] = s.has(byte(b))
	}
	return nd
}

// single returns the byte class of a one-character item.
func single(r *syntax.Regexp) (byteSet, bool) {
	switch r.Op {
	case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		return class(r), true
	case syntax.OpLiteral:
		if len(r.Rune) == 1 {
			return runeClass(r.Rune[0], r.Flags&syntax.FoldCase != 0), true
		}
	}
	return byteSet{}, false
}

func class(r *syntax.Regexp) byteSet {
	var s byteSet
	switch r.Op {
	case syntax.OpAnyChar:
		addBytes(&s, 0, unicode.MaxRune)
	case syntax.OpAnyCharNotNL:
		addBytes(&s, 0, '\n'-1)
		addBytes(&s, '\n'+1, unicode.MaxRune)
	default:
		for i := 0; i+1 < len(r.Rune); i += 2 {
			addBytes(&s, int(r.Rune[i]), int(r.Rune[i+1]))
		}
	}
	return s
}

func runeClass(c rune, fold bool) byteSet {
	var s byteSet
	addBytes(&s, int(c), int(c))
	if fold {
		for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
			addBytes(&s, int(f), int(f))
		}
	}
	return s
}

// possible reports whether data[lo:hi] meets every need.
func possible(needs []need, data []byte, lo, hi int) bool {
	for i := range needs {
		if !hasRun(data[lo:hi], &needs[i].table, needs[i].n) {
			return false
		}
	}
	return true
}

// hasRun reports whether w holds n consecutive bytes of class. Any such
// run covers one of every n consecutive positions, so it probes every n-th
// byte and measures the run only around a probe that is in the class:
// windows without a run cost about len(w)/n lookups plus the short runs
// (identifiers) they happen to hit.
func hasRun(w []byte, class *[256]bool, n int) bool {
	for p := n - 1; p < len(w); {
		if !class[w[p]] {
			p += n
			continue
		}
		s := p
		for s > 0 && class[w[s-1]] && p-s+1 < n {
			s--
		}
		e := p + 1
		for e < len(w) && e-s < n && class[w[e]] {
			e++
		}
		if e-s >= n {
			return true
		}
		// w[e] ends the run (or e is the end): a long run starts after it.
		p = e + n
	}
	return false
}
