package rules

import "sync"

// BuiltinPacks returns the embedded catalogue's packs, parsed but not yet
// compiled, so that a caller can add user packs and build one Set with
// NewSet (ids stay unique across built-in and user rules).
func BuiltinPacks() ([]*Pack, error) { return builtinPacks() }

// parsedBuiltin is the embedded catalogue decoded once per process. YAML
// decoding is most of what building the built-in rule set costs, and test
// binaries build it hundreds of times. It is immutable: nothing may modify
// these packs or rules; builtinPacks hands out copies instead.
var parsedBuiltin = sync.OnceValues(parseBuiltinPacks)

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
