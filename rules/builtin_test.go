package rules

import (
	"sync"
	"testing"
)

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

// TestBuiltinOneFindingPerSecret: on every built-in example, the rules of
// the example's provider never report two different secrets over
// overlapping bytes (as grafana-api-key once reported the inside of a
// glc_ token grafana-cloud-token had already reported): the scanner merges
// same-provider matches only when their secret and place are equal.
func TestBuiltinOneFindingPerSecret(t *testing.T) {
	t.Parallel()
	set, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set.Rules() {
		for i, ex := range r.Examples {
			data := []byte(ex.Text)
			type hit struct {
				rule       string
				start, end int
				secret     string
			}
			var hits []hit
			for _, q := range set.Rules() {
				// A rule restricted by paths sees only examples on them.
				if q.Provider != r.Provider || len(q.Paths) > 0 && !q.AppliesTo(ex.Path) {
					continue
				}
				q.Find(data, 0, len(data), func(m Match) { hits = append(hits, hit{q.ID, m.Start, m.End, m.Secret}) }, nil)
			}
			for a := range hits {
				for b := a + 1; b < len(hits); b++ {
					x, y := hits[a], hits[b]
					if x.start < y.end && y.start < x.end && x.secret != y.secret {
						t.Errorf("rule %s example %d: %s reports %q and %s %q over the same bytes", r.ID, i+1, x.rule, x.secret, y.rule, y.secret)
					}
				}
			}
		}
	}
}

// Sets built from unchanged copies of the catalogue share each rule's
// compiled matcher; a copy whose caller changed it is compiled afresh.
func TestBuiltinMatchersReusedOnlyWhenUnchanged(t *testing.T) {
	t.Parallel()
	a, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	ra, rb := a.Rules()[0], b.Rules()[0]
	if ra == rb || ra.compiled == rb.compiled || ra.compiled.pattern().re != rb.compiled.pattern().re {
		t.Fatalf("two sets from the catalogue: rules %p %p, matchers %p %p; want distinct rules and matchers sharing one regex", ra, rb, ra.compiled, rb.compiled)
	}

	packs, err := BuiltinPacks()
	if err != nil {
		t.Fatal(err)
	}
	r := packs[0].Rules[0]
	r.Pattern = `(?P<secret>changed_[A-Za-z0-9]{8})`
	r.Keywords = []string{"changed_"}
	r.Examples, r.NegativeExamples, r.Checksum, r.MinEntropy, r.RequireDigit = nil, nil, "", 0, false
	c, err := NewSet(packs...)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	c.Rule(r.ID).Find([]byte("x changed_q7Wm2Rk9 x"), 0, 20, func(m Match) { got = append(got, m.Secret) }, nil)
	if len(got) != 1 || got[0] != "changed_q7Wm2Rk9" || c.Rule(r.ID).compiled.pattern().re == ra.compiled.pattern().re {
		t.Fatalf("a changed copy kept the catalogue's matcher: found %q", got)
	}
}

// Sets built at the same time share no value either of them writes (the
// race detector checks this under -race).
func TestBuiltinSetsBuiltConcurrently(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := Builtin(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// TestBuiltinRulesValid: every built-in rule passes the checks a user
// pack's rules pass when their set is built (regex, groups, boundary
// classes, actions). Sets built from the catalogue skip them and compile
// each regex on first use (builtin_packs.go), so this test is what keeps
// an invalid rule out of the catalogue.
func TestBuiltinRulesValid(t *testing.T) {
	t.Parallel()
	packs, err := loadBuiltinPacks()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packs {
		for _, r := range p.Rules {
			rc := *r
			if c, problems := compileAndValidate(&rc); c == nil || len(problems) > 0 {
				t.Errorf("%s: rule %q: %v", p.Source, r.ID, problems)
			}
		}
	}
}
