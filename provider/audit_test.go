package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The audit log is created 0600; an existing one is appended to and its
// mode is left alone (with a warning when others can read it).
func TestAuditModes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fresh := filepath.Join(dir, "new.jsonl")
	a, err := OpenAudit(fresh, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Record(Result{Fingerprint: "f1", Outcome: Revoked})
	a.Close()
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o600 || a.Warning != "" {
		t.Errorf("new log: mode %v, warning %q", fi.Mode().Perm(), a.Warning)
	}

	shared := filepath.Join(dir, "shared.jsonl")
	os.WriteFile(shared, []byte("{}\n"), 0o644)
	os.Chmod(shared, 0o644)
	a, err = OpenAudit(shared, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Record(Result{Fingerprint: "f2", Outcome: Revoked})
	a.Close()
	fi, _ := os.Stat(shared)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("existing log's mode changed to %v", fi.Mode().Perm())
	}
	if !strings.Contains(a.Warning, "0644") {
		t.Errorf("no warning about an existing readable log: %q", a.Warning)
	}
	if got, _ := RevokedFingerprints(shared); !got["f2"] {
		t.Errorf("appended record not read back: %v", got)
	}
}

// A symbolic link at the audit path is refused, for writing and reading,
// and the file it points at is neither written nor chmodded; a FIFO is
// refused without blocking.
func TestAuditRefusesLinksAndFIFOs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "victim")
	os.WriteFile(target, []byte("keep\n"), 0o644)
	os.Chmod(target, 0o644)
	link := filepath.Join(dir, "audit.jsonl")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
	if _, err := OpenAudit(link, nil); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("symlink: %v", err)
	}
	if _, err := RevokedFingerprints(link); err == nil {
		t.Error("reading through a symlink: no error")
	}
	dangling := filepath.Join(dir, "dangling.jsonl")
	os.Symlink(filepath.Join(dir, "created-by-link"), dangling)
	if _, err := OpenAudit(dangling, nil); err == nil {
		t.Error("dangling symlink: no error")
	}
	if _, err := os.Stat(filepath.Join(dir, "created-by-link")); err == nil {
		t.Error("a dangling symlink's target was created")
	}
	data, _ := os.ReadFile(target)
	fi, _ := os.Stat(target)
	if string(data) != "keep\n" || fi.Mode().Perm() != 0o644 {
		t.Errorf("link target changed: %q mode %v", data, fi.Mode().Perm())
	}

	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("no FIFOs: %v", err)
	}
	if _, err := OpenAudit(fifo, nil); err == nil {
		t.Error("FIFO: no error")
	}
	if _, err := RevokedFingerprints(fifo); err == nil {
		t.Error("reading a FIFO: no error")
	}
}
