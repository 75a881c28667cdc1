package gitobj

import "encoding/binary"

// adler32sum is hash/adler32.Checksum computed 8 bytes at a time: the
// standard library's loop adds byte by byte (two dependent additions per
// byte), which was 9% of reading a pack. Sixteen words at a time go into
// SIMD-within-a-register sums (the bytes at even and odd offsets in
// 16-bit lanes, and the running sum of those), which stay within 16 bits
// per lane over 16 words; they are folded into s1 and s2 once per 128
// bytes, and reduced modulo 65521 once per adlerNmax bytes, as zlib does
// (the largest count for which s2 cannot overflow 32 bits).
// TestAdler32 compares it with hash/adler32.
func adler32sum(p []byte) uint32 {
	const (
		mod  = 65521
		nmax = 5552
		m8   = 0x00ff00ff00ff00ff // bytes at even offsets of a word, in 16-bit lanes
		m16  = 0x0000ffff0000ffff // 16-bit lanes 0 and 2, in 32-bit lanes
	)
	s1, s2 := uint32(1), uint32(0)
	for len(p) > 0 {
		q := p[:min(len(p), nmax)]
		p = p[len(q):]
		for len(q) >= 128 {
			// Lane j of ae (ao) sums the bytes at offset 2j (2j+1) of
			// each word; be (bo) sums ae (ao) as it was before each
			// word, so that 8*be weighs each byte by the words after
			// it. Lanes stay below 255*16*15/2 < 65536.
			var ae, ao, be, bo uint64
			for i := 0; i < 128; i += 8 {
				v := binary.LittleEndian.Uint64(q[i:])
				be += ae
				bo += ao
				ae += v & m8
				ao += v >> 8 & m8
			}
			q = q[128:]
			sum := (ae + ao) * 0x0001000100010001 >> 48 // 8 lanes of at most 4080
			bb := be&m16 + be>>16&m16 + bo&m16 + bo>>16&m16
			after := bb&0xffffffff + bb>>32
			// Within a word the byte at offset k is followed by 8-k
			// additions to s2.
			within := 8*(ae&0xffff) + 6*(ae>>16&0xffff) + 4*(ae>>32&0xffff) + 2*(ae>>48) +
				7*(ao&0xffff) + 5*(ao>>16&0xffff) + 3*(ao>>32&0xffff) + ao>>48
			s2 += 128*s1 + uint32(8*after+within)
			s1 += uint32(sum)
		}
		for _, x := range q {
			s1 += uint32(x)
			s2 += s1
		}
		s1 %= mod
		s2 %= mod
	}
	return s2<<16 | s1
}
