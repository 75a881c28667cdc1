package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations[i] takes the schema from version i to i+1 (PRAGMA
// user_version). Append only: a released migration never changes, since
// stores written with it exist.
var migrations = []string{
	// v1: the base schema.
	`
CREATE TABLE repos (
	id           INTEGER PRIMARY KEY,
	url          TEXT NOT NULL UNIQUE, -- credential-free clone URL or path
	name         TEXT NOT NULL DEFAULT '',
	forge        TEXT NOT NULL DEFAULT '',
	tips         TEXT NOT NULL DEFAULT '{}', -- JSON ref -> object id at the last scan
	last_scan    INTEGER NOT NULL DEFAULT 0, -- unix ns
	last_error   TEXT NOT NULL DEFAULT '',
	last_error_at INTEGER NOT NULL DEFAULT 0
);
-- The object ids scanned in a repository: sorted runs of fixed-width raw
-- ids, one row per scan until compacted.
CREATE TABLE scanned_objects (
	repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
	seq     INTEGER NOT NULL,
	width   INTEGER NOT NULL,
	ids     BLOB NOT NULL,
	PRIMARY KEY (repo_id, seq)
);
CREATE TABLE findings (
	id          INTEGER PRIMARY KEY,
	fingerprint TEXT NOT NULL,
	rule_id     TEXT NOT NULL,
	provider    TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	redacted    TEXT NOT NULL DEFAULT '',
	secret      TEXT, -- NULL unless the caller opted in to storing secrets
	context     TEXT NOT NULL DEFAULT '{}',
	first_seen  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (fingerprint, rule_id)
);
CREATE TABLE occurrences (
	id           INTEGER PRIMARY KEY,
	finding_id   INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
	repo_id      INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
	kind         TEXT NOT NULL DEFAULT '',
	commit_hash  TEXT NOT NULL DEFAULT '',
	path         TEXT NOT NULL DEFAULT '',
	line         INTEGER NOT NULL DEFAULT 0,
	col          INTEGER NOT NULL DEFAULT 0,
	offset       INTEGER NOT NULL DEFAULT 0,
	blob         TEXT NOT NULL DEFAULT '',
	author_name  TEXT NOT NULL DEFAULT '',
	author_email TEXT NOT NULL DEFAULT '',
	date         INTEGER NOT NULL DEFAULT 0,
	message      TEXT NOT NULL DEFAULT '',
	unreachable  INTEGER NOT NULL DEFAULT 0,
	first_seen   INTEGER NOT NULL DEFAULT 0,
	UNIQUE (finding_id, repo_id, commit_hash, path, line, col, blob)
);
CREATE TABLE verifications (
	id         INTEGER PRIMARY KEY,
	finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
	at         INTEGER NOT NULL,
	state      TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	host       TEXT NOT NULL DEFAULT '',
	owner      TEXT NOT NULL DEFAULT '{}',
	UNIQUE (finding_id, at, state, reason, host, owner)
);
CREATE TABLE triage_events (
	id         INTEGER PRIMARY KEY,
	finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
	at         INTEGER NOT NULL,
	status     TEXT NOT NULL,
	who        TEXT NOT NULL DEFAULT '',
	why        TEXT NOT NULL DEFAULT '',
	UNIQUE (finding_id, at, status, who, why)
);
`,
	// v2: indexes for the queries reports and triage run.
	`
CREATE INDEX occurrences_repo ON occurrences(repo_id);
CREATE INDEX verifications_finding ON verifications(finding_id, at);
CREATE INDEX triage_finding ON triage_events(finding_id, at);
`,
	// v3: what a live secret can do (verify --analyze), as JSON
	// (access.Report); '' when not analysed.
	`
ALTER TABLE verifications ADD COLUMN analysis TEXT NOT NULL DEFAULT '';
`,
	// v4: the scan profile (rules and settings) a repository's scanned
	// object set was recorded under; a scan under another profile starts
	// the set afresh ('' before v4: no set was recorded then).
	`
ALTER TABLE repos ADD COLUMN profile TEXT NOT NULL DEFAULT '';
`,
}

// SchemaVersion is the schema version this scour writes.
func SchemaVersion() int { return len(migrations) }

func schemaVersion(ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	return v, nil
}

// migrate brings db to version target, one transaction per step, so a
// crash mid-migration leaves the previous version intact.
func migrate(ctx context.Context, db *sql.DB, target int) error {
	v, err := schemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("schema v%d: %w (v%d)", v, ErrNewerSchema, len(migrations))
	}
	for ; v < target; v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrating to v%d: %w", v+1, err)
		}
		// PRAGMA takes no parameters; v+1 is our own integer.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrating to v%d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrating to v%d: %w", v+1, err)
		}
	}
	return nil
}
