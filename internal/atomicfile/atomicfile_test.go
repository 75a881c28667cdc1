package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteSetsModeAndReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "report.json")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, 0o600, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Errorf("content %q, want new", b)
	}
	assertOnly(t, dir, "report.json")
}

func TestWriteFailureLeavesTheOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "baseline.json")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := Write(p, 0o600, func(w io.Writer) error { io.WriteString(w, "half"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("content %q, want old", b)
	}
	assertOnly(t, dir, "baseline.json")
}

func TestWriteMissingDirectory(t *testing.T) {
	if err := Write(filepath.Join(t.TempDir(), "no", "such"), 0o600, func(io.Writer) error { return nil }); err == nil {
		t.Fatal("want an error for a missing directory")
	}
}

// assertOnly checks no temporary file was left beside the target.
func assertOnly(t *testing.T, dir, name string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Name() != name {
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only %s", names, name)
	}
}

// TestWriteDeviceInPlace: writing to /dev/null writes through the device
// and leaves it a device (renaming a temporary file over it would replace
// it with a regular file when run as root).
func TestWriteDeviceInPlace(t *testing.T) {
	t.Parallel()
	st, err := os.Stat(os.DevNull)
	if err != nil || st.Mode().IsRegular() {
		t.Fatalf("%s is not a device (%v, %v): was it replaced by a file?", os.DevNull, st, err)
	}
	if err := Write(os.DevNull, 0o600, func(w io.Writer) error { _, err := io.WriteString(w, "report"); return err }); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	if after.Mode() != st.Mode() {
		t.Fatalf("%s mode changed from %v to %v", os.DevNull, st.Mode(), after.Mode())
	}
}

// TestWriteDirectoryRefused: a directory is never replaced or written into.
func TestWriteDirectoryRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := Write(dir, 0o600, func(io.Writer) error { return nil }); err == nil {
		t.Fatal("want an error for a directory")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("directory gone: %v", err)
	}
}
