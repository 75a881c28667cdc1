//go:build unix

package source

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestDirSymlinksAreReportedNotFollowed(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	tree(t, outside, map[string]string{"elsewhere.txt": "outside"})
	root := t.TempDir()
	tree(t, root, map[string]string{"real.txt": "r", "sub/inner.txt": "i"})
	symlink(t, "real.txt", filepath.Join(root, "link-to-file"))
	symlink(t, "does-not-exist", filepath.Join(root, "broken"))
	symlink(t, "loop-b", filepath.Join(root, "loop-a"))
	symlink(t, "loop-a", filepath.Join(root, "loop-b"))
	symlink(t, "..", filepath.Join(root, "sub", "up"))      // to its parent (the root)
	symlink(t, ".", filepath.Join(root, "sub", "self"))     // to itself
	symlink(t, outside, filepath.Join(root, "out-dir"))     // out of the tree
	symlink(t, "real.txt/x", filepath.Join(root, "notdir")) // ENOTDIR: broken

	s := scan(t, &Dir{Root: root, Workers: 2})
	if got, want := s.paths(), []string{"real.txt", "sub/inner.txt"}; !slices.Equal(got, want) {
		t.Errorf("paths = %q, want %q", got, want)
	}
	want := map[string]string{
		"link-to-file": ReasonSymlink,
		"broken":       ReasonBrokenSymlink,
		"notdir":       ReasonBrokenSymlink,
		"loop-a":       ReasonSymlinkLoop,
		"loop-b":       ReasonSymlinkLoop,
		"sub/up":       ReasonSymlinkLoop,
		"sub/self":     ReasonSymlinkLoop,
		"out-dir":      ReasonSymlink,
	}
	if r := s.reasons(t); !mapsEqual(r, want) {
		t.Errorf("skips:\n got %v\nwant %v", r, want)
	}
}

func TestDirRootMayBeASymlink(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{"a": "a"})
	link := filepath.Join(t.TempDir(), "link")
	symlink(t, root, link)
	if s := scan(t, &Dir{Root: link}); !slices.Equal(s.paths(), []string{"a"}) {
		t.Errorf("paths = %q", s.paths())
	}
}

func TestDirFIFOIsNeverOpened(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{"a.txt": "a"})
	if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Opening a FIFO for reading blocks until a writer comes: if the walker
	// did, this test would hang until the test timeout.
	s := scan(t, &Dir{Root: root})
	if !slices.Equal(s.paths(), []string{"a.txt"}) || s.reasons(t)["pipe"] != ReasonNotRegular {
		t.Errorf("items %q skips %+v", s.paths(), s.skipped)
	}
	// A FIFO named as root is an error, not a hang.
	if err := (&Dir{Root: filepath.Join(root, "pipe")}).Scan(context.Background(), newSink()); err == nil {
		t.Error("FIFO root: want an error")
	}
}

func TestDirFileReplacedByFIFOOrSymlinkAfterListing(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{"becomes-fifo": "x", "becomes-link": "y", "ok": "z"})
	d := &Dir{Root: root}
	d.hooks.beforeOpen = func(rel string) {
		p := filepath.Join(root, rel)
		switch rel {
		case "becomes-fifo":
			os.Remove(p)
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Error(err)
			}
		case "becomes-link":
			os.Remove(p)
			symlink(t, "ok", p)
		}
	}
	s := scan(t, d)
	want := map[string]string{"becomes-fifo": ReasonNotRegular, "becomes-link": ReasonVanished}
	if !slices.Equal(s.paths(), []string{"ok"}) || !mapsEqual(s.reasons(t), want) {
		t.Errorf("items %q skips %+v", s.paths(), s.skipped)
	}
}

func TestDirPermissionDeniedOnDisk(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{"closed/inside.txt": "i", "unreadable.txt": "u", "ok.txt": "o"})
	for _, p := range []string{"closed", "unreadable.txt"} {
		if err := os.Chmod(filepath.Join(root, p), 0); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "closed"), 0o755) })
	s := scan(t, &Dir{Root: root})
	if os.Geteuid() == 0 {
		// Root bypasses file modes (CAP_DAC_OVERRIDE): everything is read.
		// TestDirInjectedOpenErrors covers the EACCES path for root.
		if want := []string{"closed/inside.txt", "ok.txt", "unreadable.txt"}; !slices.Equal(s.paths(), want) || len(s.skipped) != 0 {
			t.Errorf("as root: items %q skips %+v, want everything read", s.paths(), s.skipped)
		}
		return
	}
	want := map[string]string{"closed": ReasonPermission, "unreadable.txt": ReasonPermission}
	if !slices.Equal(s.paths(), []string{"ok.txt"}) || !mapsEqual(s.reasons(t), want) {
		t.Errorf("items %q skips %+v", s.paths(), s.skipped)
	}
}
