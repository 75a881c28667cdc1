package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
)

// Verification that needs a second value from the text around the token:
// the Azure DevOps organisation, the Bitbucket and Docker Hub login name,
// the Yunxiao API host (docs/providers.md §2.4, §7). The tests scan text with
// the real scanner and built-in rules, then verify the findings against
// fake vendors, so they check the capture and the exact request together.
// Fake tokens are assembled here so the repository's own scan stays clean.

var (
	azurePAT    = "bVxNCccV4JLk0DlYRl67rHCIxyTMbMlH0kabmR6AZa1DNAe7PCFU" + "JQQJ99" + "exwInuNue5FLSg9FzK" + "AZDO" + "bntf"
	azureLegacy = "qdbw5thjfxeqx6ekeiv3h2artj66" + "livbhp6cppyezzi3vztgypcm"
	bbAppPass   = "ATBB" + "8Uv4wSo9yQPxjuQsR3Nh8gb4B63341DB"
	dockerPAT   = "dckr_pat_" + "y9uN0voaDXV9e0ijnKNU7Ff54Ni"
	dockerOAT   = "dckr_oat_" + "OFGVd7OXbFnunRliAVFZsas72S80qwvt"
	yunxiaoPAT  = "pt-" + "IK2gJRpet3ch0BFWj30O6Kp5" + "_" + "5d3e40a5-d7d8-4117-a745-c303088b04f4"
	aliyunID    = "LTAI" + "5tgYJ7vsJG9pfY6hr3Ay"
	aliyunKey   = "Q0N5g7TDomc1Zg" + "IX8WpGz4FB1CXJRV"
	awsID       = "AKIA" + "QYLPMN5HHHFPZAM2"
	awsKey      = "PtYgjmUhBel31iEl2hpC" + "hYgCfrL1spNxnyVmihA+"
)

// textSource yields one in-memory file.
type textSource string

func (s textSource) Scan(ctx context.Context, sink source.Sink) error {
	return sink.Item(ctx, source.Item{Origin: source.Origin{Kind: "file", Path: "config.txt"}, Data: []byte(s), Size: int64(len(s))})
}

// scanText scans text with the built-in rules and returns the finding for
// secret (failing unless there is exactly one).
// builtinScanner is the engine over the built-in rules, built once per test
// binary; a Scanner is safe for concurrent use.
var builtinScanner = sync.OnceValues(func() (*scanner.Scanner, error) {
	set, err := builtinSet()
	if err != nil {
		return nil, err
	}
	return scanner.New(scanner.Options{Rules: set})
})

func scanText(t *testing.T, text, secret string) scanner.Finding {
	t.Helper()
	s, err := builtinScanner()
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background(), textSource(text))
	if err != nil {
		t.Fatal(err)
	}
	var out []scanner.Finding
	for _, f := range res.Findings {
		if f.Secret == secret {
			out = append(out, f)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d findings for the secret in %q, want 1: %+v", len(out), text, res.Findings)
	}
	return out[0]
}

