//go:build unix

package gitobj

import (
	"os"
	"syscall"
)

// mapFile maps a file read-only. Pack files are read at random offsets by
// several workers; a mapping lets them share the page cache without copies.
func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	if int64(int(size)) != size {
		return nil, nil, &TooLargeError{Size: size, Limit: int64(^uint(0) >> 1)}
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}
