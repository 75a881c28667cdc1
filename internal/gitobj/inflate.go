package gitobj

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// A zlib (RFC 1950) and deflate (RFC 1951) decoder for what a pack holds:
// whole streams whose inflated size the entry header gives. It writes
// straight into the object's buffer, which is also the window that
// back-references copy from, where a streaming decoder (klauspost/compress,
// used for loose objects) decodes into a 32 KiB window, copies it out, and
// pulls its input a byte at a time through an interface: on etcd's history
// that was a third of the scan's CPU, and most objects are small, so the
// per-stream set-up (table building) matters as much as the inner loop.
//
// Every read and write is bounds-checked against the input and the
// declared size: a hostile stream is an error, never a panic, a read past
// the input, or output past the size.

// Errors of the decoder, wrapped in ErrBadStream (ErrLonger when the
// stream holds more than the declared size).
var (
	errEOF       = errors.New("unexpected EOF")
	errHeader    = errors.New("bad zlib header")
	errBlockType = errors.New("reserved block type")
	errStored    = errors.New("stored block length does not match its complement")
	errCode      = errors.New("invalid Huffman code")
	errCodes     = errors.New("invalid code lengths")
	errDistance  = errors.New("distance too far back")
	errChecksum  = errors.New("checksum mismatch")
)

// Huffman table entries (uint32). The low 5 bits are how many bits the
// entry consumes: the code's length, plus, for a length or distance, its
// extra bits, so that one shift takes both (0: no code). Bits 8-11 are the
// code's own length (where a length's or distance's extra bits start).
// Then flags, then the value in bits 16-30 (a literal byte, a length or
// distance base, or a sub-table's offset); bit 31 marks a literal, the
// commonest symbol, so that one sign test finds it.
const (
	hLenMask  = 0x1f
	hCodeShft = 8      // bits 8-11: the code's length alone
	hInvalid  = 0x1000 // a code that must not occur (litlen 286-287, distance 30-31)
	hMatch    = 0x2000 // a length code (litlen), a valid distance code (dist)
	hEnd      = 0x4000 // end of block (litlen)
	hSub      = 0x8000 // a pointer to a sub-table for codes longer than the primary bits
	hLit      = 1 << 31
)

// Primary table bits: codes up to this long are found in one lookup,
// longer ones through a sub-table. Small tables are quick to fill, which
// matters as much as lookups for the small objects a pack mostly holds;
// since tables are built by doubling (a copy), 10 literal/length bits
// cost little more to fill than 9 and spare the sub-table lookups of
// 10-bit literals (BenchmarkInflatePack: 0.94x on terraform, 0.97x on
// prometheus against 9).
const (
	litBits  = 10
	distBits = 7
	clenBits = 7
)

// huffTable decodes one Huffman code.
type huffTable struct {
	e       []uint32
	primary uint   // bits of the primary table
	subMask uint64 // index mask of every sub-table
}

var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	clenOrder   = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// Kinds of symbol a table decodes to.
const (
	symLitLen = iota
	symDist
	symCodeLen
)

// Table entries of each symbol without its code length, extra bits in the
// low bits (build adds the code's length to them and puts it in bits 8-11).
// Computed once, never written.
var (
	litLenEntry = func() (t [288]uint32) {
		for sym := range t {
			switch {
			case sym < 256:
				t[sym] = hLit | uint32(sym)<<16
			case sym == 256:
				t[sym] = hEnd
			case sym < 286:
				i := sym - 257
				t[sym] = uint32(lengthBase[i])<<16 | uint32(lengthExtra[i]) | hMatch
			default:
				t[sym] = hInvalid
			}
		}
		return t
	}()
	distEntry = func() (t [32]uint32) {
		for sym := range t {
			if sym < 30 {
				t[sym] = uint32(distBase[sym])<<16 | uint32(distExtra[sym]) | hMatch
			} else {
				t[sym] = hInvalid
			}
		}
		return t
	}()
	codeLenEntry = func() (t [19]uint32) {
		for sym := range t {
			t[sym] = uint32(sym) << 16
		}
		return t
	}()
)

