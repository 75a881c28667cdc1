package rules

import "testing"

// TestByteMasks: isKeyByte's and userinfoGuard's bit masks say what the
// comparison chains they replaced said, for every byte.
func TestByteMasks(t *testing.T) {
	for b := range 256 {
		c := byte(b)
		want := 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
		if got := isKeyByte(c); got != want {
			t.Errorf("isKeyByte(%q) = %v", c, got)
		}
		stop := c == '/' || c == ' ' || c == '\n' || c == '\t' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\r'
		if got := c < 64 && userinfoStops>>c&1 != 0; got != stop {
			t.Errorf("userinfo stop %q = %v", c, got)
		}
	}
}
