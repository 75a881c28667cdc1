package rules

import (
	"bytes"
	"math"
	"strings"
)

// placeholderWords are substrings (compared case-insensitively) that real
// credentials do not contain but documentation, templates and redacted
// samples do. Each is long enough that a random token contains it with
// negligible probability.
var placeholderWords = [...]string{
	"example", "placeholder", "redacted", "changeme", "your_", "your-",
	"xxxxx", "12345678", "abcdefgh", "01234567", "89abcdef", "fedcba98", "76543210",
}

// placeholderMarks are the punctuation of templates and elisions. Secrets
// drawn from all of printable ASCII (WordPress salts) hold them by chance:
// rules for those (value_filter: printable-key) skip them.
// An angle bracket counts only as a pair (<your-token>, <jwt>): a lone
// one is as likely in a random printable password as any punctuation.
var placeholderMarks = [...]string{"****", "...", "${", "{{", "}}", "%s"}

// placeholder says why secret looks like a placeholder or a redacted
// sample rather than a credential, or returns "". statistical adds the
// tests for filler (long runs of one character, few distinct characters);
// printable leaves out placeholderMarks.
func placeholder(secret []byte, statistical, printable bool) string {
	var lower [128]byte
	s := secret
	if len(s) <= len(lower) {
		// Lower-case into a stack buffer: Find must not allocate per match.
		for i, b := range s {
			if 'A' <= b && b <= 'Z' {
				b += 'a' - 'A'
			}
			lower[i] = b
		}
		s = lower[:len(s)]
	} else {
		s = bytes.ToLower(s)
	}
	for _, w := range placeholderWords {
		if bytes.Contains(s, []byte(w)) {
			return "placeholder (contains " + w + ")"
		}
	}
	if !printable {
		for _, w := range placeholderMarks {
			if bytes.Contains(s, []byte(w)) {
				return "placeholder (contains " + w + ")"
			}
		}
		if lt := bytes.IndexByte(s, '<'); lt >= 0 && bytes.IndexByte(s[lt:], '>') > 0 {
			return "placeholder (contains <...>)"
		}
	}
	if !statistical {
		return ""
	}
	// Runs of one character: filler such as 00000000 or ########. Long
	// secrets (base64 key material) legitimately hold runs like AAAAAAAA,
	// so for them only typical filler characters count.
	run, longest, filler := 1, 1, false
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1] {
			run++
			if run >= 8 && strings.IndexByte("x0*#._-", s[i]) >= 0 {
				filler = true
			}
		} else {
			run = 1
		}
		longest = max(longest, run)
	}
	if filler || (longest >= 8 && len(secret) <= 100) {
		return "placeholder (repeated characters)"
	}
	// Runs of consecutive letters or digits (abcdef, klmnop, 456789) are
	// typed by hand; in random base62 a run of 6 turns up about once in
	// 10^9 positions.
	asc := 1
	for i := 1; i < len(secret); i++ {
		if a, b := secret[i-1], secret[i]; b == a+1 && sameClass(a, b) {
			asc++
			if asc >= 6 {
				return "placeholder (consecutive characters)"
			}
		} else {
			asc = 1
		}
	}
	// The alphabet typed between digits (A1B2C3D4..., Xy9aB8cD7eF6...):
	// eight letters in a row, ignoring what is between them, ascend by
	// one. Random base62 does that about once in 10^11 positions, and
	// hex cannot (it has six letters).
	alpha, prev := 1, byte(0)
	for _, b := range s {
		if b < 'a' || b > 'z' {
			continue
		}
		if b == prev+1 {
			alpha++
			if alpha >= 8 {
				return "placeholder (typed alphabet)"
			}
		} else {
			alpha = 1
		}
		prev = b
	}
	if chunkRepeated(s) {
		return "placeholder (repeated chunk)"
	}
	if len(secret) >= 12 {
		var seen [256]bool
		distinct := 0
		for _, b := range secret {
			if !seen[b] {
				seen[b] = true
				distinct++
			}
		}
		if distinct < 5 {
			return "placeholder (too few distinct characters)"
		}
	}
	return ""
}

// chunkRepeated reports a chunk of 8 to 24 bytes, of at least 4 distinct
// characters, that is immediately repeated (abcd1234abcd1234, a pasted
// unit): random tokens repeat no 8-byte chunk. Key material longer than
// 200 bytes is left alone (DER holds repeated structure).
func chunkRepeated(s []byte) bool {
	if len(s) > 200 {
		return false
	}
	for l := 8; l <= 24 && 2*l <= len(s); l++ {
		for i := 0; i+2*l <= len(s); i++ {
			if bytes.Equal(s[i:i+l], s[i+l:i+2*l]) && distinctAtLeast(s[i:i+l], 4) {
				return true
			}
		}
	}
	return false
}

func distinctAtLeast(b []byte, n int) bool {
	var seen [256]bool
	d := 0
	for _, c := range b {
		if !seen[c] {
			seen[c] = true
			d++
			if d >= n {
				return true
			}
		}
	}
	return false
}

// entropy is the Shannon entropy of b in bits per byte.
func entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	n := float64(len(b))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

func hasDigit(b []byte) bool {
	for _, c := range b {
		if '0' <= c && c <= '9' {
			return true
		}
	}
	return false
}

// sameClass: both lower-case letters, both upper-case letters or both digits.
func sameClass(a, b byte) bool {
	in := func(lo, hi byte) bool { return lo <= a && a <= hi && lo <= b && b <= hi }
	return in('a', 'z') || in('A', 'Z') || in('0', '9')
}
