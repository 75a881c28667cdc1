package scanner

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/scour-dev/scour/rules"
)

// TestNeedsOf: the needs come from the mandatory fixed parts of a pattern,
// longest first, and optional or alternated parts add none.
func TestNeedsOf(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pattern string
		want    []int // need lengths
		in, out string
	}{
		{`(?i:azdo|vsts)[^\n]{0,120}?[\s"'=:(,](?P<secret>[a-z2-7]{52})`, []int{53, 52},
			"=" + strings.Repeat("a2", 26), "=" + strings.Repeat("a2", 25) + "8"},
		{`(?P<secret>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`, []int{36, 12, 8},
			"01234567-89ab-cdef-0123-456789abcdef", "01234567-89ab-cdef-0123-456789abcdeg"},
		{`(?i:tok)en(?P<secret>[A-Z]{8,})`, []int{13, 8}, "TOKenABCDEFGH", "tok3nABCDEFGH"},
		// The secret must follow one of = : space quote: a hash in a URL path cannot match.
		{`token\s*[=:]\s*["']?(?P<secret>[a-f0-9]{12})`, []int{12}, "token = \"0123456789ab", "token = x/0123456789ab"},
		{`(?:x|[a-z]{30})`, nil, "", ""},
		{`a?[0-9]*`, nil, "", ""},
		{`(`, nil, "", ""}, // does not parse: no needs, the regex decides
	} {
		ns := needsOf(c.pattern)
		var got []int
		for _, n := range ns {
			got = append(got, n.n)
		}
		if len(got) != len(c.want) || (len(got) > 0 && !equalInts(got, c.want)) {
			t.Errorf("%s: need lengths %v, want %v", c.pattern, got, c.want)
			continue
		}
		if c.in != "" && !possible(ns, []byte(c.in), 0, len(c.in)) {
			t.Errorf("%s: %q ruled out", c.pattern, c.in)
		}
		if c.out != "" && possible(ns, []byte(c.out), 0, len(c.out)) {
			t.Errorf("%s: %q not ruled out", c.pattern, c.out)
		}
	}
}

