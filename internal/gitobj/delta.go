package gitobj

import "encoding/binary"

// A git delta is two sizes (source, target; little-endian base-128) and a
// list of instructions: copy a range of the base, or insert literal bytes.
// Delta exposes the instructions one by one, for readers that care which
// bytes a version inserted rather than copied; ApplyDelta builds the
// target.

// Op is one delta instruction. An insert has Insert set (aliasing the
// delta); a copy takes base[Off:Off+Len].
type Op struct {
	Insert   []byte
	Off, Len uint64
}

// Delta iterates over the instructions of a delta.
type Delta struct {
	SrcSize, DstSize uint64
	ops              []byte
	err              error
}

// ParseDelta reads a delta's sizes; Next then yields its instructions.
func ParseDelta(delta []byte) (Delta, error) {
	src, rest, err := leb128(delta)
	if err != nil {
		return Delta{}, err
	}
	dst, rest, err := leb128(rest)
	if err != nil {
		return Delta{}, err
	}
	return Delta{SrcSize: src, DstSize: dst, ops: rest}, nil
}

func leb128(b []byte) (uint64, []byte, error) {
	var v uint64
	for i, shift := 0, uint(0); i < len(b) && shift < 64; i, shift = i+1, shift+7 {
		v |= uint64(b[i]&0x7f) << shift
		if b[i]&0x80 == 0 {
			return v, b[i+1:], nil
		}
	}
	return 0, nil, ErrBadDelta
}

// Next returns the next instruction, or false at the end or on a malformed
// one (then Err says so). Copies are checked against SrcSize.
func (d *Delta) Next() (Op, bool) {
	if len(d.ops) == 0 || d.err != nil {
		return Op{}, false
	}
	cmd := d.ops[0]
	p := d.ops[1:]
	switch {
	case cmd&0x80 != 0:
		off, size, n, ok := copyOperands(cmd, p)
		if !ok {
			d.err = ErrBadDelta
			return Op{}, false
		}
		p = p[n:]
		if off+size > d.SrcSize {
			d.err = ErrBadDelta
			return Op{}, false
		}
		d.ops = p
		return Op{Off: off, Len: size}, true
	case cmd != 0:
		n := int(cmd)
		if n > len(p) {
			d.err = ErrBadDelta
			return Op{}, false
		}
		d.ops = p[n:]
		return Op{Insert: p[:n:n], Len: uint64(n)}, true
	default:
		d.err = ErrBadDelta // opcode 0 is reserved
		return Op{}, false
	}
}

// Err is the error that ended Next, if any.
func (d *Delta) Err() error { return d.err }

// ApplyDelta builds the target of a delta from its base into a new buffer
// of exactly the target size, refusing a target over limit bytes. Every
// instruction is bounds-checked: a corrupt delta yields ErrBadDelta, never
// a panic or an oversized buffer.
func ApplyDelta(base, delta []byte, limit uint64) ([]byte, error) {
	return ApplyDeltaInto(nil, base, delta, limit)
}

// ApplyDeltaInto is ApplyDelta building the result in dst when it is large
// enough (a recycled buffer: every byte of the result is written, so it
// need not be zeroed), else in a new slice. dst must not overlap base.
func ApplyDeltaInto(dst, base, delta []byte, limit uint64) ([]byte, error) {
	return ApplyDeltaFunc(dst, base, delta, limit, nil)
}

// ApplyDeltaFunc is ApplyDeltaInto calling copied (when not nil) with
// each copy instruction, as it is applied: the target offset, the base
// offset and the length. A reader that wants both the target and where
// it came from reads the delta once. On an error the calls made so far
// describe nothing.
func ApplyDeltaFunc(dst, base, delta []byte, limit uint64, copied func(dst, src, n uint64)) ([]byte, error) {
	d, err := ParseDelta(delta)
	if err != nil {
		return nil, err
	}
	if d.SrcSize != uint64(len(base)) {
		return nil, ErrBadDelta
	}
	if d.DstSize > limit {
		return nil, &TooLargeError{Size: int64(min(d.DstSize, 1<<62)), Limit: int64(limit)}
	}
	out := dst[:0]
	if uint64(cap(out)) < d.DstSize {
		out = make([]byte, d.DstSize)
	}
	out = out[:d.DstSize]
	// The instructions are read here rather than through Next (the same
	// checks, no Op returned per instruction), and short ones, most of a
	// text delta's, are moved as two 8-byte words where the input and the
	// output have 16 bytes at hand: cheaper than a call to memmove. The
	// bytes a word writes past the instruction's end are overwritten by
	// the next ones (or the result is discarded with an error).
	ops := d.ops
	n := 0
	for len(ops) > 0 {
		cmd := ops[0]
		if cmd&0x80 == 0 {
			k := int(cmd)
			if k == 0 || k >= len(ops) || k > len(out)-n {
				return nil, ErrBadDelta // opcode 0 is reserved
			}
			if k <= 16 && len(ops) >= 17 && len(out)-n >= 16 {
				binary.LittleEndian.PutUint64(out[n:], binary.LittleEndian.Uint64(ops[1:]))
				binary.LittleEndian.PutUint64(out[n+8:], binary.LittleEndian.Uint64(ops[9:]))
			} else {
				copy(out[n:], ops[1:1+k])
			}
			n += k
			ops = ops[1+k:]
			continue
		}
		off, size, k, ok := copyOperands(cmd, ops[1:])
		if !ok {
			return nil, ErrBadDelta
		}
		ops = ops[1+k:]
		if off+size > uint64(len(base)) || size > uint64(len(out)-n) {
			return nil, ErrBadDelta
		}
		if size <= 16 && off+16 <= uint64(len(base)) && len(out)-n >= 16 {
			binary.LittleEndian.PutUint64(out[n:], binary.LittleEndian.Uint64(base[off:]))
			binary.LittleEndian.PutUint64(out[n+8:], binary.LittleEndian.Uint64(base[off+8:]))
		} else {
			copy(out[n:], base[off:off+size])
		}
		if copied != nil {
			copied(uint64(n), off, size)
		}
		n += int(size)
	}
	if n != len(out) {
		return nil, ErrBadDelta
	}
	return out, nil
}

// copyOperands reads the offset and size of a copy instruction (opcode
// cmd) from p, the bytes after the opcode, and how many it took; ok is
// false when p ends before them. A size of 0 stands for 0x10000.
func copyOperands(cmd byte, p []byte) (off, size uint64, n int, ok bool) {
	if len(p) >= 7 {
		// Room for every optional byte: no check per byte.
		for i := uint(0); i < 4; i++ {
			if cmd&(1<<i) != 0 {
				off |= uint64(p[n]) << (8 * i)
				n++
			}
		}
		for i := uint(0); i < 3; i++ {
			if cmd&(0x10<<i) != 0 {
				size |= uint64(p[n]) << (8 * i)
				n++
			}
		}
	} else {
		for i := uint(0); i < 7; i++ {
			if cmd&(1<<i) != 0 {
				if n >= len(p) {
					return 0, 0, 0, false
				}
				if i < 4 {
					off |= uint64(p[n]) << (8 * i)
				} else {
					size |= uint64(p[n]) << (8 * (i - 4))
				}
				n++
			}
		}
	}
	if size == 0 {
		size = 0x10000
	}
	return off, size, n, true
}
