package gitobj

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"
)

// maxLooseHeader bounds a loose object's "type size\0" header.
const maxLooseHeader = 32

// looseHeader reads the "type size\0" header of an inflated loose object.
func looseHeader(br *bufio.Reader) (plumbing.ObjectType, int64, error) {
	hdr, err := br.Peek(maxLooseHeader)
	if err != nil && len(hdr) == 0 {
		return 0, 0, streamErr(err)
	}
	nul := bytes.IndexByte(hdr, 0)
	if nul < 0 {
		return 0, 0, ErrBadHeader
	}
	typ, size, ok := bytes.Cut(hdr[:nul], []byte(" "))
	t, terr := plumbing.ParseObjectType(string(typ))
	n, nerr := strconv.ParseInt(string(size), 10, 64)
	if !ok || terr != nil || nerr != nil || n < 0 || !t.Valid() || t > plumbing.TagObject {
		return 0, 0, fmt.Errorf("%w: %q", ErrBadHeader, hdr[:nul])
	}
	br.Discard(nul + 1)
	return t, n, nil
}

// Loose reads loose objects. Not safe for concurrent use.
type Loose struct {
	z  Inflater
	br *bufio.Reader
	fr *bufio.Reader
}

// Read reads the loose object file at path, which must be object id: its
// content is checked against the id, and must be at most limit bytes
// (checked from the header, before anything is allocated). Bytes after
// the end of the zlib stream are ignored, as git ignores them.
func (l *Loose) Read(path string, id plumbing.Hash, limit int64) (plumbing.ObjectType, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, nil, ErrNotFound
		}
		return 0, nil, err
	}
	defer f.Close()
	where := "loose object " + id.String()
	if l.fr == nil {
		l.fr = bufio.NewReaderSize(f, 32<<10)
	} else {
		l.fr.Reset(f)
	}
	zr, err := l.z.Reset(l.fr)
	if err != nil {
		return 0, nil, corrupt(where, err)
	}
	if l.br == nil {
		l.br = bufio.NewReaderSize(zr, 4096)
	} else {
		l.br.Reset(zr)
	}
	t, size, err := looseHeader(l.br)
	if err != nil {
		return 0, nil, corrupt(where, err)
	}
	if size > limit {
		return t, nil, &TooLargeError{Size: size, Limit: limit}
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(l.br, data); err != nil {
		return 0, nil, corrupt(where, streamErr(err))
	}
	if err := expectEOF(l.br); err != nil {
		return 0, nil, corrupt(where, err)
	}
	if HashObject(t, data) != id {
		return 0, nil, corrupt(where, ErrHash)
	}
	return t, data, nil
}

// Type reads only the type and size of the loose object at path.
func (l *Loose) Type(path string) (plumbing.ObjectType, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, 0, ErrNotFound
		}
		return 0, 0, err
	}
	defer f.Close()
	zr, err := l.z.Reset(bufio.NewReaderSize(f, 512))
	if err != nil {
		return 0, 0, corrupt(path, err)
	}
	t, n, err := looseHeader(bufio.NewReaderSize(zr, 64))
	if err != nil {
		return 0, 0, corrupt(path, err)
	}
	return t, n, nil
}

// OpenLoose opens the loose object at path for streaming, with its own
// inflater (the reader may be used from another goroutine): its type, its
// size, and a reader of exactly size bytes of content. The content is not
// checked against the id.
func OpenLoose(path string) (plumbing.ObjectType, int64, io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, 0, nil, ErrNotFound
		}
		return 0, 0, nil, err
	}
	var z Inflater
	zr, err := z.Reset(bufio.NewReader(f))
	if err != nil {
		f.Close()
		return 0, 0, nil, corrupt(path, err)
	}
	br := bufio.NewReader(zr)
	t, n, err := looseHeader(br)
	if err != nil {
		f.Close()
		return 0, 0, nil, corrupt(path, err)
	}
	return t, n, &looseReader{r: br, left: n, f: f}, nil
}

type looseReader struct {
	r    io.Reader
	left int64
	f    *os.File
}

// Read yields exactly the declared size: a stream that ends early is an
// error, not a shorter file.
func (l *looseReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if err == io.EOF && l.left > 0 {
		err = streamErr(err)
	}
	if l.left == 0 && err == io.EOF {
		err = nil
	}
	return n, err
}

func (l *looseReader) Close() error { return l.f.Close() }

// HashObject is git's id of an object: SHA-1 of "type size\0" and content.
func HashObject(t plumbing.ObjectType, data []byte) plumbing.Hash {
	h := sha1.New()
	h.Write([]byte(t.String() + " " + strconv.Itoa(len(data)) + "\x00"))
	h.Write(data)
	var id plumbing.Hash
	h.Sum(id[:0])
	return id
}
