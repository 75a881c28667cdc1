package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// Fake tokens, assembled here so the source file itself holds none.
var (
	fakeGitHub  = "ghp_" + "SCOURfakeEXAMPLEtoken0000000000000000"
	fakeYunxiao = "pt-" + "SCOURfakeEXAMPLEtoken000" + "_" + "00000000-0000-4000-8000-000000000000"
	fakePass    = "hunter2" + "secretpw"
)

// sample is a result with findings from a file, stdin and git history,
// skipped items in scrambled order, and more locations than text shows.
func sample() *scanner.Result {
	var many []scanner.Location
	for i := 1; i <= 7; i++ {
		many = append(many, scanner.Location{Origin: source.Origin{Kind: "file", Path: "src/app.go"}, Line: i * 10, Column: 3, Offset: int64(i * 100)})
	}
	return &scanner.Result{
		Findings: []scanner.Finding{
			{
				RuleID: "codeup-clone-password", Provider: "yunxiao", Description: "Codeup HTTPS clone password in a URL",
				Secret: fakePass, Fingerprint: "1111111111111111111111111111111111111111111111111111111111111111",
				Context: map[string]string{
					"user": "dev", "host": "codeup.aliyun.com",
					"url": "https://dev:" + fakePass + "@codeup.aliyun.com/x/y.git",
				},
				Locations: []scanner.Location{{Origin: source.Origin{Kind: "stdin", Path: "-"}, Line: 1, Column: 13, Offset: 12}},
			},
			{
				RuleID: "github-classic-pat", Provider: "github", Description: "GitHub personal access token (classic)",
				Secret: fakeGitHub, Fingerprint: "2222222222222222222222222222222222222222222222222222222222222222",
				Locations: many,
			},
			{
				RuleID: "yunxiao-pat", Provider: "yunxiao", Description: "Alibaba Cloud DevOps (Yunxiao) personal access token",
				Secret: fakeYunxiao, Fingerprint: "3333333333333333333333333333333333333333333333333333333333333333",
				Context: map[string]string{"id": fakeYunxiao[:27]},
				Locations: []scanner.Location{
					{
						Origin: source.Origin{Kind: "blob", Path: "deploy/ci.yml", BlobID: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
							Commit: &source.Commit{Hash: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", AuthorName: "Dev", AuthorEmail: "dev@example.com",
								Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CST", 8*3600)), Message: "add ci"},
							Remote: "https://codeup.aliyun.com/acme/app.git"},
						Line: 4, Column: 22, Offset: 80,
					},
					{
						// Moved to an awkward path in a later commit: every
						// format must escape it its own way.
						Origin: source.Origin{Kind: "blob", Path: "ops/a,b:c 100%.env", BlobID: "dddddddddddddddddddddddddddddddddddddddd",
							Commit: &source.Commit{Hash: "cccccccccccccccccccccccccccccccccccccccc", AuthorName: "Ops", AuthorEmail: "ops@example.com",
								Date: time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC), Message: "move env"},
							Remote: "https://codeup.aliyun.com/acme/app.git"},
						Line: 1, Column: 9, Offset: 8,
					},
				},
			},
		},
		Skipped: []source.Skipped{
			{Path: "dump.sql", Reason: "too large", Detail: "2.1 GB > 100 MB"},
			{Path: "secret.key", Reason: "permission denied"},
			{Path: "big.iso", Reason: "too large", Detail: "4.0 GB > 100 MB"},
		},
		Stats: scanner.Stats{Items: 42, Bytes: 1234567, Skipped: 3, Findings: 3},
	}
}

