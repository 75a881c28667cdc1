package scanner

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/coregx/ahocorasick"

	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/source"
)

// Delta-aware matching (docs/design.md §14). A full scan of an item is:
// find every keyword hit, put a window around each (per rule, merged), run
// the rule over each merged window, then place and filter what matched
// (line, column, inline ignores, allowlists). For an item built from a
// base by copies and inserts, the first two steps' costly parts are
// carried over from the base instead of redone, and what is carried is
// the same by construction, not by a locality assumption:
//   - A keyword hit lying wholly inside a copied run is a hit of the base
//     at the mapped offset, and back; so the item's hits are the base's
//     inside copied runs plus those the automaton finds where a hit can
//     touch a new byte or a seam between runs (tileLen bytes around
//     each, longer keywords by their tiles: deltaKeywords). The keyword
//     search runs over about the size of the diff.
//   - A rule's result over a window depends only on the window's bytes and
//     the byte on each side (boundary checks). A merged window whose bytes,
//     boundarySlack bytes each side included, lie inside one copied run,
//     and that the base had at the mapped place, yields the base's
//     matches and dropped candidates, shifted. Only windows that touch new
//     bytes, or merge differently than in the base, run the rule again.
//
// Everything else runs over the whole item as in a full scan, through the
// same code (find with a carrier): guards read the item's own bytes around
// every hit, path, test-file and lock-file rules follow the item's path,
// decoders run afresh (a decoded run extends past its window to its true
// ends, so no window bounds what they read), and placing and filtering
// (lines, columns, inline ignores, allowlists, confidence) are the item's.
// What is carried is the raw result, before any per-item filter. Items and bases longer than one chunk are
// scanned in full (a chunked scan owns matches per chunk).

// deltaMemo is what the collector keeps of an item for items built from
// it.
type deltaMemo struct {
	c    *collector // the run it belongs to (drop counts are per run)
	size int
	kw   []ahocorasick.Match      // keyword hits, in hitCmp's order
	wins map[spanKey]windowResult // per rule and merged window
	// kwAt indexes kw by position when it is long: kwAt[b] is the index
	// of the first hit starting at or after b<<kwAtShift (nil: kw is
	// short enough to gallop through).
	kwAt []int32
}

// kwAtShift: kwAt has an entry per 256 bytes of the item (1.6% of its
// size, kept only while items built from it are pending).
const kwAtShift = 8

// kwAtMin is the number of hits from which a memo indexes them.
const kwAtMin = 64

// newDeltaMemo returns the memo of an item of size bytes with keyword
// hits kw (in hitCmp's order) and window results wins.
func newDeltaMemo(c *collector, size int, kw []ahocorasick.Match, wins map[spanKey]windowResult) *deltaMemo {
	m := &deltaMemo{c: c, size: size, kw: kw, wins: wins}
	if len(kw) >= kwAtMin {
		m.kwAt = hitIndex(kw, size)
	}
	return m
}

// hitIndex returns, for hits (ordered by start) in an item of size bytes,
// the index of the first hit starting at or after b<<kwAtShift for each
// b up to one past the item's last position.
func hitIndex(hits []ahocorasick.Match, size int) []int32 {
	idx := make([]int32, size>>kwAtShift+2)
	j := 0
	for b := range idx {
		for j < len(hits) && hits[j].Start < b<<kwAtShift {
			j++
		}
		idx[b] = int32(j)
	}
	return idx
}

// firstHit returns the index of the first of the memo's hits that starts
// at or after src (0 <= src < m.size), given the index found for the
// previous copy (from).
func (m *deltaMemo) firstHit(src, from int) int {
	hits := m.kw
	if from <= len(hits) && (from == 0 || hits[from-1].Start < src) && (from == len(hits) || hits[from].Start >= src) {
		return from // the copy reads on where the previous one stopped
	}
	if m.kwAt == nil {
		return firstAtOrAfter(hits, src, from)
	}
	// Copies of a long file with many hits jump about the base: bisect
	// the hits of src's 256 bytes only (searching the whole list per copy
	// run was 5% of a prometheus history scan's CPU, mostly cache
	// misses).
	b := src >> kwAtShift
	return searchStart(hits, src, int(m.kwAt[b]), int(m.kwAt[b+1]))
}

