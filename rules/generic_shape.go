package rules

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/scour-dev/scour/internal/wordlike"
)

// notCredentialShape says why a value under a credential name has the
// shape of something other than a credential, or "". Each case comes from
// the false-alarm review of $GOROOT/src and the Go module cache
// (docs/accuracy.md), where it was seen; generic_shape_test.go holds an
// example of each. s is secret lower-cased.
func notCredentialShape(secret []byte, s string) string {
	if !utf8.Valid(secret) {
		return "binary data (not UTF-8)"
	}
	for _, c := range secret {
		if c < 0x20 || c == 0x7f {
			return "binary data (control characters)"
		}
	}
	raw := string(secret)
	// Prose caught by the `KEY VALUE` form ("the token replays.",
	// "**Token Retrieval**:"): a word with sentence or markdown
	// punctuation around it.
	if core := strings.Trim(raw, ".:*,;!?_`"); core != raw && core != "" && allLetters(core) {
		return "a word in prose (" + core + ")"
	}
	// A label or a message ("-want/+got:", "Password is:%v").
	if strings.HasSuffix(raw, ":") {
		return "a label (ends with a colon)"
	}
	for _, v := range []string{"%v", "%s", "%q", "%+v", "%#v", "%w"} {
		if strings.Contains(raw, v) {
			return "a format string (" + v + ")"
		}
	}
	// A pointer type or dereference in code (Secret *anypb.Any).
	if raw[0] == '*' && codeName(raw[1:]) {
		return "a code expression (pointer)"
	}
	// A JWT or base64-encoded JSON ("eyJ" is `{"`): the jwt rule and the
	// decoder judge those, and a fake one ("header.eyJ…") is no secret.
	if strings.HasPrefix(s, "eyj") || strings.Contains(s, ".eyj") {
		return "a JWT or base64 JSON (the jwt rule and the decoder own it)"
	}
	// An AWS or GCS signature's credential scope (the key id, a date, a
	// region, a service and "aws4_request"): public, unlike the signature.
	if strings.HasSuffix(s, "4_request") {
		return "a request signature's credential scope"
	}
	if version(strings.TrimPrefix(s, "http/")) {
		return "a version"
	}
	// A placeholder in single braces ({RSAPUB}, {token}).
	if len(raw) > 2 && raw[0] == '{' && raw[len(raw)-1] == '}' && identifier(raw[1:len(raw)-1]) {
		return "a placeholder ({name})"
	}
	// A regular expression (a scanner's own rule, a validator).
	for _, m := range []string{"]{", "(?", `\d`, "[0-9", "[a-z", "[A-Z", "]+", "]*"} {
		if strings.Contains(raw, m) {
			return "a regular expression (" + m + ")"
		}
	}
	// Constant, environment variable and header names (CK_BBOOL,
	// MVNW_REPOURL, C.NL80211_ATTR_X, X-Api-Key, splunk-url).
	if upperSnake(raw) {
		return "a constant or variable name"
	}
	if hyphenWords(raw) {
		return "a name (words joined by hyphens)"
	}
	// An identifier that holds the credential word itself (idToken2,
	// TFts5Token, __ccgo_fp_xToken): a variable or type, not its value.
	if identifierNamingCredential(raw) {
		return "an identifier naming a credential"
	}
	if w := deLeet(s); commonPasswords[w] {
		return "a well-known password (" + w + ")"
	}
	if counting(s) {
		return "a counting sequence (0102030405…)"
	}
	if why := base64Text(raw); why != "" {
		return why
	}
	return ""
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlpha(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// codeName: a qualified identifier (anypb.Any, getpwent).
func codeName(s string) bool {
	if s == "" {
		return false
	}
	for _, p := range strings.Split(s, ".") {
		if !identifier(p) {
			return false
		}
	}
	return true
}

// version: v1.18.20, 1.2.3-rc.1, v1.19.10/go.mod.
func version(s string) bool {
	s = strings.TrimSuffix(s, "/go.mod")
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexAny(s, "-+"); i > 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// upperSnake: NAME_PART (an optional package qualifier before it), upper
// case, digits and underscores, at least one underscore.
func upperSnake(s string) bool {
	if i := strings.LastIndexByte(s, '.'); i > 0 && identifier(s[:i]) {
		s = s[i+1:]
	}
	if len(s) < 3 || !('A' <= s[0] && s[0] <= 'Z' || s[0] == '_') || !strings.Contains(s, "_") {
		return false
	}
	letters := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
			letters++
		case '0' <= c && c <= '9', c == '_':
		default:
			return false
		}
	}
	return letters >= 3
}

// hyphenWords: letters-only parts joined by hyphens, each part short
// (X-Api-Key, splunk-url, tuf-root): header, option and resource names.
func hyphenWords(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if len(p) == 0 || len(p) > 10 || !allLetters(p) {
			return false
		}
	}
	return true
}

