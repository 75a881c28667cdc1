package scanner

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/coregx/ahocorasick"

	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner/decode"
	"github.com/scour-dev/scour/source"
)

// scratch is per-goroutine working memory, pooled so the hot path does not
// allocate per chunk.
type scratch struct {
	buf     []byte   // streaming read buffer
	lower   []byte   // lower-cased view of the current chunk
	spans   [][]span // per rule: windows around keyword hits
	touched []int    // rules with at least one span in this chunk
	cand    []span   // prefilter output: where keywords may be
	hits    []ahocorasick.Match
	// regionHits are the hits of one region deltaKeywords searches,
	// searchHits those of all its regions; itemHits an item's hits when
	// no memo keeps them.
	regionHits, searchHits, itemHits []ahocorasick.Match
	found                            []found
	skip                             []bool // per entry: restricted to paths the current item is not on
	// skipFor is the path skip, test, lock and config were computed for:
	// versions of one file come one after another in a history walk, and
	// matching every path rule's globs per blob was about 7% of matching a
	// delta-built blob (etcd profile).
	skipFor                      string
	skipOK                       bool
	skipTest, skipLk, skipConfig bool
	// rejected are candidates specific (non-generic) rules dropped in
	// this chunk: a checksum failed, a placeholder. The generic layer
	// must not report them either.
	rejected []string
	sub      *scratch // for matching decoded text (depth 1)
	// concat is the concatenated-literal decoders' memo (per decodeSpans).
	concat decode.ConcatMemo
	// fs is find's state for its callbacks, onMatch and onDrop (bound to
	// fs once per scratch).
	fs      findState
	onMatch func(rules.Match)
	onDrop  func(secret, why string)
}

type span struct{ lo, hi int }

// found is a match in chunk-relative offsets.
type found struct {
	rule int
	m    rules.Match
	enc  string // how chunk[m.Start:m.End] encodes m.Secret ("" = as written)
}

// posState is the line/column at the start of the current chunk.
type posState struct {
	line  int // 1-based line of the chunk's first byte
	runes int // runes between that line's start and the chunk's first byte
}

// advance moves the state over b (a prefix of the chunk that ends on a rune
// boundary).
func (p *posState) advance(b []byte) {
	p.line += bytes.Count(b, []byte{'\n'})
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		p.runes = utf8.RuneCount(b[i+1:])
	} else {
		p.runes += utf8.RuneCount(b)
	}
}

// itemScan carries what one item's scan needs across its chunks.
type itemScan struct {
	origin source.Origin
	emit   func(hit)
	// drop, when set, hears each candidate a rule's filters dropped, once
	// per item (the collector counts them for the summary).
	drop    func(rule, secret, why string)
	dropped map[[3]string]bool // per item: each dropped candidate once
	// skip[i]: entry i is restricted to paths this item is not on; nil
	// when no entry is restricted.
	skip []bool
	// test: the item is a test file or fixture, where values under
	// credential names are mostly made up: generic matches are "low".
	test bool
	// config: the item is a configuration file outside tests and docs
	// (.env, properties, YAML, shell rc...), where a weak value under a
	// credential name is the deployment's password: "medium", not "low".
	config bool
	// lock: the item is a dependency lock or checksum file (go.sum,
	// package-lock.json, ...): its "keys" are package names such as
	// modernc.org/token and its values hashes, so the generic layer does
	// not run there (format rules still do).
	lock bool
}

func (s *Scanner) overlap() int { return 2 * s.reach }

func (s *Scanner) bufSize() int { return max(s.chunkSize, 2*s.overlap()+8) }

// nextStart picks where the chunk after chunk begins: overlap bytes before
// its end, moved back (at most 3 bytes) so no valid UTF-8 sequence is split
// and rune columns add up across chunks.
func (s *Scanner) nextStart(chunk []byte) int {
	p := len(chunk) - s.overlap()
	for k := 1; k <= utf8.UTFMax-1 && p-k >= 0; k++ {
		if utf8.RuneStart(chunk[p-k]) {
			if _, size := utf8.DecodeRune(chunk[p-k:]); size > k {
				p -= k
			}
			break
		}
	}
	return p
}

