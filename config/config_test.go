package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A valid file decodes, and rule pack paths resolve against its directory.
func TestLoadResolvesRulePaths(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, FileName, "exclude:\n  - testdata/**\n  - '*.min.js'\nrules:\n  - packs/mine.yaml\n  - /abs/pack.yaml\n")
	cfg, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Exclude, ","); got != "testdata/**,*.min.js" {
		t.Errorf("exclude = %q", got)
	}
	want := []string{filepath.Join(dir, "packs/mine.yaml"), "/abs/pack.yaml"}
	if strings.Join(cfg.Rules, ",") != strings.Join(want, ",") {
		t.Errorf("rules = %q, want %q", cfg.Rules, want)
	}
	if cfg.Path != p {
		t.Errorf("path = %q", cfg.Path)
	}
}

// Every way a file can be wrong gives an error naming the file, the key
// (with its full path) and the line.
func TestLoadErrors(t *testing.T) {
	cases := []struct{ name, content, want string }{
		{"unknown key", "exclude: [a]\nexlcude: [b]\n", `line 2: unknown key "exlcude"`},
		{"unknown nested key", "allow:\n  - stopwords: [x]\n    secret_rgex: y\n", `line 3: unknown key "allow[0].secret_rgex"`},
		{"unknown provider key", "providers:\n  gitlab:\n    url: https://x\n", `line 3: unknown key "providers.gitlab.url"`},
		{"wrong type", "exclude: yes-please\n", "line 1: exclude: cannot unmarshal"},
		{"wrong nested type", "allow:\n  - stopwords: [a]\n    rules: github-pat\n", "line 3: allow[0].rules: cannot unmarshal"},
		{"wrong provider type", "providers:\n  gitlab: https://gitlab.example.com\n", "line 2: providers.gitlab: cannot unmarshal"},
		{"bad glob", "exclude: ['[a-']\n", "line 1: exclude[0]: bad pattern"},
		{"empty glob", "exclude: ['']\n", "exclude[0]: empty pattern"},
		{"empty rule path", "rules: ['  ']\n", "rules[0]: empty path"},
		{"empty disable", "disable:\n  - github-pat\n  - ''\n", "line 3: disable[1]: empty rule id"},
		{"bad secret regex", "allow:\n  - rules: ['*']\n    secret_regex: 'ab(c'\n", `line 3: allow[0].secret_regex: bad regular expression "ab(c": missing closing )`},
		{"bad line regex", "allow:\n  - stopwords: [x]\n  - line_regex: '[z-a]'\n", "line 3: allow[1].line_regex: bad regular expression"},
		{"allow without criteria", "allow:\n  - rules: [github-pat]\n    reason: all of them\n", "line 2: allow[0]: needs at least one of"},
		{"empty stopword", "allow:\n  - stopwords: [ok, ' ']\n", "allow[0].stopwords[1]: empty stopword"},
		{"bad allow path", "allow:\n  - paths:\n      - 'a/[b'\n", "line 3: allow[0].paths[0]: bad pattern"},
		{"line and paths", "allow:\n  - line_regex: x\n    paths: [a]\n", "allow[0]: line_regex and paths cannot be combined"},
		{"empty allow rule", "allow:\n  - rules: ['']\n    stopwords: [x]\n", "allow[0].rules[0]: empty rule id"},
		{"base url scheme", "providers:\n  gitlab:\n    base_url: ftp://gitlab.example.com\n", "line 3: providers.gitlab.base_url: URL \"ftp://gitlab.example.com\": want https://host[/path]"},
		{"base url credentials", "providers:\n  gitlab:\n    base_url: https://u:p@gitlab.example.com\n", "providers.gitlab.base_url: URL \"https://u:xxxxx@gitlab.example.com\": must not hold credentials"},
		{"base url no host", "providers:\n  vault:\n    base_url: https://\n", "providers.vault.base_url: URL \"https://\": no host"},
		{"base url plain http", "providers:\n  gitlab:\n    base_url: http://gitlab.example.com\n", "providers.gitlab.base_url: URL \"http://gitlab.example.com\": tokens are only sent over https"},
		{"provider name", "providers:\n  GitLab:\n    base_url: https://x.example\n", "line 2: providers.GitLab: provider names are lower-case"},
		{"two documents", "exclude: [a]\n---\nexclude: [b]\n", "more than one YAML document"},
		{"syntax", "exclude: [a\n", "yaml:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := write(t, t.TempDir(), FileName, c.content)
			_, err := LoadFile(p)
			if err == nil {
				t.Fatalf("no error for %q", c.content)
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q should name %s and contain %q", err, p, c.want)
			}
			// A password in a base URL is not repeated on the terminal.
			if strings.Contains(err.Error(), "u:p@") {
				t.Errorf("error %q repeats the URL's password", err)
			}
		})
	}
}

// Every problem in a file is reported at once, not one per run.
func TestLoadReportsAllProblems(t *testing.T) {
	p := write(t, t.TempDir(), FileName, "exclude: ['']\nallow:\n  - secret_regex: '('\n")
	_, err := LoadFile(p)
	if err == nil || !strings.Contains(err.Error(), "exclude[0]") || !strings.Contains(err.Error(), "allow[0].secret_regex") {
		t.Errorf("error %v should name both exclude[0] and allow[0].secret_regex", err)
	}
}

