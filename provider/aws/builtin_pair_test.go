package aws

import (
	"context"
	"strings"
	"testing"

	"github.com/scour-dev/scour/provider"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
)

type textSource string

func (s textSource) Scan(ctx context.Context, sink source.Sink) error {
	return sink.Item(ctx, source.Item{Origin: source.Origin{Kind: "file", Path: "credentials"}, Data: []byte(s), Size: int64(len(s))})
}

// TestBuiltinCredentialsFile: the built-in aws-secret-access-key rule takes
// the access key ID above the secret in ~/.aws/credentials as `id`, and
// verification signs with that pair; a secret found without its ID is not
// sent anywhere.
func TestBuiltinCredentialsFile(t *testing.T) {
	set, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	id := "AKIA" + "QYLPMN5HHHFPZAM2"
	secret := "PtYgjmUhBel31iEl2hpC" + "hYgCfrL1spNxnyVmihA+"
	scan := func(text string) scanner.Finding {
		t.Helper()
		s, err := scanner.New(scanner.Options{Rules: set})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Run(context.Background(), textSource(text))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			if f.Secret == secret {
				return f
			}
		}
		t.Fatalf("secret not found in %q: %+v", text, res.Findings)
		return scanner.Finding{}
	}
	f := newFakeSTS(t)
	f.add(id, fakeKey{secret: secret, account: "111122223333", arn: "arn:aws:iam::111122223333:user/ci"})
	e := newEnv(f, map[string]string{"SCOUR_AWS_BASE_URL": f.srv.URL})

	fnd := scan("[default]\naws_access_key_id = " + id + "\naws_secret_access_key = " + secret + "\n")
	if fnd.RuleID != "aws-secret-access-key" || fnd.Context["id"] != id {
		t.Fatalf("rule %s context %v", fnd.RuleID, fnd.Context)
	}
	st := provider.New(e.opts).Verify(context.Background(), set.Rule(fnd.RuleID), fnd)
	if st.State != provider.Live || st.Owner["name"] != "ci" {
		t.Fatalf("status %+v", st)
	}
	if n := len(f.log()); n != 1 {
		t.Fatalf("%d requests", n)
	}

	alone := scan("export AWS_SECRET_ACCESS_KEY=\"" + secret + "\"\n")
	st = provider.New(e.opts).Verify(context.Background(), set.Rule(alone.RuleID), alone)
	if st.State != provider.Unknown || !strings.Contains(st.Reason, "no id") {
		t.Fatalf("secret alone: %+v", st)
	}
	if n := len(f.log()); n != 1 {
		t.Fatalf("secret alone was sent (%d requests)", n)
	}
	if len(e.dialed) != 0 {
		t.Fatalf("dialed %v", e.dialed)
	}
}
