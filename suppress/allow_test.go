package suppress

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/scanner"
)

func allowlist(t *testing.T, entries ...config.Allow) *Allowlist {
	t.Helper()
	a, err := NewAllowlist(entries)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// An entry suppresses only when its rule scope and every criterion it
// gives hold; path entries drop only the matching locations.
func TestAllowlistApply(t *testing.T) {
	t.Parallel()
	s := fakePAT("allow")
	two := func() scanner.Finding {
		f := finding("github-pat", s, "docs/guide.md", 3)
		l := f.Locations[0]
		l.Path = "src/main.go"
		f.Locations = append(f.Locations, l)
		return f
	}
	cases := []struct {
		name      string
		entry     config.Allow
		wantFound bool
		wantLocs  int
	}{
		{"secret regex", config.Allow{SecretRegex: "^ghp_"}, false, 0},
		{"secret regex miss", config.Allow{SecretRegex: "^glpat-"}, true, 2},
		{"other rule", config.Allow{Rules: []string{"gitlab-pat"}, SecretRegex: "^ghp_"}, true, 2},
		{"star", config.Allow{Rules: []string{"*"}, SecretRegex: "^ghp_"}, false, 0},
		{"stopword any case", config.Allow{Stopwords: []string{"nomatch", strings.ToUpper(s[4:10])}}, false, 0},
		{"stopword miss", config.Allow{Stopwords: []string{"example"}}, true, 2},
		{"all criteria must hold", config.Allow{SecretRegex: "^ghp_", Stopwords: []string{"example"}}, true, 2},
		{"path drops one location", config.Allow{Paths: []string{"docs/"}}, true, 1},
		{"path glob", config.Allow{Paths: []string{"**/*.md"}}, true, 1},
		{"path and secret", config.Allow{Paths: []string{"*.go", "docs/**"}, SecretRegex: "^ghp_"}, false, 0},
		{"path and secret miss", config.Allow{Paths: []string{"*.go"}, SecretRegex: "^glpat"}, true, 2},
		{"line entries wait for the engine", config.Allow{LineRegex: "."}, true, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := result(two())
			n := Apply(res, Filters{Allow: allowlist(t, c.entry)})
			if got := len(res.Findings) == 1; got != c.wantFound {
				t.Fatalf("found = %v, want %v", got, c.wantFound)
			}
			if res.Stats.Findings != int64(len(res.Findings)) {
				t.Errorf("stats.findings = %d", res.Stats.Findings)
			}
			if !c.wantFound {
				if n.Allowed != 1 {
					t.Errorf("counts = %+v", n)
				}
				return
			}
			if len(res.Findings[0].Locations) != c.wantLocs {
				t.Errorf("locations = %v", res.Findings[0].Locations)
			}
		})
	}
}

// MatchLine is the engine's hook: only line_regex entries answer, with
// their rule scope and secret criteria.
func TestAllowlistMatchLine(t *testing.T) {
	t.Parallel()
	a := allowlist(t,
		config.Allow{Rules: []string{"github-pat"}, LineRegex: `fixture`, Stopwords: []string{"ghp_"}},
		config.Allow{SecretRegex: "^x"}, // not a line entry
	)
	if !a.HasLineRules() {
		t.Fatal("HasLineRules = false")
	}
	s := fakePAT("m")
	if !a.MatchLine("github-pat", s, []byte(`token = "`+s+`" # fixture`)) {
		t.Error("line entry did not match")
	}
	if a.MatchLine("gitlab-pat", s, []byte("fixture")) {
		t.Error("rule scope ignored")
	}
	if a.MatchLine("github-pat", s, []byte("production")) {
		t.Error("line regex ignored")
	}
	if a.MatchLine("github-pat", "glpat-1", []byte("fixture")) {
		t.Error("stopword ignored")
	}
	if allowlist(t, config.Allow{SecretRegex: "x"}).HasLineRules() {
		t.Error("HasLineRules without line entries")
	}
	var none *Allowlist
	if none.HasLineRules() || none.MatchLine("r", "s", nil) {
		t.Error("nil allowlist allows")
	}
}

// Apply runs allowlist, ignore file and baseline in that order and counts
// what each suppressed.
func TestApplyOrderAndCounts(t *testing.T) {
	t.Parallel()
	a, b, c, d := fakePAT("a"), fakePAT("b"), fakePAT("c"), fakePAT("d")
	res := result(finding("github-pat", a, "x", 1), finding("github-pat", b, "x", 2), finding("github-pat", c, "x", 3), finding("github-pat", d, "x", 4))
	ign := &IgnoreList{Path: ".scourignore", any: map[string]bool{fingerprint(b): true, fingerprint(a): true}, byRule: map[[2]string]bool{}}
	base := NewBaseline(result(finding("github-pat", c, "elsewhere", 9), finding("github-pat", b, "x", 2)))
	var logged []string
	n := Apply(res, Filters{
		Allow:    allowlist(t, config.Allow{Stopwords: []string{a[4:12]}}),
		Ignore:   ign,
		Baseline: base,
		Debugf:   func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) },
	})
	if n != (Counts{Allowed: 1, Ignored: 1, Baselined: 1}) || n.Total() != 3 {
		t.Errorf("counts = %+v", n)
	}
	if got := secrets(res); len(got) != 1 || got[0] != d {
		t.Errorf("left %v", got)
	}
	if len(logged) != 3 {
		t.Errorf("debug lines: %q", logged)
	}
	for _, l := range logged {
		for _, s := range []string{a, b, c, d} {
			if strings.Contains(l, s) {
				t.Errorf("debug line holds a secret: %q", l)
			}
		}
	}
	if n.String() != "1 allowed by config, 1 ignored by fingerprint, 1 in the baseline" || (Counts{}).String() != "" || (Counts{Ignored: 2}).String() != "2 ignored by fingerprint" {
		t.Errorf("String: %q / %q", n.String(), Counts{}.String())
	}
	if Apply(nil, Filters{}) != (Counts{}) {
		t.Error("nil result")
	}
}
