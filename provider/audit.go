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
}

// OpenAudit opens (creating, mode 0600) the audit log for appending. An
// existing file readable by others is narrowed to 0600.
func OpenAudit(path string, now func() time.Time) (*AuditLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("audit log: %w", err)
		}
	}
	if now == nil {
		now = time.Now
	}
	return &AuditLog{f: f, now: now}, nil
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
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
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
