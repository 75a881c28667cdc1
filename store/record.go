package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/scour-dev/scour/access"
	"github.com/scour-dev/scour/report"
	"github.com/scour-dev/scour/scanner"
)

// Repo is a repository the store knows and its last scanned state.
type Repo struct {
	// URL identifies the repository: a clone URL without credentials, or
	// a local path. Stores merge repositories by URL.
	URL   string
	Name  string // display name, e.g. "group/sub/project"
	Forge string // "codeup", "github", "gitlab", "file", "dir"...
	// Tips maps each ref to the object id it pointed at in the last scan.
	Tips map[string]string
	// LastScan is when the last successful scan was recorded (zero: never).
	LastScan time.Time
	// Profile identifies the rules and settings of the scans that built
	// the repository's scanned object set (Scan.Profile).
	Profile string
	// LastError is why the last attempt failed, if it did after LastScan.
	LastError   string
	LastErrorAt time.Time
}

// Verification is what verifying a secret found, and when.
type Verification struct {
	State  string // live, live-limited, dead or unknown
	Reason string
	Host   string
	Owner  map[string]string
	At     time.Time
	// Analysis is what the live secret can do (verify --analyze); nil
	// when not analysed.
	Analysis *access.Report
}

// Scan is one repository's scan result, recorded atomically by RecordScan.
type Scan struct {
	Repo Repo
	// At is when the scan ran; it becomes Repo.LastScan and the first-seen
	// time of what is new.
	At time.Time
	// Tips are the refs scanned (ref -> object id); nil keeps the old ones.
	Tips map[string]string
	// Objects (hex) and ObjectIDs (raw) are the ids of the git objects
	// this scan handled, added to the repository's scanned set so the next
	// scan can skip them.
	Objects   []string
	ObjectIDs [][]byte
	// Profile identifies what the scan ran with (rules, settings): the
	// scanned set only tells a later scan under the same profile what it
	// may skip. A scan recorded under another profile than the
	// repository's replaces the set instead of adding to it.
	Profile string
	// Findings and where they occur in this repository.
	Findings []scanner.Finding
	// Verification holds results by fingerprint, for findings verified
	// during the scan.
	Verification map[string]Verification
	// StoreSecrets keeps raw secrets in the store (default: only the
	// redacted preview and the fingerprint; a store is copied between
	// machines and CI jobs, so it should not carry live credentials).
	StoreSecrets bool
}

// maxRuns is how many runs of scanned ids a repository keeps before they
// are merged into one: bounded lookups, cheap appends.
const maxRuns = 16

// CleanURL removes credentials (userinfo), query and fragment from a URL;
// paths and scp-like addresses (git@host:path) pass unchanged. Credentials
// never reach the store.
func CleanURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return raw
	}
	u.User = nil
	u.RawQuery = ""
	u.ForceQuery = false
	u.Fragment = ""
	return u.String()
}

// RecordScan records a repository's scan in one transaction: the repository
// and its tips, the scanned object ids, findings, occurrences and
// verification results. Recording the same scan twice changes nothing.
func (s *Store) RecordScan(ctx context.Context, sc Scan) error {
	if sc.Repo.URL == "" {
		return errors.New("store: scan without a repository URL")
	}
	at := sc.At
	if at.IsZero() {
		at = s.now()
	}
	runs, err := encodeIDs(sc.Objects, sc.ObjectIDs)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		repoID, err := upsertRepo(ctx, tx, sc.Repo)
		if err != nil {
			return err
		}
		var profile string
		if err := tx.QueryRowContext(ctx, `SELECT profile FROM repos WHERE id = ?`, repoID).Scan(&profile); err != nil {
			return fmt.Errorf("store: repo profile: %w", err)
		}
		if profile != sc.Profile {
			// Skipping what another profile's scans handled would miss
			// what the new rules or settings find: start afresh.
			if _, err := tx.ExecContext(ctx, `DELETE FROM scanned_objects WHERE repo_id = ?`, repoID); err != nil {
				return fmt.Errorf("store: scanned objects: %w", err)
			}
		}
		for i := range sc.Findings {
			f := &sc.Findings[i]
			fid, err := upsertFinding(ctx, tx, f, sc.StoreSecrets, at)
			if err != nil {
				return err
			}
			for _, l := range f.Locations {
				if err := insertOccurrence(ctx, tx, fid, repoID, l, at); err != nil {
					return err
				}
			}
			if v, ok := sc.Verification[f.Fingerprint]; ok {
				if v.At.IsZero() {
					v.At = at
				}
				if err := insertVerification(ctx, tx, fid, v); err != nil {
					return err
				}
			}
		}
		for w, ids := range runs {
			if err := appendRun(ctx, tx, repoID, w, ids); err != nil {
				return err
			}
		}
		tips := "" // keep
		if sc.Tips != nil {
			b, _ := json.Marshal(sc.Tips)
			tips = string(b)
		}
		_, err = tx.ExecContext(ctx, `UPDATE repos SET
			tips = CASE WHEN ?1 = '' THEN tips ELSE ?1 END,
			last_scan = ?2, last_error = '', last_error_at = 0, profile = ?4
			WHERE id = ?3`, tips, nanos(at), repoID, sc.Profile)
		if err != nil {
			return fmt.Errorf("store: repo state: %w", err)
		}
		return nil
	})
}

