// Package rules holds scour's detection rules: the model, the loader for the
// embedded catalogue (builtin/*.yaml) and user packs, validation, and the
// offline checks (checksums, entropy, placeholders) a candidate must pass.
// It imports nothing else of scour's.
package rules

// GenericProvider is the provider of the generic layer (builtin/generic.yaml):
// rules that know a secret by its context (a credential-named key, a URL's
// password, a credential file) rather than its format. Their findings
// yield to any other provider's finding of the same text (one secret, one
// finding), and other providers' examples may match them.
const GenericProvider = "generic"

// Pack is one rule file: one provider's rules.
type Pack struct {
	// Provider names the vendor, e.g. "github", "yunxiao", "alibaba".
	Provider string  `yaml:"provider"`
	Rules    []*Rule `yaml:"rules"`
	// Source names the file the pack came from ("builtin/github.yaml" or a
	// user path); every validation error starts with it.
	Source string `yaml:"-"`
}

// Rule is one kind of credential. Rules are data: every field comes from YAML.
type Rule struct {
	ID          string `yaml:"id"`
	Provider    string `yaml:"-"` // from the pack
	Description string `yaml:"description"`
	// Pattern is an RE2 expression with exactly one named group `secret`.
	// Other named groups (e.g. `id`, `host`, `user`) are kept as context.
	Pattern string `yaml:"pattern"`
	// Keywords are literal strings (matched case-insensitively) of which at
	// least one occurs in or right next to every match; the prefilter looks
	// only for them.
	Keywords []string `yaml:"keywords"`
	// NoKeywordsReason must say why a rule has no keywords (such a rule runs
	// its regex over all content, which is slow); it is an error otherwise.
	NoKeywordsReason string `yaml:"no_keywords_reason,omitempty"`
	// WindowSize (YAML `window`) is how many bytes either side of a keyword hit the regex needs
	// to see (0 means the default, 256). Raise it for long secrets such as
	// private keys.
	WindowSize int `yaml:"window,omitempty"`
	// RejectBefore and RejectAfter are RE2 character-class bodies (the part
	// inside [...], ASCII only) for the byte just before and just after the
	// secret group: a candidate touching such a byte is a fragment of a
	// longer string and is skipped. Checked in Go rather than in the pattern
	// so that RE2's \b (which counts `_` as a word character) is not needed
	// and delimiters are not consumed (so `a,b` yields both tokens).
	// Absent means "A-Za-z0-9"; an empty string turns the check off.
	RejectBefore *string `yaml:"reject_before,omitempty"`
	RejectAfter  *string `yaml:"reject_after,omitempty"`
	// MinEntropy is a Shannon-entropy floor (bits per byte) for the secret.
	MinEntropy float64 `yaml:"min_entropy,omitempty"`
	// RequireDigit drops candidates without a digit: it tells random ids
	// from identifiers such as STS.AssumeRoleWithOIDC.
	RequireDigit bool `yaml:"require_digit,omitempty"`
	// Checksum names an offline check from checksum.go ("github-crc32",
	// "gitlab-routable", "atlassian-crc32", "github-fine-grained", ...).
	Checksum string `yaml:"checksum,omitempty"`
	// Confidence is "high" (structured, prefixed or checksummed), "medium"
	// or "low" (context-dependent).
	Confidence string `yaml:"confidence,omitempty"`
	// ValueFilter names an offline filter (generic.go) that judges the
	// secret as a value rather than a token format: "credential" for the
	// generic layer (references, placeholders, labelled hashes, word-like
	// strings under the BPE vocabulary, key names that are not secrets;
	// it may lower a match's confidence to "low"), "reference" for values
	// in credential files, where only references and placeholders are
	// dropped.
	ValueFilter string `yaml:"value_filter,omitempty"`
	// Guard names a Go check (guard.go: "assignment", "userinfo") that
	// narrows the window around each keyword hit to where a match can be,
	// or rules the hit out: for rules whose keywords are common words.
	Guard string `yaml:"guard,omitempty"`
	// Paths, when set, restrict the rule to items whose path matches one
	// of these globs (path.Match syntax): against the base name, or, for a
	// pattern holding a '/', against as many trailing path elements as it
	// has ("config/master.key"). Credential files are known by their path
	// and shape (.pgpass, master.key), not by a keyword.
	Paths []string `yaml:"paths,omitempty"`
	// Remediation is a one-line hint shown beside findings.
	Remediation string `yaml:"remediation,omitempty"`

	// Examples are realistic lines (config or code) that must yield exactly
	// one match of this rule. In YAML each is either a plain string or a
	// mapping {text: ..., secret: ...}; with `secret` the check also asserts
	// the match's secret group equals it exactly.
	Examples []Example `yaml:"examples"`
	// NegativeExamples (placeholders, redacted samples, near-miss
	// lookalikes) must match no rule of this provider.
	NegativeExamples []string `yaml:"negative_examples"`
	References       []string `yaml:"references,omitempty"`

	// Verify and Revoke are the declarative actions (schema and validation
	// in action.go); nil when the rule has none.
	Verify *Action `yaml:"verify,omitempty"`
	Revoke *Revoke `yaml:"revoke,omitempty"`
	// Analyze is the read-only least-privilege analysis (analyze.go).
	Analyze *Analyze `yaml:"analyze,omitempty"`

	source   string // the pack's Source, for messages
	compiled *compiled
	builtin  *builtinRule // the built-in rule this is a copy of (builtin_packs.go)
}

// Example is one positive example of a rule (see Rule.Examples).
type Example struct {
	Text   string `yaml:"text"`
	Secret string `yaml:"secret,omitempty"`
	// Path is the file the text is in, for rules restricted by Paths.
	Path string `yaml:"path,omitempty"`
}

// StripActions removes the verify, revoke and analyze blocks of every rule of the
// pack and returns the ids of the rules that had one, in pack order. It
// makes a pack from an untrusted place (a scanned repository's
// .scour.yaml) detection-only: an action names the host a secret is sent
// to and the environment variables it reads, which only the user may
// choose.
func (p *Pack) StripActions() []string {
	var ids []string
	for _, r := range p.Rules {
		if r == nil || (r.Verify == nil && r.Revoke == nil && r.Analyze == nil) {
			continue
		}
		r.Verify, r.Revoke, r.Analyze = nil, nil, nil
		ids = append(ids, r.ID)
	}
	return ids
}
