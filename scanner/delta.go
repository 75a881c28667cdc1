package scanner

import (
	"bytes"
	"cmp"
	"context"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/coregx/ahocorasick"

	"github.com/scour-dev/scour/source"
)

// Delta-aware matching (docs/design.md §14). An item built from a base by
// copies and inserts is matched only where it is new: around every insert
// and every seam between copies, and at its two ends. The engine already
// assumes (chunk overlap, ownership) that whether a match starts at s
// depends only on the bytes within reach of s, and inline comments and
// line allowlists look at the match's whole lines; so a match that starts
// inside a copied run, at least reach bytes from its ends and on lines
// wholly inside it, sees exactly what it saw in the base and is carried
// over from the base's matches at the shifted offset. Everything else is
// scanned in slices cut at line boundaries with reach bytes of context, as
// a full scan would see it. Items and bases longer than one chunk are
// scanned in full (chunk edges cut lines the same way only in one pass).

// deltaMemo is what the collector keeps of an item for items built from
// it: its matches, deduplicated, ordered by start, offsets in the item.
type deltaMemo struct {
	c    *collector // the run they belong to (drop counts are per run)
	size int
	hits []hit
	// kw are the keyword hits of the keyword-carrying tier's automaton,
	// ordered by start.
	kw []ahocorasick.Match
}

// minCarry is the shortest carried region worth a seam: shorter ones are
// scanned with their neighbours.
func (s *Scanner) minCarry() int { return 2 * s.reach }

// remember keeps its matches in its Memo for the items built from it. kw
// are its keyword hits for the keyword-carrying tier when known (a delta's
// scan has them); otherwise they are found here.
func (c *collector) remember(it source.Item, hits []hit, kw []ahocorasick.Match, known bool) {
	s := c.s
	if it.Memo == nil || s.opts.NoDeltaMatching || it.Open != nil || len(it.Data) > s.bufSize() {
		return
	}
	tiers := s.tiers()
	if len(tiers) == 0 {
		return
	}
	if t := tiers[len(tiers)-1]; !known && t.carryKeywords && t.s.ac != nil {
		sc := s.scratch.Get().(*scratch)
		kw = t.s.keywords(sc, it.Data, nil)
		s.scratch.Put(sc)
	}
	m := &deltaMemo{c: c, size: len(it.Data), hits: slices.Clone(hits), kw: kw}
	slices.SortFunc(m.hits, func(a, b hit) int { return a.m.Start - b.m.Start })
	slices.SortFunc(m.kw, func(a, b ahocorasick.Match) int { return cmp.Or(a.Start-b.Start, a.End-b.End, a.PatternID-b.PatternID) })
	it.Memo.Value = m
}

// deltaBase returns the base's matches when item it can be matched as a
// delta of them, or nil.
func (c *collector) deltaBase(it source.Item) *deltaMemo {
	d := it.Delta
	if d == nil || d.Base == nil || c.s.opts.NoDeltaMatching || it.Open != nil || len(it.Data) > c.s.bufSize() {
		return nil
	}
	m, ok := d.Base.Value.(*deltaMemo)
	if !ok || m.c != c || int64(m.size) != d.BaseSize || len(c.s.tiers()) == 0 {
		return nil
	}
	// The source is trusted to be right, but a wrong copy list must cost
	// findings never a panic: check it.
	end := int64(0)
	for _, cp := range d.Copies {
		if cp.Len <= 0 || cp.Dst < end || cp.Src < 0 || cp.Src+cp.Len > d.BaseSize || cp.Dst+cp.Len > int64(len(it.Data)) {
			return nil
		}
		end = cp.Dst + cp.Len
	}
	return m
}

// carry is a region of the item whose matches come from the base.
type carry struct {
	lo, hi int   // item offsets: matches starting in [lo, hi)
	shift  int64 // base offset minus item offset
}

