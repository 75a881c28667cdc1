package githistory

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	ot "github.com/scour-dev/scour/internal/gitobj/gitobjtest"
)

// fuzzRepo decodes fuzz input into a repository of crafted objects: one
// pack (plus loose objects) whose entries are blobs, trees, commits, tags,
// and offset and ref deltas naming any entry (themselves included), under
// ids that need not match their content. It returns the scan options the
// input asks for.
//
// Input: a mode byte, the index of the object main points to, then records
// of kind, a, b, length and payload.
func fuzzRepo(t *testing.T, dir string, in []byte) Options {
	if err := ot.InitBare(dir); err != nil {
		t.Fatal(err)
	}
	next := func() byte {
		if len(in) == 0 {
			return 0
		}
		b := in[0]
		in = in[1:]
		return b
	}
	mode, ref := next(), next()
	const maxObjs = 16
	id := func(i byte) plumbing.Hash { return fakeID(i%maxObjs + 1) }
	var objs []ot.Object
	for len(in) > 0 && len(objs) < maxObjs {
		i := len(objs)
		kind, a, b, n := next(), next(), next(), int(next())
		n = min(n, len(in))
		payload := in[:n]
		in = in[n:]
		o := ot.Object{ID: id(byte(i)), Data: payload}
		switch kind % 8 {
		case 0:
			o.Type = ot.Blob
		case 1:
			o.Type = ot.Tree
			var ents []ot.Entry
			for k := 0; k+1 < len(payload); k += 2 {
				m := []string{"100644", "40000", "160000", "120000"}[payload[k]%4]
				ents = append(ents, ot.Entry{Mode: m, Name: fmt.Sprintf("n%d", k/2), ID: id(payload[k+1])})
			}
			o.Data = ot.TreeData(ents...)
		case 2:
			o.Type = ot.Commit
			var parents []plumbing.Hash
			for _, p := range payload {
				parents = append(parents, id(p))
			}
			o.Data = ot.CommitData(id(a), "m", parents...)
		case 3:
			if i == 0 {
				o.Type = ot.Blob
				break
			}
			o.Type, o.Base = ot.OfsDelta, int(a)%i
		case 4:
			o.Type, o.BaseID = ot.RefDelta, id(a)
		case 5:
			o.Type = ot.Tag
			o.Data = []byte("object " + id(a).String() + "\ntype commit\ntag t\n\n")
		case 6:
			// A loose object under an id its content does not have.
			ot.WriteLoose(dir, o.ID, ot.LooseObject(ot.Blob, payload), payload[:len(payload)/2])
			continue
		case 7:
			o.Type, o.Size = ot.Blob, int64(len(payload))+int64(b)*1000
		}
		objs = append(objs, o)
	}
	if _, err := ot.WritePack(dir, objs); err != nil {
		t.Fatal(err)
	}
	ot.SetRef(dir, "refs/heads/main", id(ref))
	opts := Options{MaxBlobSize: 1 << 20, Workers: 2}
	switch mode % 4 {
	case 1:
		opts.AllObjects = true
	case 2:
		opts.Range = "..refs/heads/main"
	case 3:
		opts.Excludes = []string{"n1"}
	}
	return opts
}

// FuzzRepoScan scans whole crafted repositories: whatever the objects, the
// scan ends (no loop, no stack overflow), never panics (which Scan would
// report as an internal error), and hands on nothing over its size limit.
func FuzzRepoScan(f *testing.F) {
	blob := []byte("blob " + fakeToken("FUZZ"))
	delta := ot.Delta(uint64(len(blob)), uint64(len(blob))+3, [2]uint32{0, uint32(len(blob))}, []byte("abc"))
	rec := func(kind, a, b byte, payload []byte) []byte {
		return append([]byte{kind, a, b, byte(len(payload))}, payload...)
	}
	valid := []byte{0, 3}
	valid = append(valid, rec(0, 0, 0, blob)...)                     // 0: blob
	valid = append(valid, rec(3, 0, 0, delta)...)                    // 1: its delta
	valid = append(valid, rec(1, 0, 0, []byte{0, 0, 0, 1, 1, 2})...) // 2: tree of both and a subtree (itself)
	valid = append(valid, rec(2, 2, 0, []byte{5})...)                // 3: commit of 2, parent 5
	valid = append(valid, rec(4, 1, 0, delta)...)                    // 4: ref delta on 1
	valid = append(valid, rec(2, 2, 0, []byte{3})...)                // 5: commit, parent 3 (a loop)
	for mode := byte(0); mode < 4; mode++ {
		v := append([]byte{mode}, valid[1:]...)
		f.Add(v)
	}
	f.Add(append([]byte{1, 0}, rec(4, 0, 0, delta)...))             // a ref delta on itself
	f.Add(append([]byte{0, 0}, rec(7, 0, 255, []byte("short"))...)) // a size that lies
	f.Add(append([]byte{2, 1}, append(rec(6, 0, 0, blob), rec(2, 0, 0, nil)...)...))
	f.Fuzz(func(t *testing.T, in []byte) {
		dir := t.TempDir()
		opts := fuzzRepo(t, dir, in)
		r, err := Open(dir, opts)
		if err != nil && opts.Range != "" && !strings.Contains(err.Error(), "internal error") {
			return // a range that does not resolve is refused before scanning
		}
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		c := &collector{}
		err = r.Scan(context.Background(), c)
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatal(err)
		}
		for _, it := range c.items {
			if int64(len(it.Data)) > opts.MaxBlobSize {
				t.Fatalf("%s: %d bytes handed on, limit %d", it.Origin.BlobID, len(it.Data), opts.MaxBlobSize)
			}
			for _, o := range r.Locations(it.Origin.BlobID) {
				r.InBase(o, "blob")
			}
		}
		for _, s := range c.skipped {
			if strings.Contains(s.Detail, "internal error") {
				t.Fatalf("skip: %+v", s)
			}
		}
	})
}