// scanItem scans one item and reports every match through emit. It returns
// the bytes scanned and, when the item could not be read in full, what to
// list as skipped; matches made before a read error are kept.
func (s *Scanner) scanItem(ctx context.Context, it source.Item, emit func(hit), drop func(rule, secret, why string)) (int64, *source.Skipped, error) {
	sc := s.scratch.Get().(*scratch)
	defer s.scratch.Put(sc)
	is := s.newItemScan(sc, it.Origin, emit, drop)
	pos := posState{line: 1}

	if it.Open == nil {
		data := it.Data
		size := s.bufSize()
		for a := 0; ; {
			if err := ctx.Err(); err != nil {
				return int64(a), nil, err
			}
			b := min(a+size, len(data))
			chunk := data[a:b]
			last := b == len(data)
			next := s.scanChunk(sc, is, chunk, int64(a), a == 0, last, &pos)
			if last {
				return int64(len(data)), nil, nil
			}
			a += next
		}
	}

	path := it.Origin.Path
	if path == "" {
		path = it.Origin.Kind
	}
	rc, err := it.Open()
	if err != nil {
		return 0, &source.Skipped{Path: path, Reason: source.ReasonReadError, Detail: "open: " + err.Error()}, nil
	}
	defer rc.Close()
	size := s.bufSize()
	// Most files are small: size the buffer to the item (+1 so the read
	// that sees EOF has room) and grow it only if the item turns out larger.
	bufLen := size
	if it.Size >= 0 && it.Size < int64(size) {
		bufLen = int(it.Size) + 1
	}
	if cap(sc.buf) < bufLen {
		sc.buf = make([]byte, bufLen)
	}
	buf := sc.buf[:bufLen]
	var n, base int64
	filled := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, nil, err
		}
		var rerr error
		for rerr == nil {
			if filled == len(buf) {
				if len(buf) == size {
					break
				}
				if cap(sc.buf) < size {
					sc.buf = append(sc.buf[:filled], make([]byte, size-filled)...)
				}
				buf = sc.buf[:size]
			}
			var k int
			k, rerr = rc.Read(buf[filled:])
			filled += k
			n += int64(k)
		}
		last := rerr != nil
		next := s.scanChunk(sc, is, buf[:filled], base, base == 0, last, &pos)
		if last {
			if errors.Is(rerr, io.EOF) {
				return n, nil, nil
			}
			return n, &source.Skipped{Path: path, Reason: source.ReasonReadError, Detail: rerr.Error()}, nil
		}
		copy(buf, buf[next:filled])
		filled -= next
		base += int64(next)
	}
}

// newItemScan prepares the per-item state of a scan of an item at origin:
// which path-restricted rules it skips (in sc.skip, which windows reads),
// whether it is a test or lock file.
func (s *Scanner) newItemScan(sc *scratch, origin source.Origin, emit func(hit), drop func(rule, secret, why string)) *itemScan {
	if !sc.skipOK || sc.skipFor != origin.Path || len(sc.skip) != len(s.entries) && len(s.pathRules) > 0 {
		sc.skipFor, sc.skipOK = origin.Path, true
		sc.skipTest, sc.skipLk = testPath(origin.Path), lockPath(origin.Path)
		sc.skipConfig = !sc.skipTest && configPath(origin.Path)
		if len(s.pathRules) > 0 {
			if cap(sc.skip) < len(s.entries) {
				sc.skip = make([]bool, len(s.entries))
			}
			sc.skip = sc.skip[:len(s.entries)]
			for _, i := range s.pathRules {
				sc.skip[i] = !s.entries[i].applies(origin.Path)
			}
		}
	}
	is := &itemScan{origin: origin, emit: emit, drop: drop, test: sc.skipTest, lock: sc.skipLk, config: sc.skipConfig}
	if len(s.pathRules) > 0 {
		is.skip = sc.skip
	}
	return is
}