// carried lists, in order, the regions of data whose matches are carried
// from the base (see the file comment).
func (s *Scanner) carried(data []byte, copies []source.Copy) []carry {
	var out []carry
	for _, cp := range copies {
		x := int(cp.Dst) + s.reach
		y := int(cp.Dst+cp.Len) - s.reach
		if y-x < s.minCarry() {
			continue
		}
		// The lines holding x-1 and y are not wholly copied-and-far:
		// start after the first and end before the second.
		i := bytes.IndexByte(data[x-1:y], '\n')
		if i < 0 {
			continue
		}
		lo := x + i
		hi := bytes.LastIndexByte(data[lo:y], '\n') + lo + 1
		// A match starting in [lo, hi-reach) ends before hi, so its last
		// line is wholly inside too.
		hi -= s.reach
		if hi-lo < s.minCarry() {
			continue
		}
		out = append(out, carry{lo, hi, cp.Src - cp.Dst})
	}
	return out
}

// tier is delta-aware matching's engine for the rules of similar windows:
// the context margin is the rule's reach, and a few rules with long windows
// (key blocks of up to 16 KiB) must not stretch every rule's margin.
type tier struct {
	s    *Scanner // over the tier's rules only
	rule []int    // the tier's entry index -> the Scanner's
	// carryKeywords: the tier's windows are too long to carry matches
	// (a margin of tens of KiB is most of a file), so its keyword hits
	// are carried instead and its rules run over every window, as in a
	// full scan; only the keyword search is saved.
	carryKeywords bool
}

// tierWindows are the largest windows of each tier's rules; the last tier
// carries keyword hits.
var tierWindows = [...]int{256, math.MaxInt}

func (s *Scanner) buildTiers() []tier {
	var out []tier
	lo := -1
	for _, hi := range tierWindows {
		var es []entry
		var kws [][]string
		var idx []int
		for i, e := range s.entries {
			if e.window > lo && e.window <= hi {
				es = append(es, e)
				kws = append(kws, s.kws[i])
				idx = append(idx, i)
			}
		}
		lo = hi
		if len(es) == 0 {
			continue
		}
		opts := s.opts
		if opts.Debugf != nil {
			opts.Debugf = s.debugf // serialised by s
		}
		t, err := newScanner(opts, es, kws)
		if err != nil {
			return nil // s was built from the same rules: cannot happen
		}
		t.chunkSize, t.noPrefilter, t.noNeeds = s.chunkSize, s.noPrefilter, s.noNeeds
		out = append(out, tier{s: t, rule: idx, carryKeywords: hi == math.MaxInt})
	}
	return out
}

// scanDelta matches item data, built from the base whose matches are m,
// through emit: per tier, carried regions from m and the rest by scanning.
// matched receives the bytes scanned, each tier's weighted by its share of
// the rules.
func (s *Scanner) scanDelta(ctx context.Context, it source.Item, m *deltaMemo, emit func(hit), drop func(rule, secret, why string), matched *int64) (int64, []ahocorasick.Match, error) {
	data := it.Data
	sc := s.scratch.Get().(*scratch)
	defer s.scratch.Put(sc)
	var kw []ahocorasick.Match
	for _, t := range s.tiers() {
		if err := ctx.Err(); err != nil {
			return 0, nil, err
		}
		var n int64
		if t.carryKeywords {
			n, kw = t.scanKeywords(sc, it, m, emit, drop)
		} else {
			n = t.scanDelta(sc, it, m, t.s.carried(data, it.Delta.Copies), emit, drop)
		}
		*matched += n * int64(len(t.rule)) / int64(max(len(s.entries), 1))
	}
	return int64(len(data)), kw, nil
}

