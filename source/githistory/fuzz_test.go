package githistory

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj"
	"github.com/scour-dev/scour/internal/gittest"
)

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
		idx, err := gitobj.ParseIndex(idxData)
		if err != nil {
			t.Fatal(err)
		}
		p, err := gitobj.NewPack("fuzz.pack", data, idx)
		if err != nil {
			return
		}
		st := &gitobj.Store{Dirs: []string{t.TempDir()}, Packs: []*gitobj.Pack{p}}
		v := &packVisitor{
			want: func(plumbing.Hash) bool { return true },
			blob: func(context.Context, plumbing.Hash, []byte) error { return nil },
			fail: func(_ plumbing.Hash, err error, _ []plumbing.Hash) {
				if strings.Contains(err.Error(), "internal error") {
					t.Fatal(err)
				}
			},
			reader:  func() *gitobj.Reader { return st.NewReader(1<<20, 1<<20) },
			maxSize: 1 << 20,
			workers: 1,
		}
		if err := walkBlobs(context.Background(), p, v); err != nil {
			t.Fatal(err)
		}
		rd := st.NewReader(1<<20, 1<<20)
		for _, h := range p.Table().Hashes {
			if _, _, err := rd.Read(h); err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("reading %s: %v", h, err)
			}
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
