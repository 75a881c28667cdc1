package cputime

import (
	"runtime"
	"testing"
)

// TestProcessAdvances: CPU time does not go backwards, and on unix a busy
// loop makes it grow.
func TestProcessAdvances(t *testing.T) {
	t0 := Process()
	x := 0
	for i := 0; Process() == t0 && i < 1e9; i++ {
		x += i
	}
	t1 := Process()
	if t1 < t0 {
		t.Fatalf("CPU time went back: %v then %v (%d)", t0, t1, x)
	}
	if runtime.GOOS != "windows" && runtime.GOOS != "plan9" && runtime.GOOS != "js" && runtime.GOOS != "wasip1" && t1 == t0 {
		t.Errorf("CPU time did not grow over a busy loop: %v", t0)
	}
}
