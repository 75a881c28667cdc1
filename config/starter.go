package config

import "strings"

// starterSection is one setting of the starter file: why it exists, and an
// example that is commented out in the file (and valid when uncommented).
type starterSection struct {
	doc, example string
}

const starterHeader = `# scour configuration: https://github.com/scour-dev/scour/blob/main/docs/config.md
#
# scour reads this file from the root of the scanned directory or repository,
# or from --config FILE, or from $SCOUR_CONFIG. Command-line flags win over
# this file, and this file over the defaults. Unknown keys are errors.
# Every setting below is commented out: uncomment what you need.
`

var starterSections = []starterSection{
	{
		doc: `Paths not to scan (gitignore syntax, relative to the scan root).
Added to any --exclude flags.`,
		example: `exclude:
  - vendor/
  - "*.min.js"
  - /third_party/`,
	},
	{
		doc: `Extra rule packs (paths relative to this file). Check one with
` + "`scour rules check FILE`" + `; see docs/rules.md.`,
		example: `rules:
  - .scour/rules/internal-tokens.yaml`,
	},
	{
		doc: `Rule ids that do not run at all (see ` + "`scour rules list`" + `).`,
		example: `disable:
  - heroku-api-key`,
	},
	{
		doc: `Allowlists: matches they describe are not reported. An entry applies
to its rules ("*" or no rules: all) and suppresses a match only when ALL
the criteria it gives hold; write two entries for "either". Criteria:
secret_regex and line_regex (RE2, match anywhere), stopwords (the secret
contains one, any case), paths (gitignore syntax; other locations of the
same secret are still reported). line_regex and paths cannot be combined.
To accept one particular secret, prefer ` + "`scour ignore FINGERPRINT`" + ` (.scourignore).`,
		example: `allow:
  - rules: ["*"]
    stopwords: [example, dummy, changeme]
    reason: documentation placeholders
  - rules: [aws-access-key-id]
    secret_regex: EXAMPLE$
    reason: AWS documentation keys
  - rules: ["*"]
    paths: ["docs/**/*.md"]
    secret_regex: "^ghp_0{10}"
    reason: sample tokens in our docs
  - line_regex: "scour-test-fixture"
    reason: test fixtures mark their lines`,
	},
	{
		doc: `API base URLs for verify and revoke, per provider (self-managed
GitLab, Yunxiao Enterprise Dedicated, Vault...). SCOUR_<PROVIDER>_BASE_URL
in the environment wins over this.`,
		example: `providers:
  gitlab:
    base_url: https://gitlab.example.com
  vault:
    base_url: https://vault.example.com:8200`,
	},
	{
		doc: `Default output format of ` + "`scour scan`" + ` (a --format flag wins):
text, json, jsonl, sarif, csv, junit or github.`,
		example: `format: text`,
	},
}

// Starter is the commented starter file `scour config init` writes. It
// loads as an empty config; uncommenting its examples gives a valid one
// (StarterExamples).
func Starter() string {
	var b strings.Builder
	b.WriteString(starterHeader)
	for _, s := range starterSections {
		b.WriteString("\n")
		for _, l := range strings.Split(s.doc, "\n") {
			b.WriteString("# " + l + "\n")
		}
		for _, l := range strings.Split(s.example, "\n") {
			b.WriteString("# " + l + "\n")
		}
	}
	return b.String()
}

// StarterExamples is the starter file's examples uncommented, for tests
// that check they are valid.
func StarterExamples() string {
	var b strings.Builder
	for _, s := range starterSections {
		b.WriteString(s.example + "\n")
	}
	return b.String()
}