// codeSyms is a code's symbols grouped by code length, each group in
// ascending order (the canonical order of RFC 1951 3.2.2), as readTables
// finds them: count[l] symbols of length l at syms[l*stride:]. Building a
// table from these needs neither a count nor a sort of the lengths, whose
// loops were a third of the per-block set-up (the count a chain of
// increments of the same counter, the sort a branch per symbol on whether
// it is used), and most pack entries are small objects with a dynamic
// block each.
type codeSyms struct {
	count  [16]uint16
	syms   []uint16
	stride int
}

// add records symbol s of code length l; count[0] counts unused symbols
// and is ignored.
func (c *codeSyms) add(s int, l uint8) {
	n := c.count[l&15]
	c.syms[int(l&15)*c.stride+int(n)] = uint16(s)
	c.count[l&15] = n + 1
}

// reset empties c, keeping its storage; stride is the number of symbols.
func (c *codeSyms) reset(syms []uint16, stride int) {
	c.count = [16]uint16{}
	c.syms, c.stride = syms, stride
}

// build fills t from the code lengths of symbols 0..len(lengths)-1; see
// buildSyms. For the fixed code and tests: readTables collects the
// symbols by length as it reads them.
func (t *huffTable) build(lengths []uint8, kind int, primary uint) error {
	var c codeSyms
	c.reset(make([]uint16, 16*len(lengths)), len(lengths))
	for s, l := range lengths {
		c.add(s, l)
	}
	return t.buildSyms(&c, kind, primary)
}

// buildSyms fills t from a code's symbols by length (the canonical
// Huffman code of RFC 1951 3.2.2). A code must be complete, except a code
// of a single symbol of one bit (zlib accepts it) and an empty one (an
// error only if used).
func (t *huffTable) buildSyms(c *codeSyms, kind int, primary uint) error {
	var ents []uint32
	switch kind {
	case symLitLen:
		ents = litLenEntry[:]
	case symDist:
		ents = distEntry[:]
	default:
		ents = codeLenEntry[:]
	}
	if c.stride > len(ents) {
		return errCodes
	}
	count := c.count
	count[0] = 0
	maxLen := uint(15)
	for maxLen > 0 && count[maxLen] == 0 {
		maxLen--
	}
	left := 1
	for l := 1; l < 16; l++ {
		left = left<<1 - int(count[l])
		if left < 0 {
			return errCodes // over-subscribed
		}
	}
	complete := left == 0
	if !complete && maxLen != 0 && !(maxLen == 1 && count[1] == 1) {
		return errCodes
	}
	t.primary = primary
	sub := uint(0)
	if maxLen > primary {
		sub = maxLen - primary
	}
	t.subMask = 1<<sub - 1
	size := 1 << primary
	if cap(t.e) < size {
		t.e = make([]uint32, size, size+size/2)
	}
	t.e = t.e[:size]
	if maxLen == 0 {
		clear(t.e) // an empty code: every entry an error
		return nil
	}
	// Codes up to the primary bits, as libdeflate builds them: the table
	// of the codes of length l has 2^l entries, one per code at its
	// bit-reversed index; it is then doubled (a copy) for length l+1, so
	// each entry is written once and the replicas come from copies. rc is
	// the next code, bit-reversed: incrementing it sets its highest zero
	// bit and clears the bits above. Entries no code reaches stay zero
	// (an error when decoded) from the first two.
	e := t.e
	clear(e[:2])
	cur, rc := 2, 0
	for l := uint(1); l <= min(maxLen, primary); l++ {
		if l > 1 {
			copy(e[cur:2*cur], e[:cur])
			cur *= 2
		}
		at := int(l) * c.stride
		for _, s := range c.syms[at : at+int(count[l])] {
			e[rc&(size-1)] = ents[s] + uint32(l) | uint32(l)<<hCodeShft
			if x := rc ^ (cur - 1); x != 0 {
				bit := 1 << (bits.Len(uint(x)) - 1)
				rc = rc&(bit-1) | bit
			}
			// else the last code of a complete code: nothing follows
		}
	}
	for cur < size {
		copy(e[cur:2*cur], e[:cur])
		cur *= 2
	}
	if maxLen <= primary {
		return nil
	}
	// Longer codes: the first code of each length (RFC 1951 3.2.2), then
	// sub-tables of 2^sub entries, one per primary prefix.
	var next [16]int
	code := 0
	for l := 1; l < 16; l++ {
		code = (code + int(count[l-1])) << 1
		next[l] = code
	}
	prefix, subAt := -1, 0
	for l := primary + 1; l <= maxLen; l++ {
		at := int(l) * c.stride
		for _, s := range c.syms[at : at+int(count[l])] {
			code := next[l]
			next[l]++
			// The code's first primary bits pick the sub-table; codes
			// sharing them are consecutive in this order.
			if p := code >> (l - primary); p != prefix {
				prefix = p
				subAt = len(t.e)
				t.e = append(t.e, make([]uint32, 1<<sub)...)
				t.e[int(bits.Reverse16(uint16(p))>>(16-primary))] = uint32(subAt)<<16 | hSub
			}
			ent := ents[s] + uint32(l) | uint32(l)<<hCodeShft
			rest := l - primary
			rev := int(bits.Reverse16(uint16(code&(1<<rest-1))) >> (16 - rest))
			for i := rev; i < 1<<sub; i += 1 << rest {
				t.e[subAt+i] = ent
			}
		}
	}
	return nil
}

