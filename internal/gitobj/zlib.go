package gitobj

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// Inflater inflates zlib streams, reusing its state between objects (a new
// inflater costs more than inflating a small object). Not safe for
// concurrent use: one per goroutine.
type Inflater struct {
	br bytes.Reader
	zr io.ReadCloser
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

// Inflate inflates the stream at the start of src into exactly size bytes,
// reusing dst when it is big enough, and checks that the stream ends
// there with a valid checksum: a damaged object is an error rather than
// garbage. Bytes of src after the stream are ignored. The caller bounds
// size before calling.
func (z *Inflater) Inflate(src []byte, size int64, dst []byte) ([]byte, error) {
	z.br.Reset(src)
	r, err := z.Reset(&z.br)
	if err != nil {
		return nil, err
	}
	if int64(cap(dst)) < size {
		dst = make([]byte, size)
	}
	dst = dst[:size]
	if _, err := io.ReadFull(r, dst); err != nil {
		return nil, streamErr(err)
	}
	if err := expectEOF(r); err != nil {
		return nil, err
	}
	return dst, nil
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
