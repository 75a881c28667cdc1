//go:build !linux

package sweep

import "os/exec"

// dieWithParent is Linux-only (Pdeathsig); elsewhere an orphaned git ends
// on its own, and the fetch timeout bounds it.
func dieWithParent(*exec.Cmd) {}
