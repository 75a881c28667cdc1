package importer

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// secretPattern rewrites a gitleaks regex so the secret is the named group
// `secret`: group number secretGroup when it is set, else the first group
// (gitleaks takes the first non-empty group at match time; note says so
// when that may differ), else the whole match. The regex text is edited in
// place rather than re-printed from its parse tree, so it stays as the
// user wrote it.
func secretPattern(expr string, secretGroup int) (pattern, note string, err error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", "", err
	}
	caps := re.MaxCap()
	switch {
	case secretGroup > caps:
		return "", "", fmt.Errorf("secretGroup %d, but the regex has %d groups", secretGroup, caps)
	case secretGroup == 0 && caps == 0:
		return "(?P<secret>" + expr + ")", "", nil
	case secretGroup == 0:
		secretGroup = 1
		if caps > 1 {
			note = "no secretGroup: gitleaks reports the first non-empty group, scour group 1"
		}
	}
	var b strings.Builder
	n := 0
	inClass := false
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '\\' && i+1 < len(expr):
			b.WriteString(expr[i : i+2])
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ] right after [ or [^ is a literal.
			if strings.HasPrefix(expr[i+1:], "^]") {
				b.WriteString("^]")
				i += 2
			} else if strings.HasPrefix(expr[i+1:], "]") {
				b.WriteByte(']')
				i++
			}
			continue
		case c == '(':
			rest := expr[i+1:]
			name, named := "", false
			switch {
			case strings.HasPrefix(rest, "?P<"):
				name, named = rest[3:], true
			case strings.HasPrefix(rest, "?<"):
				name, named = rest[2:], true
			case strings.HasPrefix(rest, "?"):
				b.WriteByte(c)
				continue
			}
			n++
			if named {
				end := strings.IndexByte(name, '>')
				if end < 0 {
					return "", "", fmt.Errorf("unterminated group name")
				}
				name = name[:end]
				skip := len(rest) - len(rest[strings.IndexByte(rest, '>')+1:])
				switch {
				case n == secretGroup:
					b.WriteString("(?P<secret>")
				case name == "secret":
					b.WriteString("(?P<secret_>")
				default:
					b.WriteString(expr[i : i+1+skip])
				}
				i += skip
				continue
			}
			if n == secretGroup {
				b.WriteString("(?P<secret>")
				continue
			}
		}
		b.WriteByte(c)
	}
	pattern = b.String()
	if _, err := regexp.Compile(pattern); err != nil {
		return "", "", fmt.Errorf("rewritten regex does not compile: %w", err)
	}
	return pattern, note, nil
}

// unbounded stands for a regex with no finite maximum match length.
const unbounded = -1

// maxLen is the longest match of re in bytes, or unbounded.
func maxLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			n += utf8.RuneLen(r)
		}
		return n
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		if re.Op == syntax.OpCharClass && len(re.Rune) > 0 && re.Rune[len(re.Rune)-1] < utf8.RuneSelf {
			return 1
		}
		return utf8.UTFMax
	case syntax.OpCapture:
		return maxLen(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus:
		return unbounded
	case syntax.OpQuest:
		return maxLen(re.Sub[0])
	case syntax.OpRepeat:
		n := maxLen(re.Sub[0])
		if re.Max < 0 || n == unbounded {
			return unbounded
		}
		return n * re.Max
	case syntax.OpConcat:
		total := 0
		for _, s := range re.Sub {
			n := maxLen(s)
			if n == unbounded {
				return unbounded
			}
			total += n
		}
		return total
	case syntax.OpAlternate:
		best := 0
		for _, s := range re.Sub {
			n := maxLen(s)
			if n == unbounded {
				return unbounded
			}
			best = max(best, n)
		}
		return best
	}
	return 0 // empty-width operators
}

// generator writes a string the regex matches, for a rule's examples.
// Inside the secret group it picks varied characters and lengths of about
// two dozen, so the example passes entropy floors and placeholder tests;
// elsewhere it takes the shortest form. attempt varies the choices (which
// alternative, which characters) between tries.
type generator struct {
	rng     *rand.Rand
	attempt int
}

// preferred are the characters tried first from a character class, most
// wanted first: letters and digits, then punctuation common in tokens.
const (
	alnum       = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	tokenPunct  = "-_./+=:"
	secretRun   = 24
	anyFallback = "x"
)

func (g *generator) gen(re *syntax.Regexp, inSecret bool, b *strings.Builder) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			b.WriteRune(r)
		}
	case syntax.OpCharClass:
		b.WriteRune(g.pick(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte(alnum[g.rng.IntN(len(alnum))])
	case syntax.OpCapture:
		g.gen(re.Sub[0], inSecret || re.Name == "secret", b)
	case syntax.OpStar:
		g.times(re.Sub[0], inSecret, g.count(0, unbounded, inSecret), b)
	case syntax.OpPlus:
		g.times(re.Sub[0], inSecret, g.count(1, unbounded, inSecret), b)
	case syntax.OpQuest:
		if inSecret && g.attempt%2 == 1 {
			g.gen(re.Sub[0], inSecret, b)
		}
	case syntax.OpRepeat:
		g.times(re.Sub[0], inSecret, g.count(re.Min, re.Max, inSecret), b)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			g.gen(s, inSecret, b)
		}
	case syntax.OpAlternate:
		g.gen(re.Sub[g.attempt%len(re.Sub)], inSecret, b)
	}
	// Empty-width operators (anchors, boundaries) write nothing.
}

func (g *generator) times(re *syntax.Regexp, inSecret bool, n int, b *strings.Builder) {
	for range n {
		g.gen(re, inSecret, b)
	}
}

// count chooses a repetition count in [lo, hi] (hi < 0: no upper bound).
func (g *generator) count(lo, hi int, inSecret bool) int {
	if !inSecret {
		return lo
	}
	n := max(lo, secretRun)
	if hi >= 0 {
		n = min(n, hi)
	}
	return n
}

// pick chooses a character of the class (pairs of rune ranges), preferring
// letters and digits, then token punctuation, then any printable ASCII.
func (g *generator) pick(ranges []rune) rune {
	in := func(c rune) bool {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= c && c <= ranges[i+1] {
				return true
			}
		}
		return false
	}
	for _, set := range []string{alnum, tokenPunct, " ", "!#$%&()*,;<>?@[]^`{|}~\"'\\"} {
		var ok []rune
		for _, c := range set {
			if in(c) {
				ok = append(ok, c)
			}
		}
		if len(ok) > 0 {
			return ok[g.rng.IntN(len(ok))]
		}
	}
	if len(ranges) > 0 {
		return ranges[0]
	}
	return rune(anyFallback[0])
}

// generate returns a string that re (with its `secret` group) may match.
func generate(re *syntax.Regexp, seed uint64, attempt int) string {
	g := &generator{rng: rand.New(rand.NewPCG(seed, uint64(attempt))), attempt: attempt}
	var b strings.Builder
	g.gen(re, false, &b)
	return b.String()
}
