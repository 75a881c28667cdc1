// Package atomicfile writes files that readers never see half-written.
package atomicfile

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write calls write with a temporary file in path's directory, gives it
// mode (exactly, whatever the umask), syncs it and renames it over path. On
// any error the temporary file is removed and path is left as it was.
// Reports use 0600 because they may hold secrets.
func Write(path string, mode fs.FileMode, write func(io.Writer) error) (err error) {
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
