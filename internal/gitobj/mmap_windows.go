//go:build windows

package gitobj

import (
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// mapFile maps a file read-only, as on Unix: reading whole packs into
// memory would cost their size in RAM.
func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	if int64(int(size)) != size {
		return nil, nil, &TooLargeError{Size: size, Limit: int64(^uint(0) >> 1)}
	}
	h, err := windows.CreateFileMapping(windows.Handle(f.Fd()), nil, windows.PAGE_READONLY, uint32(uint64(size)>>32), uint32(size), nil)
	if err != nil {
		return nil, nil, os.NewSyscallError("CreateFileMapping", err)
	}
	addr, err := windows.MapViewOfFile(h, windows.FILE_MAP_READ, 0, 0, uintptr(size))
	// The view keeps the mapping alive; the handle is not needed any more.
	windows.CloseHandle(h)
	if err != nil {
		return nil, nil, os.NewSyscallError("MapViewOfFile", err)
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(addr)), int(size))
	return b, func() error { return windows.UnmapViewOfFile(addr) }, nil
}
