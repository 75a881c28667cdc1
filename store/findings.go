package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
)

// Status is a finding's triage status.
type Status string

// The triage statuses. A finding with no triage event is open.
const (
	StatusOpen          Status = "open"
	StatusAcceptedRisk  Status = "accepted-risk"
	StatusFalsePositive Status = "false-positive"
	StatusRevoked       Status = "revoked"
	StatusRotated       Status = "rotated"
)

// Statuses lists the valid statuses.
func Statuses() []Status {
	return []Status{StatusOpen, StatusAcceptedRisk, StatusFalsePositive, StatusRevoked, StatusRotated}
}

// ParseStatus checks a status name.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses() {
		if string(st) == s {
			return st, nil
		}
	}
	names := make([]string, 0, 5)
	for _, st := range Statuses() {
		names = append(names, string(st))
	}
	return "", fmt.Errorf("unknown status %q (want one of %s)", truncate(s, 40), strings.Join(names, ", "))
}

// TriageEvent is one change of a finding's status: who, why and when.
type TriageEvent struct {
	Status Status
	Who    string
	Why    string
	At     time.Time
}

// Occurrence is one place a finding occurs.
type Occurrence struct {
	Repo        string // the repository's URL
	Kind        string
	Commit      string
	Path        string
	Line        int
	Column      int
	Offset      int64
	Blob        string
	AuthorName  string
	AuthorEmail string
	Date        time.Time // commit date (zero when not from a commit)
	Message     string
	Unreachable bool
	FirstSeen   time.Time
}

// Finding is one secret found by one rule, everywhere it occurs.
type Finding struct {
	Fingerprint string
	RuleID      string
	Provider    string
	Description string
	Redacted    string // preview safe to show
	Secret      string // empty unless the store kept secrets
	Context     map[string]string
	FirstSeen   time.Time
	// Occurrences are ordered by repository, path, line, column, commit.
	Occurrences []Occurrence
	// Verifications and Triage are ordered oldest first.
	Verifications []Verification
	Triage        []TriageEvent
}

// Status is the finding's current status: its latest triage event's.
func (f *Finding) Status() Status {
	if len(f.Triage) == 0 {
		return StatusOpen
	}
	return f.Triage[len(f.Triage)-1].Status
}

// LastVerification is the latest verification result, nil if never verified.
func (f *Finding) LastVerification() *Verification {
	if len(f.Verifications) == 0 {
		return nil
	}
	return &f.Verifications[len(f.Verifications)-1]
}

// Repos lists the distinct repositories the finding occurs in, sorted.
func (f *Finding) Repos() []string {
	var out []string
	for _, o := range f.Occurrences {
		out = append(out, o.Repo)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// FirstCommitDate is the earliest commit date among the occurrences (zero
// if none came from a commit).
func (f *Finding) FirstCommitDate() time.Time {
	var first time.Time
	for _, o := range f.Occurrences {
		if !o.Date.IsZero() && (first.IsZero() || o.Date.Before(first)) {
			first = o.Date
		}
	}
	return first
}

// ScannerFinding converts to the scanner's type, for the report writers;
// each location's Remote names its repository.
func (f *Finding) ScannerFinding() scanner.Finding {
	sf := scanner.Finding{
		RuleID: f.RuleID, Provider: f.Provider, Description: f.Description,
		Secret: f.Secret, Fingerprint: f.Fingerprint, Context: f.Context,
	}
	for _, o := range f.Occurrences {
		l := scanner.Location{
			Origin: source.Origin{Kind: o.Kind, Path: o.Path, BlobID: o.Blob, Remote: o.Repo, Unreachable: o.Unreachable},
			Line:   o.Line, Column: o.Column, Offset: o.Offset,
		}
		if o.Commit != "" {
			l.Commit = &source.Commit{Hash: o.Commit, AuthorName: o.AuthorName, AuthorEmail: o.AuthorEmail, Date: o.Date, Message: o.Message}
		}
		sf.Locations = append(sf.Locations, l)
	}
	return sf
}

// ErrNoFinding means no finding matched.
var ErrNoFinding = errors.New("no such finding")

// SetStatus appends a triage event to the findings with the fingerprint
// (and rule, when ruleID is not empty). Events are history: nothing is
// overwritten, and the latest by time is the status.
func (s *Store) SetStatus(ctx context.Context, fingerprint, ruleID string, ev TriageEvent) error {
	if _, err := ParseStatus(string(ev.Status)); err != nil {
		return err
	}
	if ev.At.IsZero() {
		ev.At = s.now()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		ids, err := findingIDs(ctx, tx, fingerprint, ruleID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO triage_events(finding_id, at, status, who, why)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, id, nanos(ev.At), string(ev.Status), ev.Who, ev.Why); err != nil {
				return fmt.Errorf("store: triage: %w", err)
			}
		}
		return nil
	})
}

// AddVerification records a verification result for the findings with the
// fingerprint (and rule, when ruleID is not empty).
func (s *Store) AddVerification(ctx context.Context, fingerprint, ruleID string, v Verification) error {
	if v.At.IsZero() {
		v.At = s.now()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		ids, err := findingIDs(ctx, tx, fingerprint, ruleID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := insertVerification(ctx, tx, id, v); err != nil {
				return err
			}
		}
		return nil
	})
}

