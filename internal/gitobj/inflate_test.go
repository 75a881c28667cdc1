package gitobj

import (
	"bytes"
	stdzlib "compress/zlib"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"math/rand"
	"slices"
	"testing"

	"github.com/klauspost/compress/zlib"
)

// streamInflate is the reference: klauspost/compress's streaming reader,
// read to exactly size bytes, then to the end of the stream (which checks
// the checksum and refuses more content).
func streamInflate(src []byte, size int64) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	out := make([]byte, size)
	if _, err := io.ReadFull(zr, out); err != nil {
		return nil, err
	}
	if err := expectEOF(zr); err != nil {
		return nil, err
	}
	return out, nil
}

func compressAll(data []byte) [][]byte {
	var out [][]byte
	for _, level := range []int{0, 1, 2, 5, 6, 9, -2} {
		var b bytes.Buffer
		w, err := stdzlib.NewWriterLevel(&b, level)
		if err != nil {
			panic(err)
		}
		w.Write(data)
		w.Close()
		out = append(out, b.Bytes())
	}
	for _, level := range []int{1, 4, 9, -2} {
		var b bytes.Buffer
		w, _ := zlib.NewWriterLevel(&b, level)
		w.Write(data)
		w.Close()
		out = append(out, b.Bytes())
	}
	return out
}

func sampleData(r *rand.Rand) [][]byte {
	text := []byte("package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hello, world\")\n}\n")
	var out [][]byte
	out = append(out, nil, []byte("a"), []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	out = append(out, bytes.Repeat(text, 1), bytes.Repeat(text, 700))
	for _, n := range []int{10, 300, 5000, 70000} {
		rnd := make([]byte, n)
		r.Read(rnd)
		out = append(out, rnd)
		// Skewed bytes: long codes, sub-tables.
		sk := make([]byte, n)
		for i := range sk {
			v := r.ExpFloat64() * 6
			sk[i] = byte(min(v, 255))
		}
		out = append(out, sk)
		// Text with random edits: matches at every distance.
		tx := bytes.Repeat(text, n/len(text)+1)[:n]
		for i := 0; i < n/50; i++ {
			tx[r.Intn(n)] = byte(r.Intn(256))
		}
		out = append(out, tx)
	}
	return out
}

// TestInflateMatchesStreaming: every stream the compressors make inflates
// to its content, as with the streaming reader, and sizes other than the
// true one are errors.
func TestInflateMatchesStreaming(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	var z Inflater
	for i, data := range sampleData(r) {
		for j, c := range compressAll(data) {
			got, err := z.Inflate(c, int64(len(data)), nil)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("sample %d, compressor %d: err %v, equal %v", i, j, err, bytes.Equal(got, data))
			}
			// Trailing bytes are ignored.
			if got, err := z.Inflate(append(c[:len(c):len(c)], "trailing"...), int64(len(data)), got); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("sample %d with trailing bytes: %v", i, err)
			}
			if _, err := z.Inflate(c, int64(len(data))+1, nil); !errors.Is(err, ErrBadStream) {
				t.Fatalf("sample %d, one byte short: err %v", i, err)
			}
			if len(data) > 0 {
				if _, err := z.Inflate(c, int64(len(data))-1, nil); !errors.Is(err, ErrLonger) {
					t.Fatalf("sample %d, one byte long: err %v", i, err)
				}
			}
			// Damage anywhere is an error or the same verdict as the
			// streaming reader (on the smaller samples: the fuzz target
			// covers the rest, and this runs under the race detector).
			for k := 0; k < 20 && len(c) < 8000; k++ {
				bad := bytes.Clone(c)
				bad[r.Intn(len(bad))] ^= byte(1 << r.Intn(8))
				checkSame(t, &z, bad, int64(len(data)))
				checkSame(t, &z, c[:r.Intn(len(c))], int64(len(data)))
			}
		}
	}
}

// periodicData is random bytes, then a run of period d and length n, then
// tail random bytes: a stream of matches at distance d, ending at every
// distance from the end of the output (the edge of the fast loop).
func periodicData(r *rand.Rand, pre, d, n, tail int) []byte {
	data := make([]byte, pre+n+tail)
	r.Read(data[:pre+d])
	for i := pre + d; i < pre+n; i++ {
		data[i] = data[i-d]
	}
	r.Read(data[pre+n:])
	return data
}