// A file using every key decodes into the fields the rest of scour reads.
func TestLoadAllKeys(t *testing.T) {
	p := write(t, t.TempDir(), FileName, `exclude: [vendor/]
rules: [mine.yaml]
disable: [gitee-access-token]
allow:
  - rules: [github-pat]
    secret_regex: "0{8}"
    stopwords: [Example]
    reason: docs
  - line_regex: fixture
providers:
  gitlab:
    base_url: https://gitlab.example.com/
  vault:
    base_url: http://127.0.0.1:8200
  yunxiao: {}
format: sarif
`)
	cfg, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Disable) != 1 || cfg.Disable[0] != "gitee-access-token" {
		t.Errorf("disable = %q", cfg.Disable)
	}
	if len(cfg.Allow) != 2 || cfg.Allow[0].SecretRegex != "0{8}" || cfg.Allow[0].Reason != "docs" || cfg.Allow[1].LineRegex != "fixture" {
		t.Errorf("allow = %+v", cfg.Allow)
	}
	if cfg.Allow[0].AllRules() || !cfg.Allow[1].AllRules() {
		t.Errorf("AllRules: %v %v", cfg.Allow[0].AllRules(), cfg.Allow[1].AllRules())
	}
	if got := cfg.BaseURLs(); len(got) != 2 || got["gitlab"] != "https://gitlab.example.com/" || got["vault"] != "http://127.0.0.1:8200" {
		t.Errorf("BaseURLs = %v", got)
	}
	if cfg.Format != "sarif" {
		t.Errorf("format = %q", cfg.Format)
	}
}

// Rule ids are checked once the rule set is known: an unknown one names
// file, line and key.
func TestCheckRules(t *testing.T) {
	p := write(t, t.TempDir(), FileName, "disable:\n  - github-pat\n  - githb-pat\nallow:\n  - rules: ['*', nope]\n    stopwords: [x]\n")
	cfg, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	known := func(id string) bool { return id == "github-pat" }
	err = cfg.CheckRules(known)
	if err == nil {
		t.Fatal("unknown ids accepted")
	}
	for _, want := range []string{p, `line 3: disable[1]: unknown rule id "githb-pat"`, `line 5: allow[0].rules[1]: unknown rule id "nope"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q should contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "disable[0]") {
		t.Errorf("a known id was reported: %v", err)
	}
}

// providers: names are checked against the loaded rules' providers.
func TestCheckProviders(t *testing.T) {
	p := write(t, t.TempDir(), FileName, "providers:\n  gitlab:\n    base_url: https://gitlab.example.com\n  gitlba:\n    base_url: https://x.example.com\n")
	cfg, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.CheckProviders(func(n string) bool { return n == "gitlab" })
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), `line 4: providers.gitlba: unknown provider "gitlba"`) || strings.Contains(err.Error(), "providers.gitlab:") {
		t.Errorf("error = %v", err)
	}
}

// format: is checked against the formats the caller writes.
func TestCheckFormat(t *testing.T) {
	p := write(t, t.TempDir(), FileName, "# x\nformat: sarfi\n")
	cfg, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.CheckFormat([]string{"text", "sarif"})
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), `line 2: format: unknown format "sarfi" (want one of text, sarif)`) {
		t.Errorf("error = %v", err)
	}
	cfg.Format = "sarif"
	if err := cfg.CheckFormat([]string{"text", "sarif"}); err != nil {
		t.Error(err)
	}
}

// The starter file `scour config init` writes loads as an empty config,
// and its commented examples are valid once uncommented.
func TestStarter(t *testing.T) {
	p := write(t, t.TempDir(), FileName, Starter())
	cfg, err := LoadFile(p)
	if err != nil {
		t.Fatalf("starter does not load: %v", err)
	}
	if len(cfg.Exclude)+len(cfg.Rules)+len(cfg.Disable)+len(cfg.Allow)+len(cfg.Providers) != 0 || cfg.Format != "" {
		t.Errorf("starter is not empty: %+v", cfg)
	}
	ex, err := Parse([]byte(StarterExamples()))
	if err != nil {
		t.Fatalf("uncommented examples do not load: %v\n%s", err, StarterExamples())
	}
	if len(ex.Exclude) == 0 || len(ex.Disable) == 0 || len(ex.Allow) == 0 || len(ex.Providers) == 0 || ex.Format == "" || len(ex.Rules) == 0 {
		t.Errorf("examples miss a key: %+v", ex)
	}
	// Every example line appears commented in the starter.
	for _, l := range strings.Split(strings.TrimSpace(StarterExamples()), "\n") {
		if !strings.Contains(Starter(), "# "+l+"\n") {
			t.Errorf("starter lacks %q", "# "+l)
		}
	}
}

// An empty file (or only comments) is an empty config, not an error.
func TestParseEmpty(t *testing.T) {
	for _, s := range []string{"", "# nothing yet\n"} {
		cfg, err := Parse([]byte(s))
		if err != nil || len(cfg.Exclude) != 0 || len(cfg.Rules) != 0 {
			t.Errorf("Parse(%q) = %+v, %v", s, cfg, err)
		}
	}
}

// Arbitrary bytes never panic the parser.
func FuzzParse(f *testing.F) {
	f.Add([]byte("exclude: [a]\nrules: [b]\n"))
	f.Add([]byte("x: 1\n"))
	f.Add([]byte(StarterExamples()))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Parse(data)
	})
}
