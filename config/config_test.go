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
	cfg, err := Load(p)
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

// Every way a file can be wrong gives an error naming the file and the
// problem (key and line for unknown keys).
func TestLoadErrors(t *testing.T) {
	cases := []struct{ name, content, want string }{
		{"unknown key", "exclude: [a]\nexlcude: [b]\n", `line 2: unknown key "exlcude"`},
		{"wrong type", "exclude: yes-please\n", "cannot unmarshal"},
		{"bad glob", "exclude: ['[a-']\n", "exclude[0]: bad pattern"},
		{"empty glob", "exclude: ['']\n", "exclude[0]: empty pattern"},
		{"empty rule path", "rules: ['  ']\n", "rules[0]: empty path"},
		{"two documents", "exclude: [a]\n---\nexclude: [b]\n", "more than one YAML document"},
		{"syntax", "exclude: [a\n", "yaml:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := write(t, t.TempDir(), FileName, c.content)
			_, err := Load(p)
			if err == nil {
				t.Fatalf("no error for %q", c.content)
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q should name %s and contain %q", err, p, c.want)
			}
		})
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

// Locate prefers --config, finds .scour.yaml at a directory root, and finds
// nothing for files, stdin or a directory without one.
func TestLocate(t *testing.T) {
	dir := t.TempDir()
	if p, err := Locate(dir, ""); err != nil || p != "" {
		t.Errorf("empty dir: %q, %v", p, err)
	}
	cfg := write(t, dir, FileName, "exclude: []\n")
	if p, err := Locate(dir, ""); err != nil || p != cfg {
		t.Errorf("root config: %q, %v", p, err)
	}
	other := write(t, dir, "other.yaml", "")
	if p, err := Locate(dir, other); err != nil || p != other {
		t.Errorf("explicit: %q, %v", p, err)
	}
	if _, err := Locate(dir, filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing explicit config: no error")
	}
	if p, err := Locate(cfg, ""); err != nil || p != "" {
		t.Errorf("file root: %q, %v", p, err)
	}
	if p, err := Locate("-", ""); err != nil || p != "" {
		t.Errorf("stdin: %q, %v", p, err)
	}
}

// Arbitrary bytes never panic the parser.
func FuzzParse(f *testing.F) {
	f.Add([]byte("exclude: [a]\nrules: [b]\n"))
	f.Add([]byte("x: 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Parse(data)
	})
}
