package source

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestDirClosesFilesTheSinkNeverOpened(t *testing.T) {
	// Counts descriptors in /proc/self/fd, hence linux only, and not in
	// parallel with tests that open files.
	root := t.TempDir()
	files := map[string]string{}
	for i := range 100 {
		files[string(rune('a'+i%26))+"/"+time.Duration(i).String()] = "x"
	}
	tree(t, root, files)
	before := countFDs(t)
	s := newSink()
	s.noOpen = true
	if err := (&Dir{Root: root, Workers: 4}).Scan(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if len(s.items) != len(files) {
		t.Fatalf("%d items, want %d", len(s.items), len(files))
	}
	if after := countFDs(t); after > before {
		t.Errorf("descriptors: %d before, %d after: the source leaks unopened items", before, after)
	}
}

func countFDs(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}
