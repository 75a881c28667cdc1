package provider

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// AuditRecord is one line of the audit log. It never holds a secret or a
// credential: the fingerprint identifies the token.
type AuditRecord struct {
	Time        time.Time `json:"time"`
	Action      string    `json:"action"` // "revoke"
	Fingerprint string    `json:"fingerprint"`
	RuleID      string    `json:"rule_id"`
	Provider    string    `json:"provider"`
	Class       string    `json:"class"`
	Host        string    `json:"host,omitempty"`
	Outcome     Outcome   `json:"outcome"`
	HTTPStatus  int       `json:"http_status,omitempty"`
	Reason      string    `json:"reason,omitempty"`
}

// AuditLog appends JSON lines to a file created with mode 0600.
type AuditLog struct {
	mu  sync.Mutex
	f   *os.File
	now func() time.Time
	// Warning, when set, is a note for the user about the file (an
	// existing log others can read).
	Warning string
}

// OpenAudit opens the audit log for appending, creating it with mode
// 0600. The path is the user's, but what it points at may not be: a
// symbolic link is refused rather than followed (it could aim the records
// at any file the user can write), and so is anything but a regular file.
// An existing file's mode is left alone (scour never chmods a file it did
// not create); when others can read it, Warning says so.
func OpenAudit(path string, now func() time.Time) (*AuditLog, error) {
	f, created, err := openAuditFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	a := &AuditLog{f: f, now: now}
	if a.now == nil {
		a.now = time.Now
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("audit log %s: not a regular file", path)
	}
	if !created && fi.Mode().Perm()&0o077 != 0 {
		a.Warning = fmt.Sprintf("audit log %s has mode %04o: others can read which secrets were revoked (it holds no secrets); scour does not change the mode of a file it did not create", path, fi.Mode().Perm())
	}
	return a, nil
}

// openAuditFile creates path exclusively, or opens the existing file; in
// both cases without following a symbolic link in the last element.
func openAuditFile(path string) (f *os.File, created bool, err error) {
	f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL|noFollow|nonBlock, 0o600)
	if err == nil {
		return f, true, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, false, explainOpen(path, err)
	}
	if err := refuseSymlink(path); err != nil {
		return nil, false, err
	}
	f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|noFollow|nonBlock, 0)
	if err != nil {
		return nil, false, explainOpen(path, err)
	}
	return f, false, nil
}

// refuseSymlink fails when path itself is a symbolic link. O_NOFOLLOW
// already refuses one where it exists; this check also covers systems
// without it and gives a clear message.
func refuseSymlink(path string) error {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link: refusing to follow it (name the real file with --audit)", path)
	}
	return nil
}

// explainOpen turns O_NOFOLLOW's ELOOP into words.
func explainOpen(path string, err error) error {
	if e := refuseSymlink(path); e != nil {
		return e
	}
	return err
}

// Record appends one result as an audit line and syncs it to disk.
func (a *AuditLog) Record(r Result) error {
	rec := AuditRecord{
		Time: a.now().UTC(), Action: "revoke", Fingerprint: r.Fingerprint, RuleID: r.RuleID,
		Provider: r.Provider, Class: r.Class, Host: r.Host, Outcome: r.Outcome,
		HTTPStatus: r.HTTPStatus, Reason: r.Reason,
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return a.f.Sync()
}

// Close closes the log.
func (a *AuditLog) Close() error { return a.f.Close() }

// RevokedFingerprints reads an audit log and returns the fingerprints it
// shows revoked (or accepted or already revoked). A missing file is empty.
func RevokedFingerprints(path string) (map[string]bool, error) {
	if err := refuseSymlink(path); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	// Non-blocking: opening a FIFO for reading would wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow|nonBlock, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", explainOpen(path, err))
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("audit log %s: not a regular file", path)
	}
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		var rec AuditRecord
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue // a torn last line must not stop a revoke run
		}
		switch rec.Outcome {
		case Revoked, Accepted, AlreadyRevoked:
			out[rec.Fingerprint] = true
		}
	}
	return out, sc.Err()
}
