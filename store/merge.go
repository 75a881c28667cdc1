package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// MergeStats counts what a merge added to the destination.
type MergeStats struct {
	Repos, Findings, Occurrences, Verifications, TriageEvents int64
}

// mergeTables are the tables whose row counts MergeStats reports, in the
// order of its fields.
var mergeTables = []string{"repos", "findings", "occurrences", "verifications", "triage_events"}

// Merge adds everything in the store at srcPath to s: repositories by URL
// (the later scan's tips win; scanned object sets are unioned), findings
// by fingerprint and rule, occurrences, verification results and triage
// events without duplicates. Nothing is overwritten or lost, so merging a
// store twice, or stores in any order, gives the same result. The source
// is only read; one of an older schema is upgraded in a temporary copy.
func (s *Store) Merge(ctx context.Context, srcPath string) (MergeStats, error) {
	var st MergeStats
	w, err := s.writer()
	if err != nil {
		return st, err
	}
	abs, err := filepath.Abs(srcPath)
	if err != nil {
		return st, fmt.Errorf("store merge: %w", err)
	}
	if abs == s.path {
		return st, fmt.Errorf("store merge: %s is the destination", srcPath)
	}
	src, cleanup, err := currentSchemaCopy(ctx, abs)
	if err != nil {
		return st, err
	}
	defer cleanup()

	conn, err := w.Conn(ctx)
	if err != nil {
		return st, fmt.Errorf("store merge: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS src`, src); err != nil {
		return st, fmt.Errorf("store merge: %s: %w", srcPath, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE src`)

	before, err := counts(ctx, conn)
	if err != nil {
		return st, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("store merge: %w", err)
	}
	if err := mergeTx(ctx, tx); err != nil {
		tx.Rollback()
		return st, fmt.Errorf("store merge: %s: %w", srcPath, err)
	}
	if err := tx.Commit(); err != nil {
		return st, fmt.Errorf("store merge: commit: %w", err)
	}
	after, err := counts(ctx, conn)
	if err != nil {
		return st, err
	}
	fields := []*int64{&st.Repos, &st.Findings, &st.Occurrences, &st.Verifications, &st.TriageEvents}
	for i, f := range fields {
		*f = after[i] - before[i]
	}
	return st, nil
}

// mergeStatements copy src into main, mapping row ids through natural keys
// (repository URL; fingerprint and rule). "WHERE true" lets SQLite parse an
// upsert after a SELECT.
var mergeStatements = []string{
	// A repository scanned under two profiles keeps the later scan's (the
	// greater profile on a tie, so the order of merges does not matter)
	// and only that profile's scanned objects.
	`DELETE FROM main.scanned_objects WHERE repo_id IN (SELECT mr.id FROM main.repos mr JOIN src.repos sr ON sr.url = mr.url
		WHERE mr.profile <> sr.profile AND (sr.last_scan > mr.last_scan OR (sr.last_scan = mr.last_scan AND sr.profile > mr.profile)))`,
	`INSERT INTO main.repos(url, name, forge, tips, last_scan, last_error, last_error_at, profile)
	SELECT url, name, forge, tips, last_scan, last_error, last_error_at, profile FROM src.repos WHERE true
	ON CONFLICT(url) DO UPDATE SET
		profile = CASE WHEN excluded.last_scan > repos.last_scan
			OR (excluded.last_scan = repos.last_scan AND excluded.profile > repos.profile) THEN excluded.profile ELSE repos.profile END,
		name = CASE WHEN repos.name = '' THEN excluded.name ELSE repos.name END,
		forge = CASE WHEN repos.forge = '' THEN excluded.forge ELSE repos.forge END,
		tips = CASE WHEN excluded.last_scan > repos.last_scan THEN excluded.tips ELSE repos.tips END,
		last_scan = MAX(repos.last_scan, excluded.last_scan),
		last_error = CASE WHEN excluded.last_error_at > repos.last_error_at THEN excluded.last_error ELSE repos.last_error END,
		last_error_at = MAX(repos.last_error_at, excluded.last_error_at)`,
	// A failure older than the latest successful scan is history.
	`UPDATE main.repos SET last_error = '', last_error_at = 0 WHERE last_error_at <> 0 AND last_error_at < last_scan`,
	`INSERT INTO main.findings(fingerprint, rule_id, provider, description, redacted, secret, context, first_seen)
	SELECT fingerprint, rule_id, provider, description, redacted, secret, context, first_seen FROM src.findings WHERE true
	ON CONFLICT(fingerprint, rule_id) DO UPDATE SET
		provider = CASE WHEN findings.provider = '' THEN excluded.provider ELSE findings.provider END,
		description = CASE WHEN findings.description = '' THEN excluded.description ELSE findings.description END,
		redacted = CASE WHEN findings.redacted = '' THEN excluded.redacted ELSE findings.redacted END,
		secret = COALESCE(findings.secret, excluded.secret),
		context = CASE WHEN findings.context = '{}' THEN excluded.context ELSE findings.context END,
		first_seen = CASE WHEN findings.first_seen = 0 THEN excluded.first_seen
			WHEN excluded.first_seen = 0 THEN findings.first_seen
			ELSE MIN(findings.first_seen, excluded.first_seen) END`,
	`INSERT INTO main.occurrences(finding_id, repo_id, kind, commit_hash, path, line, col, offset, blob,
		author_name, author_email, date, message, unreachable, first_seen)
	SELECT mf.id, mr.id, o.kind, o.commit_hash, o.path, o.line, o.col, o.offset, o.blob,
		o.author_name, o.author_email, o.date, o.message, o.unreachable, o.first_seen
	FROM src.occurrences o
	JOIN src.findings sf ON sf.id = o.finding_id
	JOIN main.findings mf ON mf.fingerprint = sf.fingerprint AND mf.rule_id = sf.rule_id
	JOIN src.repos sr ON sr.id = o.repo_id
	JOIN main.repos mr ON mr.url = sr.url
	WHERE true
	ON CONFLICT(finding_id, repo_id, commit_hash, path, line, col, blob) DO UPDATE SET
		first_seen = MIN(occurrences.first_seen, excluded.first_seen)`,
	`INSERT INTO main.verifications(finding_id, at, state, reason, host, owner, analysis)
	SELECT mf.id, v.at, v.state, v.reason, v.host, v.owner, v.analysis
	FROM src.verifications v
	JOIN src.findings sf ON sf.id = v.finding_id
	JOIN main.findings mf ON mf.fingerprint = sf.fingerprint AND mf.rule_id = sf.rule_id
	WHERE true ON CONFLICT DO NOTHING`,
	`INSERT INTO main.triage_events(finding_id, at, status, who, why)
	SELECT mf.id, t.at, t.status, t.who, t.why
	FROM src.triage_events t
	JOIN src.findings sf ON sf.id = t.finding_id
	JOIN main.findings mf ON mf.fingerprint = sf.fingerprint AND mf.rule_id = sf.rule_id
	WHERE true ON CONFLICT DO NOTHING`,
}

func mergeTx(ctx context.Context, tx *sql.Tx) error {
	for _, q := range mergeStatements {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	// Scanned object sets: copy the source's runs, then union per repository.
	rows, err := tx.QueryContext(ctx, `SELECT mr.id, o.width, o.ids FROM src.scanned_objects o
		JOIN src.repos sr ON sr.id = o.repo_id JOIN main.repos mr ON mr.url = sr.url
		WHERE mr.profile = sr.profile ORDER BY mr.id, o.width, o.seq`)
	if err != nil {
		return err
	}
	type key struct {
		repo  int64
		width int
	}
	add := map[key][][]byte{}
	var order []key
	for rows.Next() {
		var k key
		var ids []byte
		if err := rows.Scan(&k.repo, &k.width, &ids); err != nil {
			rows.Close()
			return err
		}
		if _, ok := add[k]; !ok {
			order = append(order, k)
		}
		add[k] = append(add[k], ids)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range order {
		if k.width != 20 && k.width != 32 {
			return fmt.Errorf("scanned objects: bad id width %d", k.width)
		}
		if err := appendRun(ctx, tx, k.repo, k.width, mergeRuns(k.width, add[k])); err != nil {
			return err
		}
		if err := compactRuns(ctx, tx, k.repo, k.width); err != nil {
			return err
		}
	}
	return nil
}

func counts(ctx context.Context, conn *sql.Conn) ([]int64, error) {
	out := make([]int64, len(mergeTables))
	for i, t := range mergeTables {
		// Table names are our constants, not input.
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM main.`+t).Scan(&out[i]); err != nil {
			return nil, fmt.Errorf("store merge: %w", err)
		}
	}
	return out, nil
}

// currentSchemaCopy returns a path to read the store at path from: itself
// when its schema is current, else an upgraded temporary copy (the source
// of a merge is never written).
func currentSchemaCopy(ctx context.Context, path string) (string, func(), error) {
	nop := func() {}
	if _, err := os.Stat(path); err != nil {
		return "", nop, fmt.Errorf("store merge: %w", err)
	}
	// Read-only but not query_only: VACUUM INTO writes only the copy.
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return "", nop, fmt.Errorf("store merge: %w", err)
	}
	defer db.Close()
	v, err := schemaVersion(ctx, db)
	if err != nil {
		return "", nop, fmt.Errorf("store merge: %s: %w", path, err)
	}
	if v == len(migrations) {
		return path, nop, nil
	}
	if v > len(migrations) {
		return "", nop, fmt.Errorf("store merge: %s: schema v%d: %w (v%d)", path, v, ErrNewerSchema, len(migrations))
	}
	if v == 0 {
		return "", nop, fmt.Errorf("store merge: %s is not a scour store", path)
	}
	dir, err := os.MkdirTemp("", "scour-merge-")
	if err != nil {
		return "", nop, fmt.Errorf("store merge: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	tmp := filepath.Join(dir, "src.db")
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		cleanup()
		return "", nop, fmt.Errorf("store merge: copying %s: %w", path, err)
	}
	cp, err := sql.Open("sqlite", dsn(tmp, 10*time.Second, false))
	if err != nil {
		cleanup()
		return "", nop, fmt.Errorf("store merge: %w", err)
	}
	err = migrate(ctx, cp, len(migrations))
	cp.Close()
	if err != nil {
		cleanup()
		return "", nop, fmt.Errorf("store merge: upgrading a copy of %s: %w", path, err)
	}
	return tmp, cleanup, nil
}
