package scanner

import (
	"regexp/syntax"
	"strings"
	"testing"
)

// TestLeadNeed: the lead need read off github-oauth-client-secret's
// pattern, and which hits it rules out.
func TestLeadNeed(t *testing.T) {
	re, err := syntax.Parse(`(?i:github[\w.-]{0,20}(?:client[_.-]?)?secret)\\?["']?\s*(?:=|:|=>|:=)\s*\\?["']?(?P<secret>[a-f0-9]{40})`, syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	ln := leadOfParsed(re, []string{"GitHub"})
	if ln == nil || ln.gap != 27 || string(ln.lit) != "secret" {
		t.Fatalf("lead = %+v", ln)
	}
	for text, want := range map[string]bool{
		"github_secret: x":                              true,
		"GITHUB_CLIENT_SECRET=":                         true,
		"github.oauth.app.client-Secret":                true,
		`import "github.com/x/y"`:                       false,
		"github_" + strings.Repeat("a", 26) + "_secret": false, // 28 bytes between
		"github_" + strings.Repeat("a", 25) + "_secret": true,  // 27
		"github_sec":           true, // data ends: undecided
		"github secret":        false,
		"github_\u017fecret":   true, // ſ folds to s
		"github_\u212a_secret": true, // Kelvin: undecided
	} {
		if got := ln.ok([]byte(text), len("github")); got != want {
			t.Errorf("ok(%q) = %v, want %v", text, got, want)
		}
	}
	if leadOfParsed(re, []string{"github", "gh"}) != nil {
		t.Error("a lead with a keyword that is not the leading literal")
	}
	for _, p := range []string{`github[\w.-]*secret`, `(?:github|gh)_secret`, `github\.com:(?s:.{0,160}?)oauth_token`} {
		re, _ := syntax.Parse(p, syntax.Perl)
		if ln := leadOfParsed(re, []string{"github"}); ln != nil {
			t.Errorf("%s: lead %+v", p, ln)
		}
	}
}

// TestLeadNeedsBuiltin lists the built-in rules that get a lead need.
func TestLeadNeedsBuiltin(t *testing.T) {
	s, _ := builtinScannerOpts(t, 0, Options{})
	var ids []string
	for i := range s.entries {
		e := &s.entries[i]
		if e.needs != nil && e.guard == nil && e.needs.get().lead != nil {
			ids = append(ids, e.id)
		}
	}
	t.Logf("%d rules: %s", len(ids), strings.Join(ids, " "))
	if len(ids) == 0 {
		t.Error("no built-in rule has a lead need")
	}
}

// TestLeadNeedSameFindings: the examples of the rules with a lead need,
// among import lines that name their keyword and in variants (case,
// separators, a folded ſ, long keys), give the same findings with the
// lead check as without any fast path.
func TestLeadNeedSameFindings(t *testing.T) {
	t.Parallel()
	fast, slow := fastAndSlow(t)
	var b strings.Builder
	const hex = "c0ccc052bbf548fdcc0a59db23e4d3c93f98416e"
	for _, key := range []string{"github_secret", "GITHUB_CLIENT_SECRET", "GitHub.OAuth.App.Client-Secret",
		"github_\u017fecret", "github_" + strings.Repeat("x", 19) + "client_secret", "github_" + strings.Repeat("x", 20) + "client_secret",
		"githubgithub_secret", "github github_secret"} {
		for _, sep := range []string{"=", ": ", " := ", "=>", ":\n  ", " =\n\t"} {
			b.WriteString("import \"github.com/hashicorp/terraform/x\"\n// see github.com/a/b\n")
			b.WriteString(key + sep + "\"" + hex + "\"\n")
			b.WriteString("auth0_" + strings.ToLower(key[7:]) + sep + strings.Repeat("Ab9_", 17) + "\n")
		}
	}
	checkSameFindings(t, fast, slow, []byte(b.String()))
	res := run(t, fast, items{memItem("f", []byte(b.String()))})
	n := 0
	for _, f := range res.Findings {
		if f.RuleID == "github-oauth-client-secret" {
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no github-oauth-client-secret finding in %d", len(res.Findings))
	}
}
