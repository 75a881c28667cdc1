package gitobj

import (
	"errors"
	"fmt"
)

// ErrNotFound: no pack or loose object holds the object.
var ErrNotFound = errors.New("object not found")

// Causes wrapped by *CorruptError, for errors.Is.
var (
	ErrBadHeader  = errors.New("corrupt object header")
	ErrBadDelta   = errors.New("corrupt delta")
	ErrDeltaChain = errors.New("delta chain too deep")
	ErrDeltaCycle = errors.New("delta chain loops back on itself")
	ErrBadStream  = errors.New("corrupt zlib stream")
	ErrLonger     = errors.New("object longer than its header says")
	ErrHash       = errors.New("content does not match its id")
	ErrBadIndex   = errors.New("corrupt pack index")
	ErrBadPack    = errors.New("corrupt pack file")
)

// TooLargeError is an object (or a delta's payload) whose declared size is
// over the reader's limit: it was not inflated.
type TooLargeError struct {
	Size, Limit int64
	// Delta is set when the oversized thing is a delta's own payload.
	Delta bool
}

func (e *TooLargeError) Error() string {
	what := "object"
	if e.Delta {
		what = "delta payload"
	}
	return fmt.Sprintf("%s of %d bytes is over the %d-byte limit", what, e.Size, e.Limit)
}

// CorruptError is damaged or hostile input: Where names the object or
// file, Err is the cause (one of the Err* values above, or an I/O error).
type CorruptError struct {
	Where string
	Err   error
}

func (e *CorruptError) Error() string { return e.Where + ": " + e.Err.Error() }
func (e *CorruptError) Unwrap() error { return e.Err }

func corrupt(where string, err error) error {
	var ce *CorruptError
	var tl *TooLargeError
	if errors.As(err, &ce) || errors.As(err, &tl) || errors.Is(err, ErrNotFound) {
		return err
	}
	return &CorruptError{Where: where, Err: err}
}

// IsTooLarge reports whether err is (or wraps) a *TooLargeError.
func IsTooLarge(err error) bool {
	var tl *TooLargeError
	return errors.As(err, &tl)
}
