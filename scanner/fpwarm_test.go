package scanner

import (
	"fmt"
	"runtime"
	"testing"
)

// TestFingerprintWarmer: secrets queued during a scan have their slow
// fingerprints in the cache once close returns (all of them, or those
// computed before close: result() computes the rest), strong secrets are
// not queued, a closed warmer queues nothing, and closing twice or
// without a goroutine is safe.
func TestFingerprintWarmer(t *testing.T) {
	t.Parallel()
	fc := &FingerprintCache{}
	w := newFingerprintWarmer(fc)
	strong := "Zq8w" + "Lk2vRt9yPb4nXc7mHs3jGd6fKa1eUo5i" + "Wp0rTy8uIo2pAs4dFg6hJk8lZx0cVb2n"
	var weak []string
	for i := range 3 {
		weak = append(weak, fmt.Sprintf("warm-pass-%d", i))
	}
	w.add(strong)
	for _, s := range weak {
		w.add(s)
		w.add(s) // queued once
	}
	if len(w.queued) != len(weak) {
		t.Fatalf("%d secrets queued, want the %d weak ones", len(w.queued), len(weak))
	}
	w.close()
	w.close()
	w.add("late-pass")
	if w.queued["late-pass"] {
		t.Error("a closed warmer queued a secret")
	}
	got := fc.fingerprints(append(weak, strong))
	for _, s := range weak {
		if got[s] != Fingerprint(s) {
			t.Errorf("fingerprint of %q is %s, want %s", s, got[s], Fingerprint(s))
		}
	}
	if got[strong] != LegacyFingerprint(strong) {
		t.Error("a strong secret's fingerprint is not its SHA-256")
	}
	newFingerprintWarmer(fc).close() // never started
}

// TestFingerprintWarmerFillsCache: a running warmer computes a queued
// fingerprint into the cache without being closed (the test waits on the
// cache, not on a clock).
func TestFingerprintWarmerFillsCache(t *testing.T) {
	t.Parallel()
	fc := &FingerprintCache{}
	w := newFingerprintWarmer(fc)
	defer w.close()
	const s = "warm-fill-pass"
	w.add(s)
	for {
		fc.mu.Lock()
		fp, ok := fc.m[s]
		fc.mu.Unlock()
		if ok {
			if fp != Fingerprint(s) {
				t.Fatalf("cached fingerprint %s, want %s", fp, Fingerprint(s))
			}
			return
		}
		runtime.Gosched()
	}
}
