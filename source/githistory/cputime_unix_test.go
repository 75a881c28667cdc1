//go:build unix

package githistory

import (
	"syscall"
	"time"
)

// processCPU is the process's user+system CPU time. Benchmarks report MB per
// CPU-second beside wall-clock MB/s, so the per-core figure holds on a
// shared, busy machine where wall time is inflated by other processes.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
