package scanner

import (
	"bytes"
	"cmp"
	"math"
	"regexp/syntax"
	"slices"
	"sync"
	"unicode"

	"github.com/scour-dev/scour/internal/reedge"
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
	// pre, when set, holds the bytes that can come just before the run
	// in a match (the last bytes of what the pattern requires before it):
	// [a-f0-9]{40} after `token\s*[=:]\s*["']?` is preceded by one of
	// = : space " ', never by a letter or a '/', which rules out the
	// commit hashes in changelog links and lock files that sit near
	// every "github" keyword hit in Go code.
	pre *[256]bool
}

type byteSet [4]uint64

func (s *byteSet) add(b byte)      { s[b>>6] |= 1 << (b & 63) }
func (s *byteSet) has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }
func (s *byteSet) intersects(o *byteSet) bool {
	return s[0]&o[0]|s[1]&o[1]|s[2]&o[2]|s[3]&o[3] != 0
}
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

// needsOfParsed derives needs from a rule's parsed pattern (Go regexp
// syntax, as rules.Rule compiles it). It returns nil when the pattern has
// no long mandatory run.
func needsOfParsed(re *syntax.Regexp) []need {
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
	for k, r := range seq {
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
				nd := newNeed(cs, lo)
				if pre, ok := lastOfSeq(seq[:k]); ok && !pre.intersects(&cs) {
					nd.pre = new([256]bool)
					for b := range 256 {
						nd.pre[b] = pre.has(byte(b))
					}
				}
				needs = append(needs, nd)
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
	// Longest first: the rarest, and the cheapest to rule out; anchored
	// ones first among equals (they rule out more).
	slices.SortStableFunc(needs, func(a, b need) int {
		if b.n != a.n {
			return b.n - a.n
		}
		return boolInt(b.pre != nil) - boolInt(a.pre != nil)
	})
	needs = slices.CompactFunc(needs, func(a, b need) bool { return a.n == b.n && a.table == b.table })
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
		if nd := &needs[i]; nd.pre != nil && !hasRunAfter(data[lo:hi], &nd.table, nd.n, nd.pre) || nd.pre == nil && !hasRun(data[lo:hi], &nd.table, nd.n) {
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

// A literal is another necessary condition: a fixed string every match
// holds (client and secret in `google.{0,200}?client[_-]?secret...`),
// ASCII-case-folded when the pattern folds case. Byte-class needs miss
// these (a word is shorter than minNeedRun and what follows is optional),
// and they matter where a rule's keyword is a common word: "google" and
// "github" are on every import line of Go code, and without the literal
// test the rule's regex ran over all of those windows (a third of the
// CPU of a history scan of etcd).
type literal struct {
	s    []byte // lower-cased when fold
	fold bool
}

// minLiteral: shorter literals rule out too little to pay for the search.
const minLiteral = 4

// literalsOfParsed returns the mandatory literals of pattern's top-level
// sequence (optional and alternated parts add none), longest first, at
// most maxNeeds.
func literalsOfParsed(re *syntax.Regexp) []literal {
	var lits []literal
	var walk func(*syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpConcat:
			for _, s := range r.Sub {
				walk(s)
			}
		case syntax.OpCapture:
			walk(r.Sub[0])
		case syntax.OpRepeat, syntax.OpPlus:
			if r.Op == syntax.OpPlus || r.Min > 0 {
				walk(r.Sub[0]) // present at least once
			}
		case syntax.OpLiteral:
			if l, ok := literalOf(r); ok {
				lits = append(lits, l)
			}
		}
	}
	walk(re)
	slices.SortStableFunc(lits, func(a, b literal) int { return len(b.s) - len(a.s) })
	return lits[:min(len(lits), maxNeeds)]
}

// literalOf returns the literal r (an OpLiteral) stands for, when it is
// long enough to be worth a search.
func literalOf(r *syntax.Regexp) (literal, bool) {
	if len(r.Rune) < minLiteral {
		return literal{}, false
	}
	fold := r.Flags&syntax.FoldCase != 0
	b := make([]byte, 0, len(r.Rune))
	for _, c := range r.Rune {
		if c >= 0x80 {
			return literal{}, false // non-ASCII folding has more than two forms
		}
		if fold && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, byte(c))
	}
	if fold {
		// Go folds k to U+212A (Kelvin) and s to U+017F (long s)
		// too: keep the longest piece without them.
		best := []byte(nil)
		for _, piece := range bytes.FieldsFunc(b, func(c rune) bool { return c == 'k' || c == 's' }) {
			if len(piece) > len(best) {
				best = piece
			}
		}
		if len(best) < minLiteral {
			return literal{}, false
		}
		b = best
	}
	return literal{s: b, fold: fold}, true
}

// maxAnyOf bounds the literals of one any-of need (the searches per window).
const maxAnyOf = 6

// anyLiteralsOfParsed returns the any-of literal needs of pattern: for a
// mandatory alternation whose every branch holds a mandatory literal, one
// literal of each branch; every match holds at least one of them.
// (?:^|[\s,])(?:jwt[_.-]?secret|jwt:\n...(?:secret|signing[_-]?key)) has
// no literal every match holds ("jwt" is too short), but each holds
// "ecret" or "igning": the jwt-signing-secret rules' keyword, jwt, is on
// most lines of etcd's auth code, and without this test their regexes ran
// over 25 MB of windows per history scan. Needs of one literal (those
// literalsOf finds) are left out.
func anyLiteralsOfParsed(re *syntax.Regexp) [][]literal {
	var req func(*syntax.Regexp) [][]literal
	req = func(r *syntax.Regexp) [][]literal {
		switch r.Op {
		case syntax.OpConcat:
			var out [][]literal
			for _, s := range r.Sub {
				out = append(out, req(s)...)
			}
			return out
		case syntax.OpCapture:
			return req(r.Sub[0])
		case syntax.OpRepeat, syntax.OpPlus:
			if r.Op == syntax.OpPlus || r.Min > 0 {
				return req(r.Sub[0])
			}
		case syntax.OpLiteral:
			if l, ok := literalOf(r); ok {
				return [][]literal{{l}}
			}
		case syntax.OpAlternate:
			var any []literal
			for _, b := range r.Sub {
				cs := req(b)
				if len(cs) == 0 {
					return nil // a branch without a literal: no need
				}
				// The branch's smallest need, of the longest literals.
				best := slices.MinFunc(cs, func(a, b []literal) int {
					return cmp.Or(len(a)-len(b), minLen(b)-minLen(a))
				})
				for _, l := range best {
					if !slices.ContainsFunc(any, func(o literal) bool { return o.fold == l.fold && bytes.Equal(o.s, l.s) }) {
						any = append(any, l)
					}
				}
			}
			if len(any) > maxAnyOf {
				return nil
			}
			return [][]literal{any}
		}
		return nil
	}
	var out [][]literal
	for _, c := range req(re) {
		if len(c) > 1 {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b []literal) int { return len(a) - len(b) })
	return out[:min(len(out), maxNeeds)]
}

func minLen(c []literal) int {
	n := math.MaxInt
	for _, l := range c {
		n = min(n, len(l.s))
	}
	return n
}

// hasAnyLiterals reports whether w holds a literal of each need.
func hasAnyLiterals(needs [][]literal, w []byte) bool {
	for _, c := range needs {
		if !slices.ContainsFunc(c, func(l literal) bool { return containsLiteral(w, l) }) {
			return false
		}
	}
	return true
}

// hasLiterals reports whether w holds every literal.
func hasLiterals(lits []literal, w []byte) bool {
	for _, l := range lits {
		if !containsLiteral(w, l) {
			return false
		}
	}
	return true
}

// containsLiteral searches w for l, case-insensitively (ASCII) when l
// folds: candidates come from bytes.IndexByte (vectorised) on the
// literal's first byte in each case, so a window without it costs a
// memchr or two, not a loop per byte.
func containsLiteral(w []byte, l literal) bool {
	if !l.fold {
		return bytes.Contains(w, l.s)
	}
	c0 := l.s[0]
	up := c0
	if 'a' <= c0 && c0 <= 'z' {
		up = c0 - ('a' - 'A')
	}
	n := len(l.s)
	// Next occurrence of each case of the first byte at or after p (-1:
	// none left), refreshed only when passed.
	nextLo, nextUp := -2, -2
	for p := 0; p+n <= len(w); {
		if nextLo != -1 && nextLo < p {
			nextLo = indexFrom(w, c0, p)
		}
		if up == c0 {
			nextUp = nextLo
		} else if nextUp != -1 && nextUp < p {
			nextUp = indexFrom(w, up, p)
		}
		i := nextLo
		if i < 0 || nextUp >= 0 && nextUp < i {
			i = nextUp
		}
		if i < 0 || i+n > len(w) {
			return false
		}
		if equalFoldLower(w[i:i+n], l.s) {
			return true
		}
		p = i + 1
	}
	return false
}

func indexFrom(w []byte, c byte, p int) int {
	if i := bytes.IndexByte(w[p:], c); i >= 0 {
		return p + i
	}
	return -1
}

// equalFoldLower reports whether b equals lower (lower-case ASCII) when
// b's ASCII letters are lower-cased.
func equalFoldLower(b, lower []byte) bool {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// ruleNeeds are a rule's necessary conditions, computed once on first use
// (safe for concurrent use).
type ruleNeeds struct {
	pattern  string
	keywords []string
	once     sync.Once
	// needs are runs of byte classes every match holds.
	needs []need
	// lits are literals every match holds.
	lits []literal
	// anyLits are sets of literals every match holds one of.
	anyLits [][]literal
	// seqs are short byte-class sequences every match holds; only for
	// rules with none of the needs above.
	seqs []seqNeed
	// lead, when set, is checked at each keyword hit (windows).
	lead *leadNeed
}

func (rn *ruleNeeds) get() *ruleNeeds {
	rn.once.Do(func() {
		re, err := syntax.Parse(rn.pattern, syntax.Perl)
		if err != nil {
			return // no needs: the regex decides alone
		}
		rn.needs, rn.lits, rn.anyLits = needsOfParsed(re), literalsOfParsed(re), anyLiteralsOfParsed(re)
		if len(rn.needs) == 0 && len(rn.lits) == 0 && len(rn.anyLits) == 0 {
			rn.seqs = seqNeedsOfParsed(re)
		}
		rn.lead = leadOfParsed(re, rn.keywords)
	})
	return rn
}

// possible reports whether data[lo:hi] meets every need and holds every
// literal of e's rule, and one of each of its any-of literal needs.
func (e *entry) possible(data []byte, lo, hi int) bool {
	if e.needs == nil {
		return true
	}
	n := e.needs.get()
	return possible(n.needs, data, lo, hi) && hasLiterals(n.lits, data[lo:hi]) && hasAnyLiterals(n.anyLits, data[lo:hi]) &&
		hasSeqs(n.seqs, data[lo:hi])
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lastOfSeq returns the bytes that can end a non-empty match of the
// concatenation seq, and ok false when seq can match empty (then nothing
// is known of the byte before what follows it) or holds what reedge does
// not model.
func lastOfSeq(seq []*syntax.Regexp) (byteSet, bool) {
	e, ok := reedge.EdgeOfSeq(seq, false)
	return byteSet(e), ok
}

// hasRunAfter reports whether w holds n consecutive bytes of class
// preceded (inside w) by a byte of pre. pre and class are disjoint, so
// such a run starts a maximal run of class: it probes every n-th byte as
// hasRun does, and checks the byte before each maximal run long enough.
func hasRunAfter(w []byte, class *[256]bool, n int, pre *[256]bool) bool {
	for p := n - 1; p < len(w); {
		if !class[w[p]] {
			p += n
			continue
		}
		s := p
		for s > 0 && class[w[s-1]] {
			s--
		}
		e := p + 1
		for e < len(w) && class[w[e]] {
			e++
		}
		if e-s >= n && s > 0 && pre[w[s-1]] {
			return true
		}
		p = e + n
	}
	return false
}

// A seqNeed is a short run of fixed ASCII byte classes every match holds,
// one of them a single byte: `\s-[pa]` in generic-cli-password (a space,
// a '-', then p or a: a password on a mysql or sshpass command line). Its
// class union is too broad and its length too short for a need, and it
// has no literal of minLiteral bytes, but a window without the sequence
// cannot hold a match: the rule's keyword (mysql) sits in Go imports and
// docs, where "-p" after a space is rare. The window is searched for the
// single byte (bytes.IndexByte) and its neighbours tested. Only rules
// with no other need get them.
type seqNeed struct {
	classes [][256]bool
	at      int  // index of the single-byte class
	b       byte // its byte
}

// minSeqNeed: shorter sequences are too common to be worth a pass.
const minSeqNeed = 3

// seqNeedsOfParsed returns the sequence needs of pattern's top-level sequence,
// longest first, at most maxNeeds.
func seqNeedsOfParsed(re *syntax.Regexp) []seqNeed {
	var out []seqNeed
	var run []byteSet
	flush := func() {
		defer func() { run = run[:0] }()
		if len(run) < minSeqNeed {
			return
		}
		at, b := -1, byte(0)
		for i, s := range run {
			if n, c := s.single(); n == 1 && (at < 0 || !isAlnum(c) && isAlnum(b)) {
				at, b = i, c // prefer punctuation, rarer in code than letters
			}
		}
		if at < 0 {
			return
		}
		sn := seqNeed{classes: make([][256]bool, len(run)), at: at, b: b}
		for i, s := range run {
			for c := range 256 {
				sn.classes[i][c] = s.has(byte(c))
			}
		}
		out = append(out, sn)
	}
	// push adds a one-byte position, or ends the run when the class holds
	// a byte >= 0x80 (a rune of several bytes: positions would no longer
	// be bytes).
	push := func(s byteSet) {
		if s[2]|s[3] != 0 {
			flush()
			return
		}
		run = append(run, s)
	}
	var walk func(*syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpConcat:
			for _, s := range r.Sub {
				walk(s)
			}
		case syntax.OpCapture:
			walk(r.Sub[0])
		case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
			syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
			// Zero-width: the bytes on either side are still adjacent.
		case syntax.OpLiteral:
			for _, c := range r.Rune {
				push(runeClass(c, r.Flags&syntax.FoldCase != 0))
			}
		case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
			push(class(r))
		case syntax.OpRepeat, syntax.OpPlus:
			lo, hi := r.Min, r.Max
			if r.Op == syntax.OpPlus {
				lo, hi = 1, -1
			}
			cs, ok := single(r.Sub[0])
			if !ok || lo == 0 {
				flush()
				return
			}
			for range min(lo, 64) {
				push(cs)
			}
			if hi != lo || lo > 64 {
				flush() // what follows is not at a fixed distance
			}
		default:
			flush()
		}
	}
	walk(re)
	flush()
	slices.SortStableFunc(out, func(a, b seqNeed) int { return len(b.classes) - len(a.classes) })
	return out[:min(len(out), maxNeeds)]
}

// single reports how many bytes s holds, and the first.
func (s *byteSet) single() (n int, first byte) {
	for c := 255; c >= 0; c-- {
		if s.has(byte(c)) {
			n, first = n+1, byte(c)
		}
	}
	return n, first
}

func isAlnum(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' }

// hasSeqs reports whether w holds every sequence need.
func hasSeqs(seqs []seqNeed, w []byte) bool {
	for i := range seqs {
		if !hasSeq(&seqs[i], w) {
			return false
		}
	}
	return true
}

func hasSeq(sn *seqNeed, w []byte) bool {
	for i := sn.at; i < len(w); {
		j := bytes.IndexByte(w[i:], sn.b)
		if j < 0 {
			return false
		}
		p := i + j - sn.at // where the sequence would start; i >= sn.at
		if p+len(sn.classes) <= len(w) && seqAt(sn, w[p:]) {
			return true
		}
		i += j + 1
	}
	return false
}

func seqAt(sn *seqNeed, w []byte) bool {
	for k := range sn.classes {
		if !sn.classes[k][w[k]] {
			return false
		}
	}
	return true
}

// A leadNeed is a necessary condition on one keyword hit, for a rule whose
// every match starts with its keyword: the pattern opens with the literal
// every keyword spells, then items of bounded width over a byte class,
// then a literal. github-oauth-client-secret is
// `github[\w.-]{0,20}(?:client[_.-]?)?secret...` on the keyword github:
// "secret" must start within 27 key bytes of the hit's end. Go files name
// github on every other line (import paths), so the rule's windows merged
// into whole files and its regex ran over them; a hit that fails the
// check cannot start a match and gets no window. A match lies within its
// own hit's window (newScanner's reach assumes it), so the windows of the
// hits that pass still hold every match.
type leadNeed struct {
	gap   int       // most bytes between the keyword and lit
	class [256]bool // the bytes those can be
	lit   []byte    // lower-cased
	first [256]bool // the bytes lit can start with
}

// maxLeadGap bounds the bytes a lead check reads past a hit.
const maxLeadGap = 64

// leadOfParsed derives the lead need of a pattern whose keywords are kws,
// or nil.
func leadOfParsed(re *syntax.Regexp, kws []string) *leadNeed {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if re.Op != syntax.OpConcat || len(kws) == 0 {
		return nil
	}
	seq := re.Sub
	for len(seq) > 0 && zeroWidth(seq[0]) {
		seq = seq[1:]
	}
	if len(seq) < 3 || seq[0].Op != syntax.OpLiteral {
		return nil
	}
	lead, ok := asciiLit(seq[0])
	if !ok {
		return nil
	}
	for _, k := range kws {
		if asciiLower(k) != lead {
			return nil // a hit of another keyword need not start a match
		}
	}
	var u byteSet
	gap := 0
	for _, r := range seq[1:] {
		if r.Op == syntax.OpLiteral {
			if l, ok := asciiLit(r); ok && len(l) >= 3 {
				ln := &leadNeed{gap: gap, lit: []byte(l)}
				for b := range 256 {
					ln.class[b] = u.has(byte(b))
					ln.first[b] = b == int(l[0]) || 'a' <= l[0] && l[0] <= 'z' && b == int(l[0]-('a'-'A'))
				}
				return ln
			}
		}
		w, s, ok := boundedWidth(r)
		if !ok || gap+w > maxLeadGap {
			return nil
		}
		gap += w
		u.union(&s)
	}
	return nil
}

// asciiLit returns an ASCII literal lower-cased.
func asciiLit(r *syntax.Regexp) (string, bool) {
	b := make([]byte, 0, len(r.Rune))
	for _, c := range r.Rune {
		if c >= 0x80 {
			return "", false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, byte(c))
	}
	return string(b), len(b) > 0
}

func zeroWidth(r *syntax.Regexp) bool {
	switch r.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	return false
}

// boundedWidth returns the most characters r can match and the bytes it
// can match, or ok false when unbounded or not modelled. A non-ASCII
// character is wider in bytes; the set then holds every high byte, and
// leadNeed.ok answers true at the first one it meets.
func boundedWidth(r *syntax.Regexp) (int, byteSet, bool) {
	var s byteSet
	switch {
	case zeroWidth(r):
		return 0, s, true
	}
	switch r.Op {
	case syntax.OpLiteral:
		for _, c := range r.Rune {
			cs := runeClass(c, r.Flags&syntax.FoldCase != 0)
			s.union(&cs)
		}
		return len(r.Rune), s, true
	case syntax.OpCharClass:
		return 1, class(r), true
	case syntax.OpCapture, syntax.OpQuest:
		return boundedWidth(r.Sub[0])
	case syntax.OpRepeat:
		if r.Max < 0 {
			return 0, s, false
		}
		w, s, ok := boundedWidth(r.Sub[0])
		return w * r.Max, s, ok
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, sub := range r.Sub {
			w, ss, ok := boundedWidth(sub)
			if !ok {
				return 0, s, false
			}
			if r.Op == syntax.OpConcat {
				total += w
			} else {
				total = max(total, w)
			}
			s.union(&ss)
		}
		return total, s, true
	}
	return 0, s, false
}

// ok reports whether a keyword hit ending at ke can start a match: the literal
// within gap bytes of the class after it. Running out of data answers
// true (a chunk's end: the next chunk decides), and so does a non-ASCII
// byte.
func (ln *leadNeed) ok(data []byte, ke int) bool {
	for k := ke; k <= ke+ln.gap; k++ {
		if k+len(ln.lit) > len(data) {
			return true
		}
		c := data[k]
		if c >= 0x80 || ln.first[c] && equalFoldLower(data[k:k+len(ln.lit)], ln.lit) {
			// A high byte: the pattern's case folding matches ſ for s
			// and K (Kelvin) for k, and widths were counted in
			// characters; undecided.
			return true
		}
		if !ln.class[c] {
			return false
		}
	}
	return false
}
