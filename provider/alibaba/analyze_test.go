package alibaba

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scour-dev/scour/access"
	"github.com/scour-dev/scour/provider"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
)

// analyzeBuiltin verifies and analyses a key pair with the built-in rule
// against the fake (configured as the base URL, which serves STS and RAM).
func analyzeBuiltin(t *testing.T, f *fakeAlibaba, id, secret string) *access.Report {
	t.Helper()
	set, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	r := set.Rule("alibaba-access-key-secret")
	e := newEnv(map[string]string{"SCOUR_ALIBABA_BASE_URL": f.srv.URL}).withClock(f)
	e.opts.Analyze, e.opts.MaxAge = true, 365*24*time.Hour
	e.opts.Now = func() time.Time { return f.now }
	sts := provider.New(e.opts).VerifyAll(context.Background(), set.Rule, []scanner.Finding{secretFinding(r, id, secret)})
	if !sts[0].State.IsLive() || sts[0].Analysis == nil {
		t.Fatalf("%+v", sts[0])
	}
	b, _ := json.Marshal(sts[0])
	if strings.Contains(string(b), secret) {
		t.Fatal("status shows the secret")
	}
	if len(e.dialed) != 0 {
		t.Fatalf("dialed %v", e.dialed)
	}
	return sts[0].Analysis
}

func flagIDs(rep *access.Report) []string {
	var out []string
	for _, f := range rep.Flags {
		out = append(out, f.ID)
	}
	slices.Sort(out)
	return out
}

// TestAnalyzeRAMUser: the RAM user's policies and the key's creation date
// come from RAM calls signed by the key; an administrator policy and an
// old key are flagged.
func TestAnalyzeRAMUser(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "5555", user: "ci", ramRead: true, policies: []string{"AdministratorAccess", "AliyunOSSReadOnlyAccess"}})
	rep := analyzeBuiltin(t, f, testID(1), testSecret(1))
	if !rep.ScopesKnown || !slices.Equal(rep.Scopes, []string{"AdministratorAccess", "AliyunOSSReadOnlyAccess"}) || rep.CreatedAt == nil {
		t.Errorf("%+v", rep)
	}
	if got := flagIDs(rep); !slices.Equal(got, []string{"admin-scope", "older-than-max-age"}) {
		t.Errorf("flags %v", got)
	}
	if got := f.actions(); !slices.Equal(got, []string{"GetCallerIdentity", "ListPoliciesForUser", "ListAccessKeys"}) {
		t.Errorf("actions %v", got)
	}
}

// TestAnalyzeRAMNoPermission: a key that may not read RAM gets "cannot
// read" and no scope flag.
func TestAnalyzeRAMNoPermission(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "5555", user: "ci"})
	rep := analyzeBuiltin(t, f, testID(1), testSecret(1))
	if rep.ScopesKnown || !strings.Contains(rep.ScopesNote, "cannot read") || !strings.Contains(rep.ScopesNote, "NoPermission") || len(rep.Flags) != 0 {
		t.Errorf("%+v", rep)
	}
}

// TestAnalyzeAlibabaRootKey: IdentityType Account is the root AccessKey:
// critical flag, and RAM is not asked.
func TestAnalyzeAlibabaRootKey(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "5555"})
	rep := analyzeBuiltin(t, f, testID(1), testSecret(1))
	if got := flagIDs(rep); !slices.Equal(got, []string{"root-account-key"}) {
		t.Errorf("flags %v", got)
	}
	if got := f.actions(); !slices.Equal(got, []string{"GetCallerIdentity"}) {
		t.Errorf("actions %v", got)
	}
	if !strings.HasPrefix(rep.Flags[0].Doc, "https://www.alibabacloud.com/") {
		t.Errorf("doc %s", rep.Flags[0].Doc)
	}
}