// inflater is the decoder's state, reused between streams.
type inflater struct {
	lit, dist, clen huffTable
	fixLit, fixDist huffTable // the fixed code, built on first use
	fixed           bool
	syms            [3]codeSyms // literal/length, distance, code length
	litSyms         [16 * 286]uint16
	distSyms        [16 * 30]uint16
	clenSyms        [16 * 19]uint16
	small           []byte // smallOut+fastOut bytes: see Inflate

	in   []byte
	pos  int    // next input byte to load
	over int    // zero bytes loaded past the end of in
	b    uint64 // bit buffer, least significant bit first
	nb   uint   // valid bits in b
}

// refill makes at least 56 bits valid, loading zeros past the end of the
// input (counted in over; using them is an error, found by eof).
func (f *inflater) refill() error {
	if f.pos+8 <= len(f.in) {
		f.b |= binary.LittleEndian.Uint64(f.in[f.pos:]) << f.nb
		f.pos += int(63-f.nb) >> 3
		f.nb |= 56
		return nil
	}
	if f.eof() {
		return errEOF
	}
	for f.nb < 56 {
		if f.pos < len(f.in) {
			f.b |= uint64(f.in[f.pos]) << f.nb
			f.pos++
		} else {
			f.over++
		}
		f.nb += 8
	}
	return nil
}

// eof reports whether bits past the end of the input were used.
func (f *inflater) eof() bool { return f.nb < uint(f.over)*8 }

// bits takes n (at most 32) bits; the caller has refilled.
func (f *inflater) bits(n uint) uint32 {
	v := uint32(f.b & (1<<n - 1))
	f.b >>= n
	f.nb -= n
	return v
}

// bytePos aligns to the next byte and returns its offset in the input.
func (f *inflater) bytePos() int {
	f.bits(f.nb % 8)
	return f.pos + f.over - int(f.nb/8)
}

// Inflate inflates the zlib stream at the start of src into exactly size
// bytes, reusing dst when it is big enough, and checks that the stream
// ends there with a valid checksum: a damaged object is an error rather
// than garbage. Bytes of src after the stream are ignored. The caller
// bounds size before calling.
func (z *Inflater) Inflate(src []byte, size int64, dst []byte) ([]byte, error) {
	if int64(cap(dst)) < size {
		dst = make([]byte, size)
	}
	dst = dst[:size]
	if z.f == nil {
		z.f = &inflater{}
	}
	f := z.f
	// Small objects, most of a pack, are decoded into the inflater's
	// buffer, which has room past their end for the fast loop's
	// overruns, then copied; larger ones straight into dst, capped at its
	// size so that nothing is written past it.
	out := dst[:size:size]
	if size <= smallOut {
		if f.small == nil {
			f.small = make([]byte, smallOut+fastOut)
		}
		out = f.small[:size]
	}
	if err := f.inflate(src, out); err != nil {
		if errors.Is(err, ErrLonger) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrBadStream, err)
	}
	if size <= smallOut {
		copy(dst, out)
	}
	return dst, nil
}