// TestInflateCopies: matches of every distance 1..16 (and some longer),
// short and long, overlapping or not, with the output ending at every
// point around the fast loop's limit, agree with the input.
func TestInflateCopies(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	var z Inflater
	var dst []byte
	// Writers reused (a new one costs more than these small inputs).
	var buf bytes.Buffer
	std1, _ := stdzlib.NewWriterLevel(&buf, 1)
	std9, _ := stdzlib.NewWriterLevel(&buf, 9)
	kp1, _ := zlib.NewWriterLevel(&buf, 1)
	kp6, _ := zlib.NewWriterLevel(&buf, 6)
	writers := []interface {
		io.WriteCloser
		Reset(io.Writer)
	}{std1, std9, kp1, kp6}
	for d := 1; d <= 40; d++ {
		if d > 16 && d%7 != 0 {
			continue
		}
		for _, n := range []int{3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40, 258, 259, 600} {
			for _, tail := range []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 255, 258, 260, 270, 276, 277, 280, 300} {
				data := periodicData(r, r.Intn(40), d, max(n, d), tail)
				for j, w := range writers {
					buf.Reset()
					w.Reset(&buf)
					w.Write(data)
					w.Close()
					c := buf.Bytes()
					got, err := z.Inflate(c, int64(len(data)), dst)
					if err != nil || !bytes.Equal(got, data) {
						t.Fatalf("distance %d, run %d, tail %d, compressor %d: err %v", d, n, tail, j, err)
					}
					dst = got
					// Declared shorter than the stream, by up to more than
					// the fast loop's slack: ErrLonger, never a write past
					// the size.
					for _, short := range []int{1, 2, 15, 16, 17, 258, 276, 277, 300} {
						if short <= len(data) {
							if _, err := z.Inflate(c, int64(len(data)-short), nil); !errors.Is(err, ErrLonger) {
								t.Fatalf("distance %d, run %d, tail %d, compressor %d, %d bytes short: err %v", d, n, tail, j, short, err)
							}
						}
					}
					// The input ending at every point near its end.
					for k := max(0, len(c)-12); k < len(c); k++ {
						if _, err := z.Inflate(c[:k], int64(len(data)), nil); err == nil {
							t.Fatalf("distance %d, run %d, tail %d: stream cut at %d of %d inflated", d, n, tail, k, len(c))
						}
					}
				}
			}
		}
	}
}

func checkSame(t *testing.T, z *Inflater, src []byte, size int64) {
	t.Helper()
	want, werr := streamInflate(src, size)
	got, gerr := z.Inflate(src, size, nil)
	if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
		t.Fatalf("stream of %d bytes, size %d: Inflate err %v, streaming err %v", len(src), size, gerr, werr)
	}
}

// FuzzInflate: on any input, Inflate agrees with the streaming reader
// (same verdict, same bytes) and never panics.
func FuzzInflate(f *testing.F) {
	r := rand.New(rand.NewSource(2))
	for _, data := range sampleData(r)[:8] {
		for _, c := range compressAll(data) {
			f.Add(c, int64(len(data)))
		}
	}
	for _, d := range []int{1, 2, 5, 8, 9, 13} {
		data := periodicData(r, 10, d, 300, 280)
		for _, c := range compressAll(data)[1:3] {
			f.Add(c, int64(len(data)))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte, size int64) {
		if size < 0 || size > 1<<20 {
			return
		}
		var z Inflater
		checkSame(t, &z, src, size)
	})
}

