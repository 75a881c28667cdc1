//go:build race

package scanner

// raceEnabled: the race detector is on (tests that only repeat
// single-goroutine work over more inputs do less under it).
const raceEnabled = true
