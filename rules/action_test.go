package rules

import (
	"strings"
	"testing"
)

const actionRuleHead = `
provider: acme
rules:
  - id: acme-token
    description: Acme token
    pattern: '(?P<secret>acme_[A-Za-z0-9]{20})(?:@(?P<id>[a-z]+))?'
    keywords: [acme_]
    examples: ['acme_AAAAAAAAAAAAAAAAAAAA', 'acme_BBBBBBBBBBBBBBBBBBBB']
    negative_examples: ['x', 'y']
`

const goodVerify = `
    verify:
      base_url: https://api.acme.example
      steps:
        - method: GET
          url: '${base_url}/me/${id}'
          headers: {Authorization: 'Bearer ${secret}'}
          outcomes:
            - {status: [200], result: live}
            - {status: [401], result: dead}
      fixtures:
        - {name: ok, responses: [{status: 200}], result: live}
`

func packWith(t *testing.T, blocks string) error {
	t.Helper()
	p, err := ParsePack("acme.yaml", []byte(actionRuleHead+blocks))
	if err != nil {
		return err
	}
	_, err = NewSet(p)
	return err
}

func TestActionBlocksValidate(t *testing.T) {
	t.Parallel()
	if err := packWith(t, goodVerify+`
    revoke:
      class: admin
      credential_env: ACME_ADMIN
      steps:
        - method: DELETE
          url: '${base_url}/tokens/${id}'
          headers: {Authorization: 'Bearer ${credential}'}
          outcomes: [{status: [204], result: revoked}]
      fixtures: [{name: ok, responses: [{status: 204}], result: revoked}]
      console: 'https://acme.example/settings'
      manual: 'The owner (${owner}) deletes token ${id}.'
`); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, blocks, want string }{
		{"unknown key (strict YAML)", strings.Replace(goodVerify, "base_url:", "base_uri:", 1), "base_uri"},
		{"url not under base_url", strings.Replace(goodVerify, "'${base_url}/me/${id}'", "'https://evil.example/me'", 1), "must start with ${base_url}"},
		{"unknown variable", strings.Replace(goodVerify, "Bearer ${secret}", "Bearer ${token}", 1), "unknown variable ${token}"},
		{"bad method", strings.Replace(goodVerify, "method: GET", "method: FETCH", 1), "method \"FETCH\""},
		{"bad result", strings.Replace(goodVerify, "result: dead}", "result: revoked}", 1), "result \"revoked\""},
		{"plain http base", strings.Replace(goodVerify, "https://api.acme.example", "ftp://api.acme.example", 1), "scheme must be https"},
		{"no fixtures", strings.Replace(goodVerify, "      fixtures:\n        - {name: ok, responses: [{status: 200}], result: live}\n", "", 1), "needs fixtures"},
		{"bad context host", strings.Replace(goodVerify, "      steps:", "      context_hosts: ['*']\n      steps:", 1), "bad host pattern"},
		{"unknown class", goodVerify + "\n    revoke:\n      class: magic\n", "class \"magic\""},
		{"manual with steps", goodVerify + `
    revoke:
      class: manual
      manual: do it
      steps: [{method: GET, url: '${base_url}/x', outcomes: [{result: revoked}]}]
`, "must not have steps"},
		{"secret in manual text", goodVerify + `
    revoke:
      class: manual
      manual: 'delete ${secret}'
`, "forbidden variable ${secret}"},
		{"admin without credential", goodVerify + `
    revoke:
      class: admin
      manual: ask an admin
      steps: [{method: DELETE, url: '${base_url}/x', outcomes: [{result: revoked}]}]
      fixtures: [{name: ok, responses: [{status: 204}], result: revoked}]
`, "needs credential_env"},
		{"next on the last step", goodVerify + `
    revoke:
      class: self
      steps: [{method: DELETE, url: '${base_url}/x', outcomes: [{result: next}]}]
      fixtures: [{name: ok, responses: [{status: 204}], result: revoked}]
`, "last step cannot say next"},
		{"weak select", goodVerify + `
    revoke:
      class: self-two-step
      steps:
        - {method: GET, url: '${base_url}/t', outcomes: [{result: next}], select: {list: l, field: token, prefix: 2, suffix: 2, bind: {key: key}}}
        - {method: DELETE, url: '${base_url}/t/${key}', outcomes: [{result: revoked}]}
      fixtures: [{name: ok, responses: [{status: 200}, {status: 204}], result: revoked}]
`, "prefix+suffix of at least 8"},
		{"requires a missing group", strings.Replace(goodVerify, "      steps:", "      requires: [org]\n      steps:", 1), "requires: \"org\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := packWith(t, c.blocks)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if !strings.Contains(err.Error(), "acme") {
				t.Errorf("error does not name the file or rule: %v", err)
			}
		})
	}
}

func TestMatchHostPattern(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, host string
		want          bool
	}{
		{"*.devops.aliyuncs.com", "org1.devops.aliyuncs.com", true},
		{"*.devops.aliyuncs.com", "ORG1.devops.aliyuncs.com", true},
		{"*.devops.aliyuncs.com", "devops.aliyuncs.com", false},
		{"*.devops.aliyuncs.com", "a.b.devops.aliyuncs.com", false},
		{"*.devops.aliyuncs.com", "org1.devops.aliyuncs.com.evil.io", false},
		{"*.devops.aliyuncs.com", "org1.devops.aliyuncs.com:8443", false},
		{"*.devops.aliyuncs.com", "evil.io/x.devops.aliyuncs.com", false},
		{"openapi-rdc.aliyuncs.com", "openapi-rdc.aliyuncs.com", true},
		{"openapi-rdc.aliyuncs.com", "xopenapi-rdc.aliyuncs.com", false},
	}
	for _, c := range cases {
		if got := MatchHostPattern(c.pattern, c.host); got != c.want {
			t.Errorf("MatchHostPattern(%q, %q) = %v", c.pattern, c.host, got)
		}
	}
}

func TestRevokeKind(t *testing.T) {
	t.Parallel()
	for class, want := range map[string]string{
		ClassPublic: "auto", ClassSelf: "auto", ClassSelfTwoStep: "auto", ClassAdmin: "admin",
		ClassManual: "manual", ClassUnbindable: "manual", ClassNone: "manual",
	} {
		r := &Rule{Revoke: &Revoke{Class: class}}
		if got := r.RevokeKind(); got != want {
			t.Errorf("%s: %s, want %s", class, got, want)
		}
	}
	if (&Rule{}).RevokeKind() != "manual" {
		t.Error("no revoke block should list as manual")
	}
}