// smallOut is the largest object Inflate decodes in its own buffer.
const smallOut = 4096

func (f *inflater) inflate(src, dst []byte) error {
	if len(src) < 2 {
		return errEOF
	}
	cmf, flg := src[0], src[1]
	if cmf&0x0f != 8 || cmf>>4 > 7 || (uint(cmf)<<8|uint(flg))%31 != 0 || flg&0x20 != 0 {
		return errHeader
	}
	f.in, f.pos, f.over, f.b, f.nb = src, 2, 0, 0, 0
	defer func() { f.in = nil }()
	o := 0
	for final := false; !final; {
		if err := f.refill(); err != nil {
			return err
		}
		final = f.bits(1) == 1
		var err error
		switch f.bits(2) {
		case 0:
			o, err = f.stored(dst, o)
		case 1:
			if !f.fixed {
				f.buildFixed()
			}
			o, err = f.codes(dst, o, &f.fixLit, &f.fixDist)
		case 2:
			if err = f.readTables(); err == nil {
				o, err = f.codes(dst, o, &f.lit, &f.dist)
			}
		default:
			err = errBlockType
		}
		if err != nil {
			return err
		}
	}
	if o != len(dst) {
		return errEOF // shorter than its header says
	}
	at := f.bytePos()
	if f.eof() || at+4 > len(src) {
		return errEOF
	}
	if binary.BigEndian.Uint32(src[at:]) != adler32sum(dst) {
		return errChecksum
	}
	return nil
}

func (f *inflater) buildFixed() {
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	// Both codes are complete: build cannot fail.
	_ = f.fixLit.build(l[:], symLitLen, litBits)
	var d [32]uint8
	for i := range d {
		d[i] = 5
	}
	_ = f.fixDist.build(d[:], symDist, distBits)
	f.fixed = true
}

// stored copies a stored block to dst at o.
func (f *inflater) stored(dst []byte, o int) (int, error) {
	at := f.bytePos()
	if f.eof() || at+4 > len(f.in) {
		return o, errEOF
	}
	n := int(binary.LittleEndian.Uint16(f.in[at:]))
	if uint16(n) != ^binary.LittleEndian.Uint16(f.in[at+2:]) {
		return o, errStored
	}
	at += 4
	if at+n > len(f.in) {
		return o, errEOF
	}
	if o+n > len(dst) {
		return o, ErrLonger
	}
	copy(dst[o:], f.in[at:at+n])
	f.pos, f.over, f.b, f.nb = at+n, 0, 0, 0
	return o + n, nil
}

