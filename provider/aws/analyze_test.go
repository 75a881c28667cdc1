package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scour-dev/scour/access"
	"github.com/scour-dev/scour/provider"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
)

// iamFake answers the IAM Query API actions as AWS documents them (XML),
// or AccessDenied for the actions in denied; GetCallerIdentity goes on to
// the fake STS (a configured base URL serves both, like LocalStack).
func iamFake(t *testing.T, f *fakeSTS, denied ...string) func() []string {
	var mu sync.Mutex
	var actions []string
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		form, _ := url.ParseQuery(string(body))
		act := form.Get("Action")
		if act == "GetCallerIdentity" {
			return false
		}
		mu.Lock()
		actions = append(actions, r.Method+" "+act)
		mu.Unlock()
		if !strings.Contains(r.Header.Get("Authorization"), "/us-east-1/iam/aws4_request") || form.Get("Version") != "2010-05-08" {
			f.fail(w, 403, "IncompleteSignature")
			return true
		}
		if slices.Contains(denied, act) {
			f.fail(w, 403, "AccessDenied")
			return true
		}
		w.Header().Set("Content-Type", "text/xml")
		switch act {
		case "ListAttachedUserPolicies":
			fmt.Fprint(w, `<ListAttachedUserPoliciesResponse><ListAttachedUserPoliciesResult><AttachedPolicies>
<member><PolicyName>AdministratorAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/AdministratorAccess</PolicyArn></member>
<member><PolicyName>ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member>
</AttachedPolicies><IsTruncated>false</IsTruncated></ListAttachedUserPoliciesResult></ListAttachedUserPoliciesResponse>`)
		case "ListUserPolicies":
			fmt.Fprint(w, `<ListUserPoliciesResponse><ListUserPoliciesResult><PolicyNames><member>deploy-s3</member></PolicyNames><IsTruncated>false</IsTruncated></ListUserPoliciesResult></ListUserPoliciesResponse>`)
		case "ListAccessKeys":
			fmt.Fprintf(w, `<ListAccessKeysResponse><ListAccessKeysResult><AccessKeyMetadata>
<member><UserName>ci</UserName><AccessKeyId>%s</AccessKeyId><Status>Active</Status><CreateDate>2025-01-15T10:00:00Z</CreateDate></member>
</AccessKeyMetadata></ListAccessKeysResult></ListAccessKeysResponse>`, testID(1))
		case "GetAccessKeyLastUsed":
			fmt.Fprint(w, `<GetAccessKeyLastUsedResponse><GetAccessKeyLastUsedResult><UserName>ci</UserName><AccessKeyLastUsed><LastUsedDate>2026-11-20T08:00:00Z</LastUsedDate><ServiceName>s3</ServiceName><Region>us-east-1</Region></AccessKeyLastUsed></GetAccessKeyLastUsedResult></GetAccessKeyLastUsedResponse>`)
		default:
			f.fail(w, 400, "InvalidAction")
		}
		return true
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), actions...)
	}
}

func analyzeBuiltin(t *testing.T, f *fakeSTS, id, secret string) *access.Report {
	t.Helper()
	set, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	r := set.Rule("aws-secret-access-key-after-id")
	e := newEnv(f, map[string]string{"SCOUR_AWS_BASE_URL": f.srv.URL})
	e.opts.Analyze, e.opts.MaxAge = true, 365*24*time.Hour
	e.opts.Now = func() time.Time { return f.now }
	sts := provider.New(e.opts).VerifyAll(context.Background(), set.Rule, []scanner.Finding{finding(r, id, secret)})
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

func ids(rep *access.Report) []string {
	var out []string
	for _, f := range rep.Flags {
		out = append(out, f.ID)
	}
	slices.Sort(out)
	return out
}

// TestAnalyzeIAMUser: policies (attached and inline), creation and last
// use of the key, read with the key's own signed read-only IAM calls.
func TestAnalyzeIAMUser(t *testing.T) {
	f := newFakeSTS(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "111122223333", arn: "arn:aws:iam::111122223333:user/ci"})
	actions := iamFake(t, f)
	rep := analyzeBuiltin(t, f, testID(1), testSecret(1))
	if !slices.Equal(rep.Scopes, []string{"AdministratorAccess", "ReadOnlyAccess", "inline:deploy-s3"}) || !rep.ScopesKnown {
		t.Errorf("scopes %v", rep.Scopes)
	}
	if rep.CreatedAt == nil || rep.CreatedAt.Year() != 2025 || rep.LastUsed == nil || rep.Facts["last_used_service"] != "s3" {
		t.Errorf("%+v", rep)
	}
	if got := ids(rep); !slices.Equal(got, []string{"admin-scope", "older-than-max-age"}) {
		t.Errorf("flags %v", got)
	}
	want := []string{"POST ListAttachedUserPolicies", "POST ListUserPolicies", "POST ListAccessKeys", "POST GetAccessKeyLastUsed"}
	if !slices.Equal(actions(), want) {
		t.Errorf("IAM actions %v, want %v", actions(), want)
	}
}

// TestAnalyzeIAMDenied: a key that may not list its policies gets
// "cannot read", no scope flag, and the analysis still completes.
func TestAnalyzeIAMDenied(t *testing.T) {
	f := newFakeSTS(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "111122223333", arn: "arn:aws:iam::111122223333:user/ci"})
	iamFake(t, f, "ListAttachedUserPolicies", "ListUserPolicies", "ListAccessKeys", "GetAccessKeyLastUsed")
	rep := analyzeBuiltin(t, f, testID(1), testSecret(1))
	if rep.ScopesKnown || !strings.Contains(rep.ScopesNote, "AccessDenied (HTTP 403)") || len(rep.Flags) != 0 {
		t.Errorf("%+v", rep)
	}
}

// TestAnalyzeRootKey: a root key is flagged critical from STS alone; IAM
// is not asked.
func TestAnalyzeAWSRootKey(t *testing.T) {
	f := newFakeSTS(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "111122223333", arn: "arn:aws:iam::111122223333:root"})
	actions := iamFake(t, f)
	rep := analyzeBuiltin(t, f, testID(1), testSecret(1))
	if got := ids(rep); !slices.Equal(got, []string{"root-account-key"}) || len(actions()) != 0 {
		t.Errorf("flags %v, IAM actions %v", got, actions())
	}
	if !strings.HasPrefix(rep.Flags[0].Doc, "https://docs.aws.amazon.com/") || rep.Flags[0].Severity != access.SeverityCritical {
		t.Errorf("%+v", rep.Flags[0])
	}
}
