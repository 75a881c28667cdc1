//go:build !unix

package scanner

import "time"

// cpuTime is not measured here; benchmarks then omit the CPU-time metric.
func cpuTime() time.Duration { return 0 }
