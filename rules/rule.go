// Package rules holds scour's detection rules: the model, the loader for the
// embedded catalogue (builtin/*.yaml) and user packs, validation, and the
// offline checks (checksums, entropy, placeholders) a candidate must pass.
// It imports nothing else of scour's.
package rules

// Pack is one rule file: one provider's rules.
type Pack struct {
	// Provider names the vendor, e.g. "github", "yunxiao", "alibaba".
	Provider string  `yaml:"provider"`
	Rules    []*Rule `yaml:"rules"`
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
	// MinEntropy is a Shannon-entropy floor (bits per byte) for the secret.
	MinEntropy float64 `yaml:"min_entropy,omitempty"`
	// Checksum names an offline check from checksum.go ("github-crc32",
	// "gitlab-routable", "atlassian-crc32", "github-fine-grained", ...).
	Checksum string `yaml:"checksum,omitempty"`
	// Confidence is "high" (structured, prefixed or checksummed), "medium"
	// or "low" (context-dependent).
	Confidence string `yaml:"confidence,omitempty"`
	// Remediation is a one-line hint shown beside findings.
	Remediation string `yaml:"remediation,omitempty"`

	Examples         []string `yaml:"examples"`
	NegativeExamples []string `yaml:"negative_examples"`
	References       []string `yaml:"references,omitempty"`

	compiled *compiled
}
