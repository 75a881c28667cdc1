package scanner

import (
	"fmt"
	"testing"
)

// TestSharedFingerprintCache: scanners given one FingerprintCache (a
// sweep's scans) share the slow fingerprints: one computed for the first
// is not computed again for the second.
func TestSharedFingerprintCache(t *testing.T) {
	fc := &FingerprintCache{}
	a, _ := builtinScannerOpts(t, 0, Options{Fingerprints: fc})
	b, _ := builtinScannerOpts(t, 0, Options{Fingerprints: fc})
	if a.fps != fc || b.fps != fc {
		t.Fatal("the shared cache is not used")
	}
	weak := "hunter" + "2-pass" + "word" // low entropy: an argon2id fingerprint
	want := Fingerprint(weak)
	if got := a.fps.fingerprints([]string{weak})[weak]; got != want {
		t.Fatalf("fingerprint %s, want %s", got, want)
	}
	b.fps.mu.Lock()
	cached := b.fps.m[weak]
	b.fps.mu.Unlock()
	if cached != want {
		t.Errorf("the second scanner does not have the first one's fingerprint")
	}
	if own, _ := builtinScannerOpts(t, 0, Options{}); own.fps == nil || own.fps == fc {
		t.Error("a scanner without Options.Fingerprints must have a cache of its own")
	}
}

// TestFingerprintsOneAndManyWorkers: a short list of slow fingerprints is
// computed on one goroutine, a long one on every CPU; both give each
// secret its own fingerprint, and strong secrets keep their SHA-256.
func TestFingerprintsOneAndManyWorkers(t *testing.T) {
	t.Parallel()
	for _, n := range []int{3, parallelFingerprints + 2} {
		var secrets []string
		for i := range n {
			secrets = append(secrets, fmt.Sprintf("weak-pass-%d", i))
		}
		strong := "Zq8w" + "Lk2vRt9yPb4nXc7mHs3jGd6fKa1eUo5i" + "Wp0rTy8uIo2pAs4dFg6hJk8lZx0cVb2n"
		secrets = append(secrets, strong, secrets[0])
		got := (&FingerprintCache{}).fingerprints(secrets)
		if len(got) != n+1 {
			t.Fatalf("%d secrets: %d fingerprints, want %d", n, len(got), n+1)
		}
		for _, s := range []string{secrets[0], secrets[n-1]} {
			if got[s] != Fingerprint(s) {
				t.Errorf("%d secrets: fingerprint of %q is %s, want %s", n, s, got[s], Fingerprint(s))
			}
		}
		if got[strong] != LegacyFingerprint(strong) {
			t.Errorf("%d secrets: a strong secret's fingerprint is not its SHA-256", n)
		}
	}
}
