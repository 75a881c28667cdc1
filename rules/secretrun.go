package rules

import (
	"regexp/syntax"
	"unicode"

	"github.com/scour-dev/scour/internal/reedge"
)

// A secretRun says what any secret the rule reports looks like as a run
// of bytes, from the pattern and the boundary classes: for
// `...(?P<secret>[A-Za-z0-9]{30})` with the default reject_before and
// reject_after (A-Za-z0-9), the secret is a whole run of 30 alphanumerics,
// neither more nor less: a longer run yields a candidate that the
// boundary check drops without a word. A window without such a run
// cannot give a match, and Find returns before the regex runs. That is
// most windows of rules whose keyword sits in code full of hashes and
// long identifiers (alibaba-access-key-secret on terraform's Alibaba
// Cloud backend: go.sum hashes, commit ids), where Go's regexp costs
// 50-250 ns a byte.
type secretRun struct {
	class asciiSet // every byte of the secret is in class
	// min and max bound the secret's length; max < 0: no bound.
	min, max int
	// start: the byte before the secret is not in class (the secret
	// starts a run); end: the byte after it is not (it ends one).
	start, end bool
}

// secretRunOf derives the rule's secretRun from its parsed pattern, or
// returns nil when the secret holds a byte outside ASCII or the pattern
// does not say where its runs start or end.
func secretRunOf(re *syntax.Regexp, before, after asciiSet) *secretRun {
	seq, k := secretAt(re)
	if k < 0 {
		return nil
	}
	sr := &secretRun{}
	var ok bool
	if sr.min, sr.max, ok = runBytes(seq[k].Sub[0], &sr.class); !ok || sr.class == (asciiSet{}) {
		return nil
	}
	sr.min = max(sr.min, 1) // Find skips empty secrets
	// The byte before the secret is either rejected by reject_before or,
	// when the pattern's part before the group cannot match empty, one
	// that part can end with.
	sr.start = covers(before, sr.class)
	if !sr.start && k > 0 {
		if last, ok := edgeOfSeq(seq[:k], false); ok {
			sr.start = !intersects(last, sr.class)
		}
	}
	sr.end = covers(after, sr.class)
	if !sr.end && k+1 < len(seq) {
		if first, ok := edgeOfSeq(seq[k+1:], true); ok {
			sr.end = !intersects(first, sr.class)
		}
	}
	if !sr.start && !sr.end {
		return nil
	}
	return sr
}

// secretAt finds the capture named secret as an element of the pattern's
// top-level concatenation (or the whole pattern): the sequence and its
// index, or -1.
func secretAt(re *syntax.Regexp) ([]*syntax.Regexp, int) {
	isSecret := func(r *syntax.Regexp) bool { return r.Op == syntax.OpCapture && r.Name == "secret" }
	if isSecret(re) {
		return []*syntax.Regexp{re}, 0
	}
	if re.Op != syntax.OpConcat {
		return nil, -1
	}
	for i, r := range re.Sub {
		if isSecret(r) {
			return re.Sub, i
		}
	}
	return nil, -1
}

// unbounded is a length without bound in runBytes.
const unbounded = -1

// runBytes adds to set every byte r can match and returns the bounds of
// its match lengths; ok is false when r can match a byte outside ASCII
// or holds what it does not model.
func runBytes(r *syntax.Regexp, set *asciiSet) (lo, hi int, ok bool) {
	switch r.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0, 0, true
	case syntax.OpLiteral:
		for _, c := range r.Rune {
			if !addRune(set, c, r.Flags&syntax.FoldCase != 0) {
				return 0, 0, false
			}
		}
		return len(r.Rune), len(r.Rune), true
	case syntax.OpCharClass:
		if len(r.Rune) == 0 {
			return 0, 0, false
		}
		for i := 0; i+1 < len(r.Rune); i += 2 {
			if r.Rune[i+1] >= 0x80 {
				return 0, 0, false
			}
			for c := r.Rune[i]; c <= r.Rune[i+1]; c++ {
				set[c>>6] |= 1 << (c & 63)
			}
		}
		return 1, 1, true
	case syntax.OpCapture:
		return runBytes(r.Sub[0], set)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		l, h, ok := runBytes(r.Sub[0], set)
		if !ok {
			return 0, 0, false
		}
		switch r.Op {
		case syntax.OpStar:
			return 0, unbounded, true
		case syntax.OpPlus:
			return l, unbounded, true
		case syntax.OpQuest:
			return 0, h, true
		}
		if r.Max < 0 || h == unbounded {
			return l * r.Min, unbounded, true
		}
		return l * r.Min, h * r.Max, true
	case syntax.OpConcat, syntax.OpAlternate:
		first := true
		for _, sub := range r.Sub {
			l, h, ok := runBytes(sub, set)
			if !ok {
				return 0, 0, false
			}
			switch {
			case r.Op == syntax.OpConcat:
				lo += l
				if hi != unbounded {
					hi = addBound(hi, h)
				}
			case first:
				lo, hi = l, h
			default:
				lo = min(lo, l)
				if hi != unbounded {
					hi = maxBound(hi, h)
				}
			}
			first = false
		}
		return lo, hi, true
	}
	return 0, 0, false
}

func addBound(a, b int) int {
	if a == unbounded || b == unbounded {
		return unbounded
	}
	return a + b
}

func maxBound(a, b int) int {
	if a == unbounded || b == unbounded {
		return unbounded
	}
	return max(a, b)
}

// addRune adds c (and, with fold, its case variants) to set; false when
// one of them is outside ASCII.
func addRune(set *asciiSet, c rune, fold bool) bool {
	for f := c; ; {
		if f >= 0x80 {
			return false
		}
		set[f>>6] |= 1 << (f & 63)
		if !fold {
			return true
		}
		if f = unicode.SimpleFold(f); f == c {
			return true
		}
	}
}

// edgeOfSeq returns the ASCII bytes that can end (first false) or start
// (first true) a match of the concatenation seq, nearest the secret; ok
// is false when seq can match empty or holds what reedge does not model.
// Bytes outside ASCII are left out: a rune of several bytes starts and
// ends with bytes >= 0x80, which no secretRun class holds.
func edgeOfSeq(seq []*syntax.Regexp, first bool) (asciiSet, bool) {
	e, ok := reedge.EdgeOfSeq(seq, first)
	return asciiSet{e[0], e[1]}, ok
}

// covers reports whether every byte of b is in a.
func covers(a, b asciiSet) bool { return b[0]&^a[0] == 0 && b[1]&^a[1] == 0 }

func intersects(a, b asciiSet) bool { return a[0]&b[0] != 0 || a[1]&b[1] != 0 }

// possible reports whether data[lo:hi] holds a run of class that a secret
// could be: one of min to max bytes, starting a run of data when start
// and ending one when end (a run cut by the window's edge can only be the
// secret where the cut side need not be a run's edge).
func (sr *secretRun) possible(data []byte, lo, hi int) bool {
	for i := lo; i < hi; {
		if !sr.class.has(data[i]) {
			i++
			continue
		}
		s := i
		for i < hi && sr.class.has(data[i]) {
			i++
		}
		if i-s < sr.min {
			continue
		}
		if sr.start && s == lo && s > 0 && sr.class.has(data[s-1]) {
			continue // the run starts before the window: no secret starts in it
		}
		if sr.end && i == hi && i < len(data) && sr.class.has(data[i]) {
			continue // likewise, it ends after the window
		}
		if sr.start && sr.end && sr.max != unbounded && i-s > sr.max {
			continue // the whole run would be the secret: too long
		}
		return true
	}
	return false
}
