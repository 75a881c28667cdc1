package gitobj

import (
	"bytes"
	"fmt"
	"hash/adler32"
	"math/rand"
	"testing"
)

// TestAdler32 compares adler32sum with hash/adler32 on every length up to a
// few blocks and around the modulo interval, on random bytes and on the
// worst case for overflow (all 0xff).
func TestAdler32(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	var lengths []int
	for n := 0; n <= 1100; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range []int{5551, 5552, 5553, 5552 + 128, 2 * 5552, 2*5552 + 127, 70000, 1 << 20} {
		lengths = append(lengths, n-1, n, n+1)
	}
	for _, n := range lengths {
		rnd := make([]byte, n)
		r.Read(rnd)
		for _, data := range [][]byte{rnd, bytes.Repeat([]byte{0xff}, n)} {
			if got, want := adler32sum(data), adler32.Checksum(data); got != want {
				t.Fatalf("%d bytes: %08x, want %08x", n, got, want)
			}
		}
	}
}

func FuzzAdler32(f *testing.F) {
	f.Add([]byte("hello"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := adler32sum(data), adler32.Checksum(data); got != want {
			t.Fatalf("%08x, want %08x", got, want)
		}
	})
}

func BenchmarkAdler32(b *testing.B) {
	for _, n := range []int{300, 4096, 70000} {
		data := make([]byte, n)
		rand.New(rand.NewSource(5)).Read(data)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				adler32sum(data)
			}
		})
	}
}
