//go:build unix && !linux

package gitremote

import "syscall"

// dieWithParent is Linux-only (Pdeathsig); elsewhere an orphaned git ends
// by its own timeouts.
func dieWithParent(*syscall.SysProcAttr) {}