func equalInts(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestHasRun compares the probing search with counting every byte.
func TestHasRun(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	var class [256]bool
	class['a'], class['b'] = true, true
	for range 20000 {
		w := make([]byte, r.IntN(80))
		for i := range w {
			w[i] = "abc"[r.IntN(3)]
		}
		n := 1 + r.IntN(12)
		want, run := false, 0
		for _, b := range w {
			if class[b] {
				run++
			} else {
				run = 0
			}
			want = want || run >= n
		}
		if got := hasRun(w, &class, n); got != want {
			t.Fatalf("hasRun(%q, %d) = %v, want %v", w, n, got, want)
		}
	}
}

// TestNeedsNeverLoseMatches: whenever a built-in rule's own Find matches
// in a window, the rule's needs and literals hold for that window, on
// every example, and on examples cut, shifted, with letters' case flipped
// and with bytes replaced at random (near misses that sometimes still
// match).
func TestNeedsNeverLoseMatches(t *testing.T) {
	t.Parallel()
	_, set := builtinScanner(t, 0)
	r := rand.New(rand.NewPCG(5, 6))
	checked := 0
	for _, rule := range set.Rules() {
		ns := needsOf(rule.Pattern)
		lits := literalsOf(rule.Pattern)
		anyLits := anyLiteralsOf(rule.Pattern)
		seqs := seqNeedsOf(rule.Pattern)
		var texts []string
		for _, ex := range rule.Examples {
			texts = append(texts, ex.Text)
		}
		texts = append(texts, rule.NegativeExamples...)
		for _, text := range texts {
			for k := range 60 {
				b := []byte(text)
				if k > 0 {
					for range 1 + r.IntN(3) {
						if len(b) > 0 {
							const alphabet = "aZ09_-. \n=\"\xff"
							b[r.IntN(len(b))] = alphabet[r.IntN(len(alphabet))]
						}
					}
					for range r.IntN(4) {
						if len(b) > 0 {
							b[r.IntN(len(b))] ^= 0x20 // a letter's case, or a near miss
						}
					}
					lo, hi := r.IntN(len(b)/4+1), len(b)-r.IntN(len(b)/4+1)
					b = b[lo:max(lo, hi)]
				}
				matched := false
				rule.Find(b, 0, len(b), func(rules.Match) { matched = true }, func(string, string) { matched = true })
				if matched {
					checked++
					if !possible(ns, b, 0, len(b)) {
						t.Fatalf("%s: needs rule out %q, where the rule matches", rule.ID, b)
					}
					if !hasLiterals(lits, b) {
						t.Fatalf("%s: literals rule out %q, where the rule matches", rule.ID, b)
					}
					if !hasAnyLiterals(anyLits, b) {
						t.Fatalf("%s: any-of literals rule out %q, where the rule matches", rule.ID, b)
					}
					if !hasSeqs(seqs, b) {
						t.Fatalf("%s: sequence needs rule out %q, where the rule matches", rule.ID, b)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("nothing matched")
	}
	t.Logf("%d matching windows checked", checked)
}

// TestLiterals: the mandatory literals of a pattern, and the search for
// them, case-folded as Go's regexp folds (which maps k and s to non-ASCII
// letters too), against the regexp itself.
func TestLiterals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pattern string
		want    []string
	}{
		{`(?:(?i:google)|\.apps\.googleusercontent\.com)(?s:.{0,200}?)(?i:client[_-]?secret)=(?P<secret>[a-z]{4})`, []string{"client", "ecret"}},
		{`(?i:a|bbbbbb)cccc(?:dddd)?(?:eeee)+`, []string{"cccc", "eeee"}},
		{`(?i:kkkk)`, nil},
		{`(?:xxxx){0,2}`, nil},
		{`(`, nil},
	} {
		var got []string
		for _, l := range literalsOf(c.pattern) {
			got = append(got, string(l.s))
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: literals %q, want %q", c.pattern, got, c.want)
		}
	}
	for _, c := range []struct {
		pattern string
		want    string
	}{
		{`(?i:(?:^|[\s{,"'])(?:jwt[_.-]?secret(?:[_.-]?key)?|jwt:[ \t]*\r?\n[ \t]+(?:secret|secret[_-]?key|signing[_-]?key)))[ \t]*(?:=|:)`, "ecret|igning"},
		{`(?:aaaa|bbbb)(?:cccc|x)(?:dddd|eeee|ffff)`, "aaaa|bbbb dddd|eeee|ffff"},
		{`(?:aaaa|bbbb)?(?:cccc|)`, ""},
		{`(?:aaaa|bbbbcccc)`, "aaaa|bbbbcccc"},
		{`(?i:kkkk|ssss)`, ""},
	} {
		var got []string
		for _, any := range anyLiteralsOf(c.pattern) {
			var alt []string
			for _, l := range any {
				alt = append(alt, string(l.s))
			}
			got = append(got, strings.Join(alt, "|"))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s: any-of literals %q, want %q", c.pattern, strings.Join(got, " "), c.want)
		}
	}
	re := regexp.MustCompile(`(?i:client_secret)`)
	lits := literalsOf(re.String())
	r := rand.New(rand.NewPCG(9, 9))
	for range 20000 {
		var b []byte
		for range r.IntN(40) {
			switch r.IntN(6) {
			case 0:
				b = append(b, "CLIENT_SECRET"[:1+r.IntN(13)]...)
			case 1:
				b = append(b, "client_\u017fecret"...)
			case 2:
				b = append(b, "cliEnt_sEcrEt"...)
			default:
				const alphabet = "cCeElLiInNtT_sSrR \n\xc5"
				b = append(b, alphabet[r.IntN(len(alphabet))])
			}
		}
		if re.Match(b) && !hasLiterals(lits, b) {
			t.Fatalf("literals rule out %q, which the pattern matches", b)
		}
	}
}

// TestSeqNeeds: the byte-class sequences a pattern's matches hold, and the
// search for them, against the regexp on random near misses.
func TestSeqNeeds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pattern string
		want    int // classes of the longest sequence need, 0 for none
	}{
		{`(?i)\bmysql\b[^\n|;&]{0,160}?\s-[pa][ \t]?(?P<secret>[^\s"']{6,128})`, 3},
		{`(?i)ab`, 0},        // too short
		{`(?i)kkk`, 0},       // k folds to the Kelvin sign, several bytes
		{`x[^a]-`, 0},        // [^a] holds runes of several bytes
		{`ab(?:c)?-d`, 0},    // the optional part breaks the run
		{`xoxp-[0-9]{3}`, 8}, // the repeat's fixed length joins the run
		{`a+bb-c`, 4},        // after a+, a new run: b, b, -, c
		{`(`, 0},
	} {
		got := 0
		if sn := seqNeedsOf(c.pattern); len(sn) > 0 {
			got = len(sn[0].classes)
		}
		if got != c.want {
			t.Errorf("%s: sequence need of %d classes, want %d", c.pattern, got, c.want)
		}
	}
	re := regexp.MustCompile(`(?i)(?:\bmysql|\bsshpass)\b[^\n|;&]{0,40}?\s-[pa][ \t]?["']?(?P<secret>[^\s"'$<>{}]{6,12})`)
	seqs := seqNeedsOf(re.String())
	if len(seqs) == 0 {
		t.Fatal("no sequence need")
	}
	r := rand.New(rand.NewPCG(7, 7))
	hits := 0
	for range 20000 {
		var b []byte
		for range r.IntN(30) {
			switch r.IntN(5) {
			case 0:
				b = append(b, []string{"mysql", "SSHPASS", " -p", "\t-A", "-P", "\u00e9"}[r.IntN(6)]...)
			default:
				const alphabet = "-pPaA \t\nx9\"'\xff"
				b = append(b, alphabet[r.IntN(len(alphabet))])
			}
		}
		m := re.Match(b)
		if m {
			hits++
		}
		if m && !hasSeqs(seqs, b) {
			t.Fatalf("sequence needs rule out %q, which the pattern matches", b)
		}
	}
	if hits == 0 {
		t.Fatal("nothing matched")
	}
}

// The need readers over a pattern string (nil when it does not parse), as
// ruleNeeds.get reads them off a parsed one.
func ofPattern[T any](pattern string, read func(*syntax.Regexp) T) T {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		var none T
		return none
	}
	return read(re)
}

func needsOf(pattern string) []need            { return ofPattern(pattern, needsOfParsed) }
func literalsOf(pattern string) []literal      { return ofPattern(pattern, literalsOfParsed) }
func anyLiteralsOf(pattern string) [][]literal { return ofPattern(pattern, anyLiteralsOfParsed) }
func seqNeedsOf(pattern string) []seqNeed      { return ofPattern(pattern, seqNeedsOfParsed) }
