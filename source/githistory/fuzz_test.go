package githistory

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/scour-dev/scour/internal/gittest"
)

func FuzzApplyDelta(f *testing.F) {
	f.Add([]byte("hello world"), []byte{11, 5, 0x90, 5})        // copy 5 bytes from 0
	f.Add([]byte("abc"), []byte{3, 4, 0x91, 1, 2, 2, 'x', 'y'}) // copy + insert
	f.Add([]byte(""), []byte{0, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, base, delta []byte) {
		out, err := applyDelta(base, delta, 1<<20)
		if err != nil {
			return
		}
		_, dst, _, _ := deltaSizes(delta)
		if uint64(len(out)) != dst {
			t.Fatalf("output %d bytes, delta says %d", len(out), dst)
		}
	})
}

// FuzzPack damages a real pack and reads it every way the scan does: a
// damaged pack must give errors, never a panic (which the reader would
// report as "internal error").
func FuzzPack(f *testing.F) {
	if testing.Short() {
		f.Skip("builds a repository")
	}
	g := gittest.Init(f)
	for i := 0; i < 4; i++ {
		g.WriteFile("a.txt", bigText(200+i*3))
		g.WriteFile("d/b.txt", strings.Repeat("b", i+1))
		g.Commit("c")
	}
	g.Repack("-a", "-d", "-f", "--depth=10")
	pk := g.Packs()[0]
	packData, err := os.ReadFile(pk)
	if err != nil {
		f.Fatal(err)
	}
	idxData, err := os.ReadFile(strings.TrimSuffix(pk, ".pack") + ".idx")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint32(0), byte(0), uint16(0))
	f.Add(uint32(12), byte(0xff), uint16(1))
	f.Add(uint32(len(packData)/2), byte(0x5a), uint16(8))
	f.Fuzz(func(t *testing.T, at uint32, x byte, n uint16) {
		data := bytes.Clone(packData)
		for i := int(at) % len(data); i < len(data) && n > 0; i, n = i+1, n-1 {
			data[i] ^= x
		}
		idx := idxfile.NewMemoryIndex()
		if err := idxfile.NewDecoder(bytes.NewReader(idxData)).Decode(idx); err != nil {
			t.Fatal(err)
		}
		p := &pack{name: "fuzz.pack", data: data, idx: idx}
		if err := p.index(idx); err != nil {
			return
		}
		v := &packVisitor{
			want: func(plumbing.Hash) bool { return true },
			blob: func(context.Context, plumbing.Hash, []byte) error { return nil },
			fail: func(_ plumbing.Hash, err error, _ []plumbing.Hash) {
				if strings.Contains(err.Error(), "internal error") {
					t.Fatal(err)
				}
			},
			external: func(plumbing.Hash) (int8, []byte, error) { return 0, nil, errMissing },
			maxSize:  1 << 20,
			workers:  1,
		}
		if err := p.walkBlobs(context.Background(), v); err != nil {
			t.Fatal(err)
		}
		d := &odb{packs: []*pack{p}, maxSize: 1 << 20, fallback: nil}
		for _, h := range p.hashes {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic reading %s: %v", h, r)
					}
				}()
				i, _ := p.find(h)
				_, _, _ = d.resolve(p, i, 0)
			}()
		}
	})
}

func FuzzParseObjects(f *testing.F) {
	f.Add([]byte("100644 a.txt\x00aaaaaaaaaaaaaaaaaaaa40000 d\x00bbbbbbbbbbbbbbbbbbbb"))
	f.Add([]byte("tree " + strings.Repeat("a", 40) + "\nparent " + strings.Repeat("b", 40) + "\ncommitter A <a@b> 1577836800 +0000\n\nmsg"))
	f.Add([]byte("object " + strings.Repeat("c", 40) + "\ntype commit\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = parseTree(data, nil)
		_, _ = parseCommitHeader(data)
		_, _ = parseTagTarget(data)
	})
}
