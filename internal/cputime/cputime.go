// Package cputime reads the process's CPU time, for benchmarks that
// report work per CPU-second beside wall-clock rates: on a shared, busy
// machine wall time is inflated by other processes, CPU time much less.
package cputime
