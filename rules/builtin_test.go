package rules

import "testing"

// TestBuiltinRules loads the embedded catalogue and runs every rule's
// examples and negative examples through Check (see Check for the list of
// assertions). Every problem is listed.
func TestBuiltinRules(t *testing.T) {
	set, err := Builtin()
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	if len(set.Rules()) == 0 {
		t.Fatal("Builtin: no rules")
	}
	for _, p := range Check(set) {
		t.Error(p)
	}
}

// TestBuiltinRulesDocumented: every built-in rule tells the user how sure
// it is, how to revoke the credential and where the format comes from
// (user packs may leave these out, so Check does not require them).
func TestBuiltinRulesDocumented(t *testing.T) {
	packs, err := builtinPacks()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packs {
		for _, r := range p.Rules {
			if r.Confidence == "" {
				t.Errorf("%s: rule %q: confidence: missing", p.Source, r.ID)
			}
			if r.Remediation == "" {
				t.Errorf("%s: rule %q: remediation: missing", p.Source, r.ID)
			}
			if len(r.References) == 0 {
				t.Errorf("%s: rule %q: references: none", p.Source, r.ID)
			}
		}
	}
}

// TestBuiltinOnePackPerProvider: the catalogue has one file per provider,
// named after it, so a provider's rules are found in one place.
func TestBuiltinOnePackPerProvider(t *testing.T) {
	packs, err := builtinPacks()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packs {
		if want := "rules/builtin/" + p.Provider + ".yaml"; p.Source != want {
			t.Errorf("%s: provider %q belongs in %s", p.Source, p.Provider, want)
		}
	}
}
