//go:build unix

package source

import "syscall"

// openFlags: never follow a symlink that replaced a listed file, and never
// block opening a FIFO that did (regular files ignore O_NONBLOCK).
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
