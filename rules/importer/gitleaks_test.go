package importer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scour-dev/scour/rules"
)

func convertTestdata(t *testing.T) *Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "gitleaks.toml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := FromGitleaks(data, Options{Provider: "acme", Source: "gitleaks.toml"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestImportRealisticConfig converts a team's gitleaks config and checks
// what maps, what is listed as not mapping, and that the written pack
// passes the same checks as `scour rules check`.
func TestImportRealisticConfig(t *testing.T) {
	res := convertTestdata(t)
	var ids []string
	for _, r := range res.Pack.Rules {
		ids = append(ids, r.ID)
	}
	wantIDs := []string{"acme-internal-api-key", "acme-deploy-password", "acme.legacy.token", "acme-composite"}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("imported rules %q, want %q", ids, wantIDs)
	}
	if res.Dropped != 3 {
		t.Errorf("Dropped = %d, want 3 (path-only, lookahead, copy of a built-in rule)", res.Dropped)
	}

	// The written pack, read back as a user pack, passes rules check.
	out, err := Marshal(res.Pack)
	if err != nil {
		t.Fatal(err)
	}
	pack, err := rules.ParsePack("acme.yaml", out)
	if err != nil {
		t.Fatalf("written pack does not parse: %v\n%s", err, out)
	}
	problems, err := rules.CheckPacks(pack)
	if err != nil {
		t.Fatalf("written pack does not load: %v\n%s", err, out)
	}
	for _, p := range problems {
		t.Errorf("rules check: %s", p)
	}

	byID := map[string]*rules.Rule{}
	for _, r := range pack.Rules {
		byID[r.ID] = r
	}
	// secretGroup 1 became the secret group; keywords and entropy carried.
	api := byID["acme-internal-api-key"]
	if api == nil || !strings.Contains(api.Pattern, "(?P<secret>acme_") || api.MinEntropy != 3.5 || !slices.Equal(api.Keywords, []string{"acme_live_", "acme_test_"}) {
		t.Errorf("acme-internal-api-key converted as %+v", api)
	}
	if pw := byID["acme-deploy-password"]; pw == nil || !strings.Contains(pw.Pattern, "(?P<secret>[-0-9A-Z=_a-z!@#%]") && !strings.Contains(pw.Pattern, "(?P<secret>") {
		t.Errorf("acme-deploy-password: no secret group in %+v", pw)
	}
	// The whole match is the secret when there is no group.
	if lg := byID["acme.legacy.token"]; lg == nil || !strings.HasPrefix(lg.Pattern, "(?P<secret>ak") {
		t.Errorf("acme.legacy.token converted as %+v", lg)
	}
	for _, r := range pack.Rules {
		for _, ex := range r.Examples {
			if ex.Secret == "" {
				t.Errorf("rule %s: example %q has no expected secret", r.ID, ex.Text)
			}
		}
	}

	notes := ""
	for _, n := range res.Notes {
		notes += n.String() + "\n"
	}
	for _, want := range []string{
		`useDefault`,
		`disabledRules "generic-api-key"`,
		`rule "acme-keystore": path-only rule`,
		`rule "acme-lookaround": regex not usable in scour (RE2)`,
		`rule "grafana-service-account-token": id clashes with a scour rule`,
		`rule "grafana-service-account-token": left out: its secrets are already reported by scour's built-in rule "grafana-service-account-token"`,
		`rule "acme-composite": required (composite) rules are not supported`,
		`rule "Acme.Legacy.Token": path condition`,
		`rule "Acme.Legacy.Token": keyword "ak" is shorter than 3 bytes, which scour does not accept: dropped`,
		`rule "Acme.Legacy.Token": no keywords`,
		`allowlist commits`,
		`global allowlist path "gitleaks\\.toml" converted approximately`,
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

// TestImportAllowlists: per-rule allowlists become allow entries for the
// rule (one per criterion: gitleaks ORs them, scour ANDs an entry's
// criteria), the global path allowlist becomes excludes.
func TestImportAllowlists(t *testing.T) {
	res := convertTestdata(t)
	wantExclude := []string{"*gitleaks.toml*", "*.bmp", "*.gif", "*.jpg", "*.jpeg", "*.png", "*.svg", "*.tif", "*.tiff", "node_modules/", "/vendor/"}
	if !slices.Equal(res.Config.Exclude, wantExclude) {
		t.Errorf("exclude %q, want %q", res.Config.Exclude, wantExclude)
	}
	var got []string
	for _, a := range res.Config.Allow {
		got = append(got, strings.Join(a.Rules, ",")+"|"+a.SecretRegex+"|"+a.LineRegex+"|"+strings.Join(a.Stopwords, ",")+"|"+strings.Join(a.Paths, ","))
	}
	want := []string{
		`acme-internal-api-key|(?:acme_test_0{32})|(?:acme_(?:live|test)_EXAMPLE)|||`,
		`acme-internal-api-key||||testdata/,*.snap`,
		`acme-deploy-password|||changeme,password123|`,
		`|(?:(?i)^true|false|null$)|||`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("allow entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestImportBadInput: input that is not TOML is an error; a bad provider
// name too.
func TestImportBadInput(t *testing.T) {
	if _, err := FromGitleaks([]byte("[[rules]\nid = "), Options{}); err == nil {
		t.Error("broken TOML: no error")
	}
	if _, err := FromGitleaks([]byte(""), Options{Provider: "Bad Name"}); err == nil {
		t.Error("bad provider: no error")
	}
	res, err := FromGitleaks([]byte("title = \"empty\"\n"), Options{})
	if err != nil || len(res.Pack.Rules) != 0 || res.Pack.Provider != "custom" {
		t.Errorf("empty config: %+v, %v", res, err)
	}
}

func TestSecretPattern(t *testing.T) {
	for _, tc := range []struct {
		in    string
		group int
		want  string
	}{
		{`abc[0-9]+`, 0, `(?P<secret>abc[0-9]+)`},
		{`key=([a-z]{4})`, 0, `key=(?P<secret>[a-z]{4})`},
		{`(a)(b+)`, 2, `(a)(?P<secret>b+)`},
		{`(?P<secret>x)(y)`, 2, `(?P<secret_>x)(?P<secret>y)`},
		{`\((x)`, 0, `\((?P<secret>x)`},
		{`[(](y)[]()]`, 0, `[(](?P<secret>y)[]()]`},
		{`(?i)(?:a)(?P<v>b)(c)`, 1, `(?i)(?:a)(?P<secret>b)(c)`},
		{`(?i)(?:a)(?P<v>b)(c)`, 2, `(?i)(?:a)(?P<v>b)(?P<secret>c)`},
	} {
		got, _, err := secretPattern(tc.in, tc.group)
		if err != nil || got != tc.want {
			t.Errorf("secretPattern(%q, %d) = %q, %v; want %q", tc.in, tc.group, got, err, tc.want)
		}
	}
	if _, _, err := secretPattern(`(a)`, 3); err == nil {
		t.Error("secretGroup beyond the groups: no error")
	}
}

func TestPathPatterns(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  []string
		exact bool
	}{
		{`\.min\.js$`, []string{"*.min.js"}, false},
		{`^vendor/`, []string{"/vendor/"}, true},
		{`(?:^|/)testdata/`, []string{"testdata/"}, true},
		{`(^|/)docs/api/fixtures\.json$`, []string{"**/docs/api/fixtures.json"}, true},
		{`\.(?:png|jpe?g)$`, []string{"*.png", "*.jpg", "*.jpeg"}, false},
	} {
		got, exact, ok := pathPatterns(tc.in)
		if !ok || !slices.Equal(got, tc.want) || exact != tc.exact {
			t.Errorf("pathPatterns(%q) = %q, exact %v, ok %v; want %q, exact %v", tc.in, got, exact, ok, tc.want, tc.exact)
		}
	}
	if _, _, ok := pathPatterns(`[a-z]+\.go$`); ok {
		t.Error("a regex with a repeat converted to a path pattern")
	}
}
