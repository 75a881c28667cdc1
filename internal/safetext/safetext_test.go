package safetext

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// hostile is text a repository can put in a file name, an author or a rule
// description, each aimed at a terminal or a CI log.
var hostile = []string{
	"a\n::error file=x::forged",     // a GitHub workflow command on its own line
	"::add-mask::x\r\n::warning::y", // CR LF
	"\x1b[2J\x1b]0;title\x07",       // ANSI: clear screen, set window title
	"\x9b31m",                       // C1 CSI as one byte (invalid UTF-8)
	"\u009b31m",                     // C1 CSI as a rune
	"safe\u202etxt.exe",             // bidi override (Trojan Source)
	"x\u2066y\u2069",                // bidi isolate
	"line\u2028sep\u2029par",        // line and paragraph separators
	"zero\u200bwidth\ufeff",         // zero-width space, BOM
	"bad\xff\xfeutf8",               // invalid UTF-8
	"del\x7f",
	"nul\x00",
	"\ufffd literal",
	"x##[add-mask]secret", // legacy runner command, anywhere in a line
	"y##vso[task.setvariable variable=PATH]/tmp", // Azure Pipelines
	"###[",
	"  ::stop-commands::tok", // a command after blanks
	"\u00a0\u3000::error::x", // after Unicode spaces the runner trims too
}

func TestQuoteEscapesEveryUnsafeCharacterReversibly(t *testing.T) {
	for _, s := range hostile {
		q := Quote(s)
		if !clean(q) {
			t.Errorf("Quote(%+q) = %+q: still holds an unsafe character", s, q)
		}
		back, err := strconv.Unquote(q)
		if err != nil || back != s {
			t.Errorf("Quote(%+q) = %s: Unquote gives %+q, %v; want the input back", s, q, back, err)
		}
	}
}

func TestEscapeLeavesNoUnsafeCharacter(t *testing.T) {
	for _, s := range hostile {
		if e := Escape(s); !clean(e) {
			t.Errorf("Escape(%+q) = %+q", s, e)
		}
		if l := Lines(s); !clean(strings.ReplaceAll(l, "\n", "")) || strings.Contains(l, "\r") {
			t.Errorf("Lines(%+q) = %+q", s, l)
		}
	}
}

func TestInvalidBytesAreShownNotReplaced(t *testing.T) {
	if got, want := Escape("a\xffb"), `a\xffb`; got != want {
		t.Errorf("Escape = %q, want %q", got, want)
	}
	if got, want := Quote("a\xffb"), `"a\xffb"`; got != want {
		t.Errorf("Quote = %q, want %q", got, want)
	}
	// Two names that differ only in their invalid bytes stay distinct.
	if Quote("\xfe") == Quote("\xff") {
		t.Error("distinct invalid bytes quote alike")
	}
}

func TestSafeTextIsUnchanged(t *testing.T) {
	for _, s := range []string{
		"", "src/main.go", "docs/配置.md", "Zoë Ünal <zoe@example.com>", "résumé (final).txt",
		`C:\path\file`, "emoji 🔑 key", "no\u00a0break space",
	} {
		if Quote(s) != s || Escape(s) != s || Lines(s) != s {
			t.Errorf("%q changed: Quote %q, Escape %q", s, Quote(s), Escape(s))
		}
	}
	// A leading quote is quoted, so a quoted form is never ambiguous.
	if got := Quote(`"a"`); got != `"\"a\""` {
		t.Errorf(`Quote("a") = %s`, got)
	}
}

func TestWorkflowCommandsAreDefused(t *testing.T) {
	for in, want := range map[string]string{
		"a##[error]b":       `a#\x23[error]b`,
		"a##vso[x]":         `a#\x23vso[x]`,
		"####":              `#\x23#\x23`,
		"a#b#c":             "a#b#c",
		"::add-mask::x":     `\x3a:add-mask::x`,
		" ::error::x":       ` \x3a:error::x`,
		"a::b":              "a::b", // not at the start: no command
		"one\n::error::two": `one\n::error::two`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := Lines("ok\n::error::x\n##[add-mask]y"), "ok\n"+`\x3a:error::x`+"\n"+`#\x23[add-mask]y`; got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
	if got, want := Quote("::x##[y"), `"::x#\x23[y"`; got != want {
		t.Errorf("Quote = %q, want %q", got, want)
	}
}

func TestLinesKeepsLineFeedsOnly(t *testing.T) {
	if got, want := Lines("one\ntwo\r\x1b[1m"), `one`+"\n"+`two\r\x1b[1m`; got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e := Escape(s); !clean(e) {
			t.Fatalf("Escape(%+q) = %+q", s, e)
		}
		q := Quote(s)
		if !clean(q) {
			t.Fatalf("Quote(%+q) = %+q", s, q)
		}
		if q != s {
			if back, err := strconv.Unquote(q); err != nil || back != s {
				t.Fatalf("Quote(%+q) = %s does not unquote: %q, %v", s, q, back, err)
			}
		}
		// JSON: same value back, nothing unsafe left raw.
		raw, err := json.Marshal(map[string]string{"v": UTF8(s)})
		if err != nil {
			t.Fatal(err)
		}
		j := JSON(raw)
		var back map[string]string
		if err := json.Unmarshal(j, &back); err != nil || back["v"] != UTF8(s) || !clean(string(j)) {
			t.Fatalf("JSON(%s) = %s: decodes to %q, %v", raw, j, back["v"], err)
		}
	})
}

// clean is an independent check: printable ASCII, or valid UTF-8 runes
// that are neither controls nor format or separator characters.
func clean(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xfffd {
			return false
		}
		if r >= 0x2000 && r <= 0x206f && !(r >= 0x2010 && r <= 0x2027) && !(r >= 0x2030 && r <= 0x205e) && r != 0x2000 {
			// General punctuation: only the separators, bidi and
			// zero-width controls are unsafe; spaces U+2000-200A are fine.
			if r <= 0x200a {
				continue
			}
			return false
		}
		if r == 0xfeff {
			return false
		}
	}
	return !strings.Contains(s, "##") && !strings.HasPrefix(strings.TrimLeftFunc(s, unicode.IsSpace), "::")
}

func TestUTF8KeepsValidTextAndQuotesTheRest(t *testing.T) {
	for in, want := range map[string]string{
		"a\nb":       "a\nb", // JSON escapes it faithfully
		"docs/配置.md": "docs/配置.md",
		"bad\xff":    `"bad\xff"`,
		`"lead`:      `"\"lead"`,
	} {
		got := UTF8(in)
		if got != want {
			t.Errorf("UTF8(%q) = %q, want %q", in, got, want)
		}
		if got != in {
			if back, err := strconv.Unquote(got); err != nil || back != in {
				t.Errorf("UTF8(%q) = %s does not unquote: %q, %v", in, got, back, err)
			}
		}
	}
}

// JSON escapes the format characters encoding/json leaves raw, and the
// document decodes to the same values.
func TestJSONEscapesRawFormatCharacters(t *testing.T) {
	in := map[string]string{"path": "a\u202eb\u200b\U000e0001c\u0085 x##[add-mask]y", "plain": "docs/配置.md"}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got := JSON(raw)
	if !clean(string(got)) || bytes.Contains(got, []byte("##")) {
		t.Errorf("JSON left an unsafe rune: %q", got)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["path"] != in["path"] || back["plain"] != in["plain"] {
		t.Errorf("decodes to %q, %v; want %q", back, err, in)
	}
	if plain := []byte(`{"a":"b"}`); &JSON(plain)[0] != &plain[0] {
		t.Error("clean JSON should be returned as is")
	}
}
