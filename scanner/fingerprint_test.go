package scanner

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"testing"
)

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// A random-looking token keeps its SHA-256 fingerprint (so ignores and
// baselines of tokens survive the change); a password, a docker auth or a
// short key gets the argon2id form, never its plain SHA-256, which a
// cracking dictionary reverses.
func TestFingerprintForms(t *testing.T) {
	t.Parallel()
	sha := func(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }
	for _, s := range []string{
		"ghp_16C7e42F292c6912E7710c838347Ae178B4a",
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
	} {
		if LowEntropy(s) || Fingerprint(s) != sha(s) {
			t.Errorf("%s (%.0f bits): fingerprint %s, want its SHA-256", s, EntropyBits(s), Fingerprint(s))
		}
	}
	for _, s := range []string{"hunter22", "Tr0ub4dor&3", "correct horse battery staple", "dXNlcjpodW50ZXIy", "AKIAIOSFODNN7EXAMPLE",
		// base64 of a long login and a weak password: random-looking, yet
		// as guessable as the password.
		base64.StdEncoding.EncodeToString([]byte("deploy-bot@example-company.com:Password1")),
	} {
		fp := Fingerprint(s)
		if !LowEntropy(s) || fp == sha(s) || !hex64.MatchString(fp) {
			t.Errorf("%s (%.0f bits): fingerprint %s, want 64 hex digits of argon2id", s, EntropyBits(s), fp)
		}
		if Fingerprint(s) != fp {
			t.Errorf("%s: fingerprint not stable", s)
		}
		if LegacyFingerprint(s) != sha(s) || !FingerprintMatches(s, fp) || !FingerprintMatches(s, sha(s)) || FingerprintMatches(s+"x", fp) {
			t.Errorf("%s: legacy form or matching wrong", s)
		}
	}
}

// The low-entropy form is pinned: salt and parameters are part of the
// fingerprint's definition, and changing them would orphan every ignore
// and baseline entry written with it.
func TestFingerprintPinned(t *testing.T) {
	t.Parallel()
	const want = "df5c47fd9d18ec74fdff7ec7f182d6183d6e33faff3412a87870b578783e0a0b"
	if got := Fingerprint("hunter22"); got != want {
		t.Errorf(`Fingerprint("hunter22") = %s, want %s`, got, want)
	}
}

// BenchmarkFingerprint measures what a fingerprint costs scour (and each
// guess of an attacker): the SHA-256 of a token against the argon2id of a
// password.
func BenchmarkFingerprint(b *testing.B) {
	for _, s := range []string{"ghp_16C7e42F292c6912E7710c838347Ae178B4a", "hunter22"} {
		b.Run(map[bool]string{true: "argon2id", false: "sha256"}[LowEntropy(s)], func(b *testing.B) {
			for b.Loop() {
				Fingerprint(s)
			}
		})
	}
}