// readTables reads a dynamic block's code lengths and builds its tables.
// The lengths are not kept: each symbol goes to its length's group as it
// is read (codeSyms), which is what the table builder needs.
func (f *inflater) readTables() error {
	if err := f.refill(); err != nil {
		return err
	}
	nlit := int(f.bits(5)) + 257
	ndist := int(f.bits(5)) + 1
	nclen := int(f.bits(4)) + 4
	if nlit > 286 || ndist > 30 {
		return errCodes
	}
	var cl [19]uint8
	for i := 0; i < nclen; i++ {
		if f.nb < 3 {
			if err := f.refill(); err != nil {
				return err
			}
		}
		cl[clenOrder[i]] = uint8(f.bits(3))
	}
	cs := &f.syms[2]
	cs.reset(f.clenSyms[:], len(cl))
	for s, l := range cl {
		cs.add(s, l)
	}
	if err := f.clen.buildSyms(cs, symCodeLen, clenBits); err != nil {
		return err
	}
	ls, ds := &f.syms[0], &f.syms[1]
	ls.reset(f.litSyms[:], nlit)
	ds.reset(f.distSyms[:], ndist)
	n := nlit + ndist
	// The bit buffer in locals, the table as an array: a code-length code
	// is at most 7 bits (clenBits), so it has no sub-tables.
	ct := (*[1 << clenBits]uint32)(f.clen.e)
	b, nb := f.b, f.nb
	prev, eob := uint8(0), uint8(0) // the last length read; the end-of-block code's
	for i := 0; i < n; {
		if nb < 14 { // a code and its extra bits
			f.b, f.nb = b, nb
			if err := f.refill(); err != nil {
				return err
			}
			b, nb = f.b, f.nb
		}
		e := ct[b&(1<<clenBits-1)]
		k := uint(e & hLenMask)
		if k == 0 {
			return errCode
		}
		b >>= k
		nb -= k
		sym := e >> 16
		// A single length is recorded here, not by the repeat loop
		// below with a count of one: that costs BenchmarkReadTables 15%.
		if sym < 16 {
			prev = uint8(sym)
			if i < nlit {
				ls.add(i, prev)
				if i == 256 {
					eob = prev
				}
			} else {
				ds.add(i-nlit, prev)
			}
			i++
			continue
		}
		var rep int
		switch sym {
		case 16:
			if i == 0 {
				return errCodes
			}
			rep = 3 + int(b&3)
			b >>= 2
			nb -= 2
		case 17:
			prev, rep = 0, 3+int(b&7)
			b >>= 3
			nb -= 3
		default:
			prev, rep = 0, 11+int(b&127)
			b >>= 7
			nb -= 7
		}
		if i+rep > n {
			return errCodes
		}
		if prev == 0 {
			// Unused symbols: nothing to record (a run of 16 after a
			// zero repeats zero too).
			i += rep
			continue
		}
		for end := i + rep; i < end; i++ {
			if i < nlit {
				ls.add(i, prev)
				if i == 256 {
					eob = prev
				}
			} else {
				ds.add(i-nlit, prev)
			}
		}
	}
	f.b, f.nb = b, nb
	if eob == 0 {
		return errCodes // no end-of-block code
	}
	if err := f.lit.buildSyms(ls, symLitLen, litBits); err != nil {
		return err
	}
	return f.dist.buildSyms(ds, symDist, distBits)
}

// The fast loop of codes runs while the input has fastIn bytes left (two
// 8-byte refills) and the output room for fastOut more bytes: two
// literals, the longest match, and the up to 15 bytes a word copy writes
// past its end (later overwritten by the stream's next bytes).
const (
	fastIn  = 16
	fastOut = 2 + 258 + 16
)

