package gitstaged

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	ot "github.com/scour-dev/scour/internal/gitobj/gitobjtest"
)

// TestRemovingATreeBombIsBounded: HEAD holds one subtree repeated 32 times
// per level, 5 levels deep (33 million paths), as loose objects; the index
// removes it. Listing what the commit deletes (for rename detection) stops
// at its bound with a note, and the staged change is still found.
func TestRemovingATreeBombIsBounded(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	gitDir := filepath.Join(r.dir, ".git")
	r.write("keep", "kept content\n")
	keep := plumbing.NewHash(r.git("hash-object", "-w", "keep"))
	mode, id := "100644", keep
	for level := 0; level < 5; level++ {
		var ents []ot.Entry
		for i := 0; i < 32; i++ {
			ents = append(ents, ot.Entry{Mode: mode, Name: fmt.Sprintf("%c%02d", 'a'+level, i), ID: id})
		}
		data := ot.TreeData(ents...)
		id = ot.Hash(ot.Tree, data)
		if err := ot.WriteLoose(gitDir, id, ot.LooseObject(ot.Tree, data), nil); err != nil {
			t.Fatal(err)
		}
		mode = "40000"
	}
	root := ot.TreeData(ot.Entry{Mode: "40000", Name: "bomb", ID: id})
	rootID := ot.Hash(ot.Tree, root)
	commit := ot.CommitData(rootID, "bomb")
	cid := ot.Hash(ot.Commit, commit)
	ot.WriteLoose(gitDir, rootID, ot.LooseObject(ot.Tree, root), nil)
	ot.WriteLoose(gitDir, cid, ot.LooseObject(ot.Commit, commit), nil)
	r.git("update-ref", "refs/heads/main", cid.String())
	r.git("read-tree", "--empty")
	r.git("update-index", "--add", "--cacheinfo", "100644,"+keep.String()+",keep")

	s := open(t, r)
	if len(s.Changes) != 1 || s.Changes[0].Path != "keep" {
		t.Fatalf("changes %+v, want keep", s.Changes)
	}
	noted := false
	for _, n := range s.Notes {
		noted = noted || strings.Contains(n.Detail, "tree bomb")
	}
	if !noted {
		t.Errorf("the bound is not noted: %+v", s.Notes)
	}
}

// TestStagedBlobThatIsItsOwnDeltaBase: a staged blob stored as a REF_DELTA
// naming itself is reported unreadable (a loop), never a stack overflow,
// and the other staged files are scanned.
func TestStagedBlobThatIsItsOwnDeltaBase(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("ok", "fine\n")
	r.git("add", "ok")
	self := plumbing.NewHash(strings.Repeat("5e", 20))
	if _, err := ot.WritePack(filepath.Join(r.dir, ".git"), []ot.Object{
		{Type: ot.RefDelta, ID: self, BaseID: self, Data: ot.Delta(3, 3, []byte("abc"))},
	}); err != nil {
		t.Fatal(err)
	}
	r.git("update-index", "--add", "--cacheinfo", "100644,"+self.String()+",loop")
	s := open(t, r)
	c := scanAll(t, s.Source())
	if len(c.items) != 1 || c.items[0].Origin.Path != "ok" {
		t.Fatalf("items %+v, want ok", c.items)
	}
	if len(c.skipped) != 1 || c.skipped[0].Path != "loop" || !strings.Contains(c.skipped[0].Detail, "loops back") {
		t.Fatalf("skipped %+v, want loop reported", c.skipped)
	}
}
