// Package treefile reads small files of a scanned tree that steer scour
// (.scour.yaml, rule packs it names, .scourignore) the way a hostile tree
// cannot abuse: only from inside the tree (a symlink or .. leading out is
// refused, never followed), only regular files (a FIFO would block, a
// device stream forever), and only up to a size limit.
package treefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/scour-dev/scour/internal/safetext"
)

// Read reads the regular file name (relative, slash or OS
// separated) inside dir, following symlinks only while they stay inside
// dir, and refusing files larger than limit bytes. A missing file gives an
// error satisfying errors.Is(err, fs.ErrNotExist). Errors never hold the
// file's content; name is shown escaped (it may come from the tree).
func Read(dir, name string, limit int64) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	name = filepath.FromSlash(name)
	shown := safetext.Quote(name)
	// Stat, not Open, first: opening a FIFO would block until a writer
	// comes, and a device could stream forever.
	st, err := root.Stat(name)
	if err != nil {
		return nil, insideError(shown, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", shown, kind(st.Mode()))
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, over the %d-byte limit for this file", shown, st.Size(), limit)
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, insideError(shown, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", shown, unwrapPathErr(err))
	}
	if int64(len(data)) > limit { // grew since the Stat
		return nil, fmt.Errorf("%s: over the %d-byte limit for this file", shown, limit)
	}
	return data, nil
}

// insideError explains an os.Root refusal in the user's terms.
func insideError(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	msg := unwrapPathErr(err).Error()
	if strings.Contains(msg, "escapes") {
		return fmt.Errorf("%s: leads outside the repository (a symlink or ..): not read", name)
	}
	return fmt.Errorf("%s: %s", name, msg)
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}
