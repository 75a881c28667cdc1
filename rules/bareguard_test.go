package rules

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// bareRule is generic-secret-bare, the rule the assignment-bare guard's
// length test (bareValueFits) stands in for.
func bareRule(t testing.TB) *Rule {
	set, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	r := set.Rule("generic-secret-bare")
	if r == nil || r.Guard != "assignment-bare" {
		t.Fatal("no generic-secret-bare rule with the assignment-bare guard")
	}
	return r
}

// checkBareGuard: at every keyword hit of text, when the assignment-bare
// form is ruled out only because no bare value of 8+ bytes fits (the
// hit read as an unquoted, non-call assignment of a credential-named
// key), the rule's pattern finds no secret of 8+ bytes in the window the
// guard would otherwise have given, so the credential filter would have
// dropped whatever it found. It returns how many hits were ruled out so.
func checkBareGuard(t testing.TB, r *Rule, text []byte) (cut int) {
	t.Helper()
	re := r.compiled.pattern().re
	g := r.compiled.pattern().secretGroup
	r.eachKeywordHit(text, func(at, end int) {
		a := ReadAssignment(text, at, end)
		if !a.OK || a.Quoted || a.Call || keyNamesOtherFast(a.key) || a.bare {
			return
		}
		cut++
		for _, m := range re.FindAllSubmatchIndex(text[a.Lo:a.Hi], -1) {
			if m[2*g] >= 0 && m[2*g+1]-m[2*g] >= minLen {
				t.Fatalf("%q: hit at %d ruled out, but the pattern finds %q in %q", text, at,
					text[a.Lo+m[2*g]:a.Lo+m[2*g+1]], text[a.Lo:a.Hi])
			}
		}
	})
	return cut
}

// assignmentLike builds lines of a credential key, quotes, runs of spaces
// and tabs around every operator the guard reads (and some it does not),
// and values of lengths about 8 made of bytes a bare value may hold and
// bytes that end one.
func assignmentLike(r *rand.Rand) []byte {
	keys := []string{"password", "token", "db_password", "api_key", "SECRET", "x.secret", "tokens"}
	quotes := []string{"", `"`, `'`, `\"`}
	ops := []string{"", "=", ":", "=>", ":=", ">", ",", "(", "::", "==", "=:", ":>"}
	vals := []string{"abcdef", "Zq7x9Wk", "a", "b1", "xyz", "Qw3", "-", ".", "=", ":", "$", "/", "@", "é", ",", ";", "(", ")",
		"<", ">", "{", "}", "[", "]", "\\", "|", "&", `"`, "'", "`", "\r", "\f", "\v", "\n"}
	spaces := func() string {
		var sb strings.Builder
		for range []int{0, 0, 1, 2, 15, 16, 17, 33}[r.IntN(8)] {
			sb.WriteByte(" \t"[r.IntN(2)])
		}
		return sb.String()
	}
	var sb strings.Builder
	for range 1 + r.IntN(3) {
		q := quotes[r.IntN(len(quotes))]
		sb.WriteString(q + keys[r.IntN(len(keys))])
		if r.IntN(2) == 0 {
			sb.WriteString(q)
		}
		sb.WriteString(spaces() + ops[r.IntN(len(ops))] + spaces())
		for range r.IntN(14) {
			sb.WriteString(vals[r.IntN(len(vals))])
		}
		sb.WriteString([]string{"\n", " ", "", " and more words\n"}[r.IntN(4)])
	}
	return []byte(sb.String())
}

func TestBareGuard(t *testing.T) {
	r := bareRule(t)
	for _, ex := range r.Examples {
		if n := checkBareGuard(t, r, []byte(ex.Text)); n > 0 {
			t.Errorf("example %q: %d hits ruled out", ex.Text, n)
		}
	}
	for _, s := range []string{"token must be copied", "Password *string `json:\"password\"`",
		"OutputTokens:    []string{}", `"password": &schema.Schema{`, "SetToken(v string)",
		"password, err := f()", "token :abcdefg", "token :=abcdef", "token : abcdefgh", "token :==abcdef x", "token\t:=abcdefg"} {
		checkBareGuard(t, r, []byte(s))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	cut := 0
	for range 50000 {
		cut += checkBareGuard(t, r, assignmentLike(rng))
	}
	// The generator must reach hits the test rules out, or it says little.
	if cut < 5000 {
		t.Fatalf("only %d hits ruled out by the length test", cut)
	}
}

func FuzzBareGuard(f *testing.F) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 32 {
		f.Add(assignmentLike(rng))
	}
	r := bareRule(f)
	f.Fuzz(func(t *testing.T, text []byte) { checkBareGuard(t, r, text) })
}

// TestBareStops compares bareStops with the bytes generic-secret-bare's
// secret class leaves out.
func TestBareStops(t *testing.T) {
	for b := range 256 {
		c := byte(b)
		want := c < 128 && strings.IndexByte(" \t\n\f\r\"'`,;()<>{}[]\\|&", c) >= 0
		if got := isBareStop(c); got != want {
			t.Errorf("isBareStop(%q) = %v", c, got)
		}
	}
}
