// Package argon2id computes Argon2id (RFC 9106, version 0x13) with one
// lane, in memory a Hasher keeps between calls.
//
// golang.org/x/crypto/argon2 allocates its memory on every call. scour
// fingerprints low-entropy secrets with one pass over 8 MiB, dozens of
// times per scan, in a process whose heap is busy with blobs: each call's
// fresh 8 MiB was faulted in page by page, which cost about as much as
// the hashing (docs/performance.md, "The tail"). A Hasher reuses its
// memory. Its output is x/crypto's IDKey with threads = 1, bit for bit
// (argon2id_test.go compares them).
package argon2id

import (
	"encoding/binary"
	"math/bits"

	"golang.org/x/crypto/blake2b"
)

const (
	version    = 0x13
	typeID     = 2 // Argon2id
	syncPoints = 4 // slices per pass
	blockWords = 128
)

type block [blockWords]uint64

// Hasher computes Argon2id keys. Its zero value is ready; it is not safe
// for concurrent use (each goroutine needs its own).
type Hasher struct {
	mem []block
}

// Key derives keyLen bytes from password and salt with time passes over
// memory KiB, one lane (x/crypto's argon2.IDKey with threads = 1). time
// and keyLen must be at least 1; memory is rounded down to a multiple of
// 4 KiB, and at least 8 KiB are used.
func (h *Hasher) Key(password, salt []byte, time, memory, keyLen uint32) []byte {
	if time < 1 || keyLen < 1 {
		panic("argon2id: time and key length must be at least 1")
	}
	h0 := initHash(password, salt, time, memory, keyLen)
	memory = memory / syncPoints * syncPoints
	memory = max(memory, 2*syncPoints)
	if uint32(cap(h.mem)) < memory {
		h.mem = make([]block, memory)
	}
	B := h.mem[:memory]

	var buf [1024]byte
	for i := range 2 {
		binary.LittleEndian.PutUint32(h0[blake2b.Size:], uint32(i))
		binary.LittleEndian.PutUint32(h0[blake2b.Size+4:], 0) // lane
		hashLong(buf[:], h0[:])
		for w := range B[i] {
			B[i][w] = binary.LittleEndian.Uint64(buf[w*8:])
		}
	}
	segment := memory / syncPoints
	for pass := range time {
		for slice := range uint32(syncPoints) {
			fillSegment(B, pass, slice, segment, memory, time)
		}
	}
	for w, v := range B[memory-1] {
		binary.LittleEndian.PutUint64(buf[w*8:], v)
	}
	key := make([]byte, keyLen)
	hashLong(key, buf[:])
	return key
}

// initHash is H0 (RFC 9106 3.2), with 8 bytes spare for the block
// numbers of the first blocks.
func initHash(password, salt []byte, time, memory, keyLen uint32) [blake2b.Size + 8]byte {
	var h0 [blake2b.Size + 8]byte
	d, _ := blake2b.New512(nil)
	var le [4]byte
	put := func(v uint32) {
		binary.LittleEndian.PutUint32(le[:], v)
		d.Write(le[:])
	}
	put(1) // lanes
	put(keyLen)
	put(memory)
	put(time)
	put(version)
	put(typeID)
	put(uint32(len(password)))
	d.Write(password)
	put(uint32(len(salt)))
	d.Write(salt)
	put(0) // secret
	put(0) // associated data
	d.Sum(h0[:0])
	return h0
}

// hashLong is H' (RFC 9106 3.3), the variable-length hash, into out.
func hashLong(out, in []byte) {
	var le [4]byte
	binary.LittleEndian.PutUint32(le[:], uint32(len(out)))
	if len(out) <= blake2b.Size {
		d, _ := blake2b.New(len(out), nil)
		d.Write(le[:])
		d.Write(in)
		d.Sum(out[:0])
		return
	}
	var v [blake2b.Size]byte
	d, _ := blake2b.New512(nil)
	d.Write(le[:])
	d.Write(in)
	d.Sum(v[:0])
	copy(out, v[:32])
	out = out[32:]
	for len(out) > blake2b.Size {
		v = blake2b.Sum512(v[:])
		copy(out, v[:32])
		out = out[32:]
	}
	last, _ := blake2b.New(len(out), nil)
	last.Write(v[:])
	last.Sum(out[:0])
}

