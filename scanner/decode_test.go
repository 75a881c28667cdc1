package scanner

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/fixture"
	"github.com/scour-dev/scour/rules"
)

// findingsOf scans one item and returns rule id -> finding.
func findingsOf(t *testing.T, s *Scanner, path, text string) map[string]Finding {
	t.Helper()
	res := run(t, s, items{memItem(path, []byte(text))})
	out := map[string]Finding{}
	for _, f := range res.Findings {
		out[f.RuleID] = f
	}
	return out
}

// TestDecodedSecretsAtTheirEncodedPlace: a secret inside base64, URL
// encoding, JSON escapes or string literals split over lines is found with
// the same rules and reported at the encoded text, saying how it was
// encoded; with NoDecode it is not found.
func TestDecodedSecretsAtTheirEncodedPlace(t *testing.T) {
	t.Parallel()
	s, _ := builtinScanner(t, 0)
	plain, _ := builtinScannerOpts(t, 0, Options{NoDecode: true})
	gh := fixture.GitHubPAT("decode")
	pw := "Vx7kQ2mZ9pR4tL8w"
	for _, c := range []struct {
		name, text, rule, secret, enc, at string
	}{
		{"k8s secret data", "kind: Secret\ndata:\n  password: " + base64.StdEncoding.EncodeToString([]byte(pw)) + "\n",
			"generic-secret-bare", pw, "base64", base64.StdEncoding.EncodeToString([]byte(pw))},
		{"docker auth", `{"auth": "` + base64.StdEncoding.EncodeToString([]byte("bot:"+gh)) + `"}`,
			"github-pat", gh, "base64", base64.StdEncoding.EncodeToString([]byte("bot:" + gh))},
		{"url-encoded query", "next=" + url.QueryEscape("https://ci:"+pw+"@jenkins.corp.example/") + "\n",
			"generic-url-password", pw, "url", "next=https%3A"}, // the whole run of URL text
		{"json escapes", `{"cfg": "{\u0022db_password\u0022: \u0022` + pw + `\u0022}"}`,
			"generic-secret-quoted", pw, "escape", `{\u0022`},
		{"literals split over lines", "token := \"" + gh[:12] + "\" +\n\t\"" + gh[12:30] + "\" +\n\t\"" + gh[30:] + "\"\n",
			"github-pat", gh, "concat", `"` + gh[:12]},
		// Each join of a long chain is a trigger; the chain is decoded once
		// (from its first join) and the token split inside it still found.
		{"long chain of literals", "msg := \"" + strings.Repeat("some words of a message \" +\n\t\"", 40) + gh[:20] + "\" +\n\t\"" + gh[20:] + "\" +\n\t\" " + strings.Repeat("and the rest \" +\n\t\"", 40) + "end\"\n",
			"github-pat", gh, "concat", `"some words`},
	} {
		got := findingsOf(t, s, "f.txt", c.text)
		f, ok := got[c.rule]
		if !ok {
			t.Errorf("%s: no %s finding in %v", c.name, c.rule, got)
			continue
		}
		if f.Secret != c.secret || len(f.Locations) != 1 || f.Locations[0].Encoding != c.enc {
			t.Errorf("%s: got secret %q at %+v, want %q encoded %s", c.name, f.Secret, f.Locations, c.secret, c.enc)
			continue
		}
		if off := int(f.Locations[0].Offset); !strings.HasPrefix(c.text[off:], c.at) {
			t.Errorf("%s: reported at %q, want the encoded text %q", c.name, c.text[off:min(off+20, len(c.text))], c.at)
		}
		if f, ok := findingsOf(t, plain, "f.txt", c.text)[c.rule]; ok && f.Secret == c.secret && c.enc != "escape" {
			t.Errorf("%s: found without decoding", c.name)
		}
	}
}

