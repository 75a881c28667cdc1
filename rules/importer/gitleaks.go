// Package importer converts other scanners' rule configurations into scour
// rule packs: gitleaks and Betterleaks TOML (`scour rules import`). What
// maps is converted (regex and secretGroup, keywords, entropy, allowlists,
// path allowlists); what does not is listed, never dropped silently.
package importer

import (
	"bytes"
	"cmp"
	"fmt"
	"hash/fnv"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"go.yaml.in/yaml/v3"

	"github.com/scour-dev/scour/rules"
)

// Options configures a conversion.
type Options struct {
	// Provider names the written pack's provider (default "custom").
	Provider string
	// Source names the input in notes and in the pack's comment.
	Source string
}

// Note is one thing that did not convert, or converted approximately.
type Note struct {
	Rule    string // gitleaks rule id; "" for the file as a whole
	Message string
}

func (n Note) String() string {
	if n.Rule == "" {
		return n.Message
	}
	return fmt.Sprintf("rule %q: %s", n.Rule, n.Message)
}

// Result is a converted configuration.
type Result struct {
	// Pack holds the converted rules, each with generated examples that pass
	// `scour rules check`. Pack.Rules may be empty.
	Pack *rules.Pack
	// Config is what belongs in .scour.yaml rather than in a pack: global
	// path allowlists as exclude patterns, allowlists as allow entries.
	Config Config
	// Notes list what did not convert or converted approximately.
	Notes []Note
	// Dropped counts gitleaks rules with no scour rule in Pack.
	Dropped int
}

// Config is the part of a .scour.yaml the allowlists convert to (keys as
// docs/config.md describes them).
type Config struct {
	// Rules lists rule pack files (the written pack, so allow entries can
	// name its rules); set by the caller, who knows where the pack goes.
	Rules   []string `yaml:"rules,omitempty"`
	Exclude []string `yaml:"exclude,omitempty"`
	Disable []string `yaml:"disable,omitempty"`
	Allow   []Allow  `yaml:"allow,omitempty"`
}

// Allow is one `allow:` entry of .scour.yaml (all criteria must hold).
type Allow struct {
	Rules       []string `yaml:"rules,omitempty"`
	SecretRegex string   `yaml:"secret_regex,omitempty"`
	LineRegex   string   `yaml:"line_regex,omitempty"`
	Stopwords   []string `yaml:"stopwords,omitempty"`
	Paths       []string `yaml:"paths,omitempty"`
	Reason      string   `yaml:"reason"`
}

// The gitleaks (v8) and Betterleaks configuration schema, as far as it is
// read; unknown keys are listed as notes.
type glConfig struct {
	Title       string         `toml:"title"`
	Description string         `toml:"description"`
	Extend      *glExtend      `toml:"extend"`
	Rules       []glRule       `toml:"rules"`
	Allowlist   *glAllowlist   `toml:"allowlist"`
	Allowlists  []*glAllowlist `toml:"allowlists"`
	MinVersion  string         `toml:"minVersion"`
	BLMin       string         `toml:"betterleaksMinVersion"`
	Prefilter   string         `toml:"prefilter"`
	Filter      string         `toml:"filter"`
}

type glExtend struct {
	Path          string   `toml:"path"`
	URL           string   `toml:"url"`
	UseDefault    bool     `toml:"useDefault"`
	DisabledRules []string `toml:"disabledRules"`
}

type glRule struct {
	ID              string         `toml:"id"`
	Description     string         `toml:"description"`
	Path            string         `toml:"path"`
	Regex           string         `toml:"regex"`
	SecretGroup     int            `toml:"secretGroup"`
	Entropy         float64        `toml:"entropy"`
	Keywords        []string       `toml:"keywords"`
	Tags            []string       `toml:"tags"`
	Allowlist       *glAllowlist   `toml:"allowlist"`
	Allowlists      []*glAllowlist `toml:"allowlists"`
	Required        []any          `toml:"required"`
	Validate        string         `toml:"validate"`
	SkipReport      bool           `toml:"skipReport"`
	TokenEfficiency bool           `toml:"tokenEfficiency"`
	Filter          string         `toml:"filter"`
	Specificity     *int           `toml:"specificity"`
}

type glAllowlist struct {
	Description string   `toml:"description"`
	Condition   string   `toml:"condition"`
	Commits     []string `toml:"commits"`
	Paths       []string `toml:"paths"`
	RegexTarget string   `toml:"regexTarget"`
	Regexes     []string `toml:"regexes"`
	StopWords   []string `toml:"stopwords"`
	TargetRules []string `toml:"targetRules"`
}