// RecordFailure records why a repository could not be scanned; its last
// scanned state is kept, so the next sweep retries from there.
func (s *Store) RecordFailure(ctx context.Context, repo Repo, reason string, at time.Time) error {
	if repo.URL == "" {
		return errors.New("store: failure without a repository URL")
	}
	if at.IsZero() {
		at = s.now()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		id, err := upsertRepo(ctx, tx, repo)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE repos SET last_error = ?, last_error_at = ? WHERE id = ?`,
			reason, nanos(at), id)
		return err
	})
}

// UpsertRepo records a repository (e.g. one a forge listed) without a scan.
func (s *Store) UpsertRepo(ctx context.Context, repo Repo) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := upsertRepo(ctx, tx, repo)
		return err
	})
}

func upsertRepo(ctx context.Context, tx *sql.Tx, r Repo) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO repos(url, name, forge) VALUES (?, ?, ?)
		ON CONFLICT(url) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE repos.name END,
			forge = CASE WHEN excluded.forge <> '' THEN excluded.forge ELSE repos.forge END
		RETURNING id`, CleanURL(r.URL), r.Name, r.Forge).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: repo: %w", err)
	}
	return id, nil
}

func upsertFinding(ctx context.Context, tx *sql.Tx, f *scanner.Finding, keepSecret bool, at time.Time) (int64, error) {
	if f.Fingerprint == "" || f.RuleID == "" {
		return 0, errors.New("store: finding without fingerprint or rule")
	}
	var secret any // NULL unless kept
	if keepSecret && f.Secret != "" {
		secret = f.Secret
	}
	redacted := ""
	if f.Secret != "" {
		redacted = report.Redact(f.Secret)
	}
	ctxJSON, _ := json.Marshal(nonNil(f.Context))
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO findings
		(fingerprint, rule_id, provider, description, redacted, secret, context, first_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(fingerprint, rule_id) DO UPDATE SET
			provider = CASE WHEN findings.provider = '' THEN excluded.provider ELSE findings.provider END,
			description = CASE WHEN findings.description = '' THEN excluded.description ELSE findings.description END,
			redacted = CASE WHEN findings.redacted = '' THEN excluded.redacted ELSE findings.redacted END,
			secret = COALESCE(findings.secret, excluded.secret),
			context = CASE WHEN findings.context = '{}' THEN excluded.context ELSE findings.context END,
			first_seen = MIN(findings.first_seen, excluded.first_seen)
		RETURNING id`,
		f.Fingerprint, f.RuleID, f.Provider, f.Description, redacted, secret, string(ctxJSON), nanos(at)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: finding: %w", err)
	}
	return id, nil
}

func insertOccurrence(ctx context.Context, tx *sql.Tx, fid, repoID int64, l scanner.Location, at time.Time) error {
	var hash, name, email, msg string
	var date int64
	if c := l.Commit; c != nil {
		hash, name, email, msg, date = c.Hash, c.AuthorName, c.AuthorEmail, c.Message, nanos(c.Date)
	}
	// A later sighting keeps the first one's first_seen: DO NOTHING.
	_, err := tx.ExecContext(ctx, `INSERT INTO occurrences
		(finding_id, repo_id, kind, commit_hash, path, line, col, offset, blob,
		 author_name, author_email, date, message, unreachable, first_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		fid, repoID, l.Kind, hash, l.Path, l.Line, l.Column, l.Offset, l.BlobID,
		name, email, date, msg, l.Unreachable, nanos(at))
	if err != nil {
		return fmt.Errorf("store: occurrence: %w", err)
	}
	return nil
}

func insertVerification(ctx context.Context, tx *sql.Tx, fid int64, v Verification) error {
	if v.State == "" {
		return errors.New("store: verification without a state")
	}
	owner, _ := json.Marshal(nonNil(v.Owner)) // sorted keys: a stable unique key
	analysis := ""
	if v.Analysis != nil {
		b, err := json.Marshal(v.Analysis)
		if err != nil {
			return fmt.Errorf("store: verification analysis: %w", err)
		}
		analysis = string(b)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO verifications(finding_id, at, state, reason, host, owner, analysis)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		fid, nanos(v.At), v.State, v.Reason, v.Host, string(owner), analysis)
	if err != nil {
		return fmt.Errorf("store: verification: %w", err)
	}
	return nil
}

func appendRun(ctx context.Context, tx *sql.Tx, repoID int64, width int, ids []byte) error {
	if len(ids) == 0 {
		return nil
	}
	// Keep runs disjoint: drop ids an earlier run holds.
	rows, err := tx.QueryContext(ctx, `SELECT seq, ids FROM scanned_objects WHERE repo_id = ? AND width = ?`, repoID, width)
	if err != nil {
		return fmt.Errorf("store: scanned objects: %w", err)
	}
	var old []run
	var seq, n int64
	for rows.Next() {
		r := run{width: width}
		var sq int64
		if err := rows.Scan(&sq, &r.ids); err != nil {
			rows.Close()
			return fmt.Errorf("store: scanned objects: %w", err)
		}
		old = append(old, r)
		seq, n = max(seq, sq), n+1
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: scanned objects: %w", err)
	}
	if len(old) > 0 {
		set := ObjectSet{runs: old}
		fresh := make([]byte, 0, len(ids))
		for i := 0; i+width <= len(ids); i += width {
			if !set.hasRaw(ids[i : i+width]) {
				fresh = append(fresh, ids[i:i+width]...)
			}
		}
		if ids = fresh; len(ids) == 0 {
			return nil
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO scanned_objects(repo_id, seq, width, ids) VALUES (?, ?, ?, ?)`,
		repoID, seq+1, width, ids); err != nil {
		return fmt.Errorf("store: scanned objects: %w", err)
	}
	if n+1 > maxRuns {
		return compactRuns(ctx, tx, repoID, width)
	}
	return nil
}

// compactRuns merges a repository's runs of one width into one.
func compactRuns(ctx context.Context, tx *sql.Tx, repoID int64, width int) error {
	rows, err := tx.QueryContext(ctx, `SELECT seq, ids FROM scanned_objects WHERE repo_id = ? AND width = ? ORDER BY seq`, repoID, width)
	if err != nil {
		return fmt.Errorf("store: compacting: %w", err)
	}
	var bufs [][]byte
	var last int64
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&last, &b); err != nil {
			rows.Close()
			return fmt.Errorf("store: compacting: %w", err)
		}
		bufs = append(bufs, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: compacting: %w", err)
	}
	merged := mergeRuns(width, bufs)
	if _, err := tx.ExecContext(ctx, `DELETE FROM scanned_objects WHERE repo_id = ? AND width = ?`, repoID, width); err != nil {
		return fmt.Errorf("store: compacting: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO scanned_objects(repo_id, seq, width, ids) VALUES (?, ?, ?, ?)`, repoID, last, width, merged)
	if err != nil {
		return fmt.Errorf("store: compacting: %w", err)
	}
	return nil
}

// ScannedObjects returns the object ids already scanned in the repository
// (an empty set for a repository the store does not know).
func (s *Store) ScannedObjects(ctx context.Context, repoURL string) (*ObjectSet, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT o.width, o.ids FROM scanned_objects o JOIN repos r ON r.id = o.repo_id
		WHERE r.url = ? ORDER BY o.width, o.seq`, CleanURL(repoURL))
	if err != nil {
		return nil, fmt.Errorf("store: scanned objects: %w", err)
	}
	defer rows.Close()
	set := &ObjectSet{}
	for rows.Next() {
		var r run
		if err := rows.Scan(&r.width, &r.ids); err != nil {
			return nil, fmt.Errorf("store: scanned objects: %w", err)
		}
		if r.width <= 0 || len(r.ids)%r.width != 0 {
			return nil, fmt.Errorf("store: scanned objects of %s: corrupt run", repoURL)
		}
		set.runs = append(set.runs, r)
	}
	return set, rows.Err()
}

// Repos lists the repositories in the store, by URL.
func (s *Store) Repos(ctx context.Context) ([]Repo, error) {
	return s.repos(ctx, "")
}

// Repo returns one repository by URL.
func (s *Store) Repo(ctx context.Context, repoURL string) (Repo, bool, error) {
	list, err := s.repos(ctx, CleanURL(repoURL))
	if err != nil || len(list) == 0 {
		return Repo{}, false, err
	}
	return list[0], true, nil
}

func (s *Store) repos(ctx context.Context, only string) ([]Repo, error) {
	q := `SELECT url, name, forge, tips, last_scan, last_error, last_error_at, profile FROM repos`
	var args []any
	if only != "" {
		q += ` WHERE url = ?`
		args = append(args, only)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY url`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: repos: %w", err)
	}
	defer rows.Close()
	var out []Repo
	for rows.Next() {
		var r Repo
		var tips string
		var last, errAt int64
		if err := rows.Scan(&r.URL, &r.Name, &r.Forge, &tips, &last, &r.LastError, &errAt, &r.Profile); err != nil {
			return nil, fmt.Errorf("store: repos: %w", err)
		}
		if err := json.Unmarshal([]byte(tips), &r.Tips); err != nil {
			return nil, fmt.Errorf("store: repo %s: tips: %w", r.URL, err)
		}
		r.LastScan, r.LastErrorAt = fromNanos(last), fromNanos(errAt)
		out = append(out, r)
	}
	return out, rows.Err()
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