// codes decodes a compressed block's symbols into dst from o. The bit
// buffer lives in locals here (the loop that runs per symbol), and is
// stored back before anything else reads it. A fast loop runs while the
// input and output are far enough from their ends that it needs no check
// of either per symbol; the careful loop after it decodes the rest.
func (f *inflater) codes(dst []byte, o int, lit, dist *huffTable) (int, error) {
	in, pos := f.in, f.pos
	b, nb := f.b, f.nb
	var err error
	// The primary tables as arrays, indexed under a constant mask: no
	// bounds check, and fewer values held in registers.
	lt, dt := lit.e, dist.e
	lp := (*[1 << litBits]uint32)(lt)
	dp := (*[1 << distBits]uint32)(dt)
	// The fast loop may run up to the end of dst when dst has fastOut
	// bytes of capacity past it (Inflate's buffer for small objects, so
	// that they are not decoded by the careful loop alone); a hostile
	// stream that goes past the end writes there and fails.
	out := dst[:cap(dst)]
	lim := min(len(dst), cap(dst)-fastOut)
	// As in libdeflate, the entry of the next symbol is looked up before
	// the current one's output is written (e holds it from one iteration
	// to the next): its load then overlaps the copy, and a mispredicted
	// branch on the kind of copy does not delay it. Between two tests of
	// the loop's condition the input is refilled at most twice (fastIn).
	inEnd := len(in) - fastIn
	var e uint32
	if pos <= inEnd && o <= lim {
		// Refill to at least 56 bits: a literal takes at most 15, a
		// length and distance pair 15+5+15+13 = 48.
		b |= binary.LittleEndian.Uint64(in[pos:]) << (nb & 63)
		pos += int(63-nb) >> 3
		nb |= 56
		e = lp[b&(1<<litBits-1)]
	}
	for pos <= inEnd && o <= lim {
		// Here e is the entry of b's next bits, and b holds at least 48
		// valid bits.
		if int32(e) < 0 {
			// Up to three literals (45 bits); a code other than a
			// literal is looked up from the bits left (at least 26)
			// and handled after a refill.
			n := uint(e & hLenMask)
			b >>= n
			nb -= n
			out[o] = byte(e >> 16)
			o++
			e = lp[b&(1<<litBits-1)]
			if int32(e) < 0 {
				n = uint(e & hLenMask)
				b >>= n
				nb -= n
				out[o] = byte(e >> 16)
				o++
				e = lp[b&(1<<litBits-1)]
				if int32(e) < 0 {
					n = uint(e & hLenMask)
					b >>= n
					nb -= n
					out[o] = byte(e >> 16)
					o++
					// At least 11 bits are left: enough for the next
					// primary lookup, refilled before the entry is used.
					e = lp[b&(1<<litBits-1)]
					b |= binary.LittleEndian.Uint64(in[pos:]) << (nb & 63)
					pos += int(63-nb) >> 3
					nb |= 56
					continue
				}
			}
			b |= binary.LittleEndian.Uint64(in[pos:]) << (nb & 63)
			pos += int(63-nb) >> 3
			nb |= 56
		}
		if e&hSub != 0 {
			i := int(e>>16) + int((b>>litBits)&lit.subMask)
			if i >= len(lt) {
				err = errCode
				break
			}
			e = lt[i]
			if int32(e) < 0 {
				n := uint(e & hLenMask)
				b >>= n
				nb -= n
				out[o] = byte(e >> 16)
				o++
				b |= binary.LittleEndian.Uint64(in[pos:]) << (nb & 63)
				pos += int(63-nb) >> 3
				nb |= 56
				e = lp[b&(1<<litBits-1)]
				continue
			}
		}
		if e&hMatch == 0 {
			if e&hEnd == 0 || e&hLenMask == 0 {
				err = errCode
				break
			}
			n := uint(e & hLenMask)
			b >>= n
			nb -= n
			f.pos, f.b, f.nb = pos, b, nb
			if o > len(dst) {
				return o, ErrLonger
			}
			return o, nil
		}
		n := uint(e & hLenMask)
		length := int(e>>16) + int((b&(1<<n-1))>>((e>>hCodeShft)&15))
		b >>= n
		nb -= n
		e = dp[b&(1<<distBits-1)]
		if e&hSub != 0 {
			i := int(e>>16) + int((b>>distBits)&dist.subMask)
			if i >= len(dt) {
				err = errCode
				break
			}
			e = dt[i]
		}
		if e&hMatch == 0 || e&hLenMask == 0 {
			err = errCode
			break
		}
		n = uint(e & hLenMask)
		d := int(e>>16) + int((b&(1<<n-1))>>((e>>hCodeShft)&15))
		b >>= n
		nb -= n
		if d > o {
			err = errDistance
			break
		}
		// Refill and look up the next symbol before the copy.
		b |= binary.LittleEndian.Uint64(in[pos:]) << (nb & 63)
		pos += int(63-nb) >> 3
		nb |= 56
		e = lp[b&(1<<litBits-1)]
		// The room check of the loop covers the copy and its overrun.
		if d >= 8 && length <= 16 {
			// Most matches: two words, the second read after the first
			// is written (d >= 8 keeps each read behind its write).
			src := o - d
			binary.LittleEndian.PutUint64(out[o:], binary.LittleEndian.Uint64(out[src:]))
			binary.LittleEndian.PutUint64(out[o+8:], binary.LittleEndian.Uint64(out[src+8:]))
			o += length
			continue
		}
		o = copyMatch(out, o, d, length)
	}
	if err == nil && o > len(dst) {
		err = ErrLonger
	}
	if err != nil {
		f.pos, f.b, f.nb = pos, b, nb
		return o, err
	}
	lmask, lsub, lprim := uint64(1)<<lit.primary-1, lit.subMask, lit.primary
	dmask, dsub, dprim := uint64(1)<<dist.primary-1, dist.subMask, dist.primary
	for {
		// A length and distance pair takes at most 15+5+15+13 = 48 bits.
		if nb < 48 {
			if pos+8 <= len(in) {
				b |= binary.LittleEndian.Uint64(in[pos:]) << nb
				pos += int(63-nb) >> 3
				nb |= 56
			} else {
				f.pos, f.b, f.nb = pos, b, nb
				if err = f.refill(); err != nil {
					return o, err
				}
				pos, b, nb = f.pos, f.b, f.nb
			}
		}
		e := lt[b&lmask]
		if e&hSub != 0 {
			i := int(e>>16) + int((b>>lprim)&lsub)
			if i >= len(lt) {
				err = errCode
				break
			}
			e = lt[i]
		}
		n := uint(e & hLenMask)
		if n == 0 || e&hInvalid != 0 {
			err = errCode
			break
		}
		if int32(e) < 0 {
			if o >= len(dst) {
				err = ErrLonger
				break
			}
			b >>= n
			nb -= n
			dst[o] = byte(e >> 16)
			o++
			continue
		}
		if e&hMatch == 0 {
			// The end of the block (nothing else is left).
			b >>= n
			nb -= n
			break
		}
		length := int(e>>16) + int((b&(1<<n-1))>>((e>>hCodeShft)&15))
		b >>= n
		nb -= n
		e = dt[b&dmask]
		if e&hSub != 0 {
			i := int(e>>16) + int((b>>dprim)&dsub)
			if i >= len(dt) {
				err = errCode
				break
			}
			e = dt[i]
		}
		n = uint(e & hLenMask)
		if n == 0 || e&hMatch == 0 {
			err = errCode
			break
		}
		d := int(e>>16) + int((b&(1<<n-1))>>((e>>hCodeShft)&15))
		b >>= n
		nb -= n
		if d > o {
			err = errDistance
			break
		}
		if length > len(dst)-o {
			err = ErrLonger
			break
		}
		if d >= length {
			copy(dst[o:o+length], dst[o-d:])
			o += length
			continue
		}
		// Overlapping: the copy repeats the last d bytes. Each pass
		// copies all written since start, a whole number of periods,
		// so the run doubles.
		start, end := o-d, o+length
		for o < end {
			o += copy(dst[o:end], dst[start:o])
		}
	}
	f.pos, f.b, f.nb = pos, b, nb
	if err == nil && f.eof() {
		err = errEOF
	}
	return o, err
}

