package githistory

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/source"
)

// fakeToken builds a distinctive fake secret at test time, so that the
// repository's own sources hold no token-shaped string.
func fakeToken(tag string) string {
	return "FAKE" + "TOKEN_" + tag + "_" + strings.Repeat("x9", 8)
}

// collector is a Sink that keeps everything.
type collector struct {
	mu      sync.Mutex
	items   []source.Item
	skipped []source.Skipped
}

func (c *collector) Item(_ context.Context, it source.Item) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	// The source reuses blob buffers once Item returns: keep a copy.
	it.Data = bytes.Clone(it.Data)
	c.items = append(c.items, it)
	return nil
}

func (c *collector) Skipped(s source.Skipped) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skipped = append(c.skipped, s)
}

// with returns the items whose content contains s.
func (c *collector) with(s string) []source.Item {
	var out []source.Item
	for _, it := range c.items {
		if strings.Contains(string(it.Data), s) {
			out = append(out, it)
		}
	}
	return out
}

// scanRepo scans dir and returns the repo (for Locations) and what it yielded.
func scanRepo(t *testing.T, dir string, opts Options) (*Repo, *collector) {
	t.Helper()
	r, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	c := &collector{}
	if err := r.Scan(context.Background(), c); err != nil {
		t.Fatalf("Scan: %v (skipped: %v)", err, c.skipped)
	}
	return r, c
}

// one asserts exactly one yielded blob contains s and returns it.
func one(t *testing.T, c *collector, s string) source.Item {
	t.Helper()
	got := c.with(s)
	if len(got) != 1 {
		t.Fatalf("%d items contain %q, want 1 (skipped: %v)", len(got), s, c.skipped)
	}
	return got[0]
}

// none asserts no yielded item contains s.
func none(t *testing.T, c *collector, s string) {
	t.Helper()
	if got := c.with(s); len(got) != 0 {
		t.Fatalf("%d items contain %q, want none: %+v", len(got), s, got[0].Origin)
	}
}

// firstLoc returns the first location of the blob of it.
func firstLoc(t *testing.T, r *Repo, it source.Item) source.Origin {
	t.Helper()
	locs := r.Locations(it.Origin.BlobID)
	if len(locs) == 0 {
		t.Fatalf("no locations for %s", it.Origin.BlobID)
	}
	return locs[0]
}

func wantCommit(t *testing.T, o source.Origin, commit, path string) {
	t.Helper()
	if o.Commit == nil {
		t.Fatalf("location %+v has no commit, want %s %s", o, commit, path)
	}
	if o.Commit.Hash != commit || o.Path != path {
		t.Fatalf("location = %s %s, want %s %s", o.Commit.Hash, o.Path, commit, path)
	}
}

func newRepo(t *testing.T) *gittest.Repo { return gittest.Init(t) }

// unreported asserts that no blob containing s has locations: it was not
// read, or read on the way but not to be reported.
func unreported(t *testing.T, r *Repo, c *collector, s string) {
	t.Helper()
	for _, it := range c.with(s) {
		if locs := r.Locations(it.Origin.BlobID); len(locs) != 0 {
			t.Fatalf("blob with %q reported at %+v", s, locs)
		}
	}
}
