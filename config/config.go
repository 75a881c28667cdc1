// Package config loads scour's repository configuration, `.scour.yaml`.
//
// The file is decoded strictly: an unknown key is an error that names the
// file, line and key, so a typo never silently disables a setting. Every
// other validation error names the file, the key (e.g.
// `allow[1].secret_regex`) and its line too. Checks that need the rule
// catalogue (are the ids in `disable:` and `allow[].rules` real?) run in
// CheckRules, once the rule packs are loaded. See docs/config.md.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"go.yaml.in/yaml/v3"
)

// FileName is the config file scour looks for at the root of a scan.
const FileName = ".scour.yaml"

// EnvVar names the environment variable that, when --config is not given,
// points at the config file to use.
const EnvVar = "SCOUR_CONFIG"

// Config is the content of a .scour.yaml file.
type Config struct {
	// Exclude lists gitignore-style patterns of paths (relative to the scan
	// root) that are not scanned, in the same syntax as `scan --exclude`.
	Exclude []string `yaml:"exclude"`
	// Rules lists extra rule pack files. Relative paths are resolved against
	// the directory holding the config file (see Load).
	Rules []string `yaml:"rules"`
	// Disable lists rule ids that do not run at all.
	Disable []string `yaml:"disable"`
	// Allow lists allowlist entries: matches they describe are not reported.
	Allow []Allow `yaml:"allow"`
	// Providers holds per-provider settings, keyed by provider name as in
	// `scour rules list` (github, gitlab, yunxiao, ...).
	Providers map[string]ProviderConfig `yaml:"providers"`
	// Format is the default output format of `scan` (a --format flag wins).
	Format string `yaml:"format"`
	// Analyze configures `--analyze` (docs/analyze.md).
	Analyze AnalyzeConfig `yaml:"analyze"`
	// MinConfidence is the lowest confidence reported: low, medium or high
	// (a --min-confidence flag wins; default medium, docs/config.md).
	MinConfidence string `yaml:"min_confidence"`
	// MemoryBudget bounds a history scan's memory, as --memory-budget
	// ("512MiB", "2GB"); the flag wins. Only a config the user chose
	// (--config, $SCOUR_CONFIG) sets it: a small budget skips big blobs,
	// which a scanned repository must not choose for itself.
	MemoryBudget string `yaml:"memory_budget"`

	// Path is the file this config was read from ("" when none was found).
	Path string `yaml:"-"`
	// Trusted is true when the user chose the file (--config or
	// $SCOUR_CONFIG). A .scour.yaml found in the scanned tree or the
	// current directory is not: it is content of the thing being scanned
	// (see trust.go).
	Trusted bool `yaml:"-"`
	// NoRepoConfig is set by Resolve under Options.NoRepoConfig: the
	// scanned tree's own files (.scour.yaml, and for package suppress its
	// .scourignore) are not read.
	NoRepoConfig bool `yaml:"-"`
	// root is the directory an untrusted config's rule packs must stay in.
	root string
	// read reads an untrusted config's rule packs (by local name) from
	// the tree it came from: root on disk, or a git revision.
	read func(name string, limit int64) ([]byte, error)
	// packNames are an untrusted config's rule packs as written (relative
	// to root); Rules holds them joined to root, for messages.
	packNames []string
	// stripped are RulePacks' notices of verify/revoke blocks dropped.
	stripped []string
	// lines maps a key path ("allow[0].paths[2]") to its line in the file.
	lines map[string]int
}

// Allow is one allowlist entry. It applies to the findings of Rules (all
// rules when empty or "*"), and suppresses a match only when every
// criterion it gives holds: a narrower entry never hides more than the
// broader one. Use two entries for "either".
type Allow struct {
	// Rules are rule ids, or "*" for every rule.
	Rules []string `yaml:"rules"`
	// SecretRegex (RE2) must match somewhere in the secret.
	SecretRegex string `yaml:"secret_regex"`
	// LineRegex (RE2) must match somewhere in the line(s) the secret is on.
	LineRegex string `yaml:"line_regex"`
	// Stopwords: the secret must contain one of them (case-insensitive).
	Stopwords []string `yaml:"stopwords"`
	// Paths are gitignore-style patterns; the location's path must match
	// one. Other locations of the same secret are still reported.
	Paths []string `yaml:"paths"`
	// Reason says why these matches are safe; shown with --verbose.
	Reason string `yaml:"reason"`
}

