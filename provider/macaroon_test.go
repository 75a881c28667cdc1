package provider

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"
)

// macaroonField appends one v2 field (type, length, value).
func macaroonField(b []byte, typ byte, val string) []byte {
	b = append(b, typ)
	n := len(val)
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(append(b, byte(n)), val...)
}

// fakePyPIToken builds a PyPI-shaped v2 macaroon with the given
// first-party caveats and one third-party caveat (which must be ignored),
// and a fake signature.
func fakePyPIToken(caveats ...string) string {
	b := []byte{2}
	b = macaroonField(b, 1, "pypi.org")
	b = macaroonField(b, 2, "fake-identifier-0000")
	b = append(b, 0)
	for _, c := range caveats {
		b = macaroonField(b, 2, c)
		b = append(b, 0)
	}
	b = macaroonField(b, 1, "https://auth.example")
	b = macaroonField(b, 2, `{"permissions":"user"}`) // third party: not PyPI's
	b = macaroonField(b, 4, "vid")
	b = append(b, 0, 0)
	b = macaroonField(b, 6, strings.Repeat("S", 32))
	return "pypi-" + base64.RawURLEncoding.EncodeToString(b)
}

func TestPyPIMacaroonClaims(t *testing.T) {
	r := mustRule(t, builtin(t), "pypi-upload-token")
	exp := float64(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).Unix())
	for _, c := range []struct {
		name, secret string
		scopes       []string
		expires      float64
	}{
		{"example project token", r.Examples[0].Secret, []string{"upload:project:fastwidget"}, 0},
		{"example user token", r.Examples[1].Secret, []string{"upload:all-projects"}, 0},
		{"compact caveats", fakePyPIToken(`[0,1788220800,1780000000]`, `[1,["acme-cli","acme-core"]]`), []string{"upload:project:acme-cli", "upload:project:acme-core"}, exp},
		{"user caveat", fakePyPIToken(`[3,"7c1d6b7a-0000-0000-0000-000000000000"]`), []string{"upload:all-projects"}, 0},
	} {
		doc, err := pypiMacaroonClaims(c.secret)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		if xs, ok := doc["scopes"].([]any); ok {
			for _, x := range xs {
				got = append(got, x.(string))
			}
		}
		if !slices.Equal(got, c.scopes) {
			t.Errorf("%s: scopes %v, want %v", c.name, got, c.scopes)
		}
		if e, _ := doc["expires"].(float64); e != c.expires {
			t.Errorf("%s: expires %v, want %v", c.name, doc["expires"], c.expires)
		}
	}
}

// TestPyPIMacaroonHostile: truncated, oversized, or garbage tokens are
// refused without a panic.
func TestPyPIMacaroonHostile(t *testing.T) {
	good := fakePyPIToken(`[1,["acme"]]`)
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(good, "pypi-"))
	for i := range raw {
		_, _ = pypiMacaroonClaims("pypi-" + base64.RawURLEncoding.EncodeToString(raw[:i]))
	}
	for _, s := range []string{"pypi-", "pypi-!!!", "ghp_x", "pypi-" + strings.Repeat("A", maxMacaroon+1),
		"pypi-" + base64.RawURLEncoding.EncodeToString([]byte{2, 2, 0xff, 0xff, 0xff, 0xff, 0x0f})} {
		if _, err := pypiMacaroonClaims(s); err == nil {
			t.Errorf("%.20q: no error", s)
		}
	}
}

// TestAnalyzePyPI: after the opt-in upload probe says live, the caveats
// give the flags; no request beyond the probe.
func TestAnalyzePyPI(t *testing.T) {
	for _, c := range []struct {
		name, secret string
		flags        []string
	}{
		{"pypi-user", fakePyPIToken(`{"version":1,"permissions":"user"}`), []string{"no-expiry", "org-wide", "write-scope"}},
		{"pypi-project-expiring", fakePyPIToken(`[0,1788220800,1780000000]`, `[1,["acme-cli"]]`), []string{"write-scope"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := newVendor(t, routes{"/legacy/": method(t, "POST", reply(400, "Include at least one message digest."))}.handler(t))
			h := newHarness(envBase("pypi", v.URL()))
			h.opts.OptIn = map[string]bool{"pypi": true}
			st := analyzeRule(t, h, "pypi-upload-token", c.secret, nil)
			var got []string
			if len(st.Analysis.Flags) > 0 {
				got = flagIDs(st.Analysis)
			}
			if !slices.Equal(got, c.flags) || len(v.requests()) != 1 {
				t.Errorf("flags %v (want %v), %d requests", got, c.flags, len(v.requests()))
			}
			golden(t, c.name, st.Analysis)
		})
	}
}
