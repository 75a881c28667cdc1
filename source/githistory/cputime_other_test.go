//go:build !unix

package githistory

import "time"

// processCPU is not measured here; benchmarks then omit the CPU-time metric.
func processCPU() time.Duration { return 0 }
