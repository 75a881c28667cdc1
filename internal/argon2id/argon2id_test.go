package argon2id

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/crypto/argon2"
)

// TestMatchesXCrypto: a Hasher's keys are x/crypto's IDKey with one lane,
// over passes, memory sizes (also ones rounded down and below the
// minimum), key lengths on each side of BLAKE2b's 64 bytes, and empty
// inputs; the same Hasher is reused throughout, from bigger memory to
// smaller and back, so stale memory must not leak into a result.
func TestMatchesXCrypto(t *testing.T) {
	t.Parallel()
	var h Hasher
	for _, time := range []uint32{1, 2, 3} {
		for _, mem := range []uint32{64, 8, 1, 37, 256} {
			for _, keyLen := range []uint32{1, 4, 32, 64, 65, 100, 128} {
				for _, pw := range []string{"", "hunter2", "a much longer password of some sixty characters......."} {
					salt := []byte("scour fingerprint v2: argon2id")
					if keyLen == 65 {
						salt = nil
					}
					want := argon2.IDKey([]byte(pw), salt, time, mem, 1, keyLen)
					got := h.Key([]byte(pw), salt, time, mem, keyLen)
					if !bytes.Equal(got, want) {
						t.Fatalf("time %d, memory %d KiB, key %d bytes, password %q: %x, want %x", time, mem, keyLen, pw, got, want)
					}
				}
			}
		}
	}
}

// TestMatchesXCryptoFingerprintParameters: scour's own parameters (one
// pass over 8 MiB, 32 bytes), on a reused Hasher.
func TestMatchesXCryptoFingerprintParameters(t *testing.T) {
	t.Parallel()
	var h Hasher
	salt := []byte("scour fingerprint v2: argon2id")
	for i := range 3 {
		pw := []byte(fmt.Sprintf("weak-pass-%d", i))
		want := argon2.IDKey(pw, salt, 1, 8*1024, 1, 32)
		if got := h.Key(pw, salt, 1, 8*1024, 32); !bytes.Equal(got, want) {
			t.Fatalf("%s: %x, want %x", pw, got, want)
		}
	}
}

// BenchmarkKey compares a reused Hasher with x/crypto, in a small heap
// and beside 512 MiB of live data (a history scan's heap), where each of
// x/crypto's 8 MiB allocations is fresh memory the kernel faults in.
func BenchmarkKey(b *testing.B) {
	salt := []byte("scour fingerprint v2: argon2id")
	for _, live := range []int{0, 512 << 20} {
		ballast := make([]byte, live)
		for i := 0; i < len(ballast); i += 4096 {
			ballast[i] = 1
		}
		b.Run(fmt.Sprintf("hasher/live=%dMiB", live>>20), func(b *testing.B) {
			var h Hasher
			for b.Loop() {
				h.Key([]byte("hunter2"), salt, 1, 8*1024, 32)
			}
		})
		b.Run(fmt.Sprintf("xcrypto/live=%dMiB", live>>20), func(b *testing.B) {
			for b.Loop() {
				argon2.IDKey([]byte("hunter2"), salt, 1, 8*1024, 1, 32)
			}
		})
		runtime.KeepAlive(ballast)
	}
}