// copyMatch copies length bytes from d bytes back to dst[o:] and returns
// the end of the copy; 1 <= d <= o. It may write up to 15 bytes past the
// end (the caller leaves that room): most matches are short, and 8-byte
// words beat a call to memmove on them.
func copyMatch(dst []byte, o, d, length int) int {
	end := o + length
	src := o - d
	switch {
	case d >= length && length > 32:
		copy(dst[o:end], dst[src:])
	case d >= 8:
		// Each word read lies before the word written (d >= 8), so the
		// copy is exact even when the ranges overlap.
		for o < end {
			binary.LittleEndian.PutUint64(dst[o:], binary.LittleEndian.Uint64(dst[src:]))
			binary.LittleEndian.PutUint64(dst[o+8:], binary.LittleEndian.Uint64(dst[src+8:]))
			o += 16
			src += 16
		}
	case d == 1:
		// A run of one byte.
		v := uint64(dst[src]) * 0x0101010101010101
		for o < end {
			binary.LittleEndian.PutUint64(dst[o:], v)
			binary.LittleEndian.PutUint64(dst[o+8:], v)
			o += 16
		}
	case length <= 16:
		for ; o < end; o++ {
			dst[o] = dst[o-d]
		}
	default:
		// A short period repeated: each pass copies all written since
		// src, a whole number of periods, so the run doubles.
		for o < end {
			o += copy(dst[o:end], dst[src:o])
		}
	}
	return end
}
