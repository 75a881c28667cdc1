//go:build unix

package source

import (
	"io"
	"io/fs"
	"os"
	"syscall"
)

// openFlags: never follow a symlink that replaced a listed file, and never
// block opening a FIFO that did (regular files ignore O_NONBLOCK).
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// openRegularFile opens abs as openFlags say and insists on a regular
// file, with plain system calls: os.OpenFile would also try to register
// the descriptor with the runtime's poller (an epoll_ctl that fails for
// regular files, then an fcntl to clear O_NONBLOCK), two wasted calls per
// file, a fifth of a directory scan's system calls (bench/scan-dir.sh).
// O_NONBLOCK does not change reads of a regular file.
func openRegularFile(abs string) (io.ReadCloser, int64, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = syscall.Open(abs, syscall.O_RDONLY|syscall.O_CLOEXEC|openFlags, 0)
		return err
	})
	if err != nil {
		return nil, 0, &fs.PathError{Op: "open", Path: abs, Err: err}
	}
	var st syscall.Stat_t
	if err := retryEINTR(func() error { return syscall.Fstat(fd, &st) }); err != nil {
		syscall.Close(fd)
		return nil, 0, &fs.PathError{Op: "stat", Path: abs, Err: err}
	}
	if t := st.Mode & syscall.S_IFMT; t != syscall.S_IFREG {
		syscall.Close(fd)
		mode := fs.ModeIrregular
		switch t {
		case syscall.S_IFIFO:
			mode = fs.ModeNamedPipe
		case syscall.S_IFSOCK:
			mode = fs.ModeSocket
		case syscall.S_IFCHR:
			mode = fs.ModeDevice | fs.ModeCharDevice
		case syscall.S_IFBLK:
			mode = fs.ModeDevice
		case syscall.S_IFDIR:
			mode = fs.ModeDir
		case syscall.S_IFLNK:
			mode = fs.ModeSymlink
		}
		return nil, 0, notRegularError{mode}
	}
	return &rawFile{fd: fd, name: abs}, st.Size, nil
}

// rawFile reads a regular file's descriptor with read(2).
type rawFile struct {
	fd   int
	name string
}

func (f *rawFile) Read(p []byte) (int, error) {
	if f.fd < 0 {
		return 0, os.ErrClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := syscall.Read(f.fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, &fs.PathError{Op: "read", Path: f.name, Err: err}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f *rawFile) Close() error {
	if f.fd < 0 {
		return os.ErrClosed
	}
	err := syscall.Close(f.fd)
	f.fd = -1
	return err
}

func retryEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}