// scanChunk finds the matches chunk owns and emits them. Consecutive chunks
// overlap by s.overlap() bytes; a chunk owns the matches starting in
// [reach, next+reach) (from 0 for the first, to the end for the last), so
// every match is reported once, by a chunk that saw all of it. It advances
// pos to the next chunk's start and returns that start (chunk-relative).
func (s *Scanner) scanChunk(sc *scratch, is *itemScan, chunk []byte, base int64, first, last bool, pos *posState) int {
	next := len(chunk)
	if !last {
		next = s.nextStart(chunk)
	}
	ownFrom, ownTo := s.reach, next+s.reach
	if first {
		ownFrom = 0
	}
	if last {
		ownTo = len(chunk)
	}

	sc.found, sc.rejected = sc.found[:0], sc.rejected[:0]
	s.match(sc, is, chunk, ownFrom, ownTo, true)
	if len(sc.rejected) > 0 {
		sc.found = s.dropRejected(sc, is)
	}
	if len(sc.found) > 0 {
		s.emitFound(sc, is, chunk, base, pos)
	}
	if !last {
		pos.advance(chunk[:next])
	}
	return next
}

// testMarks are path elements and name parts of test files and fixtures.
var testMarks = []string{"/test/", "/tests/", "/testdata/", "/testing/", "/fixtures/", "/fixture/", "/spec/",
	"/__tests__/", "/__mocks__/", "/mocks/", "_test.", ".test.", ".spec.", "/test_", "/mock_"}

// testPath reports whether p (relative to the scan root) is a test file or
// fixture.
func testPath(p string) bool {
	if p == "" {
		return false
	}
	p = "/" + strings.ToLower(strings.ReplaceAll(p, "\\", "/"))
	for _, m := range testMarks {
		if strings.Contains(p, m) {
			return true
		}
	}
	return false
}

// lockFiles are dependency lock and checksum files, by base name.
var lockFiles = []string{"go.sum", "go.work.sum", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
	"cargo.lock", "poetry.lock", "pipfile.lock", "composer.lock", "gemfile.lock", "packages.lock.json", "pubspec.lock", "mix.lock", "flake.lock", "uv.lock"}

func lockPath(p string) bool {
	if p == "" {
		return false
	}
	p = strings.ToLower(strings.ReplaceAll(p, "\\", "/"))
	base := p[strings.LastIndexByte(p, '/')+1:]
	return slices.Contains(lockFiles, base)
}

// dropRejected drops generic matches of text a specific rule looked at and
// rejected: GITHUB_TOKEN=ghp_... with a wrong checksum is a lookalike, not
// a generic secret.
func (s *Scanner) dropRejected(sc *scratch, is *itemScan) []found {
	out := sc.found[:0]
	for _, f := range sc.found {
		if s.entries[f.rule].generic && s.rejectedText(sc.rejected, f.m.Secret) {
			s.noteDropped(is, s.entries[f.rule].id, f.m.Secret, "a specific rule rejected this text")
			continue
		}
		out = append(out, f)
	}
	return out
}

func (s *Scanner) rejectedText(rejected []string, secret string) bool {
	for _, r := range rejected {
		if strings.Contains(secret, r) || strings.Contains(r, secret) {
			return true
		}
	}
	return false
}

// keywordHits runs the keyword automaton over chunk and records, per rule,
// the window around each hit in sc.spans (rules listed in sc.touched). It
// returns the number of keyword hits.
func (s *Scanner) keywordHits(sc *scratch, chunk []byte) int {
	if s.ac == nil || len(chunk) == 0 {
		s.windows(sc, chunk, nil)
		return 0
	}
	sc.hits = s.keywords(sc, chunk, sc.hits[:0])
	s.windows(sc, chunk, sc.hits)
	return len(sc.hits)
}

