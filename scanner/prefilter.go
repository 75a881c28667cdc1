package scanner

import (
	_ "embed"
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
)

//go:generate go run ./internal/trigramgen -o trigram_freq.bin

// prefilter finds the few places in a chunk where a keyword may be, so the
// keyword automaton runs over small spans instead of every byte: the
// automaton's dependent table load per byte caps it near 0.5 GB/s, while
// this filter tests positions independently of each other, at every other
// byte.
//
// Stage one hashes the folded trigram at every even offset into a 256 Kbit
// set (32 KiB: over Go source stage one fires at 15% of the steps, 19%
// with 16 KiB; it fills a core's L1 data cache, which the inflater
// shares, yet whole-history scans took about 5% less CPU). A keyword of
// 4 bytes or more is represented by its 4-gram at offset k, i.e. two
// consecutive trigrams (k picked so
// both are rare in source code, from trigramFreq): whichever of them
// starts at an even offset is seen. A 3-byte keyword at an odd offset
// leaves only its last two bytes at the next even offset and its first
// two at the previous one, so "those two bytes followed by any byte" or
// "any byte followed by those two", whichever is rarer, is added too.
// Stage two, only where stage one fired at p, looks up the exact folded
// 4-grams at p-1 and p and 3-byte keywords at p-1, p and p+1, the places
// that can have put a keyword's trigram at p, and compares the keywords
// registered under a gram found there: each
// one that is really there (compared folded) becomes a span. The automaton
// remains the matcher of record: it runs over the merged spans and its hits
// are exactly those of a pass over the whole chunk.
//
// Folding is b|0x20 on both sides: it maps ASCII upper case to lower case
// (so it agrees with the automaton's lower-casing: lower(x)==c implies
// x|0x20 == c|0x20) and merges only a few punctuation pairs, which can add
// candidates but never lose one.
type prefilter struct {
	set [1 << setBits / 64]uint64 // stage one: hashed trigrams
	// Stage two: grams is keyed by the folded chosen 4-gram of each longer
	// keyword and by each folded 3-byte keyword (24 bits; a folded byte is
	// never 0, so the two kinds cannot collide) and lists the keywords
	// registered there. gramSet, the hashed keys, spares most stage-one
	// hits a table lookup. The table is open-addressed (linear probing,
	// at most half full; key 0, which no folded gram is, marks a free
	// slot): a Go map's lookup was a third of stage two.
	gramKeys []uint32
	gramKws  [][]kwAt
	gramMask uint32
	gramSet  [1 << gramBits / 64]uint64
	hasShort bool
	// mul is stage one's hash multiplier (hash3), picked per keyword set
	// so that the commonest trigrams of source code miss the set
	// (pickMul): with a fixed one, half of stage one's hits over Go
	// source were hash collisions, " {\n" alone 7% of them.
	mul uint32
}

const (
	setBits  = 18
	gramBits = 16
)

// kwAt is a keyword (folded) registered under a gram at offset off of it.
type kwAt struct {
	kw  string
	off int
}

func fold3(b []byte) uint32 {
	return uint32(b[0]|0x20) | uint32(b[1]|0x20)<<8 | uint32(b[2]|0x20)<<16
}

func fold4(b []byte) uint32 { return binary.LittleEndian.Uint32(b) | 0x20202020 }

func hashGram(g uint32) uint32 { return g * 0x85EBCA77 >> (32 - gramBits) }

// hash3 maps a folded trigram (24 bits) to a bit of the set, with
// multiplier mul (prefilter.mul).
func hash3(t, mul uint32) uint32 { return t * mul >> (32 - setBits) }

