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