// windows records, per rule, the window around each keyword hit in
// sc.spans (rules listed in sc.touched).
func (s *Scanner) windows(sc *scratch, chunk []byte, hits []ahocorasick.Match) {
	if len(sc.spans) < len(s.entries) {
		sc.spans = make([][]span, len(s.entries))
	}
	for _, ri := range sc.touched {
		sc.spans[ri] = sc.spans[ri][:0]
	}
	sc.touched = sc.touched[:0]
	var skip []bool // the current item's (scanItem sets sc.skip per item)
	if len(s.pathRules) > 0 && len(sc.skip) >= len(s.entries) {
		skip = sc.skip
	}
	for _, h := range hits {
		read := false
		var as rules.Assignment
		for _, ri := range s.owners[h.PatternID] {
			if skip != nil && skip[ri] {
				continue // restricted to paths this item is not on
			}
			e := &s.entries[ri]
			w := e.window
			sp := span{max(h.Start-w, 0), min(h.End+w, len(chunk))}
			if e.guard != nil {
				var lo, hi int
				var ok bool
				if e.assignForm >= 0 {
					if !read {
						as, read = rules.ReadAssignment(chunk, h.Start, h.End), true
					}
					lo, hi, ok = as.Form(e.assignForm)
				} else {
					lo, hi, ok = e.guard(chunk, h.Start, h.End)
				}
				if !ok {
					continue
				}
				// Never past the window: reach (chunk overlap) assumes it.
				sp = span{max(lo, sp.lo), min(hi, sp.hi)}
			} else if e.needs != nil && !s.noNeeds {
				if ln := e.needs.get().lead; ln != nil && !ln.ok(chunk, h.End) {
					continue // no match starts at this hit (need.go)
				}
			}
			if len(sc.spans[ri]) == 0 {
				sc.touched = append(sc.touched, ri)
			}
			sc.spans[ri] = append(sc.spans[ri], sp)
		}
	}
}

// keywords appends every keyword occurrence in chunk (overlapping ones
// included, case-insensitively) to hits. With the prefilter, the automaton
// runs only over the spans the filter flags, lower-cased in place in
// sc.lower; a span holds whole occurrences and spans are disjoint, so the
// hits are exactly those of one pass over the whole chunk
// (TestPrefilterSameHits, FuzzPrefilter).
func (s *Scanner) keywords(sc *scratch, chunk []byte, hits []ahocorasick.Match) []ahocorasick.Match {
	return s.keywordsWith(s.ac, s.pf, sc, chunk, hits)
}

// keywordsWith is keywords with automaton ac and its prefilter pf (nil:
// none).
func (s *Scanner) keywordsWith(ac *ahocorasick.Automaton, pf *prefilter, sc *scratch, chunk []byte, hits []ahocorasick.Match) []ahocorasick.Match {
	if cap(sc.lower) < len(chunk) {
		sc.lower = make([]byte, len(chunk))
	}
	lower := sc.lower[:len(chunk)]
	if pf == nil || s.noPrefilter {
		lowerInto(lower, chunk)
		return append(hits, ac.FindAllOverlapping(lower)...)
	}
	sc.cand = pf.candidates(chunk, sc.cand[:0])
	for _, sp := range sc.cand {
		part := lower[sp.lo:sp.hi]
		lowerInto(part, chunk[sp.lo:sp.hi])
		for _, h := range ac.FindAllOverlapping(part) {
			h.Start += sp.lo
			h.End += sp.lo
			hits = append(hits, h)
		}
	}
	return hits
}

// match finds keyword hits in chunk and runs each hit's rules over merged
// windows, appending owned matches to sc.found. With decode, decoders'
// hits decode the text they mark and match inside it (decode.go).
func (s *Scanner) match(sc *scratch, is *itemScan, chunk []byte, ownFrom, ownTo int, decode bool) {
	s.keywordHits(sc, chunk)
	s.find(sc, is, chunk, ownFrom, ownTo, decode, nil)
}

