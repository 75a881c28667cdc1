package rules

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scour-dev/scour/internal/wordlike"
)

// A valueFilter judges a candidate found by its context (a key named like
// a credential, a credential file) rather than by its format. It returns
// the match's confidence ("" keeps the rule's) or why the value is not a
// credential. key is the pattern's `key` group (nil when absent).
type valueFilter func(in valueInput) (confidence, why string)

// valueInput is what a value filter judges: the secret, and the pattern's
// `key` and `host` groups (nil when absent).
type valueInput struct{ secret, key, host []byte }

var valueFilters = map[string]valueFilter{
	"credential": credentialValue,
	"reference":  referenceValue,
	"userinfo":   userinfoValue,
	"file":       credentialFileValue,
	// Random printable ASCII under a name that says it is a key (WordPress
	// salts): the placeholder marks (< > ${) are not applied.
	"printable-key": printableKeyValue,
	// base64 of login:password (a Docker config.json "auth"): the decoded
	// password is judged as a URL's password is.
	"basic-auth": basicAuthValue,
}

func valueFilterNames() []string {
	names := make([]string, 0, len(valueFilters))
	for n := range valueFilters {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Thresholds of the credential filter, measured on the labelled set under
// testdata/generic (docs/rules.md, "Generic secrets"). Characters per BPE
// token: random key material scores 1-2, identifiers, words and sentences
// 3 and up.
const (
	// wordLike and up: the value reads as words or an identifier, digits
	// and punctuation notwithstanding ("admin_2024", "user.v2.name").
	wordLike = 3.5
	// strongBelow: below it (and long enough, with no dictionary word of
	// strongWord letters) a value is random-looking: medium confidence.
	strongBelow = 2.3
	strongLen   = 12
	strongWord  = 5
	minLen      = 8
	maxLen      = 1024
	// minFileLen: in a credential file known by its path, shorter values
	// count too (.netrc's "password pass123").
	minFileLen = 4
)

// credentialWords name credentials in keys, separators removed and lower-
// cased; longer ones first so "accesskey" wins over "key" and so on.
var credentialWords = []string{
	"clientsecret", "accesskey", "secretkey", "privatekey", "apikey", "authkey", "signingkey",
	"encryptionkey", "masterkey", "credentials", "credential", "passphrase", "password", "passwd",
	"secret", "token", "pwd", "pass", "auth", "key",
}

// credentialWordStart holds the first letters of credentialWords (a
// test checks), so most positions of a key are passed over at once.
var credentialWordStart = [256]bool{'a': true, 'c': true, 'e': true, 'k': true, 'm': true, 'p': true, 's': true, 't': true}

// keyTails are what may follow the last credential word in a key that
// names the credential itself ("secret_key_base", "passwordValue").
var keyTails = []string{"", "s", "key", "keybase", "base", "value", "val", "string", "str", "b64", "base64", "plain", "plaintext", "raw", "text", "data", "hex"}

// keyNotSecret: keys holding one of these name something beside the
// credential: a public value, a session nonce, a pagination cursor.
var keyNotSecret = []string{
	"public", "publishable", "csrf", "xsrf", "nonce", "captcha", "sitekey", "nextpage", "pagetoken",
	"cursor", "continuation", "idempotency", "hash", "digest", "checksum", "fingerprint", "salt",
	"tokenizer", "placeholder", "label", "prompt", "hint", "policy", "length", "pattern", "regex",
	"kubeconfig", "reset", "forgot", "confirm", "expire", "example", "sample", "dummy", "mock",
	"test", "fake", "skiptoken", "nexttoken",
}

// referenceMarks are substrings of values that are references to the
// credential, not the credential: templates, variables, look-ups.
var referenceMarks = []string{
	"${", "{{", "}}", "$(", "%(", "#{", "<%", "%>", "@{", "[[", "]]",
	"getenv", "environ", "process.env", "env[", "env(", "env.", "secrets.", "vars.", "inputs.",
	"vault:", "ref+", "valuefrom", "secretkeyref", "arn:aws:", "lookup(", "var.", "local.",
	"data.", "module.", "self.", "this.", "config.", "settings.", "params.", "args.", "opts.",
	"options.", "props.", "request.", "req.", "ctx.", "context.",
}

// hashLabels start values that are hashes labelled as such, not secrets.
var hashLabels = []string{
	"$2a$", "$2b$", "$2y$", "$2x$", "$argon2", "$pbkdf2", "$scrypt", "$1$", "$5$", "$6$", "$apr1$",
	"{ssha}", "{sha}", "{ssha256}", "{ssha512}", "{md5}", "{smd5}", "{bcrypt}", "{noop}", "{pbkdf2}",
	"sha1:", "sha256:", "sha384:", "sha512:", "md5:", "sha1-", "sha256-", "sha384-", "sha512-",
	"pbkdf2:", "pbkdf2_sha256$", "bcrypt$", "argon2$", "scrypt:",
}

// publicMarks start values that are public keys or certificates.
var publicMarks = []string{
	"ssh-rsa ", "ssh-ed25519 ", "ssh-dss ", "ecdsa-sha2-", "sk-ssh-", "-----begin public", "-----begin certificate",
	"-----begin rsa public", "-----begin pgp public", "-----begin ssh2 public",
}

// tokenPrefixes start token formats the catalogue's specific rules own.
// The generic layer never claims such a value: when the specific rule did
// not report it (a failed checksum, a placeholder, the rule disabled in
// the config), the value is not a generic secret either (one secret, one
// finding; docs/design.md, "Generic secrets").
var tokenPrefixes = []string{
	"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glptt-", "glrt-",
	"glcbt-", "glft-", "glimt-", "glagent-", "gloas-", "glsoat-", "glffct-", "glsa_", "glc_",
	"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxe", "xoxs-", "xoxo-", "xapp-", "npm_", "pypi-",
	"rubygems_", "dckr_pat_", "dckr_oat_", "hf_", "api_org_", "pul-", "sntrys_", "sntryu_",
	"hvs.", "hvb.", "hvr.", "dp.pt.", "dp.st.", "dp.ct.", "dp.sa.", "dp.scim.", "dp.audit.",
	"squ_", "sqp_", "sqa_", "sqco_", "bkua_", "ccipat_", "ccirpj_", "hrku-", "akia", "asia",
	"abia", "acca", "a3t", "aiza", "akcp", "ltai", "sts.", "atatt3", "atbb", "atctt3", "oy2",
	"pt-",
	// An AWS session token ("\x21\n\x09origin_ec…" in base64).
	"iqojb3jpz2lux2vj",
	// Types added with docs/catalogue.md.
	"sk-or-v1-", "xai-", "pplx-", "r8_", "nvapi-", "csk-", "lsv2_pt_", "lsv2_sk_", "tgp_v1_", "ico-",
	"nfp_", "vcp_", "vci_", "vca_", "vcr_", "vck_", "fo1_", "flyv1 ", "tk-us-", "ops_eyj", "sha256~",
	"tskey-", "sbp_", "sb_secret_", "4b1d", "mdb_sa_sk_", "aqvn", "swmtkn-", "swmkey-", "clojars_",
	"csa_", "hcaik_", "hcxik_", "phx_", "hawk.", "lin_api_", "endr+", "ion_", "mergify_application_key_",
	"os_v2_app_", "os_v2_org_", "dnkey-",
}

// notValues are whole values (lower-cased) that carry no credential.
var notValues = map[string]bool{
	"null": true, "nil": true, "none": true, "true": true, "false": true, "undefined": true,
	"empty": true, "yes": true, "no": true, "on": true, "off": true, "n/a": true, "tbd": true,
	"todo": true, "required": true, "optional": true, "string": true, "password": true,
	"secret": true, "token": true, "changeme": true, "default": true, "notset": true, "unset": true,
}

// fakeWords in a value mark a documentation or fixture value.
var fakeWords = []string{
	"example", "sample", "dummy", "placeholder", "changeme", "change_me", "change-me", "replace",
	"insert", "your", "xxxx", "****", "....", "redacted", "fixme", "todo", "notreal", "not_real",
	"not-real", "fake", "mock", "test", "qwerty", "letmein", "foobar", "secret123", "password1",
	"password123", "abc123", "123456", "hunter2",
}

// referenceValue drops values that are references or placeholders (for
// credential files, whose path already says the value is a credential).
func referenceValue(in valueInput) (string, string) {
	s := strings.ToLower(string(in.secret))
	if why := referenceOrPlaceholder(s); why != "" {
		return "", why
	}
	return "", ""
}

// credentialFileValue judges a value in a known credential file (an FTP
// or SFTP client's config, .netrc, .esmtprc, a database client's saved
// connections): the path says values under credential-named keys are
// credentials, weak or not, so only references, placeholders, labelled
// hashes and values that are not values are dropped, and the key must
// name the credential. What is kept is graded: random-looking values keep
// the rule's confidence, short or word-like ones (a weak password, even
// "password" itself: the file really holds it) are "low".
func credentialFileValue(in valueInput) (string, string) {
	secret := in.secret
	if why := keyNamesOther(in.key); why != "" {
		return "", why
	}
	if len(secret) < minFileLen {
		return "", "shorter than 4 characters"
	}
	s := strings.ToLower(string(secret))
	for _, h := range hashLabels {
		if strings.HasPrefix(s, h) {
			return "", "labelled hash (" + h + ")"
		}
	}
	if s == "password" || s == "passwd" {
		return "low", ""
	}
	if notValues[s] {
		return "", "not a value (" + s + ")"
	}
	for _, m := range referenceMarks {
		if strings.Contains(s, m) {
			return "", "reference (" + m + ")"
		}
	}
	if s[0] == '$' || s[0] == '%' || s[0] == '<' || s[0] == '@' || s[len(s)-1] == '>' {
		return "", "reference (variable)"
	}
	for _, w := range []string{"xxxx", "****", "....", "example", "placeholder", "changeme", "your", "_here"} {
		if strings.Contains(s, w) {
			return "", "placeholder (contains " + w + ")"
		}
	}
	return strength(secret), ""
}

// printableKeyValue judges a key drawn from all of printable ASCII (a
// WordPress salt): it must be as varied as one (four character classes,
// high entropy) and not the generator's placeholder text.
func printableKeyValue(in valueInput) (string, string) {
	s := strings.ToLower(string(in.secret))
	for _, w := range []string{"put your unique phrase", "unique phrase", "generateme", "your"} {
		if strings.Contains(s, w) {
			return "", "placeholder (contains " + w + ")"
		}
	}
	var lower, upper, digit, punct bool
	for _, c := range in.secret {
		switch {
		case 'a' <= c && c <= 'z':
			lower = true
		case 'A' <= c && c <= 'Z':
			upper = true
		case '0' <= c && c <= '9':
			digit = true
		default:
			punct = true
		}
	}
	if !(lower && upper && digit && punct) {
		return "", "not random printable text (fewer than four character classes)"
	}
	if h := entropy(in.secret); h < 4.5 {
		return "", fmt.Sprintf("entropy %.2f below 4.5", h)
	}
	return "", ""
}

// strength grades a value the filters kept: "" (the rule's confidence)
// when it is as dense as random key material, "low" when it is short or
// holds a dictionary word.
func strength(secret []byte) string {
	if len(secret) < strongLen {
		return "low"
	}
	if wordlike.CharsPerToken(string(secret)) >= strongBelow || wordlike.LongestWord(string(secret), strongWord) > 0 {
		return "low"
	}
	return ""
}

// defaultPasswords are the passwords of local development set-ups and
// documentation (a URL's userinfo): not leaks.
var defaultPasswords = map[string]bool{
	"pass": true, "passwd": true, "password": true, "secret": true, "guest": true, "admin": true,
	"root": true, "postgres": true, "mysql": true, "redis": true, "test": true, "user": true,
	"pwd": true, "pw": true, "p": true, "x": true, "xxx": true, "foo": true, "bar": true,
	"changeme": true, "default": true, "token": true, "oauth2": true, "x-oauth-basic": true,
}

// userinfoValue judges the password of a URL's userinfo: references,
// placeholders and well-known default passwords are not leaks.
//
// A weak password (one holding test, 123456, qwerty...) is still a leak
// when the URL names a real server (ds048537.mongolab.com, 10.0.4.12),
// not a local or documentation one (localhost, db, example.com): it is
// reported "low".
func userinfoValue(in valueInput) (string, string) {
	s := strings.ToLower(string(in.secret))
	if defaultPasswords[s] {
		return "", "a default or documentation password"
	}
	conf := ""
	if why := referenceOrPlaceholder(s); why != "" {
		if !realHost(in.host) || placeholderWord(s, false) != "" || referenceOrPlaceholderMarks(s) != "" {
			return "", why
		}
		conf = "low"
	}
	if len(s) > 0 && (s[0] == '$' || s[0] == '%' || s[0] == '*') || upperSnake(string(in.secret)) {
		return "", "reference or mask"
	}
	plain := percentDecoded(s)
	if defaultPasswords[plain] || strings.Contains(plain, "passw") || strings.Contains(plain, "ssword") || strings.ContainsAny(plain, " \t") || documentationUserinfo(plain) {
		return "", "a documentation password"
	}
	if letters := strings.Trim(plain, "abcdefghijklmnopqrstuvwxyz") == ""; letters && wordlike.CharsPerToken(plain) >= wordLike {
		if !realHost(in.host) {
			return "", "a word, not a password"
		}
		conf = "low"
	}
	return conf, ""
}

// basicAuthValue judges base64 of login:password by its password
// (userinfoValue), so a template's "username:password" or
// "user:${TOKEN}" is not reported; a value that is not such base64 is
// kept as it is (a bare token).
func basicAuthValue(in valueInput) (string, string) {
	dec, err := base64.StdEncoding.DecodeString(string(in.secret))
	if err != nil {
		return "", ""
	}
	i := bytes.IndexByte(dec, ':')
	if i < 0 || !utf8.Valid(dec) {
		return "", ""
	}
	if why := placeholder(dec[i+1:], false, false); why != "" {
		return "", why
	}
	return userinfoValue(valueInput{secret: dec[i+1:], host: in.host})
}

// docHosts are domains documentation uses for any server.
var docHosts = []string{"example.com", "example.org", "example.net", "domain.com", "mydomain.com", "yourdomain.com",
	"host.com", "server.com", "company.com", "acme.com"}

// realHost: host names a server someone runs (a name with a dot under a
// top-level domain, or an IP address other than loopback), not a local,
// reserved or documentation host (localhost, db, *.local, example.com).
func realHost(host []byte) bool {
	h := strings.ToLower(string(host))
	if i := strings.IndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	dot := strings.LastIndexByte(h, '.')
	if dot <= 0 || dot == len(h)-1 {
		return false
	}
	if strings.HasPrefix(h, "127.") || strings.HasPrefix(h, "0.") {
		return false
	}
	tld := h[dot+1:]
	switch tld {
	case "example", "test", "invalid", "localhost", "local", "localdomain", "lan", "home", "internal":
		return false
	}
	for _, d := range docHosts {
		if h == d || strings.HasSuffix(h, "."+d) {
			return false
		}
	}
	if strings.Trim(tld, "0123456789") == "" {
		return true // an IPv4 address
	}
	return len(tld) >= 2 && strings.Trim(tld, "abcdefghijklmnopqrstuvwxyz") == ""
}

func referenceOrPlaceholder(s string) string {
	if why := referenceOrPlaceholderMarks(s); why != "" {
		return why
	}
	return placeholderWord(s, true)
}

// referenceOrPlaceholderMarks: what is not a value, references and
// template variables.
func referenceOrPlaceholderMarks(s string) string {
	if notValues[s] {
		return "not a value (" + s + ")"
	}
	for _, m := range referenceMarks {
		if strings.Contains(s, m) {
			return "reference (" + m + ")"
		}
	}
	if len(s) > 1 && (s[0] == '$' && (s[1] == '_' || isAlpha(s[1]) || s[1] == '{') ||
		s[0] == '%' && s[len(s)-1] == '%' ||
		s[0] == '@' && s[len(s)-1] == '@' ||
		s[0] == '<' || s[len(s)-1] == '>') {
		return "reference (variable)"
	}
	return ""
}

// weakWords are the fakeWords that also make real (weak) passwords:
// "testpass", "qwerty123". The others (example, your, xxxx) only ever
// stand in for one.
var weakWords = map[string]bool{"test": true, "qwerty": true, "letmein": true, "foobar": true, "secret123": true,
	"abc123": true, "123456": true, "hunter2": true}

// placeholderWord: the fake word s holds; weak words count only with
// weakToo.
func placeholderWord(s string, weakToo bool) string {
	for _, w := range fakeWords {
		if strings.Contains(s, w) && (weakToo || !weakWords[w]) {
			return "placeholder (contains " + w + ")"
		}
	}
	return ""
}

// credentialValue is the generic layer's value filter: it rejects what is
// not a credential and grades the rest: the rule's confidence (medium) for
// random-looking values, "low" for short or partly word-like ones
// ("RedisPass1!", "Mailpass1234!": weak passwords, but passwords).
func credentialValue(in valueInput) (string, string) {
	secret, key := in.secret, in.key
	if why := keyNamesOther(key); why != "" {
		return "", why
	}
	if len(secret) < minLen {
		return "", "shorter than 8 characters"
	}
	if len(secret) > maxLen {
		return "", "longer than 1024 characters"
	}
	s := strings.ToLower(string(secret))
	for _, h := range hashLabels {
		if strings.HasPrefix(s, h) {
			return "", "labelled hash (" + h + ")"
		}
	}
	for _, p := range publicMarks {
		if strings.HasPrefix(s, p) {
			return "", "public key or certificate"
		}
	}
	if why := referenceOrPlaceholder(s); why != "" {
		return "", why
	}
	for _, p := range tokenPrefixes {
		if strings.HasPrefix(s, p) {
			return "", "a token format (" + p + ") the specific rules own"
		}
	}
	if bytes.ContainsAny(secret, " \t") {
		return "", "contains spaces (text, not a credential)"
	}
	if why := notCredentialShape(secret, s); why != "" {
		return "", why
	}
	if strings.Contains(s, "::") || strings.Contains(s, "->") || dottedIdentifier(string(secret)) {
		return "", "a code expression"
	}
	if hexNumber(s) {
		return "", "a number"
	}
	if at := strings.IndexByte(s, '@'); at > 0 && strings.Contains(s[at:], ".") && !strings.ContainsAny(s[:at], ":/") {
		return "", "an e-mail address"
	}
	if k := strings.IndexByte(s, ':'); k > 0 && identifier(s[:k]) && len(s[:k]) >= 3 {
		return "", "another field (name:value)"
	}
	if strings.Contains(s, "://") {
		return "", "a URL (URLs with a password have their own rule)"
	}
	digits, letters, other := 0, 0, 0
	for _, c := range secret {
		switch {
		case '0' <= c && c <= '9':
			digits++
		case isAlpha(c):
			letters++
		default:
			other++
		}
	}
	if letters == 0 {
		return "", "no letters (a number, a date, a version)"
	}
	if looksLikePath(s) {
		return "", "a file name or path"
	}
	if h := entropy(secret); h < 2.5 {
		return "", "low entropy"
	}
	if digits == 0 && wordlike.Words(string(secret)) {
		return "", "an identifier made of words"
	}
	cpt := wordlike.CharsPerToken(string(secret))
	if cpt >= 3.0 && digits > 0 && letters > 0 && other == 0 && passwordKey(key) {
		// Only a word and digits under an environment variable naming a
		// password (DB_PASSWORD set to admin and 123): a weak password, not an
		// identifier (an environment variable's value is a literal; under
		// a code or YAML key, session42 is as likely a name).
		return "low", ""
	}
	if digits == 0 && other == 0 {
		// Letters only: a word, a name or an identifier unless it is as
		// dense as random text.
		if cpt >= strongBelow {
			return "", fmt.Sprintf("word-like (%.1f characters per BPE token)", cpt)
		}
	} else if cpt >= wordLike {
		return "", fmt.Sprintf("word-like (%.1f characters per BPE token)", cpt)
	}
	word := wordlike.LongestWord(string(secret), strongWord)
	if word > 0 && cpt >= 3.0 {
		return "", fmt.Sprintf("word-like (%.1f characters per BPE token, a %d-letter word)", cpt, word)
	}
	if len(secret) < strongLen || cpt >= strongBelow || word > 0 {
		return "low", ""
	}
	return "", ""
}

// keyNamesOther says why key names something other than a credential
// (token_url, password_length, public_key, tokenizer), or "".
func keyNamesOther(key []byte) string { return keyVerdict(key, true) }

// keyNamesOtherFast is keyNamesOther without the reason (which costs an
// allocation): for the assignment guard, which judges every hit's key.
func keyNamesOtherFast(key []byte) bool { return keyVerdict(key, false) != "" }

// keyVerdict is keyNamesOther; without explain a rejection says only
// "other".
func keyVerdict(key []byte, explain bool) string {
	if len(key) == 0 {
		return ""
	}
	var buf [64]byte
	k := buf[:0]
	for _, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if isAlpha(c) || '0' <= c && c <= '9' {
			k = append(k, c)
		}
	}
	ks := string(k)
	// The last credential word (the longest where several end there):
	// what follows it must be a tail that still names the credential.
	last, wend := -1, 0
	for p := len(ks) - 1; p >= 0 && last < 0; p-- {
		c := ks[p]
		if !credentialWordStart[c] {
			continue
		}
		for _, w := range credentialWordsBy[c-'a'] {
			if strings.HasPrefix(ks[p:], w) && p+len(w) > wend {
				last, wend = p, p+len(w)
			}
		}
	}
	if last < 0 {
		return "key names no credential"
	}
	if !slices.Contains(keyTails, ks[wend:]) {
		if !explain {
			return "other"
		}
		return "key names something else (…" + ks[wend:] + ")"
	}
	for p := 0; p < len(ks); p++ {
		if c := ks[p]; 'a' <= c && c <= 'z' {
			for _, w := range keyNotSecretBy[c-'a'] {
				if strings.HasPrefix(ks[p:], w) {
					if !explain {
						return "other"
					}
					return "key names something else (" + w + ")"
				}
			}
		}
	}
	return ""
}

// passwordKey: the key is an environment variable (UPPER_SNAKE) naming a
// password (not a token or an API key, whose values are never words).
func passwordKey(key []byte) bool {
	for _, c := range key {
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	k := string(key)
	return strings.Contains(k, "PASS") || strings.Contains(k, "PWD")
}

// credentialWordsBy is credentialWords by first letter (each a lower-case
// letter, as credentialWordStart says): keyNamesOther tries at each
// position only the words that start there. Trying all twenty was most
// of its time, itself 2.6% of a terraform history scan's CPU (the
// assignment guard calls it for every hit that reads as an assignment).
var credentialWordsBy = func() (by [26][]string) {
	for _, w := range credentialWords {
		by[w[0]-'a'] = append(by[w[0]-'a'], w)
	}
	return by
}()

// keyNotSecretBy is keyNotSecret by first letter: keyNamesOther tries at
// each position of a key only the words that start with its letter.
var keyNotSecretBy = func() (by [26][]string) {
	for _, w := range keyNotSecret {
		by[w[0]-'a'] = append(by[w[0]-'a'], w)
	}
	return by
}()

// dottedIdentifier: a.b.c made of short identifiers (a field or method
// reference, not key material; a JWT's segments are long).
func dottedIdentifier(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return false
	}
	random := 0
	for _, p := range parts {
		if len(p) == 0 || len(p) > 12 || !identifier(p) {
			return false
		}
		// A part that mixes case and digits and reads as no words
		// (Phyddc849 in "Phyddc849.L9vsXo") is a password's, not a name's.
		if len(p) >= 6 && mixedCaseDigits(p) && wordlike.CharsPerToken(p) < strongBelow {
			random++
		}
	}
	return random == 0
}

// mixedCaseDigits: s has an upper-case letter, a lower-case letter and a digit.
func mixedCaseDigits(s string) bool {
	var up, low, dig bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		up = up || 'A' <= c && c <= 'Z'
		low = low || 'a' <= c && c <= 'z'
		dig = dig || '0' <= c && c <= '9'
	}
	return up && low && dig
}

func identifier(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlpha(c) || c == '_' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return len(s) > 0
}

// hexNumber: 0x1f, -0x7f879679, 0x53c237_53c237.
func hexNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if !strings.HasPrefix(s, "0x") || len(s) < 3 {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || c == '_') {
			return false
		}
	}
	return true
}

// looksLikePath: a value with a file extension or made of path segments.
func looksLikePath(s string) bool {
	for _, ext := range []string{".pem", ".key", ".json", ".yaml", ".yml", ".txt", ".crt", ".p12", ".pfx", ".jks", ".keystore", ".env", ".conf", ".cfg", ".ini", ".xml", ".properties", ".html", ".js", ".py", ".go", ".rb", ".php", ".sh", ".png", ".jpg", ".svg", ".css", ".git"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	if strings.HasPrefix(s, "@") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || strings.HasPrefix(s, "~/") {
		return true
	}
	return false
}

// percentDecoded decodes %XX escapes (others are kept as written).
func percentDecoded(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isAlpha(c byte) bool { c |= 0x20; return 'a' <= c && c <= 'z' }
