package rules

import (
	"crypto/sha256"
	"encoding/base32"
	"hash/crc32"
	"slices"
	"strconv"
)

// checksumAlgo is an offline integrity check of a token's own characters.
// A hard check that fails means the string is not a token (typo, lookalike,
// hand-made placeholder) and no finding is made; a soft check only lowers
// confidence, for reverse-engineered algorithms.
type checksumAlgo struct {
	valid func(tok []byte) bool
	soft  bool
}

// checksums maps the YAML `checksum` names to algorithms (docs/providers.md §6).
var checksums = map[string]*checksumAlgo{
	"github-crc32":        {valid: githubCRC32},
	"github-fine-grained": {valid: githubFineGrained, soft: true},
	"gitlab-routable":     {valid: gitlabRoutable},
	"atlassian-crc32":     {valid: atlassianCRC32},
}

func checksumNames() []string {
	names := make([]string, 0, len(checksums))
	for n := range checksums {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

const base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// githubCRC32 checks GitHub classic-format tokens (ghp_ gho_ ghu_ ghs_ ghr_)
// and npm_: the last 6 characters are the base62 CRC32-IEEE of everything
// between the first `_` and them, left-padded with '0'.
func githubCRC32(tok []byte) bool {
	us := -1
	for i, b := range tok {
		if b == '_' {
			us = i
			break
		}
	}
	if us < 0 || len(tok)-us-1 <= 6 {
		return false
	}
	body, check := tok[us+1:len(tok)-6], tok[len(tok)-6:]
	v := crc32.ChecksumIEEE(body)
	for i := 5; i >= 0; i-- {
		if check[i] != base62Digits[v%62] {
			return false
		}
		v /= 62
	}
	return v == 0
}

// githubFineGrained checks github_pat_ tokens (93 characters): characters
// [77:85) are the first 8 of the upper-case base32 SHA-256 of the first 77.
// Reverse-engineered, hence soft.
func githubFineGrained(tok []byte) bool {
	if len(tok) < 85 {
		return false
	}
	sum := sha256.Sum256(tok[:77])
	var enc [56]byte
	base32.StdEncoding.Encode(enc[:], sum[:])
	return string(enc[:8]) == string(tok[77:85])
}

// gitlabRoutable checks GitLab routable tokens (both layouts): the last 7
// characters are the lower-case base36 CRC32-IEEE of everything before
// them, zero-padded.
func gitlabRoutable(tok []byte) bool {
	if len(tok) <= 7 {
		return false
	}
	head, check := tok[:len(tok)-7], tok[len(tok)-7:]
	var buf [16]byte
	s := strconv.AppendUint(buf[:0], uint64(crc32.ChecksumIEEE(head)), 36)
	if len(s) > 7 {
		return false
	}
	pad := 7 - len(s)
	for i := range pad {
		if check[i] != '0' {
			return false
		}
	}
	return string(check[pad:]) == string(s)
}

// atlassianCRC32 checks ATBB/ATCTT3/ATATT3 tokens: the last 8 characters are
// the upper-case hex CRC32-IEEE of the rest, after URL-decoding %3D to '='.
func atlassianCRC32(tok []byte) bool {
	var buf [1024]byte
	v := buf[:0]
	for i := 0; i < len(tok); i++ {
		if tok[i] == '%' && i+2 < len(tok) && tok[i+1] == '3' && (tok[i+2] == 'D' || tok[i+2] == 'd') {
			v = append(v, '=')
			i += 2
			continue
		}
		v = append(v, tok[i])
	}
	if len(v) <= 8 {
		return false
	}
	head, check := v[:len(v)-8], v[len(v)-8:]
	sum := crc32.ChecksumIEEE(head)
	const hexUpper = "0123456789ABCDEF"
	for i := 7; i >= 0; i-- {
		if check[i] != hexUpper[sum&15] {
			return false
		}
		sum >>= 4
	}
	return true
}