// scanKeywords matches the tier's rules over data as a full scan would,
// but finds keywords only where the delta put new bytes: hits wholly
// inside a copied run are the base's, shifted. It returns the bytes
// searched for keywords and the item's keyword hits.
func (t tier) scanKeywords(sc *scratch, it source.Item, m *deltaMemo, emit func(hit), drop func(rule, secret, why string)) (int64, []ahocorasick.Match) {
	s, data := t.s, it.Data
	var hits []ahocorasick.Match
	var scanned int64
	if s.ac != nil {
		k := s.maxKw - 1
		// gap finds the hits that overlap [p, q), bytes not copied (or,
		// when empty, the seam at p).
		gap := func(p, q int) {
			a, b := max(p-k, 0), min(q+k, len(data))
			if a >= b {
				return
			}
			scanned += int64(b - a)
			for _, h := range s.keywords(sc, data[a:b], nil) {
				h.Start += a
				h.End += a
				if h.Start < q && h.End > p {
					hits = append(hits, h)
				}
			}
		}
		prev := 0
		for _, c := range it.Delta.Copies {
			gap(prev, int(c.Dst))
			src, end := int(c.Src), int(c.Src+c.Len)
			i, _ := slices.BinarySearchFunc(m.kw, src, func(h ahocorasick.Match, t int) int { return h.Start - t })
			for ; i < len(m.kw) && m.kw[i].Start < end; i++ {
				if h := m.kw[i]; h.End <= end {
					h.Start += int(c.Dst) - src
					h.End += int(c.Dst) - src
					hits = append(hits, h)
				}
			}
			prev = int(c.Dst + c.Len)
		}
		gap(prev, len(data))
		// A hit overlapping two gaps was found twice.
		slices.SortFunc(hits, func(a, b ahocorasick.Match) int { return cmp.Or(a.Start-b.Start, a.End-b.End, a.PatternID-b.PatternID) })
		hits = slices.Compact(hits)
	}
	is := &itemScan{origin: it.Origin, drop: drop, emit: func(h hit) {
		h.rule = t.rule[h.rule]
		emit(h)
	}}
	s.windows(sc, data, hits)
	sc.found = sc.found[:0]
	s.find(sc, is, data, 0, len(data))
	if len(sc.found) > 0 {
		s.emitFound(sc, is, data, 0, &posState{line: 1})
	}
	return scanned, hits
}

// scanDelta matches the tier's rules over data: the regions of cs from
// the base's matches m, the rest by scanning. It returns the bytes scanned.
func (t tier) scanDelta(sc *scratch, it source.Item, m *deltaMemo, cs []carry, emit func(hit), drop func(rule, secret, why string)) int64 {
	s, data := t.s, it.Data
	var scanned int64
	is := &itemScan{origin: it.Origin, drop: drop, emit: func(h hit) {
		h.rule = t.rule[h.rule]
		emit(h)
	}}
	// lineAt counts newlines incrementally: offsets asked only ever step
	// back by a scan's context.
	lines, counted := 1, 0
	lineAt := func(off int) int {
		if off >= counted {
			lines += bytes.Count(data[counted:off], []byte{'\n'})
		} else {
			lines -= bytes.Count(data[off:counted], []byte{'\n'})
		}
		counted = off
		return lines
	}
	// scan matches starts in [lo, hi) over whole lines with reach bytes
	// of context on both sides.
	scan := func(lo, hi int) {
		if lo >= hi {
			return
		}
		a := bytes.LastIndexByte(data[:max(lo-s.reach, 0)], '\n') + 1
		b := len(data)
		if e := min(hi+s.reach, len(data)); e < len(data) {
			if i := bytes.IndexByte(data[e:], '\n'); i >= 0 {
				b = e + i + 1
			}
		}
		chunk := data[a:b]
		scanned += int64(len(chunk))
		sc.found = sc.found[:0]
		s.match(sc, is, chunk, lo-a, hi-a)
		if len(sc.found) > 0 {
			pos := posState{line: lineAt(a)}
			s.emitFound(sc, is, chunk, int64(a), &pos)
		}
	}
	// in: the Scanner's rules that are the tier's.
	in := func(rule int) bool {
		_, ok := slices.BinarySearch(t.rule, rule)
		return ok
	}
	prev := 0
	for _, c := range cs {
		scan(prev, c.lo)
		prev = c.hi
		// The base's matches starting in [lo, hi), shifted.
		blo, bhi := int64(c.lo)+c.shift, int64(c.hi)+c.shift
		i, _ := slices.BinarySearchFunc(m.hits, blo, func(h hit, t int64) int { return cmpInt64(int64(h.m.Start), t) })
		for ; i < len(m.hits) && int64(m.hits[i].m.Start) < bhi; i++ {
			h := m.hits[i]
			if !in(h.rule) {
				continue
			}
			h.m.Start -= int(c.shift)
			h.m.End -= int(c.shift)
			h.line = lineAt(h.m.Start)
			ls := bytes.LastIndexByte(data[:h.m.Start], '\n') + 1
			h.col = utf8.RuneCount(data[ls:h.m.Start]) + 1
			h.where = it.Origin
			emit(h)
		}
	}
	scan(prev, len(data))
	return scanned
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
