package githistory

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
	"testing"

	ot "github.com/scour-dev/scour/internal/gitobj/gitobjtest"
)

// TestMemoryBudgetCapsBlobs: a blob over a third of MemoryBudget is
// reported too large instead of being read, as with MaxBlobSize.
func TestMemoryBudgetCapsBlobs(t *testing.T) {
	t.Parallel()
	dir := crafted(t)
	tok := fakeToken("BUDGET")
	secret := []byte(tok + "\n")
	big := bytes.Repeat([]byte("0123456789abcdef"), 256<<10) // 4 MB
	tree := ot.TreeData(
		ot.Entry{Mode: "100644", Name: "big", ID: ot.Hash(ot.Blob, big)},
		ot.Entry{Mode: "100644", Name: "s", ID: ot.Hash(ot.Blob, secret)},
	)
	commitTree(t, dir, ot.Hash(ot.Tree, tree), []ot.Object{
		{Type: ot.Blob, Data: big},
		{Type: ot.Blob, Data: secret},
		{Type: ot.Tree, Data: tree},
	})
	scanBoth(t, dir, Options{MemoryBudget: 6 << 20}, func(t *testing.T, r *Repo, c *collector) {
		one(t, c, tok)
		found := false
		for _, s := range c.skipped {
			found = found || (s.Path == "big" && s.Reason == ReasonTooLarge)
		}
		if !found {
			t.Errorf("big not reported too large under a 6 MiB budget: %v", c.skipped)
		}
	})
}

// TestSmallMemoryBudgetSameItems: a budget small enough that pack pages
// are dropped over and over and delta bases are rebuilt instead of kept
// yields exactly the blobs of a scan at the default budget.
func TestSmallMemoryBudgetSameItems(t *testing.T) {
	t.Parallel()
	dir, tok := combRepo(t)
	digest := func(opts Options) []string {
		_, c := scanRepo(t, dir, opts)
		var out []string
		for _, it := range c.items {
			out = append(out, fmt.Sprintf("%s %x", it.Origin.BlobID, sha256.Sum256(it.Data)))
		}
		slices.Sort(out)
		if len(c.with(tok)) != 1 {
			t.Errorf("budget %d: the token is in %d blobs, want 1", opts.MemoryBudget, len(c.with(tok)))
		}
		return out
	}
	small, def := digest(Options{MemoryBudget: 4 << 20, Workers: 2}), digest(Options{Workers: 2})
	if !slices.Equal(small, def) {
		t.Errorf("a 4 MiB budget yielded %d blobs, the default %d, or different content", len(small), len(def))
	}
}
