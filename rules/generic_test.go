package rules

import "testing"

func TestCredentialWordStart(t *testing.T) {
	for _, w := range credentialWords {
		if !credentialWordStart[w[0]] {
			t.Errorf("credentialWordStart lacks %q (the first letter of %q)", w[0], w)
		}
	}
}