// fillSegment computes one slice of one pass (one lane).
func fillSegment(B []block, pass, slice, segment, memory, time uint32) {
	// Argon2id addresses the first half of the first pass independently
	// of the data (as Argon2i), the rest from the previous block.
	indep := pass == 0 && slice < syncPoints/2
	var addr, in, zero block
	if indep {
		in[0] = uint64(pass)
		in[1] = 0 // lane
		in[2] = uint64(slice)
		in[3] = uint64(memory)
		in[4] = uint64(time)
		in[5] = typeID
	}
	start := uint32(0)
	if pass == 0 && slice == 0 {
		start = 2 // the first two blocks are H' of H0
	}
	if indep && start != 0 {
		nextAddresses(&addr, &in, &zero)
	}
	off := slice*segment + start
	for index := start; index < segment; index, off = index+1, off+1 {
		prev := off - 1
		if off == 0 {
			prev = memory - 1
		}
		var rnd uint64
		if indep {
			if index%blockWords == 0 {
				nextAddresses(&addr, &in, &zero)
			}
			rnd = addr[index%blockWords]
		} else {
			rnd = B[prev][0]
		}
		ref := refIndex(rnd, pass, slice, index, segment, memory)
		compress(&B[off], &B[prev], &B[ref], pass > 0)
	}
}

// nextAddresses makes the next block of pseudo-random references of a
// data-independent segment: G(zero, G(zero, input)) with the counter
// incremented.
func nextAddresses(addr, in, zero *block) {
	in[6]++
	compress(addr, zero, in, false)
	compress(addr, zero, addr, false)
}

// refIndex maps a pseudo-random value to the block referenced (RFC 9106
// 3.4.1.1-2), for one lane: the reference area is every block computed
// so far that is not in the current slice's unfinished part, minus the
// previous block.
func refIndex(rnd uint64, pass, slice, index, segment, memory uint32) uint32 {
	var area, startPos uint32
	if pass == 0 {
		area = slice*segment + index - 1
	} else {
		area = memory - segment + index - 1
		startPos = ((slice + 1) % syncPoints) * segment
	}
	x := rnd & 0xffffffff
	x = x * x >> 32
	x = uint64(area) * x >> 32
	rel := uint64(area) - 1 - x
	return uint32((uint64(startPos) + rel) % uint64(memory))
}

// compress is G (RFC 9106 3.5): out = P(x ^ y) ^ x ^ y, XORed into out
// when xor (passes after the first, version 0x13).
func compress(out, x, y *block, xor bool) {
	var r, q block
	for i := range r {
		r[i] = x[i] ^ y[i]
	}
	q = r
	// Rows: 8 registers of 16 bytes each, 16 words.
	for i := 0; i < blockWords; i += 16 {
		permute(&q, i, i+1, i+2, i+3, i+4, i+5, i+6, i+7, i+8, i+9, i+10, i+11, i+12, i+13, i+14, i+15)
	}
	// Columns: register j of each row.
	for j := 0; j < 16; j += 2 {
		permute(&q, j, j+1, j+16, j+17, j+32, j+33, j+48, j+49, j+64, j+65, j+80, j+81, j+96, j+97, j+112, j+113)
	}
	if xor {
		for i := range q {
			out[i] ^= q[i] ^ r[i]
		}
		return
	}
	for i := range q {
		out[i] = q[i] ^ r[i]
	}
}

// permute is P, BLAKE2b's round with multiplications (BlaMka), over the
// 16 words of q at the given indices.
func permute(q *block, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15 int) {
	v0, v1, v2, v3 := q[a0], q[a1], q[a2], q[a3]
	v4, v5, v6, v7 := q[a4], q[a5], q[a6], q[a7]
	v8, v9, v10, v11 := q[a8], q[a9], q[a10], q[a11]
	v12, v13, v14, v15 := q[a12], q[a13], q[a14], q[a15]
	v0, v4, v8, v12 = mix(v0, v4, v8, v12)
	v1, v5, v9, v13 = mix(v1, v5, v9, v13)
	v2, v6, v10, v14 = mix(v2, v6, v10, v14)
	v3, v7, v11, v15 = mix(v3, v7, v11, v15)
	v0, v5, v10, v15 = mix(v0, v5, v10, v15)
	v1, v6, v11, v12 = mix(v1, v6, v11, v12)
	v2, v7, v8, v13 = mix(v2, v7, v8, v13)
	v3, v4, v9, v14 = mix(v3, v4, v9, v14)
	q[a0], q[a1], q[a2], q[a3] = v0, v1, v2, v3
	q[a4], q[a5], q[a6], q[a7] = v4, v5, v6, v7
	q[a8], q[a9], q[a10], q[a11] = v8, v9, v10, v11
	q[a12], q[a13], q[a14], q[a15] = v12, v13, v14, v15
}

// mix is GB: BLAKE2b's G with each addition a + b replaced by
// a + b + 2*lo32(a)*lo32(b).
func mix(a, b, c, d uint64) (uint64, uint64, uint64, uint64) {
	a += b + 2*uint64(uint32(a))*uint64(uint32(b))
	d = bits.RotateLeft64(d^a, -32)
	c += d + 2*uint64(uint32(c))*uint64(uint32(d))
	b = bits.RotateLeft64(b^c, -24)
	a += b + 2*uint64(uint32(a))*uint64(uint32(b))
	d = bits.RotateLeft64(d^a, -16)
	c += d + 2*uint64(uint32(c))*uint64(uint32(d))
	b = bits.RotateLeft64(b^c, -63)
	return a, b, c, d
}