var knownTop = []string{"title", "description", "extend", "rules", "allowlist", "allowlists", "minVersion", "betterleaksMinVersion", "prefilter", "filter"}
var knownRule = []string{"id", "description", "path", "regex", "secretGroup", "entropy", "keywords", "tags", "allowlist", "allowlists", "required", "validate", "skipReport", "tokenEfficiency", "filter", "specificity"}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// exampleAttempts is how many generated example sets a rule may try
// before it is left out (choices vary by attempt).
const exampleAttempts = 8

// FromGitleaks converts a gitleaks or Betterleaks TOML configuration. The
// error is for input that is not such a configuration at all; everything
// else becomes notes.
func FromGitleaks(data []byte, opts Options) (*Result, error) {
	provider := cmp.Or(opts.Provider, "custom")
	if !idPattern.MatchString(provider) {
		return nil, fmt.Errorf("provider %q: want lower-case letters, digits, '.', '_' or '-'", provider)
	}
	var cfg glConfig
	if err := toml.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("%s: not a gitleaks TOML configuration: %w", cmp.Or(opts.Source, "input"), err)
	}
	res := &Result{Pack: &rules.Pack{Provider: provider, Source: cmp.Or(opts.Source, "imported")}}
	note := func(rule, format string, args ...any) {
		res.Notes = append(res.Notes, Note{Rule: rule, Message: fmt.Sprintf(format, args...)})
	}
	unknownKeys(data, note)

	if e := cfg.Extend; e != nil {
		if e.UseDefault {
			note("", "[extend] useDefault: gitleaks' default rules are not imported; scour's built-in catalogue covers the same ground (scour rules list)")
		}
		if e.Path != "" || e.URL != "" {
			note("", "[extend] path/url %q: import that file too (scour rules import it)", cmp.Or(e.Path, e.URL))
		}
		for _, id := range e.DisabledRules {
			note("", "[extend] disabledRules %q: gitleaks rule ids differ from scour's; disable the matching scour rule with `disable:` in .scour.yaml if needed", id)
		}
	}
	for _, f := range []struct{ name, v string }{{"prefilter", cfg.Prefilter}, {"filter", cfg.Filter}} {
		if f.v != "" {
			note("", "%s (CEL expression) is not supported and was left out", f.name)
		}
	}

	if len(cfg.Rules) > 0 {
		note("", "keywords: scour looks for a secret within `window` bytes of one of its rule's keywords, gitleaks anywhere in the file; each rule's window covers its longest match")
	}
	builtin, err := rules.Builtin()
	if err != nil {
		return nil, err
	}
	ids := map[string]string{} // scour id -> gitleaks id
	seeds := map[*rules.Rule]uint64{}
	syntaxOf := map[*rules.Rule]*syntax.Regexp{}
	for _, gr := range cfg.Rules {
		r := convertRule(gr, provider, builtin, ids, note)
		if r == nil {
			res.Dropped++
			continue
		}
		re, _ := syntax.Parse(r.Pattern, syntax.Perl) // compiled by convertRule
		syntaxOf[r] = re
		h := fnv.New64a()
		h.Write([]byte(r.ID))
		seeds[r] = h.Sum64()
		res.Pack.Rules = append(res.Pack.Rules, r)
		res.Config.Allow = append(res.Config.Allow, ruleAllowlists(gr, r.ID, note)...)
	}
	for _, al := range append(nonNil(cfg.Allowlist), cfg.Allowlists...) {
		globalAllowlist(al, ids, &res.Config, note)
	}
	res.Dropped += addExamples(res, builtin, syntaxOf, seeds, ids, note)
	return res, nil
}

func nonNil(a *glAllowlist) []*glAllowlist {
	if a == nil {
		return nil
	}
	return []*glAllowlist{a}
}

// unknownKeys lists top-level and rule keys this importer does not know.
func unknownKeys(data []byte, note func(rule, format string, args ...any)) {
	var raw map[string]any
	if toml.Unmarshal(data, &raw) != nil {
		return
	}
	for k := range raw {
		if !slices.Contains(knownTop, k) {
			note("", "unknown key %q ignored", k)
		}
	}
	rs, _ := raw["rules"].([]any)
	for _, x := range rs {
		m, _ := x.(map[string]any)
		id, _ := m["id"].(string)
		for k := range m {
			if !slices.Contains(knownRule, k) {
				note(id, "unknown key %q ignored", k)
			}
		}
	}
}