// AllRules reports whether the entry applies to every rule.
func (a Allow) AllRules() bool {
	return len(a.Rules) == 0 || slices.Contains(a.Rules, "*")
}

// ProviderConfig is the `providers.<name>` section.
type ProviderConfig struct {
	// BaseURL is the provider's API base URL for verify and revoke (a
	// self-managed GitLab, a Yunxiao Enterprise Dedicated domain, a Vault).
	// SCOUR_<PROVIDER>_BASE_URL in the environment overrides it.
	BaseURL string `yaml:"base_url"`
}

// BaseURLs returns the configured base URL of every provider that has one,
// in the shape provider.Options.BaseURLs takes. An untrusted config gives
// none: a scanned repository never chooses where secrets are sent.
func (c *Config) BaseURLs() map[string]string {
	m := map[string]string{}
	if !c.Trusted {
		return m
	}
	for name, p := range c.Providers {
		if p.BaseURL != "" {
			m[name] = p.BaseURL
		}
	}
	return m
}

// LoadFile reads and validates the config file at path, a file the user
// chose (--config, $SCOUR_CONFIG): the result is Trusted. Rule pack paths
// are made relative to the config file's directory. A scanned tree's own
// .scour.yaml is read with LoadRepo instead; Resolve picks.
func LoadFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.Path = path
	cfg.Trusted = true
	dir := filepath.Dir(path)
	for i, r := range cfg.Rules {
		if !filepath.IsAbs(r) {
			cfg.Rules[i] = filepath.Join(dir, r)
		}
	}
	return cfg, nil
}

// Parse decodes and validates config bytes. An empty document is an empty
// config.
func Parse(data []byte) (*Config, error) {
	// The bytes as a node tree give each key's line for messages.
	lines := map[string]int{}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil {
		indexLines(&root, "", lines)
	}
	cfg := Config{lines: lines}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, describe(err, lines)
	}
	// A second document would be silently ignored: refuse it.
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// indexLines records the line of every key and sequence item under n.
func indexLines(n *yaml.Node, path string, lines map[string]int) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			indexLines(c, path, lines)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			lines[p] = k.Line
			indexLines(v, p, lines)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			lines[p] = c.Line
			indexLines(c, p, lines)
		}
	}
}

// errorf makes an error about key, prefixed with its line when known.
func (c *Config) errorf(key, format string, args ...any) error {
	msg := key + ": " + fmt.Sprintf(format, args...)
	if l := c.lines[key]; l > 0 {
		msg = fmt.Sprintf("line %d: %s", l, msg)
	}
	return errors.New(msg)
}

