// Package safetext makes text that comes from a scanned repository (file
// names, symlink targets, author names and e-mails, commit messages, rule
// descriptions from rule packs, error messages that embed them) safe to
// print on a terminal or into a CI log.
//
// Such text may hold line breaks that forge a log line or a GitHub
// workflow command ("\n::error ..."), ANSI escape sequences that drive the
// terminal, Unicode bidi controls that make a name read differently than
// it is (Trojan Source), line and paragraph separators, and bytes that are
// not UTF-8. Each of these is written as a visible escape; invalid bytes
// as \xNN, never as U+FFFD, so distinct names stay distinct.
//
// Two printable sequences are escaped too, because CI runners obey them
// in job logs: "##" anywhere in a line (GitHub's legacy "##[command]",
// which can mask text, stop command processing or set outputs; Azure
// Pipelines' "##vso[task.setvariable ...]"; TeamCity's "##teamcity[")
// and "::" at the start of the text, after blanks (a GitHub "::command::"
// line). They become "#\x23" and "\x3a:".
//
// Two forms: Quote for a value that stands on its own (a path, a name),
// which is returned as is when it is safe and otherwise as a Go-syntax
// double-quoted string, unambiguous and reversible (strconv.Unquote), the
// way git quotes unusual paths; and Escape for text inside a larger
// message, which escapes the unsafe characters in place without quotes.
package safetext

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Safe reports whether s can be printed as it is: valid UTF-8 with no
// control, format (bidi, zero-width) or separator character other than
// the plain space.
func Safe(s string) bool {
	if ciCommand(s) {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || unsafeRune(r) {
			return false
		}
		i += n
	}
	return true
}

// ciCommand reports whether s holds a sequence the GitHub Actions runner
// reads as a workflow command: "##" anywhere, or "::" after leading blanks.
func ciCommand(s string) bool {
	return strings.Contains(s, "##") || commandStart(s) >= 0
}

// commandStart returns the index of a "::" that starts s after blanks
// (what the runner trims), or -1.
func commandStart(s string) int {
	// The runner trims what .NET calls white space, which includes
	// no-break and other Unicode spaces.
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += n
	}
	if strings.HasPrefix(s[i:], "::") {
		return i
	}
	return -1
}

// unsafeRune is a non-ASCII rune that must not reach a terminal raw: C1
// controls (U+0080-U+009F, which include the 8-bit CSI), format characters
// (bidi embeddings, overrides and isolates, zero-width characters, BOM),
// line and paragraph separators, non-characters and private use and
// surrogate code points.
func unsafeRune(r rune) bool {
	switch {
	case r == utf8.RuneError:
		// A literal U+FFFD in a name reads like a decoding error: escape it
		// so a reader can tell it from the \xNN of an invalid byte.
		return true
	case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Cs):
		return true
	case r == 0x2028 || r == 0x2029 || r == 0x85:
		return true
	case r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe:
		return true
	}
	// Spaces other than U+0020 (no-break, em, ideographic...) are allowed:
	// they do not move the cursor or reorder text.
	return false
}

// Quote returns s unchanged when it is safe to print and does not start
// with a double quote; otherwise s as a Go double-quoted string literal
// in which every unsafe character is escaped (\n, \t, \x1b, \u202e,
// \xff for an invalid byte). strconv.Unquote gives s back.
func Quote(s string) string {
	if Safe(s) && !strings.HasPrefix(s, `"`) {
		return s
	}
	return quote(s)
}

// quote writes s as a double-quoted string, escaping backslashes, quotes
// and exactly the characters Safe rejects.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			writeByteEscape(&b, s[i])
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '#' && strings.HasPrefix(s[i+1:], "#"):
			b.WriteString(`#\x23`)
			n = 2
		case r < utf8.RuneSelf && (r < 0x20 || r == 0x7f), r >= utf8.RuneSelf && unsafeRune(r):
			writeRuneEscape(&b, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	b.WriteByte('"')
	return b.String()
}

