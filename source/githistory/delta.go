package githistory

import (
	"errors"
)

var errBadDelta = errors.New("corrupt delta")

// deltaSizes reads the source and target sizes at the start of a git delta.
func deltaSizes(delta []byte) (src, dst uint64, rest []byte, err error) {
	src, delta, err = leb128(delta)
	if err != nil {
		return 0, 0, nil, err
	}
	dst, delta, err = leb128(delta)
	return src, dst, delta, err
}

func leb128(b []byte) (uint64, []byte, error) {
	var v uint64
	for i, shift := 0, uint(0); i < len(b) && shift < 64; i, shift = i+1, shift+7 {
		v |= uint64(b[i]&0x7f) << shift
		if b[i]&0x80 == 0 {
			return v, b[i+1:], nil
		}
	}
	return 0, nil, errBadDelta
}

// applyDelta builds the target of a git delta from its base into a new
// buffer of exactly the target size. Every copy and insert is bounds-checked,
// so a corrupt delta yields an error, never a panic or an oversized buffer.
func applyDelta(base, delta []byte, maxSize uint64) ([]byte, error) {
	srcSize, dstSize, d, err := deltaSizes(delta)
	if err != nil {
		return nil, err
	}
	if srcSize != uint64(len(base)) || dstSize > maxSize {
		return nil, errBadDelta
	}
	out := make([]byte, dstSize)
	n := uint64(0)
	for len(d) > 0 {
		cmd := d[0]
		d = d[1:]
		switch {
		case cmd&0x80 != 0: // copy from base
			var off, size uint64
			for i := uint(0); i < 4; i++ {
				if cmd&(1<<i) != 0 {
					if len(d) == 0 {
						return nil, errBadDelta
					}
					off |= uint64(d[0]) << (8 * i)
					d = d[1:]
				}
			}
			for i := uint(0); i < 3; i++ {
				if cmd&(0x10<<i) != 0 {
					if len(d) == 0 {
						return nil, errBadDelta
					}
					size |= uint64(d[0]) << (8 * i)
					d = d[1:]
				}
			}
			if size == 0 {
				size = 0x10000
			}
			if off+size > uint64(len(base)) || n+size > dstSize {
				return nil, errBadDelta
			}
			copy(out[n:], base[off:off+size])
			n += size
		case cmd != 0: // insert literal bytes
			size := uint64(cmd)
			if size > uint64(len(d)) || n+size > dstSize {
				return nil, errBadDelta
			}
			copy(out[n:], d[:size])
			n += size
			d = d[size:]
		default:
			return nil, errBadDelta
		}
	}
	if n != dstSize {
		return nil, errBadDelta
	}
	return out, nil
}