// pickMul returns the multiplier of hash3 under which the common
// trigrams of trigramFreq that are not among tris (the trigrams stage one
// must let through) hit the fewest bits set by tris, weighted by how
// common each is: the golden-ratio multiplier or one of the next from a
// fixed sequence, so the choice depends on the keywords alone. With the
// built-in keywords over $GOROOT/src it cut the share of twelve-byte
// steps where stage one fires from 27% to 19% (about half of its hits
// were hash collisions, " {\n" alone 7% of them). It costs about 1 ms
// per filter (16 tries; 64 found nothing better).
func pickMul(tris []uint32) uint32 {
	tris = slices.Clone(tris)
	slices.Sort(tris)
	tris = slices.Compact(tris)
	type common struct {
		t uint32
		w float64
	}
	var others []common
	for i := 0; i+4 <= len(trigramFreq); i += 4 {
		t := uint32(trigramFreq[i]) | uint32(trigramFreq[i+1])<<8 | uint32(trigramFreq[i+2])<<16
		if _, ok := slices.BinarySearch(tris, t); !ok {
			others = append(others, common{t, math.Exp2(float64(trigramFreq[i+3]) / 4)})
		}
	}
	best, bestCost := uint32(0x9E3779B1), math.Inf(1)
	mul, x := best, uint64(0x243F6A8885A308D3)
	var set [1 << setBits / 64]uint64
	for range mulTrials {
		clear(set[:])
		for _, t := range tris {
			h := hash3(t, mul)
			set[h>>6] |= 1 << (h & 63)
		}
		cost := 0.0
		for _, o := range others {
			if h := hash3(o.t, mul); set[h>>6]&(1<<(h&63)) != 0 {
				cost += o.w
			}
		}
		if cost < bestCost {
			best, bestCost = mul, cost
		}
		x = x*6364136223846793005 + 1442695040888963407
		mul = uint32(x>>32) | 1
	}
	return best
}

// mulTrials is how many multipliers pickMul tries.
const mulTrials = 16

// trigramFreq lists the most common folded trigrams of source code, as
// internal/trigramgen writes them: 4-byte records sorted by trigram, the three
// folded bytes then round(4*log2(1+occurrences per GiB)).
//
//go:embed trigram_freq.bin
var trigramFreq string