// convertRule maps one gitleaks rule, or returns nil (with a note).
func convertRule(gr glRule, provider string, builtin *rules.Set, ids map[string]string, note func(rule, format string, args ...any)) *rules.Rule {
	gid := gr.ID
	if gr.Regex == "" {
		if gr.Path != "" {
			note(gid, "path-only rule (reports files by name) has no scour equivalent; list the path %q in .scour.yaml exclude if it is a secret store, or scan for it separately", gr.Path)
		} else {
			note(gid, "no regex: left out")
		}
		return nil
	}
	id := strings.ToLower(gid)
	id = regexp.MustCompile(`[^a-z0-9._-]+`).ReplaceAllString(id, "-")
	id = strings.TrimLeft(id, "._-")
	if id == "" {
		id = "rule"
	}
	if builtin.Rule(id) != nil || ids[id] != "" {
		id = provider + "." + id
		note(gid, "id clashes with a scour rule: renamed to %q", id)
	}
	for n := 2; ids[id] != ""; n++ {
		id = fmt.Sprintf("%s-%d", strings.TrimRight(id, "0123456789-"), n)
	}
	ids[id] = gid
	pattern, pnote, err := secretPattern(gr.Regex, gr.SecretGroup)
	if err != nil {
		note(gid, "regex not usable in scour (RE2): %v; left out", err)
		return nil
	}
	if pnote != "" {
		note(gid, "%s", pnote)
	}
	off := ""
	r := &rules.Rule{
		ID:           id,
		Description:  cmp.Or(gr.Description, "Imported gitleaks rule "+gid),
		Pattern:      pattern,
		MinEntropy:   gr.Entropy,
		RejectBefore: &off, // gitleaks has no boundary check of its own;
		RejectAfter:  &off, // its regexes carry their own.
		Confidence:   "medium",
		Remediation:  "Rotate the credential where it was issued (rule imported from " + gid + ").",
	}
	for _, k := range gr.Keywords {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if len(k) < 3 {
			// scour's trigram prefilter cannot index it (docs/rules.md).
			note(gid, "keyword %q is shorter than 3 bytes, which scour does not accept: dropped", k)
			continue
		}
		r.Keywords = append(r.Keywords, k)
	}
	if len(r.Keywords) == 0 {
		r.NoKeywordsReason = "imported from gitleaks rule " + gid + ", which has no keywords"
		note(gid, "no keywords: the regex runs over all content, which is slow; add a keyword the secret always sits next to")
	}
	if re, err := syntax.Parse(pattern, syntax.Perl); err == nil {
		if n := maxLen(re); n == unbounded {
			r.WindowSize = 1024
		} else {
			r.WindowSize = min(max(n+16, rules.DefaultWindow), 4096)
		}
	}
	if gr.Path != "" {
		note(gid, "path condition %q: scour rules apply to every path; the rule now runs everywhere", gr.Path)
	}
	if len(gr.Required) > 0 {
		note(gid, "required (composite) rules are not supported: only the primary regex was imported")
	}
	if gr.Validate != "" || gr.Filter != "" {
		note(gid, "validate/filter (CEL) not supported: left out; scour verifies with declarative verify: blocks (docs/revoke.md)")
	}
	if gr.TokenEfficiency {
		note(gid, "tokenEfficiency not supported: left out (scour's placeholder filter and min_entropy apply)")
	}
	if gr.SkipReport {
		note(gid, "skipReport: the rule was a helper for composite rules; imported as a normal rule")
	}
	return r
}

// ruleAllowlists turns a rule's allowlists into allow entries for it.
func ruleAllowlists(gr glRule, id string, note func(rule, format string, args ...any)) []Allow {
	var out []Allow
	for _, al := range append(nonNil(gr.Allowlist), gr.Allowlists...) {
		out = append(out, allowEntries(al, []string{id}, gr.ID, note)...)
	}
	return out
}

