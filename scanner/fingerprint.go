package scanner

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math"
	"strings"

	"github.com/scour-dev/scour/internal/argon2id"
)

// Fingerprints name a secret in reports, ignore files and baselines
// without showing it. They are printed where many people can read them
// (CI logs, SARIF in code scanning, job summaries), so a fingerprint must
// not let a reader recover the secret.
//
// For a secret with plenty of entropy (a 40-character random token) a
// plain SHA-256 is safe: nobody can enumerate the candidates. For a
// low-entropy one (a password in a clone URL, a docker auth entry, a short
// key) an unsalted SHA-256 is a lookup in a cracking dictionary. So the
// fingerprint is (docs/report-format.md, "Fingerprints"):
//
//   - hex SHA-256 of the secret when it is not LowEntropy: an estimated
//     EntropyBits(secret) >= StrongBits (and as much in what it encodes),
//     the same value as fingerprints of scour before version 2, so the
//     ignores and baselines of tokens keep working unchanged;
//   - otherwise hex argon2id of the secret with scour's fixed salt and
//     parameters (one pass over 8 MiB, one lane, 32 bytes): some
//     milliseconds for scour per distinct secret, the same for each guess
//     of an attacker, on memory that GPUs cannot spare.
//
// Both are 64 hex digits, stable across machines and runs (no key to
// share between a laptop and CI). Ignore files and baselines written with
// the old SHA-256 of a low-entropy secret still match it (LegacyFingerprint);
// scour says so and `scour ignore --upgrade` / `scour baseline update`
// rewrite them in the new form.

// StrongBits is the estimated entropy at or above which a secret's
// fingerprint is its plain SHA-256. Part of the fingerprint's definition:
// changing it changes fingerprints.
const StrongBits = 128

// Argon2id parameters of low-entropy fingerprints: part of the definition.
const (
	fingerprintSalt   = "scour fingerprint v2: argon2id"
	fingerprintTime   = 1
	fingerprintMemory = 8 * 1024 // KiB, in one lane
)

// Fingerprint returns the fingerprint of secret (see above).
func Fingerprint(secret string) string {
	return fingerprintWith(nil, secret)
}

// fingerprintWith is Fingerprint computing argon2id in h's memory (nil:
// fresh memory). Many fingerprints in a row reuse one Hasher: fresh 8 MiB
// per secret cost as much again in page faults (internal/argon2id).
func fingerprintWith(h *argon2id.Hasher, secret string) string {
	if !LowEntropy(secret) {
		return LegacyFingerprint(secret)
	}
	if h == nil {
		h = &argon2id.Hasher{}
	}
	key := h.Key([]byte(secret), []byte(fingerprintSalt), fingerprintTime, fingerprintMemory, 32)
	return hex.EncodeToString(key)
}

// LegacyFingerprint is the fingerprint scour used for every secret before
// version 2: hex SHA-256. It is compared with ignore and baseline entries
// written then, and must never be printed for a low-entropy secret.
func LegacyFingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// FingerprintMatches reports whether fp is secret's fingerprint, in the
// current or the legacy form (a report written by an older scour).
func FingerprintMatches(secret, fp string) bool {
	return fp == LegacyFingerprint(secret) || fp == Fingerprint(secret)
}

// LowEntropy reports whether secret is guessable enough that its
// fingerprint must be slow to compute and its redacted form must show
// none of its characters: EntropyBits(secret) < StrongBits, or the same
// for what it encodes when it is base64 of printable text (a docker or npm
// auth entry: base64 of "login:password"), where only the part after the
// first ':' counts. Encoding a weak password makes it look random, not
// harder to guess.
func LowEntropy(secret string) bool {
	if EntropyBits(secret) < StrongBits {
		return true
	}
	if plain, ok := base64Text(secret); ok {
		if _, pass, found := strings.Cut(plain, ":"); found {
			plain = pass
		}
		return EntropyBits(plain) < StrongBits
	}
	return false
}

// base64Text decodes s when it is standard or URL-safe base64 (padded or
// not) of printable ASCII text.
func base64Text(s string) (string, bool) {
	if len(s) < 8 {
		return "", false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		for _, c := range b {
			if c < 0x20 || c > 0x7e {
				return "", false
			}
		}
		return string(b), true
	}
	return "", false
}

// EntropyBits estimates the entropy of secret in bits: its length times
// the Shannon entropy of its byte distribution. It underestimates random
// tokens (a short sample shows few distinct bytes) and overestimates
// human passwords, so it is only a floor under which a secret is surely
// weak: below StrongBits a random 20-character token counts as weak too,
// which only costs a slower fingerprint.
func EntropyBits(secret string) float64 {
	n := len(secret)
	if n == 0 {
		return 0
	}
	var counts [256]int
	for i := 0; i < n; i++ {
		counts[secret[i]]++
	}
	h := 0.0
	for _, c := range counts {
		if c == 0 {
			continue
		}
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h * float64(n)
}
