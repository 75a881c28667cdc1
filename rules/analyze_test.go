package rules

import (
	"strings"
	"testing"
)

const goodAnalyze = `
    analyze:
      advice: https://acme.example/docs/tokens
      write_scopes: ['write:*']
      calls:
        - name: me
          method: GET
          url: '${base_url}/me'
          headers: {Authorization: 'Bearer ${secret}'}
          scopes: {from: 'header:X-Scopes', separator: ' '}
          expires: {from: expires_at, none_when: ['null']}
          bind: {org: org.id}
        - name: repos
          method: GET
          url: '${base_url}/orgs/${org}/repos'
          headers: {Authorization: 'Bearer ${secret}'}
          reach: {kind: repositories, name: name, paginate: link}
`

// TestAnalyzeBlockValidates: the analyze block is read-only by
// construction (GET, HEAD, or a POST that says why it reads only), under
// ${base_url}, with known variables, a vendor advice link, and a verify
// block to run after.
func TestAnalyzeBlockValidates(t *testing.T) {
	t.Parallel()
	if err := packWith(t, goodVerify+goodAnalyze); err != nil {
		t.Fatal(err)
	}
	if err := packWith(t, `
    analyze:
      unavailable: the vendor has no endpoint for this
`); err != nil {
		t.Fatalf("unavailable needs nothing else: %v", err)
	}
	cases := []struct{ name, blocks, want string }{
		{"delete", goodVerify + strings.Replace(goodAnalyze, "method: GET", "method: DELETE", 1), "analysis reads only"},
		{"put", goodVerify + strings.Replace(goodAnalyze, "method: GET", "method: PUT", 1), "analysis reads only"},
		{"post without reason", goodVerify + strings.Replace(goodAnalyze, "method: GET", "method: POST", 1), "read_only"},
		{"other host", goodVerify + strings.Replace(goodAnalyze, "'${base_url}/me'", "'https://evil.example/me'", 1), "must start with ${base_url}"},
		{"unknown var", goodVerify + strings.Replace(goodAnalyze, "${org}", "${team}", 1), "unknown variable ${team}"},
		{"no advice", goodVerify + strings.Replace(goodAnalyze, "advice: https://acme.example/docs/tokens", "advice: http://acme.example", 1), "advice"},
		{"no verify", goodAnalyze, "needs a verify block"},
		{"bad flag", goodVerify + strings.Replace(goodAnalyze, "      write_scopes", "      advice_for: {everything: 'https://a.example'}\n      write_scopes", 1), "unknown flag"},
		{"paging", goodVerify + strings.Replace(goodAnalyze, "paginate: link", "paginate: cursor", 1), "paginate"},
		{"non-2xx facts", goodVerify + strings.Replace(goodAnalyze, "        - name: repos", "          status: [403]\n        - name: repos", 1), "2xx"},
		{"unavailable and calls", goodVerify + strings.Replace(goodAnalyze, "      advice:", "      unavailable: no\n      advice:", 1), "unavailable excludes"},
		{"root without verify owner", goodVerify + strings.Replace(goodAnalyze, "      write_scopes", "      root: [{arn: '*:root'}]\n      write_scopes", 1), "from_verify"},
	}
	for _, c := range cases {
		err := packWith(t, c.blocks)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// TestStripActionsDropsAnalyze: an untrusted pack keeps no analyze block
// (its calls would choose where a secret goes).
func TestStripActionsDropsAnalyze(t *testing.T) {
	t.Parallel()
	p, err := ParsePack("acme.yaml", []byte(actionRuleHead+goodVerify+goodAnalyze))
	if err != nil {
		t.Fatal(err)
	}
	if ids := p.StripActions(); len(ids) != 1 || p.Rules[0].Analyze != nil {
		t.Fatalf("%v %+v", ids, p.Rules[0].Analyze)
	}
}
