//go:build unix

// Command peakrss runs a command and prints its wall time and peak
// resident memory (of the child and its descendants, from getrusage), so
// benchmark scripts need no GNU time:
//
//	peakrss [-label NAME] [-quiet] -- git cat-file --batch-all-objects --batch
//
// It prints one line to stderr:
// "NAME wall=1.234s cpu=2.345s maxrss=56.7MB exit=0" (cpu is user+system
// time of the command and its children: on a shared machine it is steadier
// than wall time).
// -quiet sends the command's stdout to /dev/null.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	label := flag.String("label", "", "name printed before the figures")
	quiet := flag.Bool("quiet", false, "discard the command's standard output")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: peakrss [-label NAME] [-quiet] -- command [args...]")
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if *quiet {
		cmd.Stdout = nil // /dev/null
	}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "peakrss:", err)
		os.Exit(2)
	}
	code = cmd.ProcessState.ExitCode()
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	name := *label
	if name == "" {
		name = args[0]
	}
	fmt.Fprintf(os.Stderr, "%s wall=%.3fs cpu=%.3fs maxrss=%.1fMB exit=%d\n", name, wall.Seconds(), cpu.Seconds(), float64(rss)/1e6, code)
}