// globalAllowlist: paths of a global allowlist that applies to every rule
// become excludes (gitleaks skips those files); the rest allow entries.
func globalAllowlist(al *glAllowlist, ids map[string]string, cfg *Config, note func(rule, format string, args ...any)) {
	var target []string
	for _, t := range al.TargetRules {
		found := false
		for sid, gid := range ids {
			if gid == t {
				target = append(target, sid)
				found = true
			}
		}
		if !found {
			note("", "allowlist targetRules %q: no such imported rule (gitleaks' default rules are not imported); left out", t)
		}
	}
	if len(al.TargetRules) > 0 && len(target) == 0 {
		return
	}
	slices.Sort(target)
	if len(target) == 0 && !strings.EqualFold(al.Condition, "AND") && len(al.Paths) > 0 {
		for _, p := range al.Paths {
			pats, exact, ok := pathPatterns(p)
			if !ok {
				note("", "global allowlist path %q is not a simple path pattern; left out (add an equivalent gitignore-style pattern to exclude:)", p)
				continue
			}
			if !exact {
				note("", "global allowlist path %q converted approximately to %q", p, pats)
			}
			cfg.Exclude = append(cfg.Exclude, pats...)
		}
		al = &glAllowlist{Description: al.Description, Condition: al.Condition, Commits: al.Commits, RegexTarget: al.RegexTarget, Regexes: al.Regexes, StopWords: al.StopWords}
	}
	cfg.Allow = append(cfg.Allow, allowEntries(al, target, "", note)...)
}

// allowEntries converts one allowlist. gitleaks' default condition is OR
// (any criterion allows), scour's entries AND theirs, so an OR allowlist
// becomes one entry per criterion.
func allowEntries(al *glAllowlist, target []string, gid string, note func(rule, format string, args ...any)) []Allow {
	reason := cmp.Or(al.Description, "imported gitleaks allowlist")
	if len(al.Commits) > 0 {
		note(gid, "allowlist commits %q: scour allows by fingerprint (scour ignore) or baseline instead; left out", al.Commits)
	}
	var paths []string
	for _, p := range al.Paths {
		pats, exact, ok := pathPatterns(p)
		if !ok {
			note(gid, "allowlist path %q is not a simple path pattern; left out", p)
			continue
		}
		if !exact {
			note(gid, "allowlist path %q converted approximately to %q", p, pats)
		}
		paths = append(paths, pats...)
	}
	var secretRe, lineRe string
	if len(al.Regexes) > 0 {
		var valid []string
		for _, x := range al.Regexes {
			if _, err := regexp.Compile(x); err != nil {
				note(gid, "allowlist regex %q is not RE2: left out", x)
				continue
			}
			valid = append(valid, "(?:"+x+")")
		}
		joined := strings.Join(valid, "|")
		switch strings.ToLower(al.RegexTarget) {
		case "", "secret":
			secretRe = joined
		case "line":
			lineRe = joined
		case "match":
			lineRe = joined
			if joined != "" {
				note(gid, "allowlist regexTarget \"match\" converted to a line regex (scour has no whole-match target)")
			}
		}
	}
	stop := slices.Clone(al.StopWords)
	if strings.EqualFold(al.Condition, "AND") {
		if len(paths) == 0 && secretRe == "" && lineRe == "" && len(stop) == 0 {
			return nil
		}
		return []Allow{{Rules: target, SecretRegex: secretRe, LineRegex: lineRe, Stopwords: stop, Paths: paths, Reason: reason}}
	}
	var out []Allow
	if len(paths) > 0 {
		out = append(out, Allow{Rules: target, Paths: paths, Reason: reason})
	}
	if secretRe != "" {
		out = append(out, Allow{Rules: target, SecretRegex: secretRe, Reason: reason})
	}
	if lineRe != "" {
		out = append(out, Allow{Rules: target, LineRegex: lineRe, Reason: reason})
	}
	if len(stop) > 0 {
		out = append(out, Allow{Rules: target, Stopwords: stop, Reason: reason})
	}
	return out
}