func findingIDs(ctx context.Context, tx *sql.Tx, fingerprint, ruleID string) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM findings WHERE fingerprint = ? AND (? = '' OR rule_id = ?)`,
		fingerprint, ruleID, ruleID)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("store: %w: %s", ErrNoFinding, truncate(fingerprint, 80))
	}
	return ids, nil
}

// Filter selects findings; empty fields match everything.
type Filter struct {
	// Fingerprint matches by prefix, so people can type a short one.
	Fingerprint string
	RuleID      string
	Provider    string
	Repo        string // repository URL: findings with an occurrence there
	Status      Status
}

// Findings returns the matching findings with their occurrences,
// verifications and triage history, ordered by rule then fingerprint.
func (s *Store) Findings(ctx context.Context, flt Filter) ([]Finding, error) {
	q := `SELECT id, fingerprint, rule_id, provider, description, redacted, COALESCE(secret, ''), context, first_seen
		FROM findings f WHERE 1=1`
	var args []any
	if flt.Fingerprint != "" {
		q += ` AND substr(fingerprint, 1, ?) = ?`
		args = append(args, len(flt.Fingerprint), flt.Fingerprint)
	}
	if flt.RuleID != "" {
		q += ` AND rule_id = ?`
		args = append(args, flt.RuleID)
	}
	if flt.Provider != "" {
		q += ` AND provider = ?`
		args = append(args, flt.Provider)
	}
	if flt.Repo != "" {
		q += ` AND EXISTS (SELECT 1 FROM occurrences o JOIN repos r ON r.id = o.repo_id WHERE o.finding_id = f.id AND r.url = ?)`
		args = append(args, CleanURL(flt.Repo))
	}
	q += ` ORDER BY rule_id, fingerprint`
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: findings: %w", err)
	}
	var out []Finding
	index := map[int64]int{}
	for rows.Next() {
		var f Finding
		var id, first int64
		var ctxJSON string
		if err := rows.Scan(&id, &f.Fingerprint, &f.RuleID, &f.Provider, &f.Description, &f.Redacted, &f.Secret, &ctxJSON, &first); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: findings: %w", err)
		}
		if err := json.Unmarshal([]byte(ctxJSON), &f.Context); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: finding context: %w", err)
		}
		if len(f.Context) == 0 {
			f.Context = nil
		}
		f.FirstSeen = fromNanos(first)
		index[id] = len(out)
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: findings: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	if err := s.loadOccurrences(ctx, out, index); err != nil {
		return nil, err
	}
	if err := s.loadVerifications(ctx, out, index); err != nil {
		return nil, err
	}
	if err := s.loadTriage(ctx, out, index); err != nil {
		return nil, err
	}
	if flt.Status != "" {
		kept := out[:0]
		for _, f := range out {
			if f.Status() == flt.Status {
				kept = append(kept, f)
			}
		}
		out = kept
	}
	return out, nil
}

func (s *Store) loadOccurrences(ctx context.Context, out []Finding, index map[int64]int) error {
	rows, err := s.r.QueryContext(ctx, `SELECT o.finding_id, r.url, o.kind, o.commit_hash, o.path, o.line, o.col, o.offset,
		o.blob, o.author_name, o.author_email, o.date, o.message, o.unreachable, o.first_seen
		FROM occurrences o JOIN repos r ON r.id = o.repo_id
		ORDER BY r.url, o.path, o.line, o.col, o.commit_hash, o.blob`)
	if err != nil {
		return fmt.Errorf("store: occurrences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var fid, date, first int64
		var o Occurrence
		if err := rows.Scan(&fid, &o.Repo, &o.Kind, &o.Commit, &o.Path, &o.Line, &o.Column, &o.Offset,
			&o.Blob, &o.AuthorName, &o.AuthorEmail, &date, &o.Message, &o.Unreachable, &first); err != nil {
			return fmt.Errorf("store: occurrences: %w", err)
		}
		i, ok := index[fid]
		if !ok {
			continue
		}
		o.Date, o.FirstSeen = fromNanos(date), fromNanos(first)
		out[i].Occurrences = append(out[i].Occurrences, o)
	}
	return rows.Err()
}

func (s *Store) loadVerifications(ctx context.Context, out []Finding, index map[int64]int) error {
	// Ordered by time, then by content: the same order whatever order
	// stores were merged in.
	rows, err := s.r.QueryContext(ctx, `SELECT finding_id, at, state, reason, host, owner FROM verifications
		ORDER BY finding_id, at, state, reason, host, owner`)
	if err != nil {
		return fmt.Errorf("store: verifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var fid, at int64
		var v Verification
		var owner string
		if err := rows.Scan(&fid, &at, &v.State, &v.Reason, &v.Host, &owner); err != nil {
			return fmt.Errorf("store: verifications: %w", err)
		}
		i, ok := index[fid]
		if !ok {
			continue
		}
		if err := json.Unmarshal([]byte(owner), &v.Owner); err != nil {
			return fmt.Errorf("store: verification owner: %w", err)
		}
		if len(v.Owner) == 0 {
			v.Owner = nil
		}
		v.At = fromNanos(at)
		out[i].Verifications = append(out[i].Verifications, v)
	}
	return rows.Err()
}

func (s *Store) loadTriage(ctx context.Context, out []Finding, index map[int64]int) error {
	rows, err := s.r.QueryContext(ctx, `SELECT finding_id, at, status, who, why FROM triage_events
		ORDER BY finding_id, at, status, who, why`)
	if err != nil {
		return fmt.Errorf("store: triage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var fid, at int64
		var ev TriageEvent
		if err := rows.Scan(&fid, &at, &ev.Status, &ev.Who, &ev.Why); err != nil {
			return fmt.Errorf("store: triage: %w", err)
		}
		i, ok := index[fid]
		if !ok {
			continue
		}
		ev.At = fromNanos(at)
		out[i].Triage = append(out[i].Triage, ev)
	}
	return rows.Err()
}
