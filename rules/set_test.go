package rules

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Fake tokens are assembled here so that no whole token sits in the source.
var (
	yxA = "pt-" + "rws1DrgEjVaVMatcoVK4K4VN" + "_" + "9a408134-5007-449e-9e3f-8c91bbe2c65f"
	yxB = "pt-" + "IK2gJRpet3ch0BFWj30O6Kp5" + "_" + "5d3e40a5-d7d8-4117-a745-c303088b04f4"
)

func builtin(t testing.TB) *Set {
	t.Helper()
	set, err := Builtin()
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	return set
}

func rule(t testing.TB, set *Set, id string) *Rule {
	t.Helper()
	r := set.Rule(id)
	if r == nil {
		t.Fatalf("no rule %q", id)
	}
	return r
}

type found struct {
	secret string
	start  int
	ctx    map[string]string
}

func find(r *Rule, text string, lo, hi int) (got []found, drops []string) {
	r.Find([]byte(text), lo, hi, func(m Match) {
		got = append(got, found{m.Secret, m.Start, m.Context})
	}, func(secret, why string) { drops = append(drops, why) })
	return got, drops
}

func secretsOf(fs []found) []string {
	var s []string
	for _, f := range fs {
		s = append(s, f.secret)
	}
	return s
}

// TestYunxiaoBoundaries covers docs/providers.md §2.2: tokens glued to `_`, `=`,
// in URL userinfo, and two in a row (with and without a separator) are all
// found; lookalikes glued to letters are not.
func TestYunxiaoBoundaries(t *testing.T) {
	t.Parallel()
	r := rule(t, builtin(t), "yunxiao-pat")
	tests := []struct {
		text string
		want []string
	}{
		{"YUNXIAO_TOKEN_" + yxA, []string{yxA}},
		{"token=" + yxA + "\n", []string{yxA}},
		{"https://me:" + yxA + "@codeup.aliyun.com/org/r.git", []string{yxA}},
		{yxA + "," + yxB, []string{yxA, yxB}},
		{yxA + yxB, []string{yxA, yxB}},
		{yxA + " " + yxB, []string{yxA, yxB}},
		{"script-" + yxA[3:], nil},
		{"x" + yxA, nil},
		{yxA + "0", nil},
		{yxA + "Z", nil},
		{strings.Replace(yxA, "9a408134", "9A408134", 1), nil},
	}
	for _, tt := range tests {
		got, _ := find(r, tt.text, 0, len(tt.text))
		if !slices.Equal(secretsOf(got), tt.want) {
			t.Errorf("%q: got %q, want %q", tt.text, secretsOf(got), tt.want)
		}
	}
	// The token id is kept as context (admins revoke by it).
	got, _ := find(r, "T="+yxA, 0, len(yxA)+2)
	if len(got) != 1 || got[0].ctx["id"] != yxA[:27] || got[0].start != 2 {
		t.Errorf("context: got %+v, want id %q at 2", got, yxA[:27])
	}
}

// TestFindWindow checks that Find looks only inside [lo, hi), reports
// absolute offsets, and still checks the byte before lo for the boundary.
func TestFindWindow(t *testing.T) {
	t.Parallel()
	r := rule(t, builtin(t), "yunxiao-pat")
	text := "aaaa=" + yxA + "; more text"
	start := strings.Index(text, yxA)
	if got, _ := find(r, text, start, start+len(yxA)); len(got) != 1 || got[0].start != start {
		t.Errorf("exact window: got %+v, want one match at %d", got, start)
	}
	if got, _ := find(r, text, start, start+len(yxA)-1); len(got) != 0 {
		t.Errorf("window cutting the token: got %+v, want none", got)
	}
	if got, _ := find(r, text, -100, 1<<20); len(got) != 1 {
		t.Errorf("window clamped to data: got %+v, want one match", got)
	}
	// A window starting inside a longer string must not report its tail.
	glued := "Z" + yxA
	if got, _ := find(r, glued, 1, len(glued)); len(got) != 0 {
		t.Errorf("window after an alphanumeric: got %+v, want none", got)
	}
	if got, _ := find(r, text, 10, 5); len(got) != 0 {
		t.Errorf("empty window: got %+v", got)
	}
}