// addExamples gives each rule two generated examples and two negative
// examples, keeping the first attempt that passes rules.CheckPacks. Rules
// that never pass are removed (and counted): either scour already reports
// the same secrets under a built-in rule, or the regex is too unusual to
// write an example for. It returns how many rules were removed.
func addExamples(res *Result, builtin *rules.Set, syntaxOf map[*rules.Rule]*syntax.Regexp, seeds map[*rules.Rule]uint64, ids map[string]string, note func(rule, format string, args ...any)) (removed int) {
	pending := slices.Clone(res.Pack.Rules)
	last := map[string][]string{}
	for attempt := 0; attempt < exampleAttempts && len(pending) > 0; attempt++ {
		for _, r := range pending {
			r.Examples = nil
			for i := range 2 {
				text := generate(syntaxOf[r], seeds[r]+uint64(i), attempt*2+i)
				if !containsFold(text, r.Keywords) && len(r.Keywords) > 0 {
					text = r.Keywords[0] + " " + text
				}
				r.Examples = append(r.Examples, rules.Example{Text: text})
			}
			kw := "secret"
			if len(r.Keywords) > 0 {
				kw = r.Keywords[0]
			}
			r.NegativeExamples = []string{kw + ` = "${` + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(r.ID)) + `}"`, kw + ": <redacted>"}
		}
		probe, err := clonePack(res.Pack)
		if err != nil {
			break
		}
		problems, err := rules.CheckPacks(probe)
		if err != nil {
			// A rule that does not load at all: find it alone, leave it
			// out, and check the rest again.
			bad := unloadable(res.Pack)
			if len(bad) == 0 {
				note("", "checking the converted pack: %v", err)
				break
			}
			for r, why := range bad {
				note(ids[r.ID], "left out: scour cannot load it (%v)", why)
			}
			res.Pack.Rules = slices.DeleteFunc(res.Pack.Rules, func(r *rules.Rule) bool { return bad[r] != nil })
			pending = slices.DeleteFunc(pending, func(r *rules.Rule) bool { return bad[r] != nil })
			removed += len(bad)
			attempt--
			continue
		}
		bad := map[string][]string{}
		for _, p := range problems {
			bad[p.RuleID] = append(bad[p.RuleID], p.Message)
		}
		var still []*rules.Rule
		for _, r := range pending {
			if msgs := bad[r.ID]; len(msgs) > 0 {
				last[r.ID] = msgs
				still = append(still, r)
			} else {
				// Record the secret each example yields, so the pack says
				// exactly what it expects.
				setSecrets(r, probe)
			}
		}
		pending = still
	}
	if len(pending) == 0 {
		return removed
	}
	drop := map[*rules.Rule]bool{}
	for _, r := range pending {
		drop[r] = true
		why := strings.Join(last[r.ID], "; ")
		if m := claimedBy.FindStringSubmatch(why); m != nil {
			note(ids[r.ID], "left out: its secrets are already reported by scour's built-in rule %q (provider %s)", m[1], m[2])
		} else {
			note(ids[r.ID], "left out: could not write examples that pass scour rules check (%s); add it by hand with examples (regex %s)", why, r.Pattern)
		}
	}
	res.Pack.Rules = slices.DeleteFunc(res.Pack.Rules, func(r *rules.Rule) bool { return drop[r] })
	for i := range res.Config.Allow {
		res.Config.Allow[i].Rules = slices.DeleteFunc(res.Config.Allow[i].Rules, func(id string) bool {
			for r := range drop {
				if r.ID == id {
					return true
				}
			}
			return false
		})
	}
	res.Config.Allow = slices.DeleteFunc(res.Config.Allow, func(a Allow) bool { return a.Rules != nil && len(a.Rules) == 0 })
	return removed + len(pending)
}

// unloadable returns the rules of p that fail to load on their own, with
// the error.
func unloadable(p *rules.Pack) map[*rules.Rule]error {
	bad := map[*rules.Rule]error{}
	for _, r := range p.Rules {
		one, err := clonePack(&rules.Pack{Provider: p.Provider, Source: p.Source, Rules: []*rules.Rule{r}})
		if err == nil {
			_, err = rules.CheckPacks(one)
		}
		if err != nil {
			bad[r] = err
		}
	}
	return bad
}

var claimedBy = regexp.MustCompile(`claimed by rule "([^"]+)" of provider "([^"]+)"`)

func containsFold(text string, kws []string) bool {
	l := strings.ToLower(text)
	for _, k := range kws {
		if strings.Contains(l, strings.ToLower(k)) {
			return true
		}
	}
	return false
}

// setSecrets fills each example's expected secret from the checked copy.
func setSecrets(r *rules.Rule, probe *rules.Pack) {
	for _, q := range probe.Rules {
		if q.ID != r.ID {
			continue
		}
		for i, ex := range r.Examples {
			data := []byte(ex.Text)
			q.Find(data, 0, len(data), func(m rules.Match) { r.Examples[i].Secret = m.Secret }, nil)
		}
	}
}

// clonePack round-trips a pack through YAML: a Set takes over the rules it
// is given, and the result must stay editable.
func clonePack(p *rules.Pack) (*rules.Pack, error) {
	data, err := Marshal(p)
	if err != nil {
		return nil, err
	}
	return rules.ParsePack(p.Source, data)
}

// Marshal writes a pack as YAML.
func Marshal(p *rules.Pack) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// MarshalConfig writes the .scour.yaml part as YAML (empty when nothing
// converted to configuration).
func MarshalConfig(c Config) ([]byte, error) {
	if len(c.Exclude) == 0 && len(c.Allow) == 0 && len(c.Disable) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