// TestContextCaptures: which rule finds the token and which context value
// (org, user, host, id) comes with it; "" means the group must be absent.
func TestContextCaptures(t *testing.T) {
	far := strings.Repeat("# padding line of a config file\n", 10)
	cases := []struct {
		name, text, secret, rule, group, want string
	}{
		{"azure URL dev.azure.com", "git clone https://build:" + azurePAT + "@dev.azure.com/contoso/Fabrikam/_git/api", azurePAT, "azure-devops-pat", "org", "contoso"},
		{"azure URL visualstudio.com", "url = https://:" + azurePAT + "@fabrikam.visualstudio.com/Fabrikam/_git/api", azurePAT, "azure-devops-pat", "org", "fabrikam"},
		{"azure org line before", "AZDO_ORG_SERVICE_URL=https://dev.azure.com/contoso\nAZDO_PERSONAL_ACCESS_TOKEN=" + azurePAT, azurePAT, "azure-devops-pat", "org", "contoso"},
		{"azure URL org wins over earlier org", "ORG=https://dev.azure.com/other\ngit clone https://b:" + azurePAT + "@dev.azure.com/contoso/x/_git/y", azurePAT, "azure-devops-pat", "org", "contoso"},
		{"azure no org", "AZURE_DEVOPS_EXT_PAT=" + azurePAT, azurePAT, "azure-devops-pat", "org", ""},
		{"azure placeholder org", "AZDO_ORG_SERVICE_URL=https://dev.azure.com/{org}\nAZURE_DEVOPS_EXT_PAT=" + azurePAT, azurePAT, "azure-devops-pat", "org", ""},
		{"azure legacy after org URL", "az devops login --organization https://dev.azure.com/contoso --token " + azureLegacy, azureLegacy, "azure-devops-pat-legacy", "org", "contoso"},
		{"azure legacy after visualstudio.com", "server: https://fabrikam.visualstudio.com  pat: " + azureLegacy, azureLegacy, "azure-devops-pat-legacy", "org", "fabrikam"},
		{"azure legacy not from a deeper host", "see https://app.vssps.visualstudio.com token: " + azureLegacy, azureLegacy, "azure-devops-pat-legacy", "org", ""},
		{"azure legacy no org", "export AZURE_DEVOPS_EXT_PAT=" + azureLegacy, azureLegacy, "azure-devops-pat-legacy", "org", ""},
		{"azure URL rule dev.azure.com", "git remote add origin https://ci:" + azureLegacy + "@dev.azure.com/contoso/Fabrikam/_git/api", azureLegacy, "azure-devops-pat-url", "org", "contoso"},
		{"azure URL rule visualstudio.com", "url = https://:" + azureLegacy + "@contoso.visualstudio.com/Fabrikam/_git/api", azureLegacy, "azure-devops-pat-url", "org", "contoso"},

		{"bitbucket URL userinfo", "git clone https://jdoe:" + bbAppPass + "@bitbucket.org/acme/infra.git", bbAppPass, "bitbucket-app-password", "user", "jdoe"},
		{"bitbucket curl -u", "curl -u jdoe:" + bbAppPass + " https://api.bitbucket.org/2.0/repositories/acme", bbAppPass, "bitbucket-app-password", "user", "jdoe"},
		{"bitbucket pair", `auth = ("jdoe", "` + bbAppPass + `")`, bbAppPass, "bitbucket-app-password", "user", "jdoe"},
		{"bitbucket username setting", "BITBUCKET_USERNAME=jdoe\nBITBUCKET_APP_PASSWORD=" + bbAppPass, bbAppPass, "bitbucket-app-password", "user", "jdoe"},
		{"bitbucket setting name is no user", "bitbucket.password:" + bbAppPass, bbAppPass, "bitbucket-app-password", "user", ""},
		{"bitbucket variable is no user", "BITBUCKET_USERNAME=${{ secrets.BB_USER }}\nBITBUCKET_APP_PASSWORD=" + bbAppPass, bbAppPass, "bitbucket-app-password", "user", ""},

		{"docker login -u -p", "docker login -u acmebot -p " + dockerPAT, dockerPAT, "docker-hub-pat", "user", "acmebot"},
		{"docker --username --password=", "docker login --username acmebot --password=" + dockerPAT, dockerPAT, "docker-hub-pat", "user", "acmebot"},
		{"docker password-stdin", "echo " + dockerPAT + " | docker login -u acmebot --password-stdin", dockerPAT, "docker-hub-pat", "user", "acmebot"},
		{"docker username setting", "  DOCKERHUB_USERNAME: acmebot\n  DOCKERHUB_TOKEN: " + dockerPAT, dockerPAT, "docker-hub-pat", "user", "acmebot"},
		{"docker JSON username", `{"username": "acmebot", "password": "` + dockerPAT + `"}`, dockerPAT, "docker-hub-pat", "user", "acmebot"},
		{"docker variable is no user", "docker login -u $DOCKER_USER -p " + dockerPAT, dockerPAT, "docker-hub-pat", "user", ""},
		{"docker org token", "docker login -u acme --password " + dockerOAT, dockerOAT, "docker-hub-org-token", "user", "acme"},

		{"yunxiao region host in MCP config", "        \"ALIBABA_CLOUD_YUNXIAO_API_BASE_URL\": \"https://acme.devops.aliyuncs.com\",\n        \"ALIBABA_CLOUD_YUNXIAO_ACCESS_TOKEN\": \"" + yunxiaoPAT + "\"", yunxiaoPAT, "yunxiao-pat", "host", "acme.devops.aliyuncs.com"},
		{"yunxiao dedicated host", "YUNXIAO_BASE_URL=https://acme.rdc.aliyuncs.com\nYUNXIAO_TOKEN=" + yunxiaoPAT, yunxiaoPAT, "yunxiao-pat", "host", "acme.rdc.aliyuncs.com"},
		{"yunxiao central host", "BASE=https://openapi-rdc.aliyuncs.com TOKEN=" + yunxiaoPAT, yunxiaoPAT, "yunxiao-pat", "host", "openapi-rdc.aliyuncs.com"},
		{"yunxiao host upper case", "BASE=https://ACME.DevOps.aliyuncs.com TOKEN=" + yunxiaoPAT, yunxiaoPAT, "yunxiao-pat", "host", "ACME.DevOps.aliyuncs.com"},
		{"yunxiao lookalike host", "BASE=https://acme.devops.aliyuncs.com.evil.io/x TOKEN=" + yunxiaoPAT, yunxiaoPAT, "yunxiao-pat", "host", ""},
		{"yunxiao other Alibaba host", "BASE=https://oss-cn-hangzhou.aliyuncs.com TOKEN=" + yunxiaoPAT, yunxiaoPAT, "yunxiao-pat", "host", ""},
		{"yunxiao host too far", "BASE=https://acme.devops.aliyuncs.com\n" + far + "TOKEN=" + yunxiaoPAT, yunxiaoPAT, "yunxiao-pat", "host", ""},
		{"yunxiao codeup clone URL", "git clone https://bot:" + yunxiaoPAT + "@codeup.aliyun.com/61a0c2f3e4b5d6a7b8c9d0e1/infra/deploy.git", yunxiaoPAT, "yunxiao-pat", "host", ""},
		{"yunxiao id", "YUNXIAO_TOKEN=" + yunxiaoPAT, yunxiaoPAT, "yunxiao-pat", "id", yunxiaoPAT[:27]},

		{"alibaba secret paired with its ID", `client = AcsClient("` + aliyunID + `", "` + aliyunKey + `", "cn-hangzhou")`, aliyunKey, "alibaba-access-key-secret", "id", aliyunID},
		{"aws credentials file pairs the ID", "[default]\naws_access_key_id = " + awsID + "\naws_secret_access_key = " + awsKey + "\n", awsKey, "aws-secret-access-key", "id", awsID},
		{"alibaba secret without ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + aliyunKey, aliyunKey, "alibaba-access-key-secret", "id", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := scanText(t, c.text, c.secret)
			if f.RuleID != c.rule {
				t.Fatalf("rule %s, want %s", f.RuleID, c.rule)
			}
			if got, ok := f.Context[c.group]; got != c.want || ok != (c.want != "") {
				t.Fatalf("context %s = %q, want %q (context %v)", c.group, got, c.want, f.Context)
			}
		})
	}
}