// TestFindChecksums: a hard checksum failure drops the candidate and says
// why; a soft (github_pat_) failure keeps it, marked unverified.
func TestFindChecksums(t *testing.T) {
	t.Parallel()
	set := builtin(t)
	rnd := rand.New(rand.NewPCG(3, 4))
	ghp := genGitHub(rnd, "ghp_", 30)
	bad := ghp[:len(ghp)-1] + string(ghp[len(ghp)-1]^1)
	r := rule(t, set, "github-pat")
	if got, drops := find(r, "GITHUB_TOKEN="+ghp, 0, 60); len(got) != 1 || got[0].ctx != nil || len(drops) != 0 {
		t.Errorf("valid ghp: got %+v, drops %q", got, drops)
	}
	got, drops := find(r, "GITHUB_TOKEN="+bad, 0, 60)
	if len(got) != 0 || len(drops) != 1 || !strings.Contains(drops[0], "checksum github-crc32 failed") {
		t.Errorf("corrupted ghp: got %+v, drops %q; want dropped for checksum", got, drops)
	}

	fg := genFineGrained(rnd)
	fgBad := fg[:77] + "BCDFGHJK" + fg[85:]
	r = rule(t, set, "github-fine-grained-pat")
	if got, _ := find(r, "x="+fg, 0, 200); len(got) != 1 || got[0].ctx["checksum"] != "" {
		t.Errorf("valid github_pat_: got %+v", got)
	}
	if got, _ := find(r, "x="+fgBad, 0, 200); len(got) != 1 || got[0].ctx["checksum"] != "unverified" {
		t.Errorf("github_pat_ failing the soft check: got %+v, want kept with checksum=unverified", got)
	}

	r = rule(t, set, "gitlab-pat-routable")
	for _, versioned := range []bool{true, false} {
		tok := genGitLab(rnd, "glpat-", versioned)
		if got, _ := find(r, tok, 0, len(tok)); len(got) != 1 {
			t.Errorf("valid routable glpat (versioned=%v) %s: got %+v", versioned, tok, got)
		}
		// The legacy rule must not match the first 20 characters.
		if got, _ := find(rule(t, set, "gitlab-pat"), tok, 0, len(tok)); len(got) != 0 {
			t.Errorf("legacy glpat rule matched routable token: %+v", got)
		}
	}
}

// TestFindFilters checks the placeholder and entropy filters and that
// dropped is told why.
func TestFindFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		secret, why string
	}{
		{"ghs_" + strings.Repeat("0", 36), "repeated"},
		{"ghs_" + "EXAMPLEexampleEXAMPLEexampleEXAMPLEe", "example"},
		{"ghs_" + strings.Repeat("ab", 18), "entropy"},
		{"ghs_" + "aBcDeFaBcDeFaBcDeFaBcDeFaBcDeFaBcDeF", "repeated chunk"},
	}
	r := rule(t, builtin(t), "github-app-installation")
	for _, tt := range tests {
		got, drops := find(r, "T="+tt.secret, 0, 100)
		if len(got) != 0 || len(drops) != 1 || !strings.Contains(drops[0], tt.why) {
			t.Errorf("%s: got %+v, drops %q; want dropped for %s", tt.secret, got, drops, tt.why)
		}
	}
}

func TestPlaceholder(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"<your-token>", "****", "abc...xyz", "${TOKEN}", "{{ token }}",
		"xxxxxxxxxxxxxxxx", "EXAMPLEKEY123456", "AAAAAAAAAAAAAAAAAAAA", "REDACTED", "your_token_here", "123456789abc", "abababcabcabca"} {
		if placeholder([]byte(s), true, false) == "" {
			t.Errorf("placeholder(%q) = \"\", want a reason", s)
		}
	}
	// Real-looking secrets, including long key material with a run of A's.
	for _, s := range []string{yxA, "Xr3IWj5YyrXeWBMPA6Z3jMU1qFgBWV", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAB" + strings.Repeat("Zm9vYmFy", 20)} {
		if why := placeholder([]byte(s), true, false); why != "" {
			t.Errorf("placeholder(%q) = %q, want \"\"", s, why)
		}
	}
}

