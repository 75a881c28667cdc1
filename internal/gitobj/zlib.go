package gitobj

import (
	"errors"
	"fmt"
	"github.com/klauspost/compress/zlib"
	"io"
)

// Inflater inflates zlib streams, reusing its state between objects (a new
// inflater costs more than inflating a small object): whole pack entries
// of a known size with this package's own decoder (Inflate, inflate.go),
// streams of unknown length with klauspost/compress (Reset). Not safe for
// concurrent use: one per goroutine.
type Inflater struct {
	zr io.ReadCloser // streams (Reset)
	f  *inflater     // whole objects (Inflate)
}

// Reset starts inflating the stream read from r.
func (z *Inflater) Reset(r io.Reader) (io.Reader, error) {
	var err error
	if z.zr == nil {
		z.zr, err = zlib.NewReader(r)
	} else {
		err = z.zr.(zlib.Resetter).Reset(r, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadStream, err)
	}
	return z.zr, nil
}

// expectEOF reads the end of a stream after its declared size, so that
// zlib verifies its checksum and extra content is caught.
func expectEOF(r io.Reader) error {
	var one [1]byte
	for tries := 0; ; tries++ {
		n, err := r.Read(one[:])
		if n > 0 {
			return ErrLonger
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return streamErr(err)
		}
		if tries > 2 {
			return ErrLonger
		}
	}
}

func streamErr(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %v", ErrBadStream, err)
}