// TestTwoTokensAfterOneHost: a host prefix belongs to the first token
// only and never hides the second.
func TestTwoTokensAfterOneHost(t *testing.T) {
	second := "pt-" + "rws1DrgEjVaVMatcoVK4K4VN" + "_" + "9a408134-5007-449e-9e3f-8c91bbe2c65f"
	text := "BASE=https://acme.devops.aliyuncs.com\nA=" + yunxiaoPAT + "\nB=" + second + "\n"
	if f := scanText(t, text, yunxiaoPAT); f.Context["host"] != "acme.devops.aliyuncs.com" {
		t.Errorf("first token context %v", f.Context)
	}
	scanText(t, text, second)
}

// basicAuth decodes a recorded Authorization: Basic header.
func basicAuth(t *testing.T, q recorded) (user, pass string) {
	t.Helper()
	v, ok := strings.CutPrefix(q.Header.Get("Authorization"), "Basic ")
	if !ok {
		t.Fatalf("Authorization %q, want Basic", q.Header.Get("Authorization"))
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatal(err)
	}
	user, pass, _ = strings.Cut(string(raw), ":")
	return user, pass
}

// TestAzureDevOpsVerify: GET {base}/{org}/_apis/projects?api-version=7.1
// with Basic ":PAT"; only a JSON project list is live, an HTML sign-in page
// is unknown, 401 is dead; without an org nothing is sent.
func TestAzureDevOpsVerify(t *testing.T) {
	set := builtin(t)
	f := scanText(t, "git clone https://build:"+azurePAT+"@dev.azure.com/contoso/Fabrikam/_git/api", azurePAT)
	cases := []struct {
		name   string
		h      http.HandlerFunc
		want   State
		reason string
	}{
		{"projects", reply(200, `{"count":1,"value":[{"id":"p1","name":"Fabrikam","lastUpdateTime":"2026-01-01T00:00:00Z"}]}`), Live, ""},
		{"no projects", reply(200, `{"count":0,"value":[]}`), Live, ""},
		{"401", reply(401, ``), Dead, "invalid, expired or revoked"},
		{"sign-in page 203", reply(203, `<html><title>Azure DevOps Services | Sign In</title></html>`, "Content-Type", "text/html"), Unknown, "HTTP 203"},
		{"sign-in page 200", reply(200, `<!DOCTYPE html><html><title>Sign In</title></html>`, "Content-Type", "text/html; charset=utf-8"), Unknown, "HTTP 200"},
		{"JSON without a project list", reply(200, `{"message":"hello"}`), Unknown, "HTTP 200"},
		{"403", reply(403, `{"message":"forbidden"}`), Unknown, "HTTP 403"},
		{"404 unknown organisation", reply(404, `{"message":"organization not found"}`), Unknown, "HTTP 404"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newVendor(t, c.h)
			h := newHarness(envBase("azure", v.URL()))
			st := h.engine().VerifyAll(context.Background(), set.Rule, []scanner.Finding{f})[0]
			if st.State != c.want || !strings.Contains(st.Reason, c.reason) {
				t.Fatalf("%+v, want %s (%s)", st, c.want, c.reason)
			}
			reqs := v.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			q := reqs[0]
			if q.Method != "GET" || q.Path != "/contoso/_apis/projects" || q.Query != "api-version=7.1" || q.Body != "" {
				t.Fatalf("request %s %s?%s body %q", q.Method, q.Path, q.Query, q.Body)
			}
			if user, pass := basicAuth(t, q); user != "" || pass != azurePAT {
				t.Fatalf("basic auth %q:%q, want empty user and the PAT", user, pass)
			}
			if q.Header.Get("Accept") != "application/json" {
				t.Errorf("Accept %q", q.Header.Get("Accept"))
			}
			noSecret(t, "reason", st.Reason, azurePAT)
			if d := h.dials.list(); len(d) != 0 {
				t.Fatalf("non-loopback dials %v", d)
			}
		})
	}
	t.Run("default host", func(t *testing.T) {
		h := newHarness(nil)
		h.engine().Verify(context.Background(), set.Rule(f.RuleID), f)
		if d := h.dials.list(); len(d) != 1 || d[0] != "dev.azure.com:443" {
			t.Fatalf("dials %v, want dev.azure.com:443", d)
		}
	})
	t.Run("org is path-escaped", func(t *testing.T) {
		v := newVendor(t, reply(200, `{"count":0,"value":[]}`))
		h := newHarness(envBase("azure", v.URL()))
		g := f
		g.Context = map[string]string{"org": "a/../b?c"} // from a hand-edited report
		h.engine().Verify(context.Background(), set.Rule(f.RuleID), g)
		if q := v.requests(); len(q) != 1 || q[0].Path != "/a/../b?c/_apis/projects" || q[0].Query != "api-version=7.1" {
			t.Fatalf("%+v", q)
		}
	})
	t.Run("no org, no request", func(t *testing.T) {
		v := newVendor(t, reply(200, `{"count":0,"value":[]}`))
		h := newHarness(envBase("azure", v.URL()))
		g := scanText(t, "AZURE_DEVOPS_EXT_PAT="+azurePAT, azurePAT)
		st := h.engine().Verify(context.Background(), set.Rule(g.RuleID), g)
		if st.State != Unknown || !strings.Contains(st.Reason, "no org") || len(v.requests()) != 0 {
			t.Fatalf("%+v, %d requests", st, len(v.requests()))
		}
	})
	t.Run("legacy and URL rules verify the same way", func(t *testing.T) {
		for _, text := range []string{
			"az devops login --organization https://dev.azure.com/contoso --token " + azureLegacy,
			"git remote add origin https://ci:" + azureLegacy + "@dev.azure.com/contoso/Fabrikam/_git/api",
		} {
			v := newVendor(t, reply(200, `{"count":0,"value":[]}`))
			h := newHarness(envBase("azure", v.URL()))
			g := scanText(t, text, azureLegacy)
			st := h.engine().Verify(context.Background(), set.Rule(g.RuleID), g)
			q := v.requests()
			if st.State != Live || len(q) != 1 || q[0].Path != "/contoso/_apis/projects" {
				t.Fatalf("%s: %+v %+v", g.RuleID, st, q)
			}
			if _, pass := basicAuth(t, q[0]); pass != azureLegacy {
				t.Fatalf("%s: password is not the PAT", g.RuleID)
			}
		}
	})
	t.Run("revoke is manual and names the organisation's token page", func(t *testing.T) {
		g := scanText(t, "git remote add origin https://ci:"+azureLegacy+"@dev.azure.com/contoso/Fabrikam/_git/api", azureLegacy)
		v := newVendor(t, reply(200, `{"count":0,"value":[]}`))
		h := newHarness(envBase("azure", v.URL()))
		res, _ := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{g}, nil), RevokeOptions{})
		x := res[0]
		if x.Outcome != Manual || x.Console != "https://dev.azure.com/contoso/_usersSettings/tokens" ||
			!strings.Contains(x.Instructions, "https://dev.azure.com/contoso/_usersSettings/tokens") {
			t.Fatalf("%+v", x)
		}
		noSecret(t, "instructions", x.Instructions+x.Console, azureLegacy)
		for _, q := range v.requests() {
			if q.Method != "GET" {
				t.Fatalf("revoke sent %s %s", q.Method, q.Path)
			}
		}
	})
}

