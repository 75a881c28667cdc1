package rules

import "testing"

// TestPlaceholderConsecutive: six consecutive letters or digits of one
// case mark a hand-typed value; mixed case (aBcDeF) and shorter runs do
// not, so random tokens pass.
func TestPlaceholderConsecutive(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		secret string
		want   bool
	}{
		{"sk-ant-api03-abc123xyz-456def789ghij-klmnopqrstuvwx", true},
		{"token456789Qz", true},
		{"QRSTUVw9x", true},
		{"aBcDeFaBcDeFaBcDeF", false},
		{"Xk2P9abcdeQz7", false},
		{"HCdttccwziPeQ8dbNVrAneWB", false},
	} {
		got := placeholder([]byte(tc.secret), true) == "placeholder (consecutive characters)"
		if got != tc.want {
			t.Errorf("placeholder(%q) consecutive = %v, want %v", tc.secret, got, tc.want)
		}
	}
}