func BenchmarkInflate(b *testing.B) {
	r := rand.New(rand.NewSource(3))
	samples := sampleData(r)
	for _, n := range []int{3, 10, 12, 16} { // text: small, 300 bytes edited; 5000 skewed bytes; 70000 bytes of edited text
		data := samples[n]
		var c bytes.Buffer
		w := stdzlib.NewWriter(&c)
		w.Write(data)
		w.Close()
		src := c.Bytes()
		dst := make([]byte, len(data))
		b.Run(fmt.Sprintf("%d/whole", len(data)), func(b *testing.B) {
			var z Inflater
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := z.Inflate(src, int64(len(data)), dst); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("%d/stream", len(data)), func(b *testing.B) {
			var z Inflater
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				r, err := z.Reset(bytes.NewReader(src))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(r, dst); err != nil {
					b.Fatal(err)
				}
				if err := expectEOF(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// refBuild is the table builder before the doubling one (each code's
// entries written with a stride), kept as the reference of TestBuild.
func refBuild(t *huffTable, lengths []uint8, ents []uint32, primary uint) {
	var count [16]uint16
	maxLen := uint(0)
	for _, l := range lengths {
		count[l]++
		maxLen = max(maxLen, uint(l))
	}
	count[0] = 0
	sub := uint(0)
	if maxLen > primary {
		sub = maxLen - primary
	}
	size := 1 << primary
	t.primary, t.subMask, t.e = primary, 1<<sub-1, make([]uint32, size)
	var offs [16]uint16
	for l := 2; l < 16; l++ {
		offs[l] = offs[l-1] + count[l-1]
	}
	var sorted [320]uint16
	for s, l := range lengths {
		if l != 0 {
			sorted[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	code, prevLen := 0, uint(0)
	prefix, subAt := -1, 0
	for _, s := range sorted[:offs[15]] {
		l := uint(lengths[s])
		code <<= l - prevLen
		prevLen = l
		e := ents[s] + uint32(l) | uint32(l)<<hCodeShft
		if l <= primary {
			rev := int(bits.Reverse16(uint16(code)) >> (16 - l))
			for i := rev; i < size; i += 1 << l {
				t.e[i] = e
			}
		} else {
			if p := code >> (l - primary); p != prefix {
				prefix = p
				subAt = len(t.e)
				t.e = append(t.e, make([]uint32, 1<<sub)...)
				t.e[int(bits.Reverse16(uint16(p))>>(16-primary))] = uint32(subAt)<<16 | hSub
			}
			rest := l - primary
			rev := int(bits.Reverse16(uint16(code&(1<<rest-1))) >> (16 - rest))
			for i := rev; i < 1<<sub; i += 1 << rest {
				t.e[subAt+i] = e
			}
		}
		code++
	}
}

// randomLengths makes the code lengths of a random Huffman code over n
// symbols (some unused), of at most maxLen bits, complete unless cut.
func randomLengths(r *rand.Rand, n int, maxLen int) []uint8 {
	for {
		lengths := make([]uint8, n)
		// Split the code space: start from one symbol of length 0 and
		// split leaves at random.
		used := []int{}
		for i := 0; i < n; i++ {
			if r.Intn(4) != 0 {
				used = append(used, i)
			}
		}
		if len(used) < 2 {
			continue
		}
		if len(used) > 1<<maxLen {
			used = used[:1<<maxLen]
		}
		leaves := []uint8{0}
		for len(leaves) < len(used) {
			i := r.Intn(len(leaves))
			if int(leaves[i]) >= maxLen {
				continue
			}
			l := leaves[i] + 1
			leaves[i] = l
			leaves = append(leaves, l)
		}
		r.Shuffle(len(leaves), func(i, j int) { leaves[i], leaves[j] = leaves[j], leaves[i] })
		for i, s := range used {
			lengths[s] = leaves[i]
		}
		return lengths
	}
}

// TestBuild: the doubling builder makes the same tables as the stride
// one, for random complete codes of every size and depth, with and
// without sub-tables, and the one-symbol code; over-subscribed and
// incomplete codes are refused.
func TestBuild(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	var got huffTable
	for i := 0; i < 3000; i++ {
		kind, n, ents, primary := symLitLen, 286, litLenEntry[:], uint(litBits)
		switch i % 3 {
		case 1:
			kind, n, ents, primary = symDist, 30, distEntry[:], distBits
		case 2:
			kind, n, ents, primary = symCodeLen, 19, codeLenEntry[:], clenBits
		}
		maxLen := 15
		if kind == symCodeLen {
			maxLen = 7
		}
		lengths := randomLengths(r, n, 1+r.Intn(maxLen))
		if err := got.build(lengths, kind, primary); err != nil {
			t.Fatalf("lengths %v: %v", lengths, err)
		}
		var want huffTable
		refBuild(&want, lengths, ents, primary)
		if got.subMask != want.subMask || !slices.Equal(got.e, want.e) {
			t.Fatalf("lengths %v: tables differ", lengths)
		}
		// Lengthening one code leaves it incomplete; shortening one
		// over-subscribes it (unless the code is one of a kind).
		for j, l := range lengths {
			if l > 1 && l < uint8(maxLen) {
				bad := slices.Clone(lengths)
				bad[j]++
				if err := got.build(bad, kind, primary); err == nil {
					t.Fatalf("incomplete code %v built", bad)
				}
				bad[j] -= 2
				if err := got.build(bad, kind, primary); err == nil {
					t.Fatalf("over-subscribed code %v built", bad)
				}
				break
			}
		}
	}
	one := make([]uint8, 30)
	one[7] = 1
	if err := got.build(one, symDist, distBits); err != nil {
		t.Fatal(err)
	}
	var want huffTable
	refBuild(&want, one, distEntry[:], distBits)
	if !slices.Equal(got.e, want.e) {
		t.Fatal("one-symbol code: tables differ")
	}
	if err := got.build(make([]uint8, 30), symDist, distBits); err != nil || slices.ContainsFunc(got.e, func(e uint32) bool { return e != 0 }) {
		t.Fatalf("empty code: err %v, entries not all errors", err)
	}
}

// bitWriter writes a deflate stream by hand, least significant bit first.
type bitWriter struct {
	out []byte
	acc uint64
	n   uint
}

func (w *bitWriter) bits(v uint64, n uint) {
	w.acc |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

// code writes a Huffman code, its most significant bit first.
func (w *bitWriter) code(c uint64, n uint) {
	w.bits(uint64(bits.Reverse16(uint16(c))>>(16-n)), n)
}

func (w *bitWriter) flush() []byte {
	if w.n > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc, w.n = 0, 0
	}
	return w.out
}

// TestDynamicHeaderRuns: the code lengths of a dynamic block are one
// sequence for both alphabets, so a run (code 16) may start among the
// literal/length codes and end among the distance codes; readTables, which
// groups symbols by length as it reads them, must split it. The encoders
// in the other tests seldom write such a block, so it is made by hand:
// literals 97, 254, 255 and end-of-block of 2 bits, four distance codes of
// 2 bits, the last six lengths one run of 16 across the boundary. Variants:
// a run of 16 after zeros (no end-of-block code: refused), a run past the
// end (refused).
func TestDynamicHeaderRuns(t *testing.T) {
	// Code-length code: 2 -> 0 (1 bit), 16 -> 10, 18 -> 11 (2 bits).
	stream := func(run16 uint64, zerosFirst bool) []byte {
		var w bitWriter
		w.bits(0x78, 8)
		w.bits(0x01, 8)
		w.bits(1, 1)       // final
		w.bits(2, 2)       // dynamic
		w.bits(257-257, 5) // nlit 257
		w.bits(4-1, 5)     // ndist 4
		w.bits(16-4, 4)    // 16 code-length lengths
		var cl [19]uint64
		cl[2], cl[16], cl[18] = 1, 2, 2
		for _, s := range clenOrder[:16] {
			w.bits(cl[s], 3)
		}
		w.code(3, 2)
		w.bits(97-11, 7) // 0-96 unused
		w.code(0, 1)     // 97: 2
		w.code(3, 2)
		w.bits(138-11, 7) // 98-235 unused
		if zerosFirst {
			w.code(3, 2)
			w.bits(19-11, 7) // 236-254 unused
		} else {
			w.code(3, 2)
			w.bits(18-11, 7) // 236-253 unused
			w.code(0, 1)     // 254: 2
		}
		w.code(2, 2)
		w.bits(run16-3, 2) // 255, 256 and the distance codes: 2
		// Literal/length codes in order 97, 254, 255, 256: 00, 01, 10, 11.
		w.code(0, 2) // 'a'
		w.code(1, 2) // 254
		w.code(3, 2) // end of block
		out := w.flush()
		sum := adler32sum([]byte{'a', 254})
		return append(out, byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum))
	}
	var z Inflater
	src := stream(6, false)
	got, err := z.Inflate(src, 2, nil)
	if err != nil || string(got) != "a\xfe" {
		t.Fatalf("run across the alphabets: %q, %v", got, err)
	}
	checkSame(t, &z, src, 2)
	for _, src := range [][]byte{stream(6, true), stream(5, false)} {
		if _, err := z.Inflate(src, 2, nil); !errors.Is(err, ErrBadStream) {
			t.Fatalf("bad header: err %v", err)
		}
		checkSame(t, &z, src, 2)
	}
}