// TestPlaceholderCountingHex: documentation fills UUID- and hex-shaped
// samples by counting through the hex digits.
func TestPlaceholderCountingHex(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"01234567-89ab-cdef-0123-456789abcdef", "0123456789ABCDEF0123456789ABCDEF", "fedcba98-7654-3210-fedc-ba9876543210"} {
		if placeholder([]byte(s), false, false) == "" {
			t.Errorf("placeholder(%q) = \"\", want a reason", s)
		}
	}
}

// TestFindAllocations keeps Find cheap on the hot path: no allocation when
// nothing matches, a handful for a match.
func TestFindAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates; counted in the non-race run")
	}
	set := builtin(t)
	r := rule(t, set, "yunxiao-pat")
	miss := []byte(strings.Repeat("opt-in script-src pt- nothing here ", 20))
	if n := testing.AllocsPerRun(100, func() { r.Find(miss, 0, len(miss), func(Match) {}, nil) }); n != 0 {
		t.Errorf("Find with no match: %v allocations, want 0", n)
	}
	hit := []byte("YUNXIAO_TOKEN=" + yxA + "\n")
	if n := testing.AllocsPerRun(100, func() { r.Find(hit, 0, len(hit), func(Match) {}, nil) }); n > 6 {
		t.Errorf("Find with one match: %v allocations, want at most 6", n)
	}
}

// TestMalformedPacks checks that each kind of bad pack is rejected with a
// message naming the file, the rule id and the problem.
func TestMalformedPacks(t *testing.T) {
	t.Parallel()
	const head = "provider: acme\nrules:\n"
	const good = "  - id: acme-key\n    description: d\n    keywords: [acme_]\n    pattern: '(?P<secret>acme_[a-z0-9]{20})'\n"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", head + good + "    patern: x\n", []string{`rule "acme-key"`, "line 7: field patern is not a rule field"}},
		{"no secret group", head + "  - id: acme-key\n    description: d\n    keywords: [acme_]\n    pattern: 'acme_[a-z0-9]{20}'\n", []string{`rule "acme-key"`, "pattern: missing (?P<secret>...) group"}},
		{"two secret groups", head + "  - id: acme-key\n    description: d\n    keywords: [acme_]\n    pattern: '(?P<secret>a)(?P<secret>b)'\n", []string{`rule "acme-key"`, "pattern:"}},
		{"bad regex", head + "  - id: acme-key\n    description: d\n    keywords: [acme_]\n    pattern: '(?P<secret>a(?=b))'\n", []string{`rule "acme-key"`, "pattern: error parsing regexp"}},
		{"empty match", head + "  - id: acme-key\n    description: d\n    keywords: [acme_]\n    pattern: '(?P<secret>a*)'\n", []string{`rule "acme-key"`, "matches the empty string"}},
		{"duplicate id", head + good + good, []string{`rule "acme-key"`, "id: already used in testpack.yaml"}},
		{"no keywords", head + "  - id: acme-key\n    description: d\n    pattern: '(?P<secret>acme_[a-z0-9]{20})'\n", []string{`rule "acme-key"`, "keywords: none"}},
		{"unknown checksum", head + good + "    checksum: crc64\n", []string{`rule "acme-key"`, `checksum: unknown algorithm "crc64"`}},
		{"bad confidence", head + good + "    confidence: sure\n", []string{`rule "acme-key"`, `confidence: "sure"`}},
		{"bad reject class", head + good + "    reject_after: 'z-a'\n", []string{`rule "acme-key"`, "reject_after: bad character class"}},
		{"window too large", head + good + "    window: 10000000\n", []string{`rule "acme-key"`, "window: 10000000 is outside"}},
		{"bad id", head + strings.Replace(good, "acme-key", "Acme Key", 1), []string{`rule "Acme Key"`, "id: want lower-case"}},
		{"no id", head + strings.Replace(good, "  - id: acme-key\n    description", "  - description", 1), []string{"rule #1: id: missing"}},
		{"no provider", "rules:\n" + good, []string{"provider: missing"}},
		{"example shape", head + good + "    examples:\n      - {text: a, secrett: b}\n", []string{`rule "acme-key"`, `unknown key "secrett"`}},
		{"yaml syntax", head + good + "  - id: [\n", []string{"testpack.yaml:"}},
		{"empty", "", []string{"empty rule pack"}},
		{"two documents", head + good + "---\n" + head + good, []string{"more than one YAML document"}},
		{"wrong type", head + good + "    min_entropy: lots\n", []string{`rule "acme-key"`, "lots"}},
		{"unknown top-level key", head + good + "colour: red\n", []string{"testpack.yaml: line 7: field colour is not a pack field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePack("testpack.yaml", []byte(tt.yaml))
			if err == nil {
				_, err = NewSet(p)
			}
			if err == nil {
				t.Fatalf("no error for %q", tt.yaml)
			}
			msg := err.Error()
			for _, w := range append([]string{"testpack.yaml: "}, tt.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
		})
	}
}

