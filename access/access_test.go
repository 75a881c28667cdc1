package access

import (
	"slices"
	"testing"
	"time"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		p, s string
		want bool
	}{
		{"repo", "repo", true},
		{"repo", "repo:status", false},
		{"admin:*", "admin:org", true},
		{"admin:*", "ADMIN:ORG", true},
		{"*:write", "chat:write", true},
		{"*:write", "chat:write.public", false},
		{"*:root", "arn:aws:iam::1:root", true},
		{"*:root", "arn:aws:iam::1:user/root-ci", false},
		{"write_*", "write_builds", true},
		{"a*b*c", "a-x-b-y-c", true},
		{"a*b*c", "a-x-c", false},
	}
	for _, c := range cases {
		if got := Match(c.p, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

// TestEvaluate raises each flag only on a stated fact.
func TestEvaluate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	old := now.Add(-200 * 24 * time.Hour)
	young := now.Add(-10 * 24 * time.Hour)
	p := Policy{AdminScopes: []string{"admin:*"}, WriteScopes: []string{"repo", "admin:*"}, WideScopes: []string{"admin:org"},
		Advice: "https://vendor.example/advice", AdviceFor: map[string]string{FlagNoExpiry: "https://vendor.example/expiry"},
		MaxAge: 90 * 24 * time.Hour, Now: now}
	cases := []struct {
		name string
		r    Report
		want []string
	}{
		{"unknown scopes and expiry", Report{Available: true}, nil},
		{"read only, expiring, young", Report{Available: true, Scopes: []string{"read:user"}, ScopesKnown: true, ExpiresAt: &now, CreatedAt: &young}, nil},
		{"write", Report{Available: true, Scopes: []string{"repo"}, ScopesKnown: true}, []string{FlagWriteScope}},
		{"admin and write", Report{Available: true, Scopes: []string{"repo", "admin:org"}, ScopesKnown: true}, []string{FlagAdminScope, FlagWriteScope, FlagWide}},
		{"never expires, old", Report{Available: true, NoExpiry: true, CreatedAt: &old}, []string{FlagNoExpiry, FlagOld}},
		{"root", Report{Available: true, Root: true}, []string{FlagRoot}},
		{"wide by fact", Report{Available: true, Wide: "all repositories"}, []string{FlagWide}},
		{"not available", Report{Root: true, NoExpiry: true}, nil},
	}
	for _, c := range cases {
		r := c.r
		Evaluate(&r, p)
		var got []string
		for _, f := range r.Flags {
			got = append(got, f.ID)
			if f.Doc == "" || f.Severity == "" || f.Message == "" {
				t.Errorf("%s: incomplete flag %+v", c.name, f)
			}
			if f.ID == FlagNoExpiry && f.Doc != "https://vendor.example/expiry" {
				t.Errorf("%s: advice_for not used: %s", c.name, f.Doc)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: flags %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRank(t *testing.T) {
	t.Parallel()
	var none *Report
	if none.Rank() != 50 {
		t.Fatal(none.Rank())
	}
	r := &Report{Flags: []Flag{{Severity: SeverityLow}, {Severity: SeverityCritical}}}
	if r.Worst() != SeverityCritical || r.Rank() != 95 {
		t.Fatal(r.Worst(), r.Rank())
	}
}
