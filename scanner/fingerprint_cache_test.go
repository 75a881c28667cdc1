package scanner

import "testing"

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
