// Package atomicfile writes files that readers never see half-written.
package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write calls write with a temporary file in path's directory, gives it
// mode (exactly, whatever the umask), syncs it and renames it over path. On
// any error the temporary file is removed and path is left as it was.
// Reports use 0600 because they may hold secrets.
//
// A path that names something other than a regular file (/dev/null,
// /dev/stdout, a named pipe) is written in place: renaming over it would
// replace the device or pipe with a file, which, run as root, breaks the
// machine (a `--report /dev/null` once did). A directory is an error.
func Write(path string, mode fs.FileMode, write func(io.Writer) error) (err error) {
	if st, serr := os.Stat(path); serr == nil && !st.Mode().IsRegular() {
		if st.IsDir() {
			return &fs.PathError{Op: "write", Path: path, Err: errors.New("is a directory")}
		}
		return writeInPlace(path, write)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// Chmod before writing: the content is never readable by others, even
	// for a moment.
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// writeInPlace writes to an existing non-regular file (a device or a pipe)
// as a shell redirection would, without creating or truncating anything.
func writeInPlace(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