// providerName is how rule packs spell providers.
var providerName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func (c *Config) validate() error {
	var errs []error
	bad := func(key, format string, args ...any) { errs = append(errs, c.errorf(key, format, args...)) }
	if c.Analyze.MaxAge != "" {
		if _, err := ParseAge(c.Analyze.MaxAge); err != nil {
			bad("analyze.max_age", "%q: %v", c.Analyze.MaxAge, err)
		}
	}
	for i, p := range c.Exclude {
		key := fmt.Sprintf("exclude[%d]", i)
		if err := checkPattern(p); err != nil {
			bad(key, "%v", err)
		}
	}
	if c.MemoryBudget != "" {
		if _, err := ParseMemoryBudget(c.MemoryBudget); err != nil {
			bad("memory_budget", "%q: %v", c.MemoryBudget, err)
		}
	}
	switch c.MinConfidence {
	case "", "low", "medium", "high":
	default:
		bad("min_confidence", "%q: want low, medium or high", c.MinConfidence)
	}
	for i, r := range c.Rules {
		if strings.TrimSpace(r) == "" {
			bad(fmt.Sprintf("rules[%d]", i), "empty path")
		}
	}
	for i, id := range c.Disable {
		if strings.TrimSpace(id) == "" {
			bad(fmt.Sprintf("disable[%d]", i), "empty rule id")
		}
	}
	for i, a := range c.Allow {
		key := fmt.Sprintf("allow[%d]", i)
		if a.SecretRegex == "" && a.LineRegex == "" && len(a.Stopwords) == 0 && len(a.Paths) == 0 {
			bad(key, "needs at least one of secret_regex, line_regex, stopwords, paths (to turn a rule off, list it under disable)")
		}
		for j, id := range a.Rules {
			if strings.TrimSpace(id) == "" {
				bad(fmt.Sprintf("%s.rules[%d]", key, j), "empty rule id")
			}
		}
		for _, re := range []struct{ name, expr string }{{"secret_regex", a.SecretRegex}, {"line_regex", a.LineRegex}} {
			if re.expr == "" {
				continue
			}
			if _, err := regexp.Compile(re.expr); err != nil {
				bad(key+"."+re.name, "bad regular expression %q: %v", re.expr, regexpReason(err))
			}
		}
		for j, w := range a.Stopwords {
			if strings.TrimSpace(w) == "" {
				bad(fmt.Sprintf("%s.stopwords[%d]", key, j), "empty stopword")
			}
		}
		for j, p := range a.Paths {
			if err := checkPattern(p); err != nil {
				bad(fmt.Sprintf("%s.paths[%d]", key, j), "%v", err)
			}
		}
		// Git history content is matched before its paths are known (a blob
		// may sit at many paths), so "this line, but only in these paths"
		// cannot be decided consistently.
		if a.LineRegex != "" && len(a.Paths) > 0 {
			bad(key, "line_regex and paths cannot be combined in one entry")
		}
	}
	names := make([]string, 0, len(c.Providers))
	for name := range c.Providers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		key := "providers." + name
		if !providerName.MatchString(name) {
			bad(key, "provider names are lower-case letters, digits, '-' and '_' (as in `scour rules list`)")
			continue
		}
		if u := c.Providers[name].BaseURL; u != "" {
			if err := checkBaseURL(u); err != nil {
				bad(key+".base_url", "%v", err)
			}
		}
	}
	return errors.Join(errs...)
}

// checkPattern accepts what source.Dir accepts as an exclude pattern.
func checkPattern(p string) error {
	body := strings.TrimPrefix(p, "!")
	if strings.TrimSpace(body) == "" {
		return errors.New("empty pattern")
	}
	for _, seg := range strings.Split(body, "/") {
		if _, err := filepath.Match(seg, ""); err != nil {
			return fmt.Errorf("bad pattern %q: %v", p, err)
		}
	}
	return nil
}

// checkBaseURL wants an absolute http(s) URL without credentials, query or
// fragment: a token is sent there.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("bad URL %q: %v", s, err)
	}
	// The message must not repeat a password the URL holds.
	shown := s
	if u.User != nil {
		shown = u.Redacted()
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("URL %q: want https://host[/path]", shown)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return fmt.Errorf("URL %q: tokens are only sent over https (plain http only to localhost)", shown)
	case u.Host == "":
		return fmt.Errorf("URL %q: no host", shown)
	case u.User != nil:
		return fmt.Errorf("URL %q: must not hold credentials", shown)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("URL %q: must not have a query or fragment", shown)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// regexpReason drops Go's "error parsing regexp:" preamble.
func regexpReason(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: %q", se.Code, se.Expr)
	}
	return err.Error()
}

// keyPath finds the full path of key name on line (as a string), or
// returns name.
func keyPath(lines map[string]int, line, name string) string {
	n, _ := strconv.Atoi(line)
	best := ""
	for p, l := range lines {
		if l == n && (p == name || strings.HasSuffix(p, "."+name)) && (best == "" || p < best) {
			best = p
		}
	}
	if best == "" {
		return name
	}
	return best
}

// CheckRules checks the rule ids the config names (disable, allow[].rules)
// against the loaded rule set: an unknown id is an error naming file, line
// and key, since a misspelt id would silently do nothing.
func (c *Config) CheckRules(known func(id string) bool) error {
	var errs []error
	for i, id := range c.Disable {
		if !known(id) {
			errs = append(errs, c.errorf(fmt.Sprintf("disable[%d]", i), "unknown rule id %q (see `scour rules list`)", id))
		}
	}
	for i, a := range c.Allow {
		for j, id := range a.Rules {
			if id != "*" && !known(id) {
				errs = append(errs, c.errorf(fmt.Sprintf("allow[%d].rules[%d]", i, j), "unknown rule id %q (see `scour rules list`)", id))
			}
		}
	}
	return c.wrap(errors.Join(errs...))
}