// find runs the rules over the windows in sc.spans (and the rules without
// keywords over the whole chunk), appending owned matches to sc.found.
// With decode, decoders' windows decode the text they mark and match
// inside it (decode.go); without, they are left out. With cw (delta-aware
// matching, delta.go), each rule's result over a merged window is carried
// from the delta base where it can be, and recorded for items built from
// this one.
func (s *Scanner) find(sc *scratch, is *itemScan, chunk []byte, ownFrom, ownTo int, decode bool, cw *carrier) {
	for _, ri := range s.always {
		if is.skip != nil && is.skip[ri] {
			continue
		}
		if len(sc.spans[ri]) == 0 {
			sc.touched = append(sc.touched, ri)
		}
		sc.spans[ri] = append(sc.spans[ri], span{0, len(chunk)})
	}

	if len(sc.touched) == 0 {
		return
	}
	// onMatch and onDrop read what they need from sc.fs: made per call
	// (or per rule), they escaped to the heap, since rules' Find and the
	// carrier take them.
	if sc.onMatch == nil {
		sc.onMatch, sc.onDrop = sc.fs.onMatch, sc.fs.onDrop
	}
	fs := &sc.fs
	onMatch, onDrop := sc.onMatch, sc.onDrop
	for _, ri := range sc.touched {
		spans := sc.spans[ri]
		// Hits arrive ordered by end; windows of different keyword lengths
		// may start out of order. The order is total so that guarded
		// windows (not merged) are visited in the same order whatever
		// order the hits came in (delta-aware matching lists them
		// differently).
		slices.SortFunc(spans, func(a, b span) int { return cmp.Or(a.lo-b.lo, a.hi-b.hi) })
		e := &s.entries[ri]
		merged := spans[:1]
		for _, sp := range spans[1:] {
			cur := &merged[len(merged)-1]
			if e.guard != nil {
				// A guard's window starts where the pattern anchors:
				// merging would hide the later one. They are small, so
				// only identical ones are folded.
				if sp != *cur {
					merged = append(merged, sp)
				}
				continue
			}
			if sp.lo <= cur.hi {
				cur.hi = max(cur.hi, sp.hi)
				continue
			}
			merged = append(merged, sp)
		}
		if is.skip != nil && is.skip[ri] || e.dec != nil && !decode || e.generic && is.lock {
			sc.spans[ri] = spans[:0]
			continue
		}
		if e.dec != nil {
			s.decodeSpans(sc, is, e.dec, chunk, merged, ownFrom, ownTo)
			sc.spans[ri] = spans[:0]
			continue
		}
		*fs = findState{s: s, sc: sc, is: is, chunk: chunk, ownFrom: ownFrom, ownTo: ownTo, e: e, ri: ri, mark: len(sc.found)}
		for _, sp := range merged {
			if cw != nil {
				cw.window(s, ri, e, chunk, sp, onMatch, onDrop)
				continue
			}
			if !s.noNeeds && !e.possible(chunk, sp.lo, sp.hi) {
				continue
			}
			e.find.Find(chunk, sp.lo, sp.hi, onMatch, onDrop)
		}
		sc.spans[ri] = spans[:0]
	}
	sc.touched = sc.touched[:0]
	*fs = findState{} // keep no item's bytes alive in the pool
}

// findState is what find's callbacks read: the call's item and chunk and
// the rule being run.
type findState struct {
	s              *Scanner
	sc             *scratch
	is             *itemScan
	chunk          []byte
	ownFrom, ownTo int
	e              *entry
	ri, mark       int // mark: sc.found's length before the rule's first window
}

// onMatch keeps a match of the rule being run that starts in the owned
// range.
func (fs *findState) onMatch(m rules.Match) {
	sc, e := fs.sc, fs.e
	if m.Start < fs.ownFrom || m.Start >= fs.ownTo || m.Start < 0 || m.End > len(fs.chunk) || m.Start > m.End {
		return
	}
	// Windows are disjoint (or, guarded, ordered by start) and visited in
	// order, so a repeat (identical offsets) can only be the previous
	// match.
	if n := len(sc.found); n > fs.mark && sc.found[n-1].m.Start == m.Start && sc.found[n-1].m.End == m.End {
		return
	}
	if e.generic && fs.is.test {
		m.Confidence = "low"
	} else if e.generic && (fs.is.config || e.applies != nil) && m.Confidence == "low" {
		// A rule restricted to a credential file's path (.ftpconfig,
		// .esmtprc) matched in that file: a configuration file too.
		m.Confidence = "medium"
	}
	if m.Confidence != "" && confidenceRank(m.Confidence) < fs.s.minRank {
		fs.s.noteDropped(fs.is, e.id, m.Secret, "confidence "+m.Confidence+" below the minimum")
		return
	}
	sc.found = append(sc.found, found{rule: fs.ri, m: m})
}

