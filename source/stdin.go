package source

import (
	"context"
	"errors"
	"io"
	"sync"
)

// Reader yields a single stream, such as stdin, as one item that the
// consumer streams: `cat huge | scour scan -` runs in bounded memory.
type Reader struct {
	// R is the stream. The cmd passes its IO's stdin.
	R io.Reader
	// Kind and Path name it in findings; empty means "stdin" and "-".
	Kind, Path string
}

// Stdin is the source for `scour scan -`.
func Stdin(r io.Reader) *Reader { return &Reader{R: r} }

// errReadOnce: a stream cannot be rewound, so only the first Open gets it.
var errReadOnce = errors.New("stream already opened: it can be read once")

// Scan hands the stream to sink as one Item of unknown size. The stream is
// not closed: it belongs to the caller (closing os.Stdin helps no one).
func (r *Reader) Scan(ctx context.Context, sink Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	kind, path := r.Kind, r.Path
	if kind == "" {
		kind = "stdin"
	}
	if path == "" {
		path = "-"
	}
	var once sync.Once
	open := func() (io.ReadCloser, error) {
		err := errReadOnce
		once.Do(func() { err = nil })
		if err != nil {
			return nil, err
		}
		return io.NopCloser(r.R), nil
	}
	return sink.Item(ctx, Item{Origin: Origin{Kind: kind, Path: path}, Open: open, Size: -1})
}
