package rules

import (
	"reflect"
	"sync"
)

// BuiltinPacks returns the embedded catalogue's packs, parsed but not yet
// compiled, so that a caller can add user packs and build one Set with
// NewSet (ids stay unique across built-in and user rules).
func BuiltinPacks() ([]*Pack, error) { return builtinPacks() }

// parsedBuiltin is the embedded catalogue decoded once per process, each
// rule with its compiled matcher built at most once. Decoding and compiling
// are what building the built-in rule set costs, and test binaries build it
// hundreds of times. It is immutable: nothing modifies these packs and
// rules; builtinPacks hands out copies instead.
var parsedBuiltin = sync.OnceValues(func() ([]*Pack, error) {
	packs, err := loadBuiltinPacks()
	if err != nil {
		return nil, err
	}
	for _, p := range packs {
		for _, r := range p.Rules {
			if r != nil {
				r.builtin = newBuiltinRule(r)
			}
		}
	}
	return packs, nil
})

// loadBuiltinPacks returns the catalogue as ParsePack decodes it: from the
// Go literals generated from the YAML at build time (builtin_catalogue.go,
// kept in step by TestGeneratedCatalogue), which cost a fraction of a
// millisecond where decoding the YAML costs tens, or from the YAML itself
// when built with the scour_yaml_catalogue tag.
func loadBuiltinPacks() ([]*Pack, error) {
	if !generatedCatalogue {
		return parseBuiltinPacks()
	}
	packs := generatedPacks()
	for _, p := range packs {
		for _, r := range p.Rules {
			if r != nil {
				r.source = p.Source // what ParsePack sets besides the YAML's fields
			}
		}
	}
	return packs, nil
}

// builtinRule is a built-in rule as decoded, and its matcher once built.
type builtinRule struct {
	parsed  *Rule
	compile func() (*compiled, []string)
}

func newBuiltinRule(r *Rule) *builtinRule {
	snapshot := *r
	return &builtinRule{
		parsed: &snapshot,
		compile: sync.OnceValues(func() (*compiled, []string) {
			// Lazily, without the action checks: the catalogue is
			// validated in full by the tests (TestBuiltinRulesValid).
			rc := snapshot
			return compileRule(&rc, true)
		}),
	}
}

// ruleFields is r without what NewSet itself fills in.
func ruleFields(r *Rule) Rule {
	c := *r
	c.Provider, c.source, c.compiled, c.builtin = "", "", nil, nil
	return c
}

// compileChecked is compileAndValidate, except that a copy of a built-in
// rule its caller left as it was reuses the regex and tables built for the
// first copy (they are read-only and safe for concurrent use). It returns
// its own compiled value, since NewSet attaches per-set data to it. A copy
// that was changed in any way is compiled afresh.
func compileChecked(r *Rule) (*compiled, []string) {
	if b := r.builtin; b != nil && reflect.DeepEqual(ruleFields(b.parsed), ruleFields(r)) {
		shared, problems := b.compile()
		if shared == nil {
			return nil, problems
		}
		c := *shared
		return &c, problems
	}
	return compileAndValidate(r)
}

// builtinPacks returns a fresh copy of the parsed catalogue: new Pack and
// Rule values (NewSet fills in a rule's provider, defaults and compiled
// matcher; callers drop disabled rules from a pack), sharing the nested
// slices and actions, which nothing modifies once parsed.
func builtinPacks() ([]*Pack, error) {
	parsed, err := parsedBuiltin()
	if err != nil {
		return nil, err
	}
	packs := make([]*Pack, len(parsed))
	for i, p := range parsed {
		cp := *p
		cp.Rules = make([]*Rule, len(p.Rules))
		for j, r := range p.Rules {
			if r != nil {
				rc := *r
				cp.Rules[j] = &rc
			}
		}
		packs[i] = &cp
	}
	return packs, nil
}
