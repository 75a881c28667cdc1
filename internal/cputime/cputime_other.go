//go:build !unix

package cputime

import "time"

// Process is not measured here: it is 0, and benchmarks then omit (or
// report 0 for) their CPU-time metric.
func Process() time.Duration { return 0 }