// CheckProviders checks the names under providers: against the providers
// of the loaded rules: a misspelt name would leave the base URL unused.
func (c *Config) CheckProviders(known func(name string) bool) error {
	names := make([]string, 0, len(c.Providers))
	for name := range c.Providers {
		names = append(names, name)
	}
	slices.Sort(names)
	var errs []error
	for _, name := range names {
		if !known(name) {
			errs = append(errs, c.errorf("providers."+name, "unknown provider %q (see the provider column of `scour rules list`)", name))
		}
	}
	return c.wrap(errors.Join(errs...))
}

// CheckFormat checks `format:` against the formats the caller supports.
func (c *Config) CheckFormat(formats []string) error {
	if c.Format == "" || slices.Contains(formats, c.Format) {
		return nil
	}
	return c.wrap(c.errorf("format", "unknown format %q (want one of %s)", c.Format, strings.Join(formats, ", ")))
}

// wrap prefixes err with the file name, as Load does.
func (c *Config) wrap(err error) error {
	if err == nil {
		return nil
	}
	if c.Path == "" {
		return fmt.Errorf("config: %w", err)
	}
	return fmt.Errorf("config %s: %w", c.Path, err)
}

// unknownField matches yaml.v3's wording for a key the struct lacks.
var unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)

// lineMessage matches yaml.v3's other per-line decode errors
// ("line 3: cannot unmarshal !!str `x` into []string").
var lineMessage = regexp.MustCompile(`^line (\d+): (.*)$`)

// keyOnLine returns the shortest key path on line (as a string), or "".
func keyOnLine(lines map[string]int, line string) string {
	n, _ := strconv.Atoi(line)
	best := ""
	for p, l := range lines {
		if l == n && (best == "" || len(p) < len(best) || (len(p) == len(best) && p < best)) {
			best = p
		}
	}
	return best
}

// describe turns yaml.v3's decode errors into messages about keys, naming
// an unknown key by its full path (allow[0].secret_rgex) when lines has it.
func describe(err error, lines map[string]int) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		if m := unknownField.FindStringSubmatch(e); m != nil {
			e = fmt.Sprintf("line %s: unknown key %q", m[1], keyPath(lines, m[1], m[2]))
		} else if m := lineMessage.FindStringSubmatch(e); m != nil {
			if k := keyOnLine(lines, m[1]); k != "" {
				e = fmt.Sprintf("line %s: %s: %s", m[1], k, m[2])
			}
		}
		msgs = append(msgs, e)
	}
	return errors.New(strings.Join(msgs, "; "))
}

// AnalyzeConfig is the `analyze:` section.
type AnalyzeConfig struct {
	// MaxAge flags analysed tokens created longer ago ("90d", "2160h");
	// --max-age wins.
	MaxAge string `yaml:"max_age"`
}

// MaxAge is analyze.max_age of a config the user chose (0 otherwise, and
// when unset): a scanned tree's own .scour.yaml does not decide how
// strictly its leaked tokens are judged.
func (c *Config) MaxAge() time.Duration {
	if c == nil || !c.Trusted || c.Analyze.MaxAge == "" {
		return 0
	}
	d, _ := ParseAge(c.Analyze.MaxAge)
	return d
}

// ParseAge reads an age: a number of days ("90d") or a Go duration
// ("2160h"); "0" turns the check off.
func ParseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := errors.New("want a number of days such as 90d, or a duration such as 2160h")
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 100000 {
			return 0, bad
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, bad
	}
	return d, nil
}

// MinMemoryBudget is the smallest memory budget accepted.
const MinMemoryBudget = 64 << 20

// ParseMemoryBudget reads a memory budget ("768MiB", "2GB").
func ParseMemoryBudget(s string) (int64, error) {
	v, err := humanize.ParseBytes(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("want a size like 512MiB or 2GB")
	case v < MinMemoryBudget:
		return 0, fmt.Errorf("below the minimum of 64MiB")
	case v > 1<<50:
		return 0, fmt.Errorf("too large")
	}
	return int64(v), nil
}
