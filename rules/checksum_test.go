package rules

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// The fixtures are docs/providers.md §6's [checked] values, assembled here so
// that no whole token sits in the source.
func TestChecksumFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		algo, head, check string
	}{
		{"github-crc32", "ghp_" + "scourTestFixtureNotARealToken0", "2WxGSU"},
		{"github-crc32", "npm_" + "scourTestFixtureNotARealToken0", "2WxGSU"},
		{"github-fine-grained", "github_pat_" + "11SCOURTESTFIXTURE0000_notARealTokenJustAFixtureForScourTests00000", "FCV7TILW"},
		{"gitlab-routable", "glpat-" + "AAAAAAAAAAAAAAAAAAAAAG86MQM.01.0r", "1regny2"},
		{"gitlab-routable", "glpat-" + "bzoxAAAAAAAAAAAAAAAAAAAAABA.0r", "01ukbzv"},
		{"atlassian-crc32", "ATBB" + "ScourFakeFixtureNotReal0", "C7FEEC86"},
	}
	for _, tt := range tests {
		tok := tt.head + tt.check
		if tt.algo == "github-fine-grained" {
			tok += "AbCd1234" // any 8 alphanumerics follow the check
		}
		if !checksums[tt.algo].valid([]byte(tok)) {
			t.Errorf("%s: fixture %s... with check %s does not pass", tt.algo, tt.head[:8], tt.check)
		}
	}
}

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func randString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// Independent generators (written from docs/providers.md, not from checksum.go)
// for valid tokens with random bodies.
func genGitHub(r *rand.Rand, prefix string, n int) string {
	body := randString(r, alnum, n)
	v := crc32.ChecksumIEEE([]byte(body))
	var check string
	for range 6 {
		check = string(alnum[v%62]) + check
		v /= 62
	}
	return prefix + body + check
}

func genFineGrained(r *rand.Rand) string {
	head := "github_pat_" + "11" + randString(r, alnum, 20) + "_" + randString(r, alnum, 43)
	sum := sha256.Sum256([]byte(head))
	return head + base32.StdEncoding.EncodeToString(sum[:])[:8] + randString(r, alnum, 8)
}

func genGitLab(r *rand.Rand, prefix string, versioned bool) string {
	random := []byte(randString(r, alnum, 16))
	routing := "o:" + strconv.FormatInt(r.Int64N(1<<30), 36) + "\nu:" + strconv.FormatInt(r.Int64N(1<<30), 36)
	var payload []byte
	if versioned {
		payload = append(append(append(payload, random...), routing...), byte(len(routing)))
	} else {
		payload = append(append(append(payload, routing...), random...), 0x10)
	}
	b64 := base64.RawURLEncoding.EncodeToString(payload)
	head := prefix + b64 + "."
	if versioned {
		head += "01."
	}
	head += fmt.Sprintf("%02s", strconv.FormatInt(int64(len(b64)), 36))
	return head + fmt.Sprintf("%07s", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(head))), 36))
}

func genAtlassian(r *rand.Rand, prefix string, n int, urlEncoded bool) string {
	head := prefix + randString(r, alnum+"_-", n) + "="
	tok := head + fmt.Sprintf("%08X", crc32.ChecksumIEEE([]byte(head)))
	if urlEncoded {
		tok = strings.Replace(tok, "=", "%3D", 1)
	}
	return tok
}

// TestChecksumGenerated checks that many valid tokens with random bodies
// pass, and that changing any one character makes them fail.
func TestChecksumGenerated(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	gens := []struct {
		algo string
		gen  func() string
	}{
		{"github-crc32", func() string { return genGitHub(r, "ghp_", 30) }},
		{"github-crc32", func() string { return genGitHub(r, "npm_", 30) }},
		{"github-crc32", func() string { return genGitHub(r, "ghr_", 70) }},
		{"github-fine-grained", func() string { return genFineGrained(r) }},
		{"gitlab-routable", func() string { return genGitLab(r, "glpat-", true) }},
		{"gitlab-routable", func() string { return genGitLab(r, "glrt-", false) }},
		{"atlassian-crc32", func() string { return "ATBB" + genGitHublessATBB(r) }},
		{"atlassian-crc32", func() string { return genAtlassian(r, "ATCTT3xFfGN0", 150, false) }},
		{"atlassian-crc32", func() string { return genAtlassian(r, "ATATT3xFfGF0", 170, true) }},
	}
	for _, g := range gens {
		algo := checksums[g.algo]
		for range 300 {
			tok := g.gen()
			if !algo.valid([]byte(tok)) {
				t.Fatalf("%s: valid token %s rejected", g.algo, tok)
			}
			// Corrupt one character of the part the checksum covers or of
			// the check itself.
			b := []byte(tok)
			end := len(b)
			if g.algo == "github-fine-grained" {
				end = 85 // the last 8 characters are not covered
			}
			i := 4 + r.IntN(end-4)
			if b[i] == '%' || (i >= 2 && b[i-1] == '%') || (i >= 2 && b[i-2] == '%') {
				continue
			}
			orig := b[i]
			for b[i] == orig || (orig >= 'a' && orig <= 'z' && b[i] == orig-32) {
				b[i] = alnum[r.IntN(len(alnum))]
			}
			if algo.valid(b) {
				t.Errorf("%s: corrupted token %s (position %d) accepted", g.algo, b, i)
			}
		}
	}
}

// genGitHublessATBB is the body of an ATBB app password: 24 alphanumerics
// then the upper-hex CRC32 of "ATBB" + body.
func genGitHublessATBB(r *rand.Rand) string {
	body := randString(r, alnum, 24)
	return body + fmt.Sprintf("%08X", crc32.ChecksumIEEE([]byte("ATBB"+body)))
}

func TestChecksumShortInputs(t *testing.T) {
	t.Parallel()
	for name, algo := range checksums {
		for _, s := range []string{"", "_", "ghp_", "x", "%3D", "abcdefgh", "glpat-1234567"} {
			algo.valid([]byte(s)) // must not panic
		}
		_ = name
	}
}
