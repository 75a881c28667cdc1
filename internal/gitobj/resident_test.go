package gitobj_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/scour-dev/scour/internal/gitobj"
	"github.com/scour-dev/scour/internal/gittest"
)

// TestLimitResidentKeepsContent: dropping the packs' pages from the process
// (LimitResident) changes nothing that is read: every object reads the
// same as from a store that keeps them, while the pages are dropped many
// times over.
func TestLimitResidentKeepsContent(t *testing.T) {
	t.Parallel()
	g := gittest.Init(t)
	body := strings.Repeat("a line of text that deltas well\n", 400)
	for i := 0; i < 20; i++ {
		g.WriteFile("dir/file.txt", body+fmt.Sprintf("version %d\n", i))
		g.WriteFile(fmt.Sprintf("dir/n%d.txt", i), strings.Repeat(fmt.Sprintf("%d other\n", i), 300))
		g.Commit(fmt.Sprintf("c%d", i))
	}
	g.Git("repack", "-adq")

	kept, dropped := open(t, g.GitDir), open(t, g.GitDir)
	dropped.LimitResident(4 << 10)
	var ids []plumbing.Hash
	for _, p := range kept.Packs {
		ids = append(ids, p.Table().Hashes...)
	}
	if len(ids) < 60 {
		t.Fatalf("only %d packed objects", len(ids))
	}
	rk, rd := kept.NewReader(1<<20, 0), dropped.NewReader(1<<20, 0)
	for _, id := range ids {
		tk, want, err := rk.Read(id)
		if err != nil {
			t.Fatal(err)
		}
		td, got, err := rd.Read(id)
		if err != nil || td != tk || !bytes.Equal(got, want) {
			t.Fatalf("%s: %s of %d bytes (%v) with pages dropped, %s of %d kept", id, td, len(got), err, tk, len(want))
		}
	}
	if runtime.GOOS == "linux" && dropped.ResidentDrops() < 10 {
		t.Errorf("pages dropped %d times, want many with a 4 KiB limit", dropped.ResidentDrops())
	}
	if kept.ResidentDrops() != 0 {
		t.Errorf("a store without a limit dropped its pages")
	}
	_ = gitobj.TypeBlob
}