// onDrop records a candidate the rule being run dropped.
func (fs *findState) onDrop(secret, why string) {
	if !fs.e.generic {
		fs.sc.rejected = append(fs.sc.rejected, secret)
	}
	fs.s.noteDropped(fs.is, fs.e.id, secret, why)
}

func (s *Scanner) noteDropped(is *itemScan, rule, secret, why string) {
	if s.opts.Debugf == nil && is.drop == nil {
		return
	}
	k := [3]string{rule, secret, why}
	if is.dropped[k] {
		return
	}
	if is.dropped == nil {
		is.dropped = map[[3]string]bool{}
	}
	is.dropped[k] = true
	// The generic layer judges every value under a credential name and
	// drops most: those are not candidates a person wonders about.
	if is.drop != nil && !strings.HasPrefix(rule, "generic-") {
		is.drop(rule, secret, why)
	}
	s.debugf("scanner: %s: dropped %s candidate %s: %s", displayPath(is.origin), rule, redact(secret), why)
}

// redact keeps the first 4 characters, enough to recognise a token type.
func redact(secret string) string {
	n := 0
	for i := range secret {
		if n == 4 {
			return secret[:i] + "…"
		}
		n++
	}
	return secret + "…"
}

func displayPath(o source.Origin) string {
	p := o.Path
	if p == "" {
		p = o.Kind
	}
	if o.BlobID != "" {
		p += "@" + o.BlobID
	}
	return p
}

// Inline suppression markers (docs/design.md, matching); gitleaks' is honoured so
// existing annotations keep working.
var ignoreMarkers = [][]byte{[]byte("scour:ignore"), []byte("gitleaks:allow")}

// emitFound computes line and column for sc.found (sorted by offset, one
// sweep over the chunk), drops inline-suppressed ones and emits the rest.
func (s *Scanner) emitFound(sc *scratch, is *itemScan, chunk []byte, base int64, pos *posState) {
	// A total order (decoded matches share their encoded span's
	// offsets): the same matches emit in the same order however they
	// were found.
	slices.SortFunc(sc.found, func(a, b found) int {
		return cmp.Or(a.m.Start-b.m.Start, a.rule-b.rule, a.m.End-b.m.End, strings.Compare(a.enc, b.enc), strings.Compare(a.m.Secret, b.m.Secret))
	})
	line, cur, lastNL := pos.line, 0, -1
	for _, f := range sc.found {
		st := f.m.Start
		seg := chunk[cur:st]
		line += bytes.Count(seg, []byte{'\n'})
		if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
			lastNL = cur + i
		}
		cur = st
		var col int
		if lastNL >= 0 {
			col = utf8.RuneCount(chunk[lastNL+1:st]) + 1
		} else {
			col = pos.runes + utf8.RuneCount(chunk[:st]) + 1
		}

		// The lines the match spans, as far as this chunk shows them.
		end := len(chunk)
		if i := bytes.IndexByte(chunk[f.m.End:], '\n'); i >= 0 {
			end = f.m.End + i
		}
		text := chunk[lastNL+1 : end]
		if suppressed(text) {
			s.debugf("scanner: %s:%d:%d: %s match %s suppressed by an inline ignore comment",
				displayPath(is.origin), line, col, s.entries[f.rule].id, redact(f.m.Secret))
			continue
		}
		if s.opts.Allow != nil && s.opts.Allow(s.entries[f.rule].id, f.m.Secret, text) {
			s.debugf("scanner: %s:%d:%d: %s match %s allowed by configuration (allow: line_regex)",
				displayPath(is.origin), line, col, s.entries[f.rule].id, redact(f.m.Secret))
			continue
		}
		m := f.m
		m.Start += int(base)
		m.End += int(base)
		is.emit(hit{rule: f.rule, m: m, line: line, col: col, where: is.origin, enc: f.enc})
	}
}

func suppressed(line []byte) bool {
	for _, mk := range ignoreMarkers {
		if bytes.Contains(line, mk) {
			return true
		}
	}
	return false
}
