package cmd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scour-dev/scour/report"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
	"github.com/scour-dev/scour/store"
)

// sweptStore writes a store as a sweep would: secret in two repositories,
// another in one, with hostile names.
func sweptStore(t *testing.T, path string, repos ...string) (shared, other string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fp := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	secret := fakeGitHubPAT("store")
	shared, other = fp(secret), fp("AKIAIOSFODNN7EXAMPLE")
	when := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	for i, repo := range repos {
		f := scanner.Finding{RuleID: "github-pat", Provider: "github", Secret: secret, Fingerprint: shared,
			Locations: []scanner.Location{{Origin: source.Origin{Kind: "blob", Path: "ci/\x1b[31mdeploy.sh",
				Commit: &source.Commit{Hash: strings.Repeat("c", 40), AuthorName: "Ann", AuthorEmail: "ann@example.com", Date: when}}, Line: 3, Column: 1}}}
		fs := []scanner.Finding{f}
		if i == 0 {
			fs = append(fs, scanner.Finding{RuleID: "aws-access-key", Provider: "aws", Secret: "AKIAIOSFODNN7EXAMPLE", Fingerprint: other,
				Locations: []scanner.Location{{Origin: source.Origin{Kind: "blob", Path: "<b>x</b>.env"}, Line: 1, Column: 1}}})
		}
		if err := st.RecordScan(ctx, store.Scan{Repo: store.Repo{URL: repo}, At: when, Findings: fs}); err != nil {
			t.Fatal(err)
		}
	}
	return shared, other
}

func TestFindingsListShowSet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "scour.db")
	shared, other := sweptStore(t, db, "https://git.example.com/a.git", "https://git.example.com/b.git")

	code, out, errOut := runCLI(t, "", "findings", "--store", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "open    github") && !strings.Contains(out, "open") || !strings.Contains(out, shared[:16]) || !strings.Contains(out, "2024-02-03") {
		t.Errorf("list:\n%s", out)
	}
	if strings.Contains(out, fakeGitHubPAT("store")) {
		t.Error("list shows the secret")
	}

	code, out, _ = runCLI(t, "", "findings", "show", shared[:10], "--store", db)
	if code != 0 || strings.Count(out, "  at  ") != 2 || strings.Contains(out, "\x1b") {
		t.Errorf("show (exit %d):\n%q", code, out)
	}

	code, _, errOut = runCLI(t, "", "findings", "set", shared[:12], "--status", "revoked", "--reason", "revoked in GitHub", "--who", "ann", "--store", db)
	if code != 0 {
		t.Fatalf("set: exit %d: %s", code, errOut)
	}
	code, out, _ = runCLI(t, "", "findings", "--store", db, "--status", "revoked", "--format", "json")
	var list []struct {
		Fingerprint string `json:"fingerprint"`
		Status      string `json:"status"`
		Triage      []struct{ Who, Why string }
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 {
		t.Fatalf("json: %v (exit %d) %s", err, code, out)
	}
	if len(list) != 1 || list[0].Fingerprint != shared || list[0].Triage[0].Who != "ann" {
		t.Errorf("revoked findings: %+v", list)
	}

	for _, bad := range [][]string{
		{"findings", "set", shared, "--status", "ignored", "--reason", "x", "--store", db},
		{"findings", "set", shared, "--status", "revoked", "--store", db},
		{"findings", "set", "ffff", "--status", "revoked", "--reason", "x", "--store", db},
		{"findings", "--store", filepath.Join(dir, "missing.db")},
		{"findings", "--store", db, "--format", "xml"},
	} {
		if code, _, _ := runCLI(t, "", bad...); code != ExitError {
			t.Errorf("%q: exit %d, want %d", bad, code, ExitError)
		}
	}

	// A .scourignore entry for a finding the store has open is pointed out.
	ign := filepath.Join(dir, ".scourignore")
	os.WriteFile(ign, []byte(other+"  # sample key\n"), 0o600)
	code, _, errOut = runCLI(t, "", "findings", "--store", db, "--ignore-file", ign)
	if code != ExitError || !strings.Contains(errOut, "open in the store") {
		t.Errorf("ignore file disagreement: exit %d, %s", code, errOut)
	}
}

func TestReportFromStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "scour.db")
	shared, _ := sweptStore(t, db, "https://git.example.com/a.git", "https://git.example.com/b.git")

	out := filepath.Join(dir, "r.html")
	code, _, errOut := runCLI(t, "", "report", "--store", db, "--report", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v", fi.Mode().Perm())
	}
	html := string(data)
	if !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.Contains(html, "&lt;b&gt;x&lt;/b&gt;.env") || strings.Contains(html, "<b>x</b>") {
		t.Error("html report from the store: missing or unescaped")
	}

	code, js, _ := runCLI(t, "", "report", "--store", db, "--format", "json")
	var rep report.JSONReport
	if err := json.Unmarshal([]byte(js), &rep); err != nil || code != 0 {
		t.Fatalf("json: %v", err)
	}
	for _, f := range rep.Findings {
		if f.Fingerprint == shared && (f.SecretRedacted != "ghp_…" && !strings.HasPrefix(f.SecretRedacted, "ghp_")) {
			t.Errorf("redacted preview from the store: %q", f.SecretRedacted)
		}
		if f.Fingerprint == shared && (len(f.Locations) != 2 || f.Locations[0].Remote == "") {
			t.Errorf("locations: %+v", f.Locations)
		}
	}
	if code, _, _ := runCLI(t, "", "report", "--store", db, "--format", "nope"); code != ExitError {
		t.Errorf("bad format: exit %d", code)
	}
}

func TestStoreMergeCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	sweptStore(t, a, "https://git.example.com/a.git")
	sweptStore(t, b, "https://git.example.com/b.git", "https://git.example.com/a.git")
	dst := filepath.Join(dir, "all.db")
	code, _, errOut := runCLI(t, "", "store", "merge", dst, a, b)
	if code != 0 || !strings.Contains(errOut, "+2 findings") {
		t.Fatalf("merge: exit %d: %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "", "store", "merge", dst, a, b)
	if code != 0 || !strings.Contains(errOut, "+0 findings, +0 places") {
		t.Errorf("second merge: %s", errOut)
	}
	code, out, _ := runCLI(t, "", "findings", "--store", dst, "--format", "json")
	var list []struct{ Repositories []string }
	json.Unmarshal([]byte(out), &list)
	if code != 0 || len(list) != 2 {
		t.Fatalf("merged findings: %s", out)
	}
	if code, _, _ := runCLI(t, "", "store", "merge", dst, filepath.Join(dir, "missing.db")); code != ExitError {
		t.Errorf("merging a missing store: exit %d", code)
	}
}
