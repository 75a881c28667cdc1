// Package gitobjtest writes raw git objects for tests: packs with their
// version 2 indexes, loose objects, trees, commits and deltas, including
// the malformed and hostile ones no git command would write (a delta that
// is its own base, a tree that lists itself, sizes that lie).
package gitobjtest

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// Object types as stored in a pack header.
const (
	Commit   = 1
	Tree     = 2
	Blob     = 3
	Tag      = 4
	OfsDelta = 6
	RefDelta = 7
)

// Object is one pack entry.
type Object struct {
	Type int8
	// Data is the content, or the delta payload for deltas.
	Data []byte
	// ID is the id the index gives the entry; zero means git's id of a
	// whole object's content. Deltas need one.
	ID plumbing.Hash
	// Base is, for OfsDelta, the index in the list of the base entry.
	Base int
	// BaseID is, for RefDelta, the base's id.
	BaseID plumbing.Hash
	// Size overrides the size written in the header (0: len(Data)).
	Size int64
	// Stream overrides the compressed bytes (nil: zlib of Data).
	Stream []byte
}

// TypeName is the name git hashes a type with.
func TypeName(t int8) string {
	return map[int8]string{Commit: "commit", Tree: "tree", Blob: "blob", Tag: "tag"}[t]
}

// Hash is git's id of an object.
func Hash(t int8, data []byte) plumbing.Hash {
	h := sha1.New()
	h.Write([]byte(TypeName(t) + " " + strconv.Itoa(len(data)) + "\x00"))
	h.Write(data)
	var id plumbing.Hash
	h.Sum(id[:0])
	return id
}

// writers reuses zlib writers: making one costs more than compressing a
// small object, and tests write thousands.
var writers = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(io.Discard, zlib.BestCompression)
	return w
}}

// Zlib compresses data.
func Zlib(data []byte) []byte {
	var b bytes.Buffer
	w := writers.Get().(*zlib.Writer)
	w.Reset(&b)
	w.Write(data)
	w.Close()
	writers.Put(w)
	return b.Bytes()
}

// Pack encodes objects as a pack and its index; ids are the index's ids,
// in the objects' order.
func Pack(objs []Object) (pack, idx []byte, ids []plumbing.Hash) {
	var p bytes.Buffer
	p.WriteString("PACK")
	binary.Write(&p, binary.BigEndian, uint32(2))
	binary.Write(&p, binary.BigEndian, uint32(len(objs)))
	offs := make([]int64, len(objs))
	ids = make([]plumbing.Hash, len(objs))
	for i, o := range objs {
		offs[i] = int64(p.Len())
		ids[i] = o.ID
		if ids[i].IsZero() {
			ids[i] = Hash(o.Type, o.Data)
		}
		size := o.Size
		if size == 0 {
			size = int64(len(o.Data))
		}
		c := byte(o.Type<<4) | byte(size&0x0f)
		size >>= 4
		for size > 0 {
			p.WriteByte(c | 0x80)
			c = byte(size & 0x7f)
			size >>= 7
		}
		p.WriteByte(c)
		switch o.Type {
		case OfsDelta:
			rel := offs[i] - offs[o.Base]
			var buf [16]byte
			n := len(buf) - 1
			buf[n] = byte(rel & 0x7f)
			for rel >>= 7; rel > 0; rel >>= 7 {
				rel--
				n--
				buf[n] = 0x80 | byte(rel&0x7f)
			}
			p.Write(buf[n:])
		case RefDelta:
			p.Write(o.BaseID[:])
		}
		if o.Stream != nil {
			p.Write(o.Stream)
		} else {
			p.Write(Zlib(o.Data))
		}
	}
	sum := sha1.Sum(p.Bytes())
	p.Write(sum[:])
	return p.Bytes(), Index(ids, offs, sum[:]), ids
}

// Index encodes a version 2 pack index of ids at offs.
func Index(ids []plumbing.Hash, offs []int64, packSum []byte) []byte {
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return bytes.Compare(ids[order[a]][:], ids[order[b]][:]) < 0 })
	var x bytes.Buffer
	x.WriteString("\xfftOc\x00\x00\x00\x02")
	var fan [256]uint32
	for _, id := range ids {
		for b := int(id[0]); b < 256; b++ {
			fan[b]++
		}
	}
	binary.Write(&x, binary.BigEndian, fan)
	for _, i := range order {
		x.Write(ids[i][:])
	}
	for range order {
		x.Write([]byte{0, 0, 0, 0}) // CRCs: not checked by readers here
	}
	var large []int64
	for _, i := range order {
		off := offs[i]
		if off >= 1<<31 {
			binary.Write(&x, binary.BigEndian, uint32(0x80000000|len(large)))
			large = append(large, off)
			continue
		}
		binary.Write(&x, binary.BigEndian, uint32(off))
	}
	for _, off := range large {
		binary.Write(&x, binary.BigEndian, uint64(off))
	}
	x.Write(packSum)
	sum := sha1.Sum(x.Bytes())
	x.Write(sum[:])
	return x.Bytes()
}