// TestBitbucketAppPasswordVerify: GET /2.0/user with Basic user:password;
// 200 live with the owner, 403 live but limited, 401 dead.
func TestBitbucketAppPasswordVerify(t *testing.T) {
	set := builtin(t)
	f := scanText(t, "git clone https://jdoe:"+bbAppPass+"@bitbucket.org/acme/infra.git", bbAppPass)
	cases := []struct {
		name string
		h    http.HandlerFunc
		want State
	}{
		{"200", reply(200, `{"username":"jdoe","display_name":"J. Doe","account_id":"5f0000000000000000000000"}`), Live},
		{"403 lacks scope", reply(403, `{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes."}}`), LiveLimited},
		{"401", reply(401, ``), Dead},
		{"404", reply(404, `{}`), Unknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newVendor(t, c.h)
			h := newHarness(envBase("atlassian", v.URL()))
			st := h.engine().VerifyAll(context.Background(), set.Rule, []scanner.Finding{f})[0]
			if st.State != c.want {
				t.Fatalf("%+v, want %s", st, c.want)
			}
			q := v.requests()
			if len(q) != 1 || q[0].Method != "GET" || q[0].Path != "/2.0/user" || q[0].Query != "" || q[0].Body != "" {
				t.Fatalf("%+v", q)
			}
			if user, pass := basicAuth(t, q[0]); user != "jdoe" || pass != bbAppPass {
				t.Fatalf("basic auth user %q, password is the secret: %v", user, pass == bbAppPass)
			}
			if c.want == Live && (st.Owner["username"] != "jdoe" || st.Owner["name"] != "J. Doe") {
				t.Fatalf("owner %v", st.Owner)
			}
			noSecret(t, "reason", st.Reason, bbAppPass)
		})
	}
	t.Run("default host", func(t *testing.T) {
		h := newHarness(nil)
		h.engine().Verify(context.Background(), set.Rule(f.RuleID), f)
		if d := h.dials.list(); len(d) != 1 || d[0] != "api.bitbucket.org:443" {
			t.Fatalf("dials %v, want api.bitbucket.org:443", d)
		}
	})
	t.Run("no user, no request", func(t *testing.T) {
		v := newVendor(t, reply(200, `{}`))
		h := newHarness(envBase("atlassian", v.URL()))
		g := scanText(t, "BITBUCKET_APP_PASSWORD="+bbAppPass, bbAppPass)
		st := h.engine().Verify(context.Background(), set.Rule(g.RuleID), g)
		if st.State != Unknown || !strings.Contains(st.Reason, "no user") || len(v.requests()) != 0 {
			t.Fatalf("%+v", st)
		}
	})
	t.Run("revoke is manual", func(t *testing.T) {
		h := newHarness(envBase("atlassian", newVendor(t, reply(200, `{}`)).URL()))
		res, _ := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{f}, nil), RevokeOptions{})
		if x := res[0]; x.Outcome != Manual || !strings.Contains(x.Instructions, "https://bitbucket.org/account/settings/app-passwords/") {
			t.Fatalf("%+v", x)
		}
	})
}

