package store

import (
	"bufio"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/scour-dev/scour/access"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newStore(t *testing.T) *Store {
	return open(t, filepath.Join(t.TempDir(), "scour.db"))
}

func oid(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func fp(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// finding builds a scanner finding of secret at path:line in commit.
func finding(rule, secret, path string, line int, commit string, date time.Time) scanner.Finding {
	return scanner.Finding{
		RuleID: rule, Provider: strings.SplitN(rule, "-", 2)[0], Description: rule + " token",
		Secret: secret, Fingerprint: fp(secret),
		Locations: []scanner.Location{{
			Origin: source.Origin{Kind: "blob", Path: path, BlobID: oid(secret + path),
				Commit: &source.Commit{Hash: oid(commit), AuthorName: "Ann", AuthorEmail: "ann@example.com", Date: date, Message: "add " + path}},
			Line: line, Column: 5,
		}},
	}
}

func TestOneFindingManyRepositories(t *testing.T) {
	// A secret in fourteen repositories is one finding with fourteen
	// places, verified once.
	ctx := context.Background()
	s := newStore(t)
	const secret = "ghp_0123456789abcdefghijABCDEFGHIJ012345"
	for i := range 14 {
		sc := Scan{
			Repo:     Repo{URL: fmt.Sprintf("https://example.com/org/r%02d.git", i), Forge: "github"},
			At:       t0.Add(time.Duration(i) * time.Minute),
			Findings: []scanner.Finding{finding("github-pat", secret, "ci/deploy.sh", 3, fmt.Sprint("c", i), t0.AddDate(0, -i, 0))},
		}
		if i == 0 {
			sc.Verification = map[string]Verification{fp(secret): {State: "live", Host: "api.github.com", Owner: map[string]string{"login": "ann"}}}
		}
		if err := s.RecordScan(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := s.Findings(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	f := fs[0]
	if n := len(f.Repos()); n != 14 || len(f.Occurrences) != 14 {
		t.Errorf("finding in %d repositories with %d occurrences, want 14 and 14", n, len(f.Occurrences))
	}
	if ok, err := s.Verified(ctx, fp(secret)); !ok || err != nil {
		t.Errorf("Verified = %v, %v", ok, err)
	}
	if ok, _ := s.Verified(ctx, fp("never")); ok {
		t.Error("Verified(unknown) = true")
	}
	if len(f.Verifications) != 1 || f.LastVerification().State != "live" || f.LastVerification().Owner["login"] != "ann" {
		t.Errorf("verifications = %+v, want one live", f.Verifications)
	}
	if f.Secret != "" {
		t.Errorf("secret stored without StoreSecrets: %q", f.Secret)
	}
	if f.Redacted == "" || strings.Contains(f.Redacted, secret[8:]) {
		t.Errorf("redacted preview %q", f.Redacted)
	}
	if got, want := f.FirstCommitDate(), t0.AddDate(0, -13, 0); !got.Equal(want) {
		t.Errorf("first commit date %v, want %v", got, want)
	}
	if !f.FirstSeen.Equal(t0) {
		t.Errorf("first seen %v, want the first scan's time %v", f.FirstSeen, t0)
	}
	o := f.Occurrences[0]
	if o.Repo != "https://example.com/org/r00.git" || o.Path != "ci/deploy.sh" || o.Line != 3 || o.Column != 5 ||
		o.Commit != oid("c0") || o.AuthorEmail != "ann@example.com" || !o.Date.Equal(t0) {
		t.Errorf("occurrence = %+v", o)
	}
	// The converted finding names each location's repository.
	sf := f.ScannerFinding()
	if len(sf.Locations) != 14 || sf.Locations[3].Remote != "https://example.com/org/r03.git" || sf.Locations[3].Commit == nil {
		t.Errorf("scanner finding locations = %+v", sf.Locations[:1])
	}
	// Filter by repository and by fingerprint prefix.
	if fs, _ := s.Findings(ctx, Filter{Repo: "https://example.com/org/r07.git"}); len(fs) != 1 {
		t.Errorf("filter by repo: %d findings", len(fs))
	}
	if fs, _ := s.Findings(ctx, Filter{Repo: "https://example.com/org/none.git"}); len(fs) != 0 {
		t.Errorf("filter by unknown repo: %d findings", len(fs))
	}
	if fs, _ := s.Findings(ctx, Filter{Fingerprint: fp(secret)[:8]}); len(fs) != 1 {
		t.Errorf("filter by fingerprint prefix: %d findings", len(fs))
	}
}

func TestRecordScanIsIdempotent(t *testing.T) {
	// A sweep killed after a commit re-runs the same scan: nothing doubles.
	ctx := context.Background()
	s := newStore(t)
	sc := Scan{
		Repo:     Repo{URL: "/srv/git/a.git"},
		At:       t0,
		Tips:     map[string]string{"refs/heads/main": oid("c1")},
		Objects:  []string{oid("c1"), oid("t1"), oid("b1")},
		Findings: []scanner.Finding{finding("aws-key", "AKIAIOSFODNN7EXAMPLE", "a.env", 1, "c1", t0)},
	}
	for range 2 {
		if err := s.RecordScan(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	d := dump(t, s)
	for _, want := range []string{"findings 1", "occurrences 1", "scanned 3"} {
		if !strings.Contains(d, want+"\n") {
			t.Errorf("dump lacks %q:\n%s", want, d)
		}
	}
}

func TestScannedObjects(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const url = "https://example.com/a.git"
	var all []string
	// More scans than maxRuns: runs are compacted, nothing is lost.
	for i := range maxRuns + 5 {
		ids := []string{oid(fmt.Sprint("x", i)), oid(fmt.Sprint("y", i)), oid("shared")}
		all = append(all, ids...)
		if err := s.RecordScan(ctx, Scan{Repo: Repo{URL: url}, Objects: ids}); err != nil {
			t.Fatal(err)
		}
	}
	sha256ID := strings.Repeat("ab", 32)
	if err := s.RecordScan(ctx, Scan{Repo: Repo{URL: url}, Objects: []string{sha256ID}}); err != nil {
		t.Fatal(err)
	}
	set, err := s.ScannedObjects(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range append(all, sha256ID) {
		if !set.Has(id) {
			t.Fatalf("set lacks %s", id)
		}
	}
	if want := 2*(maxRuns+5) + 1 + 1; set.Len() != want {
		t.Errorf("Len = %d, want %d (duplicates dropped)", set.Len(), want)
	}
	for _, id := range []string{oid("never"), "zz", "", strings.Repeat("ab", 21)} {
		if set.Has(id) {
			t.Errorf("Has(%q) = true", id)
		}
	}
	var runs int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM scanned_objects`).Scan(&runs); err != nil {
		t.Fatal(err)
	}
	if runs > maxRuns+1 {
		t.Errorf("%d runs stored, want at most %d per width", runs, maxRuns)
	}
	if set, err := s.ScannedObjects(ctx, "https://example.com/unknown.git"); err != nil || set.Len() != 0 {
		t.Errorf("unknown repo: %v %v", set.Len(), err)
	}
	err = s.RecordScan(ctx, Scan{Repo: Repo{URL: url}, Objects: []string{"not-hex"}})
	if err == nil || !strings.Contains(err.Error(), "not a git object id") {
		t.Errorf("bad id: %v", err)
	}
}

func TestTriageHistory(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const secret = "xoxb-1234567890-abcdefghijkl"
	if err := s.RecordScan(ctx, Scan{Repo: Repo{URL: "/r"}, Findings: []scanner.Finding{finding("slack-bot", secret, "x", 1, "c", t0)}}); err != nil {
		t.Fatal(err)
	}
	// Events given out of order are kept in time order; the latest wins.
	events := []TriageEvent{
		{Status: StatusRevoked, Who: "bob", Why: "revoked in Slack admin", At: t0.Add(2 * time.Hour)},
		{Status: StatusAcceptedRisk, Who: "ann", Why: "test workspace", At: t0.Add(1 * time.Hour)},
	}
	for _, ev := range events {
		if err := s.SetStatus(ctx, fp(secret), "", ev); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := s.Findings(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	f := fs[0]
	if f.Status() != StatusRevoked || len(f.Triage) != 2 || f.Triage[0].Who != "ann" || f.Triage[1].Why != "revoked in Slack admin" {
		t.Errorf("status %s, history %+v", f.Status(), f.Triage)
	}
	if fs, _ := s.Findings(ctx, Filter{Status: StatusOpen}); len(fs) != 0 {
		t.Errorf("open filter matched a revoked finding")
	}
	if fs, _ := s.Findings(ctx, Filter{Status: StatusRevoked}); len(fs) != 1 {
		t.Errorf("revoked filter matched %d", len(fs))
	}
	if err := s.SetStatus(ctx, fp(secret), "", TriageEvent{Status: "ignored"}); err == nil || !strings.Contains(err.Error(), "unknown status") {
		t.Errorf("bad status: %v", err)
	}
	if err := s.SetStatus(ctx, fp("other"), "", TriageEvent{Status: StatusRotated}); !errors.Is(err, ErrNoFinding) {
		t.Errorf("unknown fingerprint: %v", err)
	}
	if err := s.AddVerification(ctx, fp(secret), "slack-bot", Verification{State: "dead", At: t0.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	fs, _ = s.Findings(ctx, Filter{})
	if v := fs[0].LastVerification(); v == nil || v.State != "dead" || !v.At.Equal(t0.Add(3*time.Hour)) || v.Analysis != nil {
		t.Errorf("last verification %+v", v)
	}
	// verify --analyze: the analysis is kept with the verification.
	an := &access.Report{Available: true, Scopes: []string{"chat:write"}, ScopesKnown: true,
		Flags: []access.Flag{{ID: access.FlagWriteScope, Severity: access.SeverityMedium, Message: "write scopes: chat:write", Doc: "https://api.slack.com/authentication/best-practices"}}}
	if err := s.AddVerification(ctx, fp(secret), "slack-bot", Verification{State: "live", At: t0.Add(4 * time.Hour), Analysis: an}); err != nil {
		t.Fatal(err)
	}
	fs, _ = s.Findings(ctx, Filter{})
	if v := fs[0].LastVerification(); v == nil || v.Analysis == nil || v.Analysis.Flags[0].ID != access.FlagWriteScope || v.Analysis.Scopes[0] != "chat:write" {
		t.Errorf("analysis not kept: %+v", v)
	}
}

func TestSecretsAndCredentials(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "s.db")
	s := open(t, path)
	const secret = "glpat-abcdefghij0123456789"
	err := s.RecordScan(ctx, Scan{
		Repo:         Repo{URL: "https://oauth2:glpat-CLONECREDENTIAL0000@gitlab.example.com/g/p.git?private_token=x#frag"},
		Findings:     []scanner.Finding{finding("gitlab-pat", secret, "x", 1, "c", t0)},
		StoreSecrets: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordFailure(ctx, Repo{URL: "https://u:pw@gitlab.example.com/g/q.git"}, "clone: timeout", t0); err != nil {
		t.Fatal(err)
	}
	repos, err := s.Repos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 2 || repos[0].URL != "https://gitlab.example.com/g/p.git" || repos[1].URL != "https://gitlab.example.com/g/q.git" {
		t.Errorf("repos = %+v", repos)
	}
	if repos[1].LastError != "clone: timeout" || !repos[1].LastScan.IsZero() {
		t.Errorf("failed repo = %+v", repos[1])
	}
	fs, _ := s.Findings(ctx, Filter{})
	if fs[0].Secret != secret {
		t.Errorf("StoreSecrets: secret = %q", fs[0].Secret)
	}
	s.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "CLONECREDENTIAL") || strings.Contains(string(raw), "u:pw") {
		t.Error("a clone credential reached the store file")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("store mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	// A store written at schema v1 by an older scour...
	db, err := sql.Open("sqlite", dsn(path, time.Second, false))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, db, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO repos(url) VALUES ('/old/repo')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// ...is refused read-only, upgraded by a normal open, data kept.
	if _, err := Open(ctx, path, Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "older") {
		t.Errorf("read-only open of an old store: %v", err)
	}
	s := open(t, path)
	if v, _ := schemaVersion(ctx, s.r); v != SchemaVersion() {
		t.Errorf("schema v%d after open, want v%d", v, SchemaVersion())
	}
	if _, ok, _ := s.Repo(ctx, "/old/repo"); !ok {
		t.Error("repository lost in migration")
	}
	s.Close()
	// A newer store is refused, not damaged.
	db, _ = sql.Open("sqlite", dsn(path, time.Second, false))
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(ctx, path, Options{}); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("open of a newer store: %v", err)
	}
	// Not a database at all: a clear error.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("not sqlite ", 100)), 0o600)
	if _, err := Open(ctx, junk, Options{}); err == nil {
		t.Error("opened a file that is not a database")
	}
}

func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	open(t, path).Close()
	s, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.UpsertRepo(ctx, Repo{URL: "/x"}); err == nil {
		t.Error("read-only store accepted a write")
	}
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "missing.db"), Options{ReadOnly: true}); err == nil {
		t.Error("read-only open created a store")
	}
}

// dump is a canonical text form of a store, independent of row ids and
// insertion order, for comparing merges.
func dump(t *testing.T, s *Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	repos, err := s.Repos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scanned := 0
	for _, r := range repos {
		fmt.Fprintf(&b, "repo %s name=%s forge=%s tips=%v last=%d err=%q\n", r.URL, r.Name, r.Forge, r.Tips, r.LastScan.UnixNano(), r.LastError)
		set, err := s.ScannedObjects(ctx, r.URL)
		if err != nil {
			t.Fatal(err)
		}
		scanned += set.Len()
	}
	fs, err := s.Findings(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	occ := 0
	for _, f := range fs {
		fmt.Fprintf(&b, "finding %s %s %s %q first=%d status=%s\n", f.RuleID, f.Fingerprint[:12], f.Provider, f.Redacted, f.FirstSeen.UnixNano(), f.Status())
		for _, o := range f.Occurrences {
			occ++
			fmt.Fprintf(&b, "  at %s %s:%d:%d %s %s first=%d\n", o.Repo, o.Path, o.Line, o.Column, o.Commit[:8], o.AuthorEmail, o.FirstSeen.UnixNano())
		}
		for _, v := range f.Verifications {
			fmt.Fprintf(&b, "  verified %s %s %v at=%d\n", v.State, v.Host, v.Owner, v.At.UnixNano())
		}
		for _, e := range f.Triage {
			fmt.Fprintf(&b, "  triage %s by %s: %s at=%d\n", e.Status, e.Who, e.Why, e.At.UnixNano())
		}
	}
	fmt.Fprintf(&b, "findings %d\noccurrences %d\nscanned %d\n", len(fs), occ, scanned)
	return b.String()
}

// shardStores builds two shard stores that share a secret and a
// repository (scanned by both at different times), with triage on both.
func shardStores(t *testing.T) (a, b string) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b = filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	shared := "AKIAIOSFODNN7EXAMPLE"
	sa, sb := open(t, a), open(t, b)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sa.RecordScan(ctx, Scan{Repo: Repo{URL: "/r/one", Name: "one"}, At: t0, Tips: map[string]string{"refs/heads/main": oid("1")},
		Objects:  []string{oid("1"), oid("2")},
		Findings: []scanner.Finding{finding("aws-key", shared, "a.env", 1, "c1", t0), finding("slack-bot", "xoxb-only-in-a", "s", 2, "c1", t0)}}))
	must(sa.RecordScan(ctx, Scan{Repo: Repo{URL: "/r/both"}, At: t0, Tips: map[string]string{"refs/heads/main": oid("old")},
		Objects: []string{oid("old")}, Findings: []scanner.Finding{finding("aws-key", shared, "b.env", 7, "c2", t0)}}))
	must(sb.RecordScan(ctx, Scan{Repo: Repo{URL: "/r/two", Forge: "gitlab"}, At: t0.Add(time.Hour),
		Objects:      []string{oid("3")},
		Findings:     []scanner.Finding{finding("aws-key", shared, "c.env", 4, "c3", t0.AddDate(-1, 0, 0))},
		Verification: map[string]Verification{fp(shared): {State: "live", Host: "sts.amazonaws.com", At: t0.Add(time.Hour)}}}))
	must(sb.RecordScan(ctx, Scan{Repo: Repo{URL: "/r/both", Name: "both"}, At: t0.Add(2 * time.Hour), Tips: map[string]string{"refs/heads/main": oid("new")},
		Objects: []string{oid("old"), oid("new")}, Findings: []scanner.Finding{finding("aws-key", shared, "b.env", 7, "c2", t0)}}))
	must(sb.RecordFailure(ctx, Repo{URL: "/r/broken"}, "fetch: 503", t0))
	must(sa.SetStatus(ctx, fp(shared), "", TriageEvent{Status: StatusAcceptedRisk, Who: "ann", Why: "sandbox", At: t0.Add(time.Minute)}))
	must(sb.SetStatus(ctx, fp(shared), "", TriageEvent{Status: StatusRevoked, Who: "bob", Why: "live key", At: t0.Add(3 * time.Hour)}))
	must(sa.Close())
	must(sb.Close())
	return a, b
}

func TestMerge(t *testing.T) {
	ctx := context.Background()
	a, b := shardStores(t)
	dir := t.TempDir()
	ab, ba := open(t, filepath.Join(dir, "ab.db")), open(t, filepath.Join(dir, "ba.db"))
	for _, src := range []string{a, b} {
		if _, err := ab.Merge(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	for _, src := range []string{b, a} {
		if _, err := ba.Merge(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	got := dump(t, ab)
	if other := dump(t, ba); got != other {
		t.Errorf("merge depends on order:\n%s\nvs\n%s", got, other)
	}
	// Merging again adds nothing.
	st, err := ab.Merge(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if st != (MergeStats{}) {
		t.Errorf("second merge added %+v", st)
	}
	if again := dump(t, ab); again != got {
		t.Errorf("second merge changed the store:\n%s\nvs\n%s", again, got)
	}

	fs, err := ab.Findings(ctx, Filter{RuleID: "aws-key"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("aws-key findings: %d, want 1 (merged by fingerprint)", len(fs))
	}
	f := fs[0]
	if len(f.Occurrences) != 3 || len(f.Repos()) != 3 {
		t.Errorf("merged finding: %d occurrences in %v, want 3 in 3 (the shared repo's once)", len(f.Occurrences), f.Repos())
	}
	if len(f.Triage) != 2 || f.Triage[0].Who != "ann" || f.Status() != StatusRevoked {
		t.Errorf("triage after merge: %+v (status %s)", f.Triage, f.Status())
	}
	if len(f.Verifications) != 1 || f.Verifications[0].State != "live" {
		t.Errorf("verifications after merge: %+v", f.Verifications)
	}
	if !f.FirstSeen.Equal(t0) {
		t.Errorf("first seen %v, want the earliest %v", f.FirstSeen, t0)
	}
	both, _, _ := ab.Repo(ctx, "/r/both")
	if both.Tips["refs/heads/main"] != oid("new") || both.Name != "both" || !both.LastScan.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("shared repo after merge: %+v (want the later scan's tips)", both)
	}
	set, _ := ab.ScannedObjects(ctx, "/r/both")
	if set.Len() != 2 || !set.Has(oid("old")) || !set.Has(oid("new")) {
		t.Errorf("scanned set of the shared repo: %d ids", set.Len())
	}
	broken, _, _ := ab.Repo(ctx, "/r/broken")
	if broken.LastError != "fetch: 503" {
		t.Errorf("failure lost in merge: %+v", broken)
	}
	if _, err := ab.Merge(ctx, ab.Path()); err == nil {
		t.Error("merged a store into itself")
	}
	if _, err := ab.Merge(ctx, filepath.Join(dir, "missing.db")); err == nil {
		t.Error("merged a missing store")
	}
}

func TestMergeOlderSchemaSource(t *testing.T) {
	// The source of a merge is never written, even to upgrade it.
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", dsn(src, time.Second, false))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, db, 1); err != nil {
		t.Fatal(err)
	}
	db.Exec(`INSERT INTO repos(url, last_scan) VALUES ('/v1/repo', 5)`)
	db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	db.Close()
	before, _ := os.ReadFile(src)
	dst := newStore(t)
	st, err := dst.Merge(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if st.Repos != 1 {
		t.Errorf("merged %+v", st)
	}
	after, _ := os.ReadFile(src)
	if string(before) != string(after) {
		t.Error("merge modified its source")
	}
}

// TestKillNine kills a writing process with SIGKILL and checks that every
// scan it had reported committed is in the store, and the store is sound.
func TestKillNine(t *testing.T) {
	if os.Getenv("SCOUR_STORE_CHILD") != "" {
		t.Skip("child process")
	}
	path := filepath.Join(t.TempDir(), "k.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillNineChild$")
	cmd.Env = append(os.Environ(), "SCOUR_STORE_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	committed := -1
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
			committed, _ = strconv.Atoi(n)
			if committed >= 20 {
				break
			}
		}
	}
	cmd.Process.Kill() // SIGKILL: no cleanup, WAL not checkpointed
	cmd.Wait()
	if committed < 20 {
		t.Fatalf("child reported %d commits", committed)
	}
	s := open(t, path)
	var check string
	if err := s.r.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	repos, err := s.Repos(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range repos {
		have[r.URL] = true
	}
	for i := 0; i <= committed; i++ {
		if !have[fmt.Sprintf("/repo/%d", i)] {
			t.Errorf("committed scan %d lost", i)
		}
	}
}

// TestKillNineChild is the process TestKillNine kills.
func TestKillNineChild(t *testing.T) {
	path := os.Getenv("SCOUR_STORE_CHILD")
	if path == "" {
		t.Skip("run by TestKillNine")
	}
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		err := s.RecordScan(context.Background(), Scan{
			Repo: Repo{URL: fmt.Sprintf("/repo/%d", i)}, Objects: []string{oid(fmt.Sprint(i))},
			Findings: []scanner.Finding{finding("aws-key", fmt.Sprintf("AKIA%016d", i), "f", 1, "c", t0)},
		})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("committed %d\n", i)
	}
}

// TestScannedObjectsFollowTheProfile: a set only grows under one profile;
// a scan under another starts it afresh, and a merge keeps the later
// scan's profile and only its set, in either order.
func TestScannedObjectsFollowTheProfile(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const url = "/r/p"
	rec := func(s *Store, profile string, at time.Time, ids ...string) {
		t.Helper()
		if err := s.RecordScan(ctx, Scan{Repo: Repo{URL: url}, At: at, Profile: profile, Objects: ids}); err != nil {
			t.Fatal(err)
		}
	}
	rec(s, "v1", t0, oid("a"))
	raw, _ := hex.DecodeString(oid("b"))
	if err := s.RecordScan(ctx, Scan{Repo: Repo{URL: url}, At: t0, Profile: "v1", ObjectIDs: [][]byte{raw}}); err != nil {
		t.Fatal(err)
	}
	set, _ := s.ScannedObjects(ctx, url)
	if set.Len() != 2 || !set.HasRaw(raw) || !set.Has(oid("a")) {
		t.Fatalf("same profile: %d ids", set.Len())
	}
	rec(s, "v2", t0.Add(time.Hour), oid("c"))
	set, _ = s.ScannedObjects(ctx, url)
	if r, _, _ := s.Repo(ctx, url); set.Len() != 1 || !set.Has(oid("c")) || r.Profile != "v2" {
		t.Fatalf("another profile: %d ids, profile %q", set.Len(), r.Profile)
	}

	dir := t.TempDir()
	older, newer := open(t, filepath.Join(dir, "old.db")), open(t, filepath.Join(dir, "new.db"))
	rec(older, "v1", t0, oid("a"), oid("b"))
	rec(newer, "v2", t0.Add(time.Hour), oid("c"))
	for _, order := range [][]*Store{{older, newer}, {newer, older}} {
		m := open(t, filepath.Join(t.TempDir(), "m.db"))
		for _, src := range order {
			if _, err := m.Merge(ctx, src.Path()); err != nil {
				t.Fatal(err)
			}
		}
		set, _ := m.ScannedObjects(ctx, url)
		if r, _, _ := m.Repo(ctx, url); set.Len() != 1 || !set.Has(oid("c")) || r.Profile != "v2" {
			t.Errorf("merged %s then %s: %d ids, profile %q", order[0].Path(), order[1].Path(), set.Len(), r.Profile)
		}
	}
}
