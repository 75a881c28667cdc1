//go:build !unix

package source

import (
	"io"
	"os"
)

// openFlags: no portable equivalent of O_NOFOLLOW|O_NONBLOCK here; the
// listing's type check and the post-open Stat still reject non-files.
const openFlags = 0

// openRegularFile opens abs and insists on a regular file.
func openRegularFile(abs string) (io.ReadCloser, int64, error) {
	f, err := os.OpenFile(abs, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, 0, err
	}
	return regularOrClose(f)
}