// TestDockerHubVerify: POST /v2/auth/token with the JSON
// {"identifier","secret"}; 200 with a token live, 401 dead; revoke is
// manual and names the token page.
func TestDockerHubVerify(t *testing.T) {
	set := builtin(t)
	for _, c := range []struct {
		name, text, secret, rule, user string
	}{
		{"personal", "docker login -u acmebot -p " + dockerPAT, dockerPAT, "docker-hub-pat", "acmebot"},
		{"organisation", "docker login -u acme --password " + dockerOAT, dockerOAT, "docker-hub-org-token", "acme"},
	} {
		f := scanText(t, c.text, c.secret)
		if f.RuleID != c.rule {
			t.Fatalf("rule %s", f.RuleID)
		}
		for _, k := range []struct {
			name string
			h    http.HandlerFunc
			want State
		}{
			{"200", reply(200, `{"access_token":"eyJhbGciOiJub25lIn0.e30."}`), Live},
			{"200 without a token", reply(200, `{}`), Unknown},
			{"401", reply(401, `{"errinfo":{},"message":"incorrect username or password"}`), Dead},
			{"400", reply(400, `{"message":"bad request"}`), Unknown},
		} {
			t.Run(c.name+"/"+k.name, func(t *testing.T) {
				v := newVendor(t, k.h)
				h := newHarness(envBase("docker", v.URL()))
				st := h.engine().VerifyAll(context.Background(), set.Rule, []scanner.Finding{f})[0]
				if st.State != k.want {
					t.Fatalf("%+v, want %s", st, k.want)
				}
				q := v.requests()
				if len(q) != 1 || q[0].Method != "POST" || q[0].Path != "/v2/auth/token" || q[0].Query != "" {
					t.Fatalf("%+v", q)
				}
				if ct := q[0].Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				if a := q[0].Header.Get("Authorization"); a != "" {
					t.Errorf("stray Authorization header")
				}
				var body map[string]string
				if err := json.Unmarshal([]byte(q[0].Body), &body); err != nil || len(body) != 2 ||
					body["identifier"] != c.user || body["secret"] != c.secret {
					t.Fatalf("body is not {identifier: %s, secret: the token} (%v)", c.user, err)
				}
				noSecret(t, "reason", st.Reason, c.secret)
			})
		}
		t.Run(c.name+"/revoke is manual", func(t *testing.T) {
			v := newVendor(t, reply(200, `{}`))
			h := newHarness(envBase("docker", v.URL()))
			res, _ := h.engine().Revoke(context.Background(), Plan(set.Rule, []scanner.Finding{f}, nil), RevokeOptions{})
			x := res[0]
			if x.Outcome != Manual || x.Console != "https://app.docker.com/settings/personal-access-tokens" ||
				!strings.Contains(x.Instructions, "https://app.docker.com/settings/personal-access-tokens") {
				t.Fatalf("%+v", x)
			}
			for _, q := range v.requests() {
				if q.Method == "DELETE" {
					t.Fatal("revoke sent a DELETE")
				}
			}
		})
	}
	t.Run("login name is JSON-escaped", func(t *testing.T) {
		v := newVendor(t, reply(401, `{}`))
		h := newHarness(envBase("docker", v.URL()))
		r := set.Rule("docker-hub-pat")
		h.engine().Verify(context.Background(), r, finding(r, dockerPAT, map[string]string{"user": `a","secret":"x`}))
		var body map[string]string
		if q := v.requests(); len(q) != 1 || json.Unmarshal([]byte(q[0].Body), &body) != nil || body["identifier"] != `a","secret":"x` || body["secret"] != dockerPAT {
			t.Fatalf("%+v", q)
		}
	})
	t.Run("no user, no request", func(t *testing.T) {
		v := newVendor(t, reply(200, `{}`))
		h := newHarness(envBase("docker", v.URL()))
		g := scanText(t, `DOCKERHUB_TOKEN: "`+dockerPAT+`"`, dockerPAT)
		st := h.engine().Verify(context.Background(), set.Rule(g.RuleID), g)
		if st.State != Unknown || !strings.Contains(st.Reason, "no user") || len(v.requests()) != 0 {
			t.Fatalf("%+v", st)
		}
	})
}

