//go:build unix

package provider

import "syscall"

// Flags for opening the audit log: do not follow a symbolic link in the
// last path element; do not block on a FIFO.
const (
	noFollow = syscall.O_NOFOLLOW
	nonBlock = syscall.O_NONBLOCK
)
