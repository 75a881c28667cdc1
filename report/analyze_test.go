package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/scour-dev/scour/access"
)

// analysed is sampleOpts with the GitHub token verified live and analysed
// (scan --verify --analyze), its facts from a vendor and so escaped.
func analysed() Options {
	opts := sampleOpts()
	rep := &access.Report{Available: true, Identity: map[string]string{"login": "octo\x1b[31mcat"},
		Scopes: []string{"repo", "admin:org"}, ScopesKnown: true, NoExpiry: true,
		Reach: []access.Reach{{Kind: "repositories", Known: true, Count: 3, Sample: []string{"a/b"}}},
		Flags: []access.Flag{
			{ID: access.FlagAdminScope, Severity: access.SeverityHigh, Message: "administrative scopes: admin:org", Doc: "https://docs.github.com/x"},
			{ID: access.FlagNoExpiry, Severity: access.SeverityMedium, Message: "the token never expires", Doc: "https://docs.github.com/y"},
		}}
	opts.Verification = map[string]Verification{
		"2222222222222222222222222222222222222222222222222222222222222222": {State: "live", Owner: map[string]string{"login": "octocat"}, Analysis: rep},
	}
	return opts
}

// TestAnalysisInEveryFormat: text lists the facts and flags, JSON and
// SARIF carry the analysis, SARIF ranks by the worst flag, HTML shows it;
// vendor text is escaped and the secret never appears.
func TestAnalysisInEveryFormat(t *testing.T) {
	write := func(format string) string {
		var buf bytes.Buffer
		if err := Write(&buf, format, sample(), analysed()); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), fakeGitHub) {
			t.Fatalf("%s shows the secret", format)
		}
		return buf.String()
	}
	text := write("text")
	for _, want := range []string{"scopes: repo, admin:org", "expires: never", "reach: repositories: 3 (a/b, …)", "FLAG admin-scope [high]", "https://docs.github.com/y"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\x1b[31m") {
		t.Error("text passes a vendor's escape sequence through")
	}
	var doc struct {
		Findings []struct {
			Verification *Verification `json:"verification"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(write("json")), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range doc.Findings {
		if v := f.Verification; v != nil && v.Analysis != nil && len(v.Analysis.Flags) == 2 {
			found = true
		}
	}
	if !found {
		t.Error("JSON lacks the analysis")
	}
	sarif := write("sarif")
	for _, want := range []string{`"rank": 85`, `"leastPrivilegeFlags": [`, `"admin-scope"`, "Least privilege: admin-scope (high), no-expiry (medium)."} {
		if !strings.Contains(sarif, want) {
			t.Errorf("SARIF lacks %q", want)
		}
	}
	html := write("html")
	if !strings.Contains(html, "FLAG admin-scope [high]") || !strings.Contains(html, `class="access"`) {
		t.Error("HTML lacks the analysis")
	}
}
