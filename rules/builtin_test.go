package rules

import "testing"

// TestBuiltinRules loads the embedded catalogue and runs every rule's
// examples and negative examples through Check (see Check for the list of
// assertions). Every problem is listed.
func TestBuiltinRules(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

// The catalogue is decoded once per process; every caller gets its own
// packs and rules, so one caller's NewSet (which fills in defaults) or
// dropped rules never show in another's.
func TestBuiltinPacksAreCopies(t *testing.T) {
	t.Parallel()
	a, err := BuiltinPacks()
	if err != nil {
		t.Fatal(err)
	}
	id := a[0].Rules[0].ID
	a[0].Rules[0].ID = "changed-by-a-caller"
	a[0].Rules = a[0].Rules[:0]
	b, err := BuiltinPacks()
	if err != nil {
		t.Fatal(err)
	}
	if len(b[0].Rules) == 0 || b[0].Rules[0].ID != id {
		t.Fatalf("a caller's edits reached the next caller: %+v", b[0])
	}
	if _, err := NewSet(b...); err != nil {
		t.Fatal(err)
	}
	if _, err := Builtin(); err != nil {
		t.Fatal(err)
	}
	c, _ := BuiltinPacks()
	if c[0].Rules[0].compiled != nil {
		t.Error("NewSet's changes to its rules reached the parsed catalogue")
	}
}
