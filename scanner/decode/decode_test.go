package decode

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

func TestBase64Runs(t *testing.T) {
	secret := "user:Vx7kQ2mZ9pR4tL8w"
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding} {
		e := enc.EncodeToString([]byte(secret))
		data := []byte(`  auth: "` + e + `"`)
		var got []Span
		Base64Runs(data, 0, len(data), func(s Span) { got = append(got, s) })
		if len(got) != 1 || string(got[0].Text) != secret || got[0].Kind != Base64 {
			t.Errorf("%q: got %+v, want one span decoding to %q", e, got, secret)
			continue
		}
		if span := string(data[got[0].Start:got[0].End]); span != e {
			t.Errorf("span %q, want the encoded text %q", span, e)
		}
	}
}

func TestBase64RunsRejects(t *testing.T) {
	for _, s := range []string{
		"thisIsAVeryLongIdentifierWithoutDigits", // no digit: an identifier
		base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 3, 250, 251, 252, 253, 0, 9, 8, 7, 6, 5, 4, 3, 2, 1}), // binary
		"c2hvcnQ=",                    // shorter than MinB64
		"abc_def+ghi/jkl-mno1234ABCD", // both alphabets
	} {
		data := []byte("x = " + s)
		Base64Runs(data, 0, len(data), func(sp Span) { t.Errorf("%q admitted: %q", s, sp.Text) })
	}
}

func TestPercentRun(t *testing.T) {
	plain := "https://bot:Kd8/2j+fQ1@ci.example.org/"
	data := []byte(`next="` + url.QueryEscape(plain) + `" rest`)
	at := strings.IndexByte(string(data), '%')
	sp, ok := PercentRun(data, at)
	if !ok || string(sp.Text) != strings.ReplaceAll(plain, "+", "+") {
		t.Fatalf("got %q, %v; want %q", sp.Text, ok, plain)
	}
	if data[sp.Start-1] != '"' || data[sp.End] != '"' {
		t.Errorf("span %q does not cover the quoted run", data[sp.Start:sp.End])
	}
	if _, ok := PercentRun([]byte("100% sure"), 3); ok {
		t.Error("a bare % is not an escape")
	}
}

func TestEscapedRun(t *testing.T) {
	data := []byte(`{"cfg": "{\u0022db_password\u0022: \u0022Zx8kQ3rT7vW2mN5q\u0022}"}`)
	at := strings.Index(string(data), `\u0022`)
	sp, ok := EscapedRun(data, at)
	if !ok || string(sp.Text) != `{"db_password": "Zx8kQ3rT7vW2mN5q"}` {
		t.Fatalf("got %q, %v", sp.Text, ok)
	}
	if sp, ok := EscapedRun([]byte(`"no escapes here`), 0); ok {
		t.Errorf("admitted %q", sp.Text)
	}
}

func TestConcatenated(t *testing.T) {
	src := "const key = \"-----BEGIN RSA PRIVATE KEY-----\\n\" +\n  \"MIIEowIBAAKCAQEAvq8Zr0KfTmW2\\n\" +\n  'xLpV9hT4kD9sLq2Xv7BnR1c\\n' .\n  \"-----END RSA PRIVATE KEY-----\";\n"
	data := []byte(src)
	at := strings.Index(src, "-----BEGIN")
	sp, ok := Concatenated(data, at)
	want := "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAvq8Zr0KfTmW2\nxLpV9hT4kD9sLq2Xv7BnR1c\n-----END RSA PRIVATE KEY-----"
	if !ok || string(sp.Text) != want {
		t.Fatalf("got %q, %v\nwant %q", sp.Text, ok, want)
	}
	if data[sp.Start] != '"' || data[sp.End-1] != '"' {
		t.Errorf("span %q should run from the first literal's quote to the last's", data[sp.Start:sp.End])
	}
	if _, ok := Concatenated([]byte(`x = "-----BEGIN RSA PRIVATE KEY-----"`), 5); ok {
		t.Error("one literal is not a concatenation")
	}
}

// FuzzDecoders: no input makes a decoder panic or return a span outside
// the data.
func FuzzDecoders(f *testing.F) {
	f.Add([]byte(`a: "dXNlcjpWeDdrUTJtWjlwUjR0TDh3" %41%2F \u0022x\u0022 "a" + "b"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(sp Span) {
			if sp.Start < 0 || sp.End > len(data) || sp.Start > sp.End {
				t.Fatalf("span %d..%d outside %d bytes", sp.Start, sp.End, len(data))
			}
		}
		Base64Runs(data, 0, len(data), check)
		for i := range data {
			if sp, ok := PercentRun(data, i); ok {
				check(sp)
			}
			if sp, ok := EscapedRun(data, i); ok {
				check(sp)
			}
			if sp, ok := Concatenated(data, i); ok {
				check(sp)
			}
		}
	})
}
