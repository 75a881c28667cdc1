package gitstaged

import (
	"bytes"
	"crypto/sha1"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// TestParseIndexAgreesWithGoGit reads indexes of every version git writes,
// extended flags (intent-to-add) and long names included, with both this
// parser and go-git's decoder, and compares what matters.
func TestParseIndexAgreesWithGoGit(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	// Longer than the 12 bits an entry has for its name's length.
	// (Longer than PATH_MAX too: it lives only in the index.)
	long := strings.Repeat(strings.Repeat("n", 200)+"/", 25) + "long.txt"
	for _, name := range []string{"a", "b/c", "b/d", "e.txt"} {
		r.write(name, name)
	}
	r.git("add", ".")
	r.git("update-index", "--add", "--cacheinfo", "100644,"+r.git("rev-parse", ":a")+","+long)
	r.git("commit", "-qm", "c1")
	r.write("later", "x")
	r.git("add", "-N", "later")
	for _, version := range []string{"2", "3", "4"} {
		t.Run("v"+version, func(t *testing.T) {
			if version == "2" {
				r.git("rm", "-q", "--cached", "later") // v2 cannot store intent-to-add
			}
			r.git("update-index", "--index-version", version)
			data, err := os.ReadFile(filepath.Join(r.dir, ".git", "index"))
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := parseIndex(data)
			if err != nil {
				t.Fatal(err)
			}
			var want index.Index
			if err := index.NewDecoder(bytes.NewReader(data)).Decode(&want); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want.Entries) {
				t.Fatalf("%d entries, go-git reads %d", len(got), len(want.Entries))
			}
			for i, w := range want.Entries {
				g := got[i]
				if g.name != w.Name || g.hash != w.Hash || g.mode != w.Mode || g.stage != int(w.Stage) || g.ita != w.IntentToAdd {
					t.Errorf("entry %d: got %+v, go-git %+v", i, g, w)
				}
			}
			if version != "2" {
				r.git("add", "-N", "later")
			}
		})
	}
}

func TestParseIndexRejectsWhatItCannotRead(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("a", "a")
	r.git("add", ".")
	r.git("config", "core.splitIndex", "true")
	r.git("update-index", "--split-index")
	data, _ := os.ReadFile(filepath.Join(r.dir, ".git", "index"))
	if _, _, err := parseIndex(data); err == nil || !bytes.Contains([]byte(err.Error()), []byte("split index")) {
		t.Errorf("split index: err = %v, want it named", err)
	}
}

// FuzzParseIndex fuzzes the index parser behind its checksum: the fuzzer
// writes the body and the target appends its SHA-1, as git would, so that
// mutations reach the entries and extensions instead of failing the
// checksum. The seeds are real indexes (versions 2, 3 and 4, with a cache
// tree) built by git at test time.
func FuzzParseIndex(f *testing.F) {
	f.Add([]byte("DIRC\x00\x00\x00\x02\x00\x00\x00\x01"))
	f.Add(append([]byte("DIRC\x00\x00\x00\x04\x00\x00\x00\x01"), make([]byte, 100)...))
	if !testing.Short() {
		r := newRepo(f)
		r.write("a", "a")
		r.write("d/e/f", "f")
		r.git("add", ".")
		r.git("commit", "-qm", "c")
		r.write("new", "n")
		r.git("add", "-N", "new")
		for _, v := range []string{"2", "3", "4"} {
			r.git("update-index", "--index-version", v)
			data, err := os.ReadFile(filepath.Join(r.dir, ".git", "index"))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data[:len(data)-20])
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sum := sha1.Sum(body)
		data := append(body[:len(body):len(body)], sum[:]...)
		ents, _, err := parseIndex(data)
		if err == nil && len(ents) > len(data) {
			t.Errorf("%d entries from %d bytes", len(ents), len(data))
		}
		parseCacheTree(body)
	})
}

// TestDeepCacheTreeIsBounded: an index whose TREE extension nests
// directories thousands deep is refused as an accelerator (nil), in memory
// linear in its size, instead of building every path of the nesting.
func TestDeepCacheTreeIsBounded(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	name := strings.Repeat("n", 200)
	const depth = 50000 // paths of up to 10 MB each, 250 GB in all, if built
	for i := 0; i < depth; i++ {
		b.WriteString(name + "\x00-1 1\n")
	}
	b.WriteString(name + "\x00-1 0\n")
	if got := parseCacheTree(b.Bytes()); got != nil {
		t.Fatalf("a cache tree %d deep was accepted (%d entries)", depth, len(got))
	}
	// A shallow one with the same names is read.
	ok := name + "\x00-1 1\n" + name + "\x00-1 0\n"
	if got := parseCacheTree([]byte(ok)); got == nil {
		t.Fatal("a two-level cache tree was refused")
	}
}
