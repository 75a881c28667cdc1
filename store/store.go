// Package store is scour's findings database: one SQLite file (pure-Go
// driver, so CGO_ENABLED=0 builds keep working) holding repositories and
// their last scanned state, findings keyed by secret fingerprint and rule,
// every place each finding occurs, verification results and triage events.
//
// A secret found in fourteen repositories is one finding with fourteen
// occurrences. Writes are idempotent upserts made in one transaction per
// repository scan, so a sweep killed at any point resumes by re-running:
// what a transaction committed is kept, what it did not is redone. The
// file runs in WAL mode with synchronous=FULL; all writes go through one
// connection (one writer), reads through others. See docs/store.md.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Options configures Open.
type Options struct {
	// ReadOnly opens an existing store without writing to it (no
	// migration: a store of an older schema is refused).
	ReadOnly bool
	// Now is the clock for times the store stamps itself (first seen);
	// nil means time.Now. Tests pass a fixed clock.
	Now func() time.Time
	// BusyTimeout is how long a write waits for another process holding
	// the store's write lock (0 means 10 seconds).
	BusyTimeout time.Duration
}

// Store is an open findings database. Its methods are safe for concurrent
// use; writes are serialised on one connection.
type Store struct {
	path string
	w    *sql.DB // the one writer connection (nil when read-only)
	r    *sql.DB // readers
	now  func() time.Time
}

// ErrNewerSchema means the file was written by a newer scour.
var ErrNewerSchema = errors.New("store schema is newer than this scour understands")

// Open opens (creating if needed) the store at path, migrating its schema
// to the current version unless opts.ReadOnly.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: empty path")
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = 10 * time.Second
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if opts.ReadOnly {
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	} else if err := createPrivate(abs); err != nil {
		return nil, err
	}
	s := &Store{path: abs, now: now}
	if !opts.ReadOnly {
		s.w, err = sql.Open("sqlite", dsn(abs, busy, false))
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		s.w.SetMaxOpenConns(1) // one writer
		s.w.SetMaxIdleConns(1)
		s.w.SetConnMaxLifetime(0)
		s.w.SetConnMaxIdleTime(0)
		if err := migrate(ctx, s.w, len(migrations)); err != nil {
			s.w.Close()
			return nil, fmt.Errorf("store %s: %w", path, err)
		}
	}
	s.r, err = sql.Open("sqlite", dsn(abs, busy, true))
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	s.r.SetMaxOpenConns(4)
	v, err := schemaVersion(ctx, s.r)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if v > len(migrations) {
		s.Close()
		return nil, fmt.Errorf("store %s: schema v%d: %w (v%d)", path, v, ErrNewerSchema, len(migrations))
	}
	if v < len(migrations) {
		s.Close()
		return nil, fmt.Errorf("store %s: schema v%d is older than v%d: open it once without read-only to upgrade", path, v, len(migrations))
	}
	return s, nil
}

// createPrivate creates the store file with mode 0600 if it does not exist:
// it can hold secrets and always holds where they are.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return f.Close()
}

// dsn is the modernc.org/sqlite connection string: pragmas run on every
// new connection.
func dsn(path string, busy time.Duration, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Set("mode", "ro")
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		// FULL: a committed transaction survives power loss, not only kill -9.
		q.Add("_pragma", "synchronous(FULL)")
		// BEGIN IMMEDIATE: take the write lock up front, so two processes
		// never deadlock upgrading read locks.
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Close closes the store, checkpointing the WAL into the main file.
func (s *Store) Close() error {
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		_, err := s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		errs = append(errs, err, s.w.Close())
	}
	return errors.Join(errs...)
}

// writer returns the writer or an error for a read-only store.
func (s *Store) writer() (*sql.DB, error) {
	if s.w == nil {
		return nil, errors.New("store: opened read-only")
	}
	return s.w, nil
}

// tx runs fn in one write transaction.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	w, err := s.writer()
	if err != nil {
		return err
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// nanos stores times as UTC Unix nanoseconds: exact, sortable, merge-safe.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