// TestCheckFindsProblems runs CheckPacks (as `scour rules check` does) on
// a user pack that breaks every catalogue check.
func TestCheckFindsProblems(t *testing.T) {
	t.Parallel()
	ghp := genGitHub(rand.New(rand.NewPCG(5, 6)), "ghp_", 30)
	dir := t.TempDir()
	pack := `provider: acme
rules:
  - id: acme-key
    description: Acme API key
    pattern: '(?P<secret>acme_[a-z0-9]{20})'
    keywords: [acme_]
    examples:
      - 'ACME=acme_k3j5h6g7f8d9s0a1q2w3 and acme_p0o9i8u7y6t5r4e3w2q1'
      - text: 'key: acme_z1x2c3v4b5n6m7l8k9j0'
        secret: acme_z1x2c3v4b5n6m7l8k9j0x
      - 'acmekey z1x2c3v4b5n6m7l8k9j0'
      - 'ACME=acme_m1n2b3v4c5x6z7l8k9j0 # ` + ghp + `'
    negative_examples:
      - 'acme_q1w2e3r4t5y6u7i8o9p0'
`
	path := filepath.Join(dir, "acme.yaml")
	if err := os.WriteFile(path, []byte(pack), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := LoadFile(path)
	if err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	problems, err := CheckPacks(p)
	if err != nil {
		t.Fatalf("CheckPacks: %v", err)
	}
	var msgs []string
	for _, pr := range problems {
		if pr.Source != path || pr.RuleID != "acme-key" {
			t.Errorf("problem %v: want source %s, rule acme-key", pr, path)
		}
		msgs = append(msgs, pr.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"negative_examples: 1, want at least 2",
		"example 1: 2 matches, want exactly 1",
		`example 2: secret "acme_z1x2c3v4b5n6m7l8k9j0", want "acme_z1x2c3v4b5n6m7l8k9j0x"`,
		"example 3 contains none of the keywords",
		"example 3: 0 matches",
		`example 4 is also claimed by rule "github-pat" of provider "github"`,
		"negative example 1 matches the rule",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems do not include %q; got:\n%s", want, all)
		}
	}
	if len(problems) != 7 {
		t.Errorf("got %d problems, want 7:\n%s", len(problems), all)
	}

	// A user rule reusing a built-in id is a load error naming both files.
	dup := strings.Replace(pack, "id: acme-key", "id: github-pat", 1)
	p, err = ParsePack("dup.yaml", []byte(dup))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckPacks(p); err == nil || !strings.Contains(err.Error(), `dup.yaml: rule "github-pat": id: already used in rules/builtin/github.yaml`) {
		t.Errorf("duplicate id: got %v", err)
	}
}

func TestLoadFileMissing(t *testing.T) {
	t.Parallel()
	if _, err := LoadFile(filepath.Join(t.TempDir(), "nope.yaml")); err == nil {
		t.Error("LoadFile of a missing file: no error")
	}
}

// FuzzParsePack feeds arbitrary bytes through the loader, the validator and
// every rule's Find: none of them may panic.
func FuzzParsePack(f *testing.F) {
	// Small seeds: under the fuzzer's instrumentation whole catalogue files
	// (many large counted repetitions) take about a second per execution.
	if b, err := os.ReadFile("builtin/docker.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("provider: x\nrules:\n  - id: a\n    description: d\n    pattern: '(?P<secret>ab[0-9]{4})(?P<host>h)?'\n    keywords: [ab]\n    checksum: github-crc32\n    reject_after: 'a-z'\n    examples: [{text: ab1234h, secret: ab1234}, 'x ab9876']\n"))
	f.Add([]byte("provider: x\nrules:\n  - id: a\n    pattern: '(?P<secret>a+)'\n    keywords: [a]\n"))
	f.Add([]byte("rules: [~, {}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePack("fuzz.yaml", data)
		if err != nil {
			return
		}
		set, err := NewSet(p)
		if err != nil {
			return
		}
		// The engine runs rules on windows, not whole files: keep each
		// execution short so the fuzzer explores the loader.
		for _, r := range set.Rules() {
			r.Find(data, 0, min(len(data), 2*r.Window()), func(Match) {}, func(string, string) {})
		}
	})
}

// BenchmarkFind measures one rule on a keyword window, as the engine calls
// it: a miss (the common case) and a hit.
func BenchmarkFind(b *testing.B) {
	set := builtin(b)
	r := rule(b, set, "yunxiao-pat")
	miss := []byte(strings.Repeat("x := opt-in; script-src 'self'; ", 16))
	hit := []byte(strings.Repeat("# config ", 20) + "YUNXIAO_TOKEN=" + yxA + "\n" + strings.Repeat("# config ", 20))
	b.Run("miss", func(b *testing.B) {
		b.SetBytes(int64(len(miss)))
		b.ReportAllocs()
		for b.Loop() {
			r.Find(miss, 0, len(miss), func(Match) {}, nil)
		}
	})
	b.Run("hit", func(b *testing.B) {
		b.SetBytes(int64(len(hit)))
		b.ReportAllocs()
		for b.Loop() {
			r.Find(hit, 0, len(hit), func(Match) {}, nil)
		}
	})
}

// TestProviderFixtures runs docs/providers.md's checksum fixtures through their
// rules: checksum-valid tokens are kept even when their random part is all
// zeros (only word-based placeholder tests apply to them), while the
// Yunxiao fixture, which spells EXAMPLE and has no checksum, is dropped as
// a placeholder.
func TestProviderFixtures(t *testing.T) {
	t.Parallel()
	set := builtin(t)
	tests := []struct {
		rule, token string
		keep        bool
	}{
		{"github-pat", "ghp_" + "scourTestFixtureNotARealToken0" + "2WxGSU", true},
		{"gitlab-pat-routable", "glpat-" + "AAAAAAAAAAAAAAAAAAAAAG86MQM.01.0r" + "1regny2", true},
		{"gitlab-pat-routable", "glpat-" + "bzoxAAAAAAAAAAAAAAAAAAAAABA.0r" + "01ukbzv", true},
		{"bitbucket-app-password", "ATBB" + "ScourFakeFixtureNotReal0" + "C7FEEC86", true},
		{"yunxiao-pat", "pt-" + "SCOURfakeEXAMPLEtoken000" + "_" + "00000000-0000-4000-8000-000000000000", false},
	}
	for _, tt := range tests {
		text := "TOKEN=" + tt.token + "\n"
		got, drops := find(rule(t, set, tt.rule), text, 0, len(text))
		if kept := len(got) == 1 && got[0].secret == tt.token; kept != tt.keep {
			t.Errorf("%s: %s: got %+v (drops %q), want kept=%v", tt.rule, tt.token, got, drops, tt.keep)
		}
	}
}