func sampleOpts() Options {
	return Options{
		Version: "1.2.3-test",
		Elapsed: 1234 * time.Millisecond,
		Rules: map[string]RuleMeta{
			"github-classic-pat": {
				Provider: "github", Description: "GitHub personal access token (classic)", Confidence: "high",
				Remediation: "Revoke it at https://github.com/settings/tokens.",
				References:  []string{"https://docs.github.com/authentication/keeping-your-account-and-data-secure/about-authentication-to-github#githubs-token-formats"},
			},
			"yunxiao-pat": {
				Provider: "yunxiao", Description: "Alibaba Cloud DevOps (Yunxiao) personal access token", Confidence: "high",
				Remediation: "Delete it under Personal Settings > Personal Access Token.",
			},
			"gitee-token": {Provider: "gitee", Description: "Gitee access token", Confidence: "low", Remediation: "Delete it in Gitee's settings."},
		},
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./report -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (run `go test ./report -update` if intended)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// Every format's output for the sample result matches its golden file.
func TestGolden(t *testing.T) {
	cases := []struct {
		name   string
		format string
		mod    func(*Options)
	}{
		{"text.golden", "text", nil},
		{"text-color.golden", "text", func(o *Options) { o.Color = true }},
		{"text-show-secrets.golden", "text", func(o *Options) { o.ShowSecrets = true }},
		{"report.json", "json", nil},
		{"report-show-secrets.json", "json", func(o *Options) { o.ShowSecrets = true }},
		{"report.jsonl", "jsonl", nil},
		{"report.sarif", "sarif", nil},
		{"report.csv", "csv", nil},
		{"report-show-secrets.csv", "csv", func(o *Options) { o.ShowSecrets = true }},
		{"report.junit.xml", "junit", nil},
		{"report.github.txt", "github", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := sampleOpts()
			if c.mod != nil {
				c.mod(&opts)
			}
			var buf bytes.Buffer
			if err := Write(&buf, c.format, sample(), opts); err != nil {
				t.Fatal(err)
			}
			golden(t, c.name, buf.Bytes())
		})
	}
}

// The stderr summary and skipped list match their golden file.
func TestGoldenSummary(t *testing.T) {
	var buf bytes.Buffer
	if err := SkippedList(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	if err := Summary(&buf, sample(), sampleOpts()); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("--- clean\n")
	if err := Summary(&buf, &scanner.Result{Stats: scanner.Stats{Items: 1, Bytes: 10}}, Options{Elapsed: 3 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.golden", buf.Bytes())
}

// Redacted output never contains a secret, nor a Yunxiao token's UUID;
// JSON always carries fingerprints and redacted secrets.
func TestRedactedOutputHoldsNoSecret(t *testing.T) {
	for _, format := range Formats() {
		var buf bytes.Buffer
		if err := Write(&buf, format, sample(), sampleOpts()); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, s := range []string{fakeGitHub, fakeYunxiao, fakePass, "00000000-0000-4000"} {
			if strings.Contains(out, s) {
				t.Errorf("%s output contains %q", format, s)
			}
		}
	}
	var rep JSONReport
	var buf bytes.Buffer
	if err := JSON(&buf, sample(), sampleOpts()); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Fingerprint == "" || f.SecretRedacted == "" || f.Secret != "" {
			t.Errorf("finding %s: fingerprint %q, secret_redacted %q, secret %q", f.RuleID, f.Fingerprint, f.SecretRedacted, f.Secret)
		}
	}
	if _, ok := rep.Findings[0].Context["url"]; ok {
		t.Error("context group holding the secret was kept")
	}
	if got := rep.Findings[2].Context["id"]; got != fakeYunxiao[:27] {
		t.Errorf("yunxiao token id context = %q", got)
	}
}

// A clean result is valid JSON with empty lists, never null.
func TestJSONEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, &scanner.Result{}, Options{Version: "v"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"findings": []`, `"skipped": []`, `"schema_version": 1`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("empty report lacks %s:\n%s", want, buf.String())
		}
	}
	if err := Write(&buf, "xml", &scanner.Result{}, Options{}); err == nil {
		t.Error("unknown format accepted")
	}
}

// Redact keeps a token's public prefix and a few characters, never more
// than a third of the secret, never a Yunxiao UUID, and never splits a
// UTF-8 character. Of a low-entropy secret (a password, a short key id) it
// shows no character: next to the fingerprint each would narrow a guess.
func TestRedact(t *testing.T) {
	cases := []struct{ secret, want string }{
		{fakeGitHub, "ghp_SCOU…"},
		{"github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVW", "github_pat_11AB…"},
		{fakeYunxiao, "pt-SCOURfakeEXAMPLEtoken000_…"},
		{"AKIA" + "SCOURFAKEEXAMPLE", "…"},
		{fakePass, "…"},
		{"admin-password-2024", "…"},
		{"correct-horse-battery-staple-x", "…"},
		{"glpat-" + "Abc12Def34Ghi56Jkl78", "glpat-…"},
		{"abc", "…"},
		{"", "…"},
		{"x" + strings.Repeat("ä", 16), "…"},
		{"x" + strings.Repeat("äöüß€", 6), "xä…"},
		{"-----BEGIN OPENSSH PRIVATE KEY-----\n" + strings.Repeat("b3BlbnNzaC1rZXktdjEAAAAA", 10), "-----BEGIN OPENSSH PRIVATE KEY-----…"},
	}
	for _, c := range cases {
		got := Redact(c.secret)
		if got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.secret, got, c.want)
		}
		if shown := len(strings.TrimSuffix(got, "…")); shown > len(c.secret)/3 && !strings.HasPrefix(c.secret, "pt-") {
			t.Errorf("Redact(%q) shows %d of %d bytes", c.secret, shown, len(c.secret))
		}
	}
}