// trigramCost is proportional to how often the folded trigram t occurs in
// source code; one not in the table is rarer than any listed.
func trigramCost(t []byte) float64 {
	n := len(trigramFreq) / 4
	key := string([]byte{t[0] | 0x20, t[1] | 0x20, t[2] | 0x20})
	lo, hi := 0, n
	for lo < hi {
		m := (lo + hi) / 2
		if trigramFreq[4*m:4*m+3] < key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < n && trigramFreq[4*lo:4*lo+3] == key {
		return math.Exp2(float64(trigramFreq[4*lo+3]) / 4)
	}
	return 1
}

// newPrefilter builds the filter for the keywords, or returns nil when a
// keyword is shorter than 3 bytes: it has no trigram, and the engine then
// runs the automaton over whole chunks.
func newPrefilter(keywords []string) *prefilter {
	if len(keywords) == 0 {
		return nil
	}
	pf := &prefilter{}
	grams := map[uint32][]kwAt{}
	var tris []uint32 // for stage one
	addTri := func(t uint32) { tris = append(tris, t) }
	addGram := func(g uint32, kw []byte, off int) {
		folded := make([]byte, len(kw))
		for i, c := range kw {
			folded[i] = c | 0x20
		}
		grams[g] = append(grams[g], kwAt{string(folded), off})
		h := hashGram(g)
		pf.gramSet[h>>6] |= 1 << (h & 63)
	}
	for _, kw := range keywords {
		b := []byte(kw)
		switch {
		case len(b) < 3:
			return nil
		case len(b) == 3:
			k := fold3(b)
			addGram(k, b, 0)
			pf.hasShort = true
			addTri(k)
			// At an odd offset q the keyword has no trigram at an even
			// offset: the one at q+1 starts with its last two bytes, the
			// one at q-1 ends with its first two. Stage one takes the
			// rarer pair with every byte beside it ("://" gives "?:/"
			// rather than "//?", which every Go comment holds); confirm
			// looks at p-1 and p+1 for 3-byte keywords.
			after, before := 0.0, 0.0
			for x := range 256 {
				c := byte(x) | 0x20
				after += trigramCost([]byte{b[1], b[2], c})
				before += trigramCost([]byte{c, b[0], b[1]})
			}
			for x := range 256 {
				if after <= before {
					addTri(k>>8 | uint32(byte(x)|0x20)<<16)
				} else {
					addTri(k<<8&0xffffff | uint32(byte(x)|0x20))
				}
			}
		default:
			best, bestCost := 0, math.Inf(1)
			for k := 0; k+4 <= len(b); k++ {
				if c := trigramCost(b[k:]) + trigramCost(b[k+1:]); c < bestCost {
					best, bestCost = k, c
				}
			}
			q := fold4(b[best:])
			addGram(q, b, best)
			addTri(q & 0xffffff)
			addTri(q >> 8)
		}
	}
	pf.mul = pickMul(tris)
	for _, t := range tris {
		h := hash3(t, pf.mul)
		pf.set[h>>6] |= 1 << (h & 63)
	}
	size := 16
	for size < 2*len(grams) {
		size *= 2
	}
	pf.gramKeys, pf.gramKws, pf.gramMask = make([]uint32, size), make([][]kwAt, size), uint32(size-1)
	for g, kws := range grams {
		h := pf.slot(g)
		for pf.gramKeys[h] != 0 {
			h = (h + 1) & pf.gramMask
		}
		pf.gramKeys[h], pf.gramKws[h] = g, kws
	}
	return pf
}

// slot is where gram g's probe sequence starts in the table.
func (pf *prefilter) slot(g uint32) uint32 { return g * 0x9E3779B1 >> 7 & pf.gramMask }

// candidates appends to spans the merged, sorted spans of data that hold
// every keyword occurrence in data, and returns the extended slice. Each
// keyword occurrence lies wholly inside one span.
func (pf *prefilter) candidates(data []byte, spans []span) []span {
	base := len(spans)
	n := len(data)
	set, mul := &pf.set, pf.mul
	i := 0
	// Twelve bytes, six even-offset trigrams per step from two loads; the
	// tests are independent loads OR-ed into one rarely taken branch.
	for rest := data; len(rest) >= 14; rest = rest[12:] {
		w0 := binary.LittleEndian.Uint64(rest) | 0x2020202020202020
		w1 := binary.LittleEndian.Uint64(rest[6:]) | 0x2020202020202020
		h0 := hash3(uint32(w0)&0xffffff, mul)
		h1 := hash3(uint32(w0>>16)&0xffffff, mul)
		h2 := hash3(uint32(w0>>32)&0xffffff, mul)
		h3 := hash3(uint32(w1)&0xffffff, mul)
		h4 := hash3(uint32(w1>>16)&0xffffff, mul)
		h5 := hash3(uint32(w1>>32)&0xffffff, mul)
		x := set[h0>>6]>>(h0&63) | set[h1>>6]>>(h1&63) | set[h2>>6]>>(h2&63) |
			set[h3>>6]>>(h3&63) | set[h4>>6]>>(h4&63) | set[h5>>6]>>(h5&63)
		if x&1 != 0 {
			m := set[h0>>6]>>(h0&63)&1 | set[h1>>6]>>(h1&63)&1<<1 | set[h2>>6]>>(h2&63)&1<<2 |
				set[h3>>6]>>(h3&63)&1<<3 | set[h4>>6]>>(h4&63)&1<<4 | set[h5>>6]>>(h5&63)&1<<5
			gs := &pf.gramSet
			for m != 0 {
				p := i + 2*bits.TrailingZeros64(m)
				m &= m - 1
				// p+4 <= n here; the common case (no gram at p-1 or p,
				// no 3-byte keyword at p+1) ends after five bit tests. At p == 0 there is no p-1:
				// g0 is then any value, which can only add a lookup.
				g1 := fold4(data[p:])
				g0 := g1<<8 | 0x20
				if p > 0 {
					g0 = fold4(data[p-1:])
				}
				k0, k1 := hashGram(g0), hashGram(g1)
				k2, k3, k4 := hashGram(g0&0xffffff), hashGram(g1&0xffffff), hashGram(g1>>8)
				if b := gs[k0>>6]>>(k0&63)&1 | gs[k1>>6]>>(k1&63)&1<<1 | gs[k2>>6]>>(k2&63)&1<<2 |
					gs[k3>>6]>>(k3&63)&1<<3 | gs[k4>>6]>>(k4&63)&1<<4; b != 0 {
					spans = pf.confirmGrams(data, p, g0, g1, b, spans)
				}
			}
		}
		i += 12
	}
	// The last few bytes, one even offset at a time: stage one where a
	// trigram fits (the invariant above holds at any even offset; delta-
	// aware matching searches many short regions, and confirming every
	// tail offset was half of this function's exact lookups), exact
	// lookups where it does not (a 3-byte keyword ending the data at an
	// odd offset has no full trigram at the next even one).
	for p := i; p+1 < n; p += 2 {
		if p+3 <= n {
			if h := hash3(fold3(data[p:]), mul); set[h>>6]&(1<<(h&63)) == 0 {
				continue
			}
		}
		spans = pf.confirm(data, p, spans)
	}
	out := spans[base:]
	if len(out) < 2 {
		return spans
	}
	// Spans come nearly sorted; different backs can reorder neighbours.
	slices.SortFunc(out, func(a, b span) int { return a.lo - b.lo })
	merged := out[:1]
	for _, sp := range out[1:] {
		cur := &merged[len(merged)-1]
		if sp.lo <= cur.hi {
			cur.hi = max(cur.hi, sp.hi)
			continue
		}
		merged = append(merged, sp)
	}
	return spans[:base+len(merged)]
}

// confirm looks up the exact grams that can have put the trigram at even
// offset p (a 4-gram at p-1 or p, a 3-byte keyword at p-1, p or p+1) and
// appends the spans of the keywords that have them there.
func (pf *prefilter) confirm(data []byte, p int, spans []span) []span {
	for q := max(p-1, 0); q <= p; q++ {
		if q+4 <= len(data) {
			spans = pf.lookup(fold4(data[q:]), q, len(data), data, spans)
		}
		if pf.hasShort && q+3 <= len(data) {
			spans = pf.lookup(fold3(data[q:]), q, len(data), data, spans)
		}
	}
	if q := p + 1; pf.hasShort && q+3 <= len(data) {
		spans = pf.lookup(fold3(data[q:]), q, len(data), data, spans)
	}
	return spans
}

// confirmGrams is confirm at even offset p, p+4 <= len(data), given the
// folded 4-grams at p-1 (g0, any value when p == 0) and p (g1) and which
// of the five grams confirm looks up have their gramSet bit set (bits 0-4:
// the 4-grams at p-1 and p, the 3-grams at p-1, p and p+1): only those
// are looked up, without hashing them again.
func (pf *prefilter) confirmGrams(data []byte, p int, g0, g1 uint32, bits uint64, spans []span) []span {
	n := len(data)
	short := pf.hasShort
	if p > 0 {
		if bits&1 != 0 {
			spans = pf.probe(g0, p-1, n, data, spans)
		}
		if short && bits&4 != 0 {
			spans = pf.probe(g0&0xffffff, p-1, n, data, spans)
		}
	}
	if bits&2 != 0 {
		spans = pf.probe(g1, p, n, data, spans)
	}
	if short && bits&8 != 0 {
		spans = pf.probe(g1&0xffffff, p, n, data, spans)
	}
	if short && bits&16 != 0 {
		spans = pf.probe(g1>>8, p+1, n, data, spans)
	}
	return spans
}

// lookup appends the span of each keyword registered under gram g (found
// at q) that is really there, compared folded.
func (pf *prefilter) lookup(g uint32, q, n int, data []byte, spans []span) []span {
	if h := hashGram(g); pf.gramSet[h>>6]&(1<<(h&63)) == 0 {
		return spans
	}
	return pf.probe(g, q, n, data, spans)
}

// probe is lookup past the gramSet test.
func (pf *prefilter) probe(g uint32, q, n int, data []byte, spans []span) []span {
	h := pf.slot(g)
	for pf.gramKeys[h] != g {
		if pf.gramKeys[h] == 0 {
			return spans
		}
		h = (h + 1) & pf.gramMask
	}
	for _, k := range pf.gramKws[h] {
		lo, hi := q-k.off, q-k.off+len(k.kw)
		if lo >= 0 && hi <= n && foldedEqual(data[lo:hi], k.kw) {
			spans = append(spans, span{lo, hi})
		}
	}
	return spans
}

// foldedEqual reports whether b folded with |0x20 equals kw (folded).
func foldedEqual(b []byte, kw string) bool {
	for i := range len(kw) {
		if b[i]|0x20 != kw[i] {
			return false
		}
	}
	return true
}