// WritePack writes objects as a pack with its index into gitDir's objects.
func WritePack(gitDir string, objs []Object) ([]plumbing.Hash, error) {
	pack, idx, ids := Pack(objs)
	dir := filepath.Join(gitDir, "objects", "pack")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// Named by the pack's trailing checksum, as git does (go-git checks).
	name := fmt.Sprintf("pack-%x", pack[len(pack)-20:])
	if err := os.WriteFile(filepath.Join(dir, name+".pack"), pack, 0o644); err != nil {
		return nil, err
	}
	return ids, os.WriteFile(filepath.Join(dir, name+".idx"), idx, 0o644)
}

// WriteLoose writes a loose object file for id holding raw, the bytes
// before compression ("type size\0content" for a well-formed object),
// followed by trailer after the zlib stream.
func WriteLoose(gitDir string, id plumbing.Hash, raw, trailer []byte) error {
	hex := id.String()
	dir := filepath.Join(gitDir, "objects", hex[:2])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, hex[2:]), append(Zlib(raw), trailer...), 0o644)
}

// LooseObject is the raw form of a well-formed loose object.
func LooseObject(t int8, data []byte) []byte {
	return append([]byte(TypeName(t)+" "+strconv.Itoa(len(data))+"\x00"), data...)
}

// InitBare makes a bare repository without git: HEAD on refs/heads/main.
func InitBare(dir string) error {
	for _, d := range []string{"objects/pack", "refs/heads", "refs/tags"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "HEAD"), []byte("ref: refs/heads/main\n"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config"), []byte("[core]\n\trepositoryformatversion = 0\n\tbare = true\n"), 0o644)
}

// SetRef points ref (e.g. "refs/heads/main") at id.
func SetRef(gitDir, ref string, id plumbing.Hash) error {
	p := filepath.Join(gitDir, filepath.FromSlash(ref))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(id.String()+"\n"), 0o644)
}

// Entry is one tree entry.
type Entry struct {
	Mode string // "100644", "40000"...
	Name string
	ID   plumbing.Hash
}

// TreeData encodes tree entries (in the order given).
func TreeData(entries ...Entry) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		b.WriteString(e.Mode + " " + e.Name + "\x00")
		b.Write(e.ID[:])
	}
	return b.Bytes()
}

// CommitData encodes a commit.
func CommitData(tree plumbing.Hash, msg string, parents ...plumbing.Hash) []byte {
	var b bytes.Buffer
	b.WriteString("tree " + tree.String() + "\n")
	for _, p := range parents {
		b.WriteString("parent " + p.String() + "\n")
	}
	b.WriteString("author A U Thor <a@example.com> 1577836800 +0000\ncommitter A U Thor <a@example.com> 1577836800 +0000\n\n" + msg + "\n")
	return b.Bytes()
}

// Delta builds a delta payload: the sizes, then instructions, each either
// an insert ([]byte, up to 127 bytes) or a copy ([2]uint32{off, len}).
func Delta(srcSize, dstSize uint64, ops ...any) []byte {
	var b bytes.Buffer
	leb := func(v uint64) {
		for v >= 0x80 {
			b.WriteByte(byte(v) | 0x80)
			v >>= 7
		}
		b.WriteByte(byte(v))
	}
	leb(srcSize)
	leb(dstSize)
	for _, op := range ops {
		switch op := op.(type) {
		case []byte:
			for len(op) > 0 {
				n := min(len(op), 127)
				b.WriteByte(byte(n))
				b.Write(op[:n])
				op = op[n:]
			}
		case [2]uint32:
			cmd := byte(0x80)
			var args []byte
			for i := 0; i < 4; i++ {
				if v := byte(op[0] >> (8 * i)); v != 0 {
					cmd |= 1 << i
					args = append(args, v)
				}
			}
			for i := 0; i < 3; i++ {
				if v := byte(op[1] >> (8 * i)); v != 0 {
					cmd |= 0x10 << i
					args = append(args, v)
				}
			}
			b.WriteByte(cmd)
			b.Write(args)
		}
	}
	return b.Bytes()
}
