// Command testtimes reads `go test -json` output on stdin and prints the
// slowest tests and every package's time, slowest first, to find where a
// test suite spends its time:
//
//	go test -race -count=1 -json ./... | go run ./bench/testtimes -n 30
//
// Times are as go test reports them (elapsed per test and per package); a
// parallel test's time includes its wait for a free slot.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
}

type timing struct {
	name    string
	elapsed float64
}

func main() {
	n := flag.Int("n", 25, "how many of the slowest tests to print")
	flag.Parse()
	tests, pkgs, err := read(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testtimes:", err)
		os.Exit(2)
	}
	fmt.Println("packages:")
	for _, t := range pkgs {
		fmt.Printf("%8.2fs  %s\n", t.elapsed, t.name)
	}
	fmt.Printf("slowest %d tests:\n", min(*n, len(tests)))
	for _, t := range tests[:min(*n, len(tests))] {
		fmt.Printf("%8.2fs  %s\n", t.elapsed, t.name)
	}
}

// read collects the pass/fail events of tests and packages, slowest first.
func read(r io.Reader) (tests, pkgs []timing, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue // build output and other non-JSON lines
		}
		if e.Action != "pass" && e.Action != "fail" {
			continue
		}
		if e.Test == "" {
			pkgs = append(pkgs, timing{e.Package, e.Elapsed})
		} else {
			tests = append(tests, timing{e.Package + " " + e.Test, e.Elapsed})
		}
	}
	slowest := func(ts []timing) {
		sort.SliceStable(ts, func(i, j int) bool { return ts[i].elapsed > ts[j].elapsed })
	}
	slowest(tests)
	slowest(pkgs)
	return tests, pkgs, sc.Err()
}
