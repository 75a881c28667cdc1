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
		got := placeholder([]byte(tc.secret), true, false) == "placeholder (consecutive characters)"
		if got != tc.want {
			t.Errorf("placeholder(%q) consecutive = %v, want %v", tc.secret, got, tc.want)
		}
	}
}

// TestPlaceholderTypedPatterns: the alphabet typed between digits and a
// pasted repeated unit mark hand-made values; random tokens of the same
// alphabets (hex, base62, base64) do not trip either test.
func TestPlaceholderTypedPatterns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		secret, want string
	}{
		{"A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6Q7R8S9T0", "placeholder (typed alphabet)"},
		{"Xy9aB8cD7eF6gH5iJ4kL3mN2oP1qR0sT9uV8wX7yZ6aB5cD4eF3gH2iJ1kL0mN9oP8qR7sT6uV5wX4yZ3aB2cD1eF0gH9iJ8kL7mN6oP5q==", "placeholder (typed alphabet)"},
		{"kd8j2h4jf9s8mf6l4k9j2h4jf9s8mf6l4k9j2h4jf9s8mf6l", "placeholder (repeated chunk)"},
		{"a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", ""},
		{"HCdttccwziPeQ8dbNVrAneWB", ""},
		{"7c3f05a9e1b2d4869f0e3a7c5b1d9e2f4a6c8b0d1e3f5a7c9b2d4e6f8a0c1e3b", ""},
		{"Q0N5g7TDomc1ZgIX8WpGz4FB1CXJRV", ""},
	} {
		if got := placeholder([]byte(tc.secret), true, false); got != tc.want {
			t.Errorf("placeholder(%q) = %q, want %q", tc.secret, got, tc.want)
		}
	}
}
