package rules

import (
	"fmt"
	"strings"
)

// Problem is one failed catalogue check.
type Problem struct {
	Source  string // file the rule came from
	RuleID  string
	Message string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: rule %q: %s", p.Source, p.RuleID, p.Message)
}

// Check lints every rule of a set against its own examples:
//   - at least two examples and two negative examples;
//   - every example contains one of the rule's keywords (case-insensitive)
//     and yields exactly one match of the rule over the whole text, equal
//     to the example's `secret` when it gives one;
//   - that match is also found when the rule sees only the window around a
//     keyword hit, as the engine runs it;
//   - no negative example matches any rule of the same provider;
//   - no example is claimed by a rule of another provider (generic rules
//     excepted: their findings yield to the specific rule's, see
//     GenericProvider);
//   - a rule restricted by paths gives each example a path it applies to.
func Check(set *Set) []Problem {
	return checkRules(set, func(*Rule) bool { return true })
}

// CheckPacks lints user packs the way Check lints the catalogue: the packs
// join the built-in rules (ids must stay unique, and examples must not be
// claimed by other providers' built-in rules), and only their own rules are
// reported on. The error is a load or validation failure.
func CheckPacks(packs ...*Pack) ([]Problem, error) {
	builtin, err := builtinPacks()
	if err != nil {
		return nil, err
	}
	set, err := NewSet(append(builtin, packs...)...)
	if err != nil {
		return nil, err
	}
	mine := map[*Rule]bool{}
	for _, p := range packs {
		for _, r := range p.Rules {
			mine[r] = true
		}
	}
	return checkRules(set, func(r *Rule) bool { return mine[r] }), nil
}

func checkRules(set *Set, want func(*Rule) bool) []Problem {
	var problems []Problem
	for _, r := range set.Rules() {
		if !want(r) {
			continue
		}
		bad := func(format string, args ...any) {
			problems = append(problems, Problem{Source: r.source, RuleID: r.ID, Message: fmt.Sprintf(format, args...)})
		}
		if len(r.Examples) < 2 {
			bad("examples: %d, want at least 2", len(r.Examples))
		}
		if len(r.NegativeExamples) < 2 {
			bad("negative_examples: %d, want at least 2", len(r.NegativeExamples))
		}
		for i, ex := range r.Examples {
			name := fmt.Sprintf("example %d", i+1)
			if len(r.Keywords) > 0 && !containsKeyword(ex.Text, r.Keywords) {
				bad("%s contains none of the keywords %q", name, r.Keywords)
			}
			got := findAll(r, ex.Text)
			switch {
			case len(got) != 1:
				bad("%s: %d matches, want exactly 1 (%q)", name, len(got), secrets(got))
			case ex.Secret != "" && got[0].Secret != ex.Secret:
				bad("%s: secret %q, want %q", name, got[0].Secret, ex.Secret)
			case len(r.Keywords) > 0 && !foundNearKeyword(r, ex.Text, got[0].Secret):
				bad("%s: secret not found within window %d of a keyword hit", name, r.Window())
			}
			if len(r.Paths) > 0 && !r.AppliesTo(ex.Path) {
				bad("%s: path %q does not match the rule's paths %q", name, ex.Path, r.Paths)
			}
			for _, q := range set.Rules() {
				if q.Provider == GenericProvider && r.Provider != GenericProvider {
					continue
				}
				if q.Provider != r.Provider && q.AppliesTo(ex.Path) && len(findAll(q, ex.Text)) > 0 {
					bad("%s is also claimed by rule %q of provider %q", name, q.ID, q.Provider)
				}
			}
		}
		for i, neg := range r.NegativeExamples {
			for _, q := range set.Rules() {
				// A rule restricted by paths never sees a pathless negative.
				if q.Provider != r.Provider || q != r && len(q.Paths) > 0 {
					continue
				}
				if got := findAll(q, neg); len(got) > 0 {
					who := "the rule"
					if q != r {
						who = fmt.Sprintf("rule %q", q.ID)
					}
					bad("negative example %d matches %s (%q)", i+1, who, secrets(got))
				}
			}
		}
	}
	return problems
}

func findAll(r *Rule, text string) []Match {
	var got []Match
	r.FindText([]byte(text), func(m Match) { got = append(got, m) }, nil)
	return got
}

func secrets(ms []Match) []string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.Secret
	}
	return s
}

func containsKeyword(text string, keywords []string) bool {
	lower := asciiLower(text)
	for _, k := range keywords {
		if strings.Contains(lower, asciiLower(k)) {
			return true
		}
	}
	return false
}

// foundNearKeyword runs the rule the way the engine does: only on the
// window around each keyword hit.
func foundNearKeyword(r *Rule, text, secret string) bool {
	lower := asciiLower(text) // same byte offsets as text
	data := []byte(text)
	found := false
	for _, k := range r.Keywords {
		k = asciiLower(k)
		for off := 0; ; {
			i := strings.Index(lower[off:], k)
			if i < 0 {
				break
			}
			at := off + i
			lo, hi, ok := r.KeywordWindow(data, at, at+len(k))
			if !ok {
				off = at + 1
				continue
			}
			r.Find(data, lo, hi, func(m Match) {
				if m.Secret == secret {
					found = true
				}
			}, nil)
			off = at + 1
		}
	}
	return found
}

// asciiLower lower-cases ASCII letters only, keeping byte offsets intact
// (the engine's prefilter is ASCII case-insensitive too).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
