// Package wordlike scores how much a string reads like words or code
// identifiers rather than random key material, under a BPE vocabulary
// compiled into the binary (vocab.txt: the letter tokens of OpenAI's
// cl100k_base, written by internal/vocabgen).
//
// A BPE tokenizer learned on text spends few tokens on words and
// identifiers ("connectionString" is 2 tokens) and about one per two
// characters on random strings ("q8Zr0KfT" is 6), so characters per token
// tells a credential from a key name, a sentence or a file name better
// than Shannon entropy, which scores "ThisIsMyDatabaseUser" as high as a
// random string. The estimate here is the fewest vocabulary tokens that
// spell each run of letters (digits count one token per three, other
// bytes one each unless a letter follows), close to what the real tokenizer gives, without its
// 1.7 MB rank table, its regular-expression pre-tokenizer or its start-up
// cost: the vocabulary is a sorted string searched in place, so nothing is
// built at start-up and nothing is downloaded, ever.
package wordlike

import (
	_ "embed"
	"strings"
)

// vocab is sorted (byte order), one token per line, each 2..16 ASCII
// letters; the last line ends with a newline.
//
//go:embed vocab.txt
var vocab string

// maxToken is the longest token in vocab.
const maxToken = 16

// maxLen bounds the work per call: only this many leading bytes are scored.
const maxLen = 128

// Tokens estimates how many BPE tokens s takes (at most its first maxLen
// bytes are looked at).
func Tokens(s string) int {
	if len(s) > maxLen {
		s = s[:maxLen]
	}
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isLetter(c):
			j := i + 1
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			n += letterTokens(s[i:j])
			i = j
		case '0' <= c && c <= '9':
			j := i + 1
			for j < len(s) && '0' <= s[j] && s[j] <= '9' {
				j++
			}
			n += (j - i + 2) / 3
			i = j
		default:
			// The BPE pre-tokenizer glues one punctuation byte to the
			// letters after it ("_password", ".env"), so it costs nothing
			// extra there.
			if i+1 >= len(s) || !isLetter(s[i+1]) {
				n++
			}
			i++
		}
	}
	return n
}

// CharsPerToken is len(s) over Tokens(s) (on the scored prefix); 0 for "".
// Random base64 scores near 1.5, English words and identifiers 3 and up.
func CharsPerToken(s string) float64 {
	if len(s) > maxLen {
		s = s[:maxLen]
	}
	t := Tokens(s)
	if t == 0 {
		return 0
	}
	return float64(len(s)) / float64(t)
}

// LongestWord returns the length of the longest vocabulary token of at
// least min letters found in s (case as given, or with the first letter
// upper-cased), or 0.
func LongestWord(s string, min int) int {
	if len(s) > maxLen {
		s = s[:maxLen]
	}
	best := 0
	for i := 0; i < len(s); i++ {
		// Only runs of letters hold tokens (lookup needs two letters).
		j := i
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		for l := max(min, 2); l <= maxToken && i+l <= j; l++ {
			exact, prefix := lookup(s[i : i+l])
			if exact && l > best {
				best = l
			}
			if !prefix {
				break
			}
		}
	}
	return best
}

// Words reports whether s is made of vocabulary tokens joined by '_',
// '-' or '.' (config_client, session-cache, Token): an identifier, known
// with one lookup per part instead of a full scoring. Parts must be two
// or more letters.
func Words(s string) bool {
	if len(s) == 0 || len(s) > maxLen {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isLetter(s[i]) {
			continue
		}
		if i < len(s) && s[i] != '_' && s[i] != '-' && s[i] != '.' {
			return false
		}
		part := s[start:i]
		if len(part) < 2 || len(part) > maxToken {
			return false
		}
		if ok, _ := lookup(part); !ok {
			return false
		}
		start = i + 1
	}
	return true
}

// letterTokens is the fewest vocabulary tokens (single letters allowed)
// that spell run.
func letterTokens(run string) int {
	var best [maxLen + 1]int
	n := len(run)
	for i := n - 1; i >= 0; i-- {
		best[i] = 1 + best[i+1]
		for l := 2; l <= maxToken && i+l <= n; l++ {
			exact, prefix := lookup(run[i : i+l])
			if exact && 1+best[i+l] < best[i] {
				best[i] = 1 + best[i+l]
			}
			if !prefix {
				break
			}
		}
	}
	return best[0]
}

// lookup reports whether w (two or more ASCII letters) is a token and
// whether some token starts with w (exact implies prefix). It is a
// lower-bound binary search over the lines of vocab that share w's first
// two letters (pairStart).
func lookup(w string) (exact, prefix bool) {
	k := letterIndex(w[0])*52 + letterIndex(w[1])
	lo, hi := int(pairStart[k]), int(pairStart[k+1]) // both at line starts
	end := hi
	for lo < hi {
		mid := lo + (hi-lo)/2
		s := lo
		if j := strings.LastIndexByte(vocab[lo:mid], '\n'); j >= 0 {
			s = lo + j + 1
		}
		e := s + strings.IndexByte(vocab[s:], '\n')
		if vocab[s:e] < w {
			lo = e + 1
		} else {
			hi = s
		}
	}
	if lo >= end {
		return false, false
	}
	line := vocab[lo : lo+strings.IndexByte(vocab[lo:], '\n')]
	return line == w, strings.HasPrefix(line, w)
}

// letterIndex orders ASCII letters as byte order does: A-Z, then a-z.
func letterIndex(c byte) int {
	if c >= 'a' {
		return 26 + int(c-'a')
	}
	return int(c - 'A')
}

func isLetter(c byte) bool { c |= 0x20; return 'a' <= c && c <= 'z' }