// TestGenericYieldsToSpecific: one secret, one finding. A token a specific
// rule knows is reported by that rule only, also where only the generic
// layer saw it (another file, a key the specific rule does not know), and
// a token the specific rule rejected (bad checksum) is not reported as a
// generic secret either.
func TestGenericYieldsToSpecific(t *testing.T) {
	t.Parallel()
	s, _ := builtinScanner(t, 0)
	gh := fixture.GitHubPAT("yield")
	res := run(t, s, items{
		memItem("a.env", []byte("GITHUB_TOKEN="+gh+"\n")),
		memItem("b.yaml", []byte("deploy:\n  api_token: "+gh+"\n")),
		memItem("c.env", []byte("GITHUB_TOKEN=ghp_pLIix6MEOLeMa61EqJomTEI1JEzO3joOj37H\n")), // checksum fails
	})
	if len(res.Findings) != 1 || res.Findings[0].RuleID != "github-pat" || len(res.Findings[0].Locations) != 2 {
		t.Fatalf("want one github-pat finding with 2 locations, got %+v", res.Findings)
	}
}

// TestMinConfidence: a weak password is low (in code), a random one
// medium, a token format high; MinConfidence drops what is below it. In a
// configuration file outside tests the weak password is medium; in a
// test fixture every generic value is low.
func TestMinConfidence(t *testing.T) {
	t.Parallel()
	text := "DB_PASSWORD=RedisPass1!\nAPI_SECRET=q8Zr0KfTmW2xLpV9hT4k\nGH=" + fixture.GitHubPAT("conf") + "\n"
	for _, c := range []struct {
		min  string
		want []string
	}{
		{"low", []string{"generic-secret-bare:low", "generic-secret-bare:medium", "github-pat:high"}},
		{"medium", []string{"generic-secret-bare:medium", "github-pat:high"}},
		{"high", []string{"github-pat:high"}},
	} {
		s, _ := builtinScannerOpts(t, 0, Options{MinConfidence: c.min})
		var got []string
		for _, f := range run(t, s, items{memItem("deploy/run.sh", []byte(text))}).Findings {
			got = append(got, f.RuleID+":"+f.Confidence)
		}
		if strings.Join(sorted(got), " ") != strings.Join(c.want, " ") {
			t.Errorf("min %s: got %v, want %v", c.min, got, c.want)
		}
	}
	s, _ := builtinScannerOpts(t, 0, Options{MinConfidence: "low"})
	for path, want := range map[string]string{
		".env":                          "generic-secret-bare:medium generic-secret-bare:medium github-pat:high",
		"config/application.properties": "generic-secret-bare:medium generic-secret-bare:medium github-pat:high",
		"docs/.env.example":             "generic-secret-bare:low generic-secret-bare:medium github-pat:high",
		"tests/fixtures/.env":           "generic-secret-bare:low generic-secret-bare:low github-pat:high",
	} {
		var got []string
		for _, f := range run(t, s, items{memItem(path, []byte(text))}).Findings {
			got = append(got, f.RuleID+":"+f.Confidence)
		}
		if strings.Join(sorted(got), " ") != want {
			t.Errorf("%s: got %v, want %s", path, sorted(got), want)
		}
	}
	if _, err := New(Options{Rules: mustSet(t), MinConfidence: "certain"}); err == nil {
		t.Error("an unknown confidence level is accepted")
	}
}

// TestPathRulesAndTestFiles: credential files are known by their path; the
// same text elsewhere is nothing. Generic values in test files are low.
func TestPathRulesAndTestFiles(t *testing.T) {
	t.Parallel()
	s, _ := builtinScanner(t, 0)
	line := "db.corp.example:5432:orders:etl:Xq7mT2vK9zR4\n"
	if _, ok := findingsOf(t, s, "home/.pgpass", line)["generic-pgpass"]; !ok {
		t.Error(".pgpass: no finding")
	}
	if got := findingsOf(t, s, "notes.txt", line); len(got) != 0 {
		t.Errorf("notes.txt: %v", got)
	}
	for path, want := range map[string]string{"config/app.env": "medium", "internal/auth/auth_test.go": "low", "fixtures/app.env": "low"} {
		f := findingsOf(t, s, path, "API_SECRET=q8Zr0KfTmW2xLpV9hT4k\n")["generic-secret-bare"]
		if f.Confidence != want {
			t.Errorf("%s: confidence %q, want %q", path, f.Confidence, want)
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func mustSet(t *testing.T) *rules.Set {
	_, set := builtinScanner(t, 0)
	return set
}