type spanKey struct{ rule, lo, hi int }

// windowResult is what a rule made of one merged window: its matches
// (item offsets) and the candidates its filters dropped.
type windowResult struct {
	found []rules.Match
	drops [][2]string // secret, why
}

// recorded says whether item it is scanned by scanRecorded: it is, or is
// built from, a base of delta-aware matching, and fits one chunk.
func (c *collector) recorded(it source.Item) bool {
	return !c.s.opts.NoDeltaMatching && it.Open == nil && len(it.Data) <= c.s.bufSize() && (it.Memo != nil || it.Delta != nil)
}

// deltaBase returns the base's memo when item it can be matched as a
// delta of it, or nil.
func (c *collector) deltaBase(it source.Item) *deltaMemo {
	d := it.Delta
	if d == nil || d.Base == nil {
		return nil
	}
	m, ok := d.Base.Value.(*deltaMemo)
	if !ok || m.c != c || int64(m.size) != d.BaseSize {
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

// scanRecorded scans item it, which fits one chunk, as scanItem does, but
// carrying from the base's memo m (nil: none) what delta-aware matching
// can, and keeping in it.Memo (when set) what items built from it need.
// It returns the bytes the keyword search ran over.
func (c *collector) scanRecorded(ctx context.Context, it source.Item, m *deltaMemo, emit func(hit), drop func(rule, secret, why string)) (int64, error) {
	s := c.s
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	sc := s.scratch.Get().(*scratch)
	defer s.scratch.Put(sc)
	data := it.Data
	is := s.newItemScan(sc, it.Origin, emit, drop)
	cw := &carrier{m: m}
	if m != nil {
		cw.copies = it.Delta.Copies
	}

	var hits []ahocorasick.Match
	var searched int64
	if s.ac != nil && len(data) > 0 {
		// The hits are kept in the memo of an item other items are built
		// from; an item that is no base (most delta-built blobs are
		// leaves) lists them in scratch memory.
		var dst []ahocorasick.Match
		if it.Memo == nil {
			dst = sc.itemHits[:0]
		}
		if m == nil {
			hits = s.keywords(sc, data, dst)
			searched = int64(len(data))
		} else {
			hits, searched = s.deltaKeywords(sc, data, m, cw.copies, dst)
		}
		if it.Memo == nil {
			sc.itemHits = hits
		}
	}
	if it.Memo != nil {
		// Sized as the base's: a version mostly has its base's windows
		// (growing the map was a visible share of carrier.window).
		n := 0
		if m != nil {
			n = len(m.wins)
		}
		cw.wins = make(map[spanKey]windowResult, n)
	}
	// From here on as scanChunk over one chunk that is the whole item: the
	// same windows (guards read the item's own bytes around each hit), the
	// same path, test and lock-file rules, decoders run afresh, and each
	// rule's result over a merged window carried when it can be.
	s.windows(sc, data, hits)
	sc.found, sc.rejected = sc.found[:0], sc.rejected[:0]
	s.find(sc, is, data, 0, len(data), true, cw)
	if len(sc.rejected) > 0 {
		sc.found = s.dropRejected(sc, is)
	}
	if len(sc.found) > 0 {
		s.emitFound(sc, is, data, 0, &posState{line: 1})
	}
	if it.Memo != nil {
		if m == nil {
			// deltaKeywords returns its hits in this order already.
			sortHits(hits)
		}
		it.Memo.Value = newDeltaMemo(c, len(data), hits, cw.wins)
	}
	return searched, nil
}

// carrier is find's view of delta-aware matching for one item: the base's
// memo and the copy runs (m nil: nothing to carry), and where to record
// this item's window results (nil: it is no base).
type carrier struct {
	m      *deltaMemo
	copies []source.Copy
	wins   map[spanKey]windowResult
}

// window hands rule ri's raw result over merged window sp of data to
// onMatch and onDrop: the base's, shifted, when it can be carried, else
// the rule's own. The result is recorded before the per-item filters
// (path, test file, confidence) that find applies after, so what is
// carried depends on the window's bytes alone.
func (cw *carrier) window(s *Scanner, ri int, e *entry, data []byte, sp span, onMatch func(rules.Match), onDrop func(secret, why string)) {
	res, ok := cw.m.carry(ri, sp, cw.copies, len(data))
	if !ok {
		res = s.window(e, data, sp)
	}
	if cw.wins != nil {
		cw.wins[spanKey{ri, sp.lo, sp.hi}] = res
	}
	for _, d := range res.drops {
		onDrop(d[0], d[1])
	}
	for _, mm := range res.found {
		onMatch(mm)
	}
}

// window runs rule e over one merged window of data, as match does.
func (s *Scanner) window(e *entry, data []byte, sp span) windowResult {
	var res windowResult
	if !s.noNeeds && !e.possible(data, sp.lo, sp.hi) {
		return res
	}
	e.find.Find(data, sp.lo, sp.hi, func(m rules.Match) {
		if m.Start < 0 || m.End > len(data) || m.Start > m.End {
			return
		}
		res.found = append(res.found, m)
	}, func(secret, why string) { res.drops = append(res.drops, [2]string{secret, why}) })
	return res
}

// carry returns the base's result for rule ri's merged window sp of an
// item of n bytes, shifted, when the window and boundarySlack bytes on each
// side were copied in one run and the base had the same window there.
func (m *deltaMemo) carry(ri int, sp span, copies []source.Copy, n int) (windowResult, bool) {
	if m == nil {
		return windowResult{}, false
	}
	lo, hi := sp.lo-boundarySlack, sp.hi+boundarySlack
	if lo < 0 || hi > n {
		return windowResult{}, false
	}
	i := copyHolding(copies, lo)
	if i < 0 || copies[i].Dst+copies[i].Len < int64(hi) {
		return windowResult{}, false
	}
	shift := int(copies[i].Src - copies[i].Dst)
	res, ok := m.wins[spanKey{ri, sp.lo + shift, sp.hi + shift}]
	if !ok || len(res.found) == 0 {
		return res, ok
	}
	out := windowResult{found: make([]rules.Match, len(res.found)), drops: res.drops}
	for j, f := range res.found {
		f.Start -= shift
		f.End -= shift
		out.found[j] = f
	}
	return out, true
}

// deltaKeywords returns data's keyword hits (in dst's memory when it has
// room) in hitCmp's order: the base's inside copied runs, shifted, and
// those found where a hit can touch a byte not copied or a seam between
// runs; and the bytes it searched.
//
// The base's hits are in that order (the memo keeps them so), and copy
// runs are disjoint and in item order: so the carried hits come out in
// order as they are listed. The searched hits, few, are listed apart,
// sorted (nearly in order already: regions in item order, each one's
// hits by end) and merged in. Sorting the whole list, nearly sorted, was
// a sixth of this function's CPU on terraform's history.
//
// The places to search (each gap between copy runs, or seam, widened on
// each side by as much as a hit touching it can reach) are merged when
// they overlap or nearly touch and searched once each: a git delta is
// often many short copies, and searching each seam on its own cost most
// of the keyword stage in fixed per-call work (the prefilter's tail) and
// bytes searched twice. A hit found there is kept unless it lies wholly
// inside one copy run, where the base's hit stands for it; so every hit
// is listed once.
//
// The widening is tileLen bytes, not the longest keyword's length (58
// bytes in the catalogue, which made the bytes searched around a typical
// one-line edit three times the edit): keywords longer than tileLen are
// looked for by their tiles (tileSearch), and a hit of one is confirmed
// against the whole keyword in data. A hit that touches a gap has a byte
// in it (or, across a seam, a byte each side), and the tile of the hit
// holding that byte lies within tileLen bytes of the gap: so every hit
// the wider search found is found, and each is a real occurrence.
func (s *Scanner) deltaKeywords(sc *scratch, data []byte, m *deltaMemo, copies []source.Copy, dst []ahocorasick.Match) ([]ahocorasick.Match, int64) {
	// Most of the base's hits are carried: size for them (growing the
	// list was a visible share of the allocations).
	hits := dst[:0]
	if cap(hits) < len(m.kw)+16 {
		hits = make([]ahocorasick.Match, 0, len(m.kw)+16)
	}
	found := sc.searchHits[:0] // hits of the searched regions
	var searched int64
	ac, pf, k := s.ac, s.pf, s.maxKw-1
	var refs [][]tileRef
	if s.tiles != nil {
		ac, pf, k, refs = s.tiles.ac, s.tiles.pf, tileLen, s.tiles.refs
	}
	// nearGap: regions closer than this are searched as one.
	const nearGap = 64
	var ra, rb int // the region being grown; ra == rb: none
	search := func() {
		if ra >= rb {
			return
		}
		searched += int64(rb - ra)
		sc.regionHits = s.keywordsWith(ac, pf, sc, data[ra:rb], sc.regionHits[:0])
		for _, h := range sc.regionHits {
			h.Start += ra
			h.End += ra
			if refs == nil {
				if !insideCopy(copies, h.Start, h.End) {
					found = append(found, h)
				}
				continue
			}
			for _, r := range refs[h.PatternID] {
				m := ahocorasick.Match{PatternID: r.id, Start: h.Start - r.off, End: h.End}
				if r.kw != "" {
					m.End = m.Start + len(r.kw)
					if m.Start < 0 || m.End > len(data) || !lowerEqual(data[m.Start:m.End], r.kw) {
						continue
					}
				}
				if !insideCopy(copies, m.Start, m.End) {
					found = append(found, m)
				}
			}
		}
	}
	// gap adds the region where hits overlapping [p, q) (bytes not
	// copied), or across the seam at p when p == q, can be.
	gap := func(p, q int) {
		a, b := max(p-k, 0), min(q+k, len(data))
		if a >= b {
			return
		}
		if ra < rb && a <= rb+nearGap {
			rb = max(rb, b)
			return
		}
		search()
		ra, rb = a, b
	}
	prev := 0
	i := 0 // the base's first hit at or after the last copy's source
	for _, c := range copies {
		gap(prev, int(c.Dst))
		src, end := int(c.Src), int(c.Src+c.Len)
		i = m.firstHit(src, i)
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
	search()
	sortHits(found)
	if refs != nil {
		// A long keyword's hit is found by each of its tiles a search
		// region holds.
		found = slices.Compact(found)
	}
	sc.searchHits = found
	// A searched hit is in no copy run and a carried one inside one: the
	// two lists share no hit.
	return mergeHits(hits, found), searched
}

// hitCmp orders keyword hits by start, then end, then pattern id: a
// total order (a pattern's hits at one start are one hit), so a list of
// the same hits comes out the same however it was built.
func hitCmp(a, b ahocorasick.Match) int {
	return cmp.Or(a.Start-b.Start, a.End-b.End, a.PatternID-b.PatternID)
}

// sortHits sorts hits in hitCmp's order. They come nearly sorted (the
// automaton reports hits by end, so only overlapping ones are out of
// order by start), which insertion sort handles in about a comparison
// per hit; past a few moves per hit (a hostile item full of overlapping
// keywords) it hands over to slices.SortFunc.
func sortHits(hits []ahocorasick.Match) {
	moves := 0
	for i := 1; i < len(hits); i++ {
		x := hits[i]
		j := i
		for j > 0 && hitCmp(x, hits[j-1]) < 0 {
			hits[j] = hits[j-1]
			j--
		}
		hits[j] = x
		if moves += i - j; moves > 4*len(hits)+64 {
			slices.SortFunc(hits, hitCmp)
			return
		}
	}
}

// mergeHits returns a and b (each in hitCmp's order) merged in that
// order, in a's memory when it has room (b must not share it).
func mergeHits(a, b []ahocorasick.Match) []ahocorasick.Match {
	if len(b) == 0 {
		return a
	}
	// Backwards, from the ends: no element of a is overwritten before it
	// is moved.
	i, j := len(a)-1, len(b)-1
	a = slices.Grow(a, len(b))[:len(a)+len(b)]
	for k := len(a) - 1; j >= 0; k-- {
		if i >= 0 && hitCmp(a[i], b[j]) > 0 {
			a[k] = a[i]
			i--
		} else {
			a[k] = b[j]
			j--
		}
	}
	return a
}

// tileLen is the longest keyword deltaKeywords looks for as it is.
const tileLen = 16

// tileSearch is the keyword search of deltaKeywords: an automaton over
// every keyword of at most tileLen bytes and the tiles of the longer ones
// (tileLen bytes at offsets 0, tileLen, 2*tileLen, ..., and the last
// tileLen bytes: every byte of a keyword is in a tile).
type tileSearch struct {
	ac   *ahocorasick.Automaton
	pf   *prefilter
	refs [][]tileRef // the tile automaton's pattern id -> what it stands for
}

// tileRef is a keyword a tile stands for.
type tileRef struct {
	id  int    // the keyword's pattern id
	off int    // the tile's offset in it
	kw  string // the keyword, to confirm a hit; "" when the tile is the keyword
}

// newTileSearch builds the tile search over the (lower-cased) keywords,
// indexed by pattern id.
func newTileSearch(patterns []string) (*tileSearch, error) {
	ts := &tileSearch{}
	ids := map[string]int{}
	var tiles []string
	add := func(t string, r tileRef) {
		id, ok := ids[t]
		if !ok {
			id = len(tiles)
			ids[t] = id
			tiles = append(tiles, t)
			ts.refs = append(ts.refs, nil)
		}
		ts.refs[id] = append(ts.refs[id], r)
	}
	for id, p := range patterns {
		if len(p) <= tileLen {
			add(p, tileRef{id: id})
			continue
		}
		for off := 0; ; off += tileLen {
			off = min(off, len(p)-tileLen)
			add(p[off:off+tileLen], tileRef{id: id, off: off, kw: p})
			if off+tileLen == len(p) {
				break
			}
		}
	}
	ac, err := ahocorasick.NewBuilder().AddStrings(tiles).Build()
	if err != nil {
		return nil, fmt.Errorf("scanner: building keyword tile automaton: %w", err)
	}
	ts.ac, ts.pf = ac, newPrefilter(tiles)
	return ts, nil
}

// lowerEqual reports whether b lower-cased (ASCII letters) is kw.
func lowerEqual(b []byte, kw string) bool {
	for i := range len(kw) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != kw[i] {
			return false
		}
	}
	return true
}

// firstAtOrAfter returns the index of the first of hits (ordered by start)
// that starts at or after src, given the index found for the previous
// copy. Copies mostly read the base in order, and most copy runs hold no
// hit or a few: the answer is then from itself or a few places on, so
// the search steps forward a few hits before it gallops, and gallops back
// when a copy reads the base behind the previous one. Bisecting the whole
// list per copy run (a generic search through a closure) was 5% of a
// prometheus history scan's CPU.
func firstAtOrAfter(hits []ahocorasick.Match, src, from int) int {
	from = min(from, len(hits))
	if from > 0 && hits[from-1].Start >= src {
		// Behind: gallop back to a hit that starts before src.
		hi, step := from-1, 1
		for hi-step >= 0 && hits[hi-step].Start >= src {
			hi -= step
			step *= 2
		}
		return searchStart(hits, src, max(hi-step, 0), hi)
	}
	// hits[:from] all start before src.
	for range 4 {
		if from == len(hits) || hits[from].Start >= src {
			return from
		}
		from++
	}
	lo, step := from, 1
	for lo+step < len(hits) && hits[lo+step].Start < src {
		lo += step
		step *= 2
	}
	return searchStart(hits, src, lo, min(lo+step, len(hits)))
}

// searchStart returns the first index in [lo, hi] of hits whose hit
// starts at or after src, given that hits[lo-1] (if any) starts before
// src and hits[hi] (if any) at or after it.
func searchStart(hits []ahocorasick.Match, src, lo, hi int) int {
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if hits[m].Start < src {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// insideCopy reports whether [lo, hi) lies wholly inside one copy run.
func insideCopy(copies []source.Copy, lo, hi int) bool {
	i := copyHolding(copies, lo)
	return i >= 0 && copies[i].Dst+copies[i].Len >= int64(hi)
}

// copyHolding returns the index of the last copy run starting at or
// before offset lo, the only one that can hold it, or -1.
func copyHolding(copies []source.Copy, lo int) int {
	// Bisect for the first run starting after lo.
	a, b := 0, len(copies)
	for a < b {
		m := int(uint(a+b) >> 1)
		if copies[m].Dst <= int64(lo) {
			a = m + 1
		} else {
			b = m
		}
	}
	return a - 1
}
