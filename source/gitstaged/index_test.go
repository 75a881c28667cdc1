package gitstaged

import (
	"bytes"
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

func FuzzParseIndex(f *testing.F) {
	f.Add([]byte("DIRC\x00\x00\x00\x02\x00\x00\x00\x01"))
	f.Add(append([]byte("DIRC\x00\x00\x00\x04\x00\x00\x00\x01"), make([]byte, 100)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		ents, _, err := parseIndex(data)
		if err == nil && len(ents) > len(data) {
			t.Errorf("%d entries from %d bytes", len(ents), len(data))
		}
		parseCacheTree(data)
	})
}