// identifierNamingCredential: an identifier ([A-Za-z0-9_]) in which a
// credential word starts a camel-case or snake-case part (idToken2,
// TVec0Token, xToken, NOMORETOKENS is not: it is upperSnake's).
func identifierNamingCredential(s string) bool {
	if !identifier(strings.TrimLeft(s, "_")) {
		return false
	}
	for _, w := range []string{"Token", "Secret", "Password", "Passwd", "Credential", "ApiKey", "_token", "_secret", "_password"} {
		i := strings.Index(s, w)
		if i < 0 {
			continue
		}
		// A part boundary: a lower-case letter or digit before a
		// capitalised word, or an underscore word.
		if w[0] == '_' || i > 0 && ('a' <= s[i-1] && s[i-1] <= 'z' || '0' <= s[i-1] && s[i-1] <= '9') {
			return true
		}
	}
	return false
}

// counting: hex of consecutive bytes (000102…, 0102030405060708090a0b…),
// a test key written to be obviously made up.
func counting(s string) bool {
	if len(s) < 16 || len(s)%2 != 0 {
		return false
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return false
	}
	for i := 1; i < len(b); i++ {
		if b[i] != b[i-1]+1 {
			return false
		}
	}
	return true
}

// base64Text: a base64 value that decodes to plain text that is no
// credential: a word ("cGFzc3dvcmQ=" is "password"), a sentence ("this is
// not a real value"), a placeholder. A random password base64-encoded
// decodes to something the other checks do not drop, so it stays.
func base64Text(v string) string {
	if len(v) < 8 {
		return ""
	}
	var dec []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if d, err := enc.DecodeString(v); err == nil {
			dec = d
			break
		}
	}
	if len(dec) < 4 {
		return ""
	}
	for _, c := range dec {
		if (c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t' {
			return "" // binary: key material, perhaps
		}
	}
	t := strings.TrimSpace(string(dec))
	lt := strings.ToLower(t)
	switch {
	case t == "":
		return ""
	case strings.ContainsAny(t, " \t"):
		return "base64 of a sentence"
	case referenceOrPlaceholder(lt) != "":
		return "base64 of a placeholder (" + t + ")"
	case allLetters(t) && (wordlike.Words(t) || wordlike.CharsPerToken(t) >= strongBelow):
		return "base64 of a word (" + t + ")"
	}
	return ""
}

// commonPasswords are the passwords of documentation and tests, found
// after deLeet: P@ssw0rd, passw0rd1, 5w0rdf15h.
// Only documentation conventions: a weak password a team really uses
// (admin123, Winter2025!) is still reported.
var commonPasswords = map[string]bool{"password": true, "swordfish": true, "changeme": true}

// deLeet undoes leetspeak (@ a, 0 o, 1 i, 3 e, 4 a, 5 s, $ s, 7 t) and
// drops the digits and punctuation that end a weak password.
func deLeet(s string) string {
	end := len(s)
	for end > 0 && strings.IndexByte("0123456789!?.#*_-", s[end-1]) >= 0 {
		end--
	}
	b := []byte(s[:end])
	for i, c := range b {
		switch c {
		case '@', '4':
			b[i] = 'a'
		case '0':
			b[i] = 'o'
		case '1', '!':
			b[i] = 'i'
		case '3':
			b[i] = 'e'
		case '5', '$':
			b[i] = 's'
		case '7':
			b[i] = 't'
		}
	}
	return string(b)
}

// documentationUserinfo: a URL password made of words naming what it is
// (ldap-pwd, db-pass, my_password): documentation, as in
// mongodb://ldap-user:ldap-pwd@localhost.
func documentationUserinfo(s string) bool {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) < 2 {
		return false
	}
	named := false
	for _, p := range parts {
		if !allLetters(p) {
			return false
		}
		named = named || defaultPasswords[p]
	}
	return named
}