// TestYunxiaoHostFromScan: a region host found before the token is tried
// after the configured host and before central; without configuration it
// is tried first.
func TestYunxiaoHostFromScan(t *testing.T) {
	set := builtin(t)
	f := scanText(t, "        \"ALIBABA_CLOUD_YUNXIAO_API_BASE_URL\": \"https://acme.devops.aliyuncs.com\",\n        \"ALIBABA_CLOUD_YUNXIAO_ACCESS_TOKEN\": \""+yunxiaoPAT+"\"", yunxiaoPAT)
	t.Run("unconfigured: context host, then central", func(t *testing.T) {
		h := newHarness(nil)
		h.engine().VerifyAll(context.Background(), set.Rule, []scanner.Finding{f})
		d := h.dials.list()
		if len(d) == 0 || d[0] != "acme.devops.aliyuncs.com:443" {
			t.Fatalf("dials %v, want the context host first", d)
		}
		for _, a := range d {
			if a != "acme.devops.aliyuncs.com:443" && a != "openapi-rdc.aliyuncs.com:443" {
				t.Fatalf("dialled %s", a)
			}
		}
	})
	t.Run("configured host first, wrong host falls through", func(t *testing.T) {
		v := newVendor(t, reply(404, `{"errorMessage":"iamv1: domain not found"}`))
		h := newHarness(envBase("yunxiao", v.URL()))
		st := h.engine().VerifyAll(context.Background(), set.Rule, []scanner.Finding{f})[0]
		if q := v.requests(); len(q) != 1 || q[0].Header.Get("x-yunxiao-token") != yunxiaoPAT {
			t.Fatalf("%+v", q)
		}
		if d := h.dials.list(); len(d) == 0 || d[0] != "acme.devops.aliyuncs.com:443" {
			t.Fatalf("after the configured host: dials %v, want the context host", d)
		}
		if st.State != Unknown {
			t.Fatalf("%+v", st)
		}
	})
}
