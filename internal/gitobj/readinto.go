package gitobj

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// ReadInto is Read building the object in dst when it is big enough, else
// in a new buffer. The reader keeps no reference to the result (its cache
// holds delta bases, never the object read), so a caller that reads many
// objects one after another can hand the same buffers back: no allocation,
// no zeroing, no garbage per object. dst must not be a slice of an earlier
// result still in use.
func (r *Reader) ReadInto(id plumbing.Hash, dst []byte) (t plumbing.ObjectType, data []byte, err error) {
	defer func() {
		// Last resort: input must never crash the program.
		if p := recover(); p != nil {
			t, data, err = 0, nil, &CorruptError{Where: "object " + id.String(), Err: fmt.Errorf("internal error: %v", p)}
		}
	}()
	if p, off, ok := r.s.locate(id); ok {
		return r.readAt(p, off, r.Limit, dst, true)
	}
	return r.loose.Read(r.s.LoosePath(id), id, r.Limit)
}