// Escape returns s with every unsafe character replaced by its escape
// (\n, \r, \t, \x1b, \u202e, \xff for an invalid byte), for text inside a
// larger message, where quotes would get in the way. Safe text is returned
// unchanged (backslashes included, so it is not reversible: use Quote for
// values that must be).
func Escape(s string) string {
	if Safe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	lead := commandStart(s)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case i == lead:
			b.WriteString(`\x3a`)
		case r == '#' && strings.HasPrefix(s[i+1:], "#"):
			b.WriteString(`#\x23`)
			n = 2
		case r == utf8.RuneError && n == 1:
			writeByteEscape(&b, s[i])
		case r < utf8.RuneSelf && (r < 0x20 || r == 0x7f), r >= utf8.RuneSelf && unsafeRune(r):
			writeRuneEscape(&b, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Lines escapes s like Escape but keeps its line feeds, for multi-line
// text written to a terminal (a commit message body, a YAML error with
// context). A carriage return, which could overwrite the start of the
// line on a terminal, is escaped.
func Lines(s string) string {
	parts := strings.Split(s, "\n")
	for i, p := range parts {
		parts[i] = Escape(p)
	}
	return strings.Join(parts, "\n")
}

func writeByteEscape(b *strings.Builder, c byte) {
	const hex = "0123456789abcdef"
	b.WriteString(`\x`)
	b.WriteByte(hex[c>>4])
	b.WriteByte(hex[c&0xf])
}

func writeRuneEscape(b *strings.Builder, r rune) {
	switch r {
	case '\a':
		b.WriteString(`\a`)
	case '\b':
		b.WriteString(`\b`)
	case '\f':
		b.WriteString(`\f`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	case '\v':
		b.WriteString(`\v`)
	default:
		switch {
		case r < 0x80:
			writeByteEscape(b, byte(r))
		case r <= 0xffff:
			b.WriteString(`\u`)
			b.WriteString(pad(strconv.FormatInt(int64(r), 16), 4))
		default:
			b.WriteString(`\U`)
			b.WriteString(pad(strconv.FormatInt(int64(r), 16), 8))
		}
	}
}

func pad(s string, n int) string {
	return strings.Repeat("0", max(0, n-len(s))) + s
}

// rawJSONUnsafe is a rune encoding/json writes raw that must not be
// printed raw: DEL, and the non-ASCII runes Safe rejects.
func rawJSONUnsafe(r rune, n int) bool {
	return r == 0x7f || r >= utf8.RuneSelf && unsafeRune(r) && !(r == utf8.RuneError && n == 1)
}

// UTF8 returns s unchanged when it is valid UTF-8 and does not start with
// a double quote, and Quote(s) otherwise. It is for formats that carry
// text faithfully but only as UTF-8 (JSON, SARIF): a file name that is
// not UTF-8 would otherwise be stored with U+FFFD, losing which bytes it
// had. A value in quotes is therefore always a quoted form, and
// strconv.Unquote gives the original bytes.
func UTF8(s string) string {
	if utf8.ValidString(s) && !strings.HasPrefix(s, `"`) {
		return s
	}
	return quote(s)
}

// JSON rewrites encoded JSON so that it prints safely: every rune Safe
// rejects that the encoder left raw (bidi controls, zero-width and other
// format characters, C1 controls, DEL; encoding/json already escapes C0
// controls, U+2028 and U+2029) becomes a \uXXXX escape, and so does the
// second '#' of "##" (CI runner commands anywhere in a log line).
// Such text can only occur inside JSON strings, where the escape means the
// same character, so the document decodes to exactly the same values.
func JSON(b []byte) []byte {
	clean := !bytes.Contains(b, []byte("##"))
	for i := 0; clean && i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if rawJSONUnsafe(r, n) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == '#' && bytes.HasPrefix(b[i+1:], []byte("#")) {
			out = append(out, `#\u0023`...)
			i += 2
			continue
		}
		if !rawJSONUnsafe(r, n) {
			out = append(out, b[i:i+n]...)
			i += n
			continue
		}
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += n
	}
	return out
}
