package rules

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// DefaultWindow is Rule.Window when the YAML gives none.
const DefaultWindow = 256

// maxWindow bounds `window` so a user pack cannot make the engine regex
// whole files.
const maxWindow = 1 << 16

// defaultReject is the byte class that may not touch a secret on either side
// unless the rule says otherwise.
const defaultReject = "A-Za-z0-9"

//go:generate go test -tags scour_yaml_catalogue -run ^TestGeneratedCatalogue$ -update .

//go:embed builtin/*.yaml
var builtinFS embed.FS

// Match is a secret one rule found. Offsets are absolute in the data passed
// to Rule.Find.
type Match struct {
	Start, End int               // byte offsets of the secret group
	Secret     string            // the credential
	Context    map[string]string // the rule's other named groups; "checksum": "unverified" after a failed soft checksum
	// Confidence, when set, overrides the rule's for this match: the
	// credential value filter lowers weak values to "low".
	Confidence string
}

// asciiSet is a set of ASCII bytes; bytes >= 0x80 are never in it.
type asciiSet [2]uint64

func (s *asciiSet) has(b byte) bool { return b < 128 && s[b>>6]&(1<<(b&63)) != 0 }

type compiled struct {
	// pattern is the rule's regex and boundary classes. Compiling the
	// catalogue's regexes is most of what building the built-in set costs,
	// and a scan of a few files (a pre-commit hook) runs a handful of them,
	// so a built-in rule compiles its own on first use (its YAML was
	// validated when the catalogue was generated and by the tests); a user
	// rule's is compiled, and checked, when its set is built.
	pattern  func() *pattern
	checksum *checksumAlgo
	window   int
	value    valueFilter // nil: no value filter
	guard    guardFunc   // nil: window bytes either side of a keyword
	// printable: the secret is random printable ASCII (value_filter:
	// printable-key), where template punctuation occurs by chance.
	printable bool
}

// pattern is the regex part of a compiled rule.
type pattern struct {
	re          *regexp.Regexp
	secretGroup int      // submatch index of `secret`
	ctxNames    []string // other named groups, parallel to ctxGroups
	ctxGroups   []int
	keyGroup    int // submatch index of `key`, or -1
	before      asciiSet
	after       asciiSet
	hostGroup   int // submatch index of `host`, or -1
	// run, when not nil, is a test a window must pass for the regex to
	// be worth running (secretrun.go).
	run *secretRun
}

// Set is a validated, compiled rule set.
type Set struct {
	rules []*Rule
	byID  map[string]*Rule
}

// Builtin loads the embedded catalogue (rules/builtin/*.yaml).
func Builtin() (*Set, error) {
	packs, err := builtinPacks()
	if err != nil {
		return nil, err
	}
	return NewSet(packs...)
}

func parseBuiltinPacks() ([]*Pack, error) {
	names, err := fs.Glob(builtinFS, "builtin/*.yaml")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	packs := make([]*Pack, 0, len(names))
	var errs []error
	for _, name := range names {
		data, err := builtinFS.ReadFile(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p, err := ParsePack(path.Join("rules", name), data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		packs = append(packs, p)
	}
	return packs, errors.Join(errs...)
}

// LoadFile reads one user rule pack; errors name the file, rule id and problem.
// The pack is only parsed here; NewSet validates it.
func LoadFile(name string) (*Pack, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return ParsePack(name, data)
}

// ParsePack decodes one YAML rule pack strictly (unknown keys are errors).
// source names the pack in errors.
func ParsePack(source string, data []byte) (p *Pack, err error) {
	// The YAML decoder is third-party code fed untrusted input: turn any
	// panic into an error rather than crash a scan.
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%s: invalid YAML: %v", source, r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var pack Pack
	if err := dec.Decode(&pack); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty rule pack", source)
		}
		return nil, decodeError(source, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: more than one YAML document", source)
	}
	pack.Source = source
	for _, r := range pack.Rules {
		if r != nil {
			r.Provider = pack.Provider
			r.source = source
		}
	}
	return &pack, nil
}

// decodeError prefixes each line of a YAML error with the file and, when
// the line falls inside a rule, that rule's id.
func decodeError(source string, data []byte, err error) error {
	msgs := []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	spans := ruleSpans(data)
	errs := make([]error, 0, len(msgs))
	for _, msg := range msgs {
		msg = typeNames.Replace(msg)
		line := 0
		fmt.Sscanf(msg, "line %d:", &line)
		id := ""
		for _, s := range spans {
			if line >= s.first && line <= s.last {
				id = s.id
			}
		}
		if id != "" {
			errs = append(errs, fmt.Errorf("%s: rule %q: %s", source, id, msg))
		} else {
			errs = append(errs, fmt.Errorf("%s: %s", source, msg))
		}
	}
	return errors.Join(errs...)
}

// typeNames turns the decoder's Go type names into the YAML's vocabulary.
var typeNames = strings.NewReplacer(
	"not found in type rules.Rule", "is not a rule field",
	"not found in type rules.Pack", "is not a pack field (want provider, rules)",
	"not found in type rules.", "is not a known field in ",
	"into rules.", "into ",
)

type ruleSpan struct {
	id          string
	first, last int
}

// ruleSpans finds the line range and id of each rule in a pack, leniently,
// to attribute decode errors.
func ruleSpans(data []byte) []ruleSpan {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil
	}
	var spans []ruleSpan
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "rules" || root.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		items := root.Content[i+1].Content
		end := 1 << 30 // the last rule ends where the next top-level key starts
		if i+2 < len(root.Content) && root.Content[i+2].Line > 0 {
			end = root.Content[i+2].Line - 1
		}
		for j, it := range items {
			s := ruleSpan{first: it.Line, last: end}
			if j+1 < len(items) {
				s.last = items[j+1].Line - 1
			}
			if it.Kind == yaml.MappingNode {
				for k := 0; k+1 < len(it.Content); k += 2 {
					if it.Content[k].Value == "id" {
						s.id = it.Content[k+1].Value
					}
				}
			}
			spans = append(spans, s)
		}
	}
	return spans
}

// UnmarshalYAML accepts an example as a plain string or as {text, secret}.
func (e *Example) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*e = Example{Text: n.Value}
		return nil
	case yaml.MappingNode:
		*e = Example{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: example %s must be a string", v.Line, k.Value)
			}
			switch k.Value {
			case "text":
				e.Text = v.Value
			case "secret":
				e.Secret = v.Value
			case "path":
				e.Path = v.Value
			default:
				return fmt.Errorf("line %d: example: unknown key %q (want text, secret, path)", k.Line, k.Value)
			}
		}
		return nil
	}
	return fmt.Errorf("line %d: example must be a string or {text, secret}", n.Line)
}

var ruleIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// NewSet validates and compiles packs into a set (ids unique across packs).
// It reports every problem it finds, each naming file, rule id and problem.
// The set takes over the packs' rules: it fills in defaults (confidence
// "medium") and attaches the compiled matcher, so a pack must not be given
// to two NewSet calls at once.
func NewSet(packs ...*Pack) (*Set, error) {
	if _, err := publishedSamples(); err != nil {
		return nil, err
	}
	s := &Set{byID: map[string]*Rule{}}
	seen := map[string]string{} // id -> source
	var errs []error
	for _, p := range packs {
		if p == nil {
			continue
		}
		src := p.Source
		if src == "" {
			src = "<pack>"
		}
		if p.Provider == "" {
			errs = append(errs, fmt.Errorf("%s: provider: missing", src))
		}
		if len(p.Rules) == 0 {
			errs = append(errs, fmt.Errorf("%s: rules: none", src))
		}
		for i, r := range p.Rules {
			if r == nil {
				errs = append(errs, fmt.Errorf("%s: rule #%d: empty", src, i+1))
				continue
			}
			r.Provider = p.Provider
			r.source = src
			bad := func(format string, args ...any) {
				errs = append(errs, fmt.Errorf("%s: rule %q: %s", src, r.ID, fmt.Sprintf(format, args...)))
			}
			switch {
			case r.ID == "":
				errs = append(errs, fmt.Errorf("%s: rule #%d: id: missing", src, i+1))
			case !ruleIDPattern.MatchString(r.ID):
				bad("id: want lower-case letters, digits, '.', '_' or '-'")
			case seen[r.ID] != "":
				bad("id: already used in %s", seen[r.ID])
			default:
				seen[r.ID] = src
			}
			c, problems := compileChecked(r)
			for _, pr := range problems {
				bad("%s", pr)
			}
			if c == nil || len(problems) > 0 {
				continue
			}
			r.compiled = c
			if r.Confidence == "" {
				r.Confidence = "medium"
			}
			s.rules = append(s.rules, r)
			s.byID[r.ID] = r
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// compileAndValidate checks one rule's fields and its verify/revoke blocks
// (action.go; one message per problem) and builds its matcher.
func compileAndValidate(r *Rule) (*compiled, []string) {
	c, problems := compile(r)
	if len(problems) == 0 {
		if err := r.ValidateActions(); err != nil {
			problems = append(problems, strings.Split(err.Error(), "\n")...)
		}
	}
	return c, problems
}

// compile checks one rule's fields and builds its matcher.
func compile(r *Rule) (*compiled, []string) { return compileRule(r, false) }

// compileRule is compile; lazy leaves the regex and boundary classes to be
// compiled on first use, unchecked (for the validated built-in catalogue).
func compileRule(r *Rule, lazy bool) (*compiled, []string) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(r.Description) == "" {
		add("description: missing")
	}
	if len(r.Keywords) == 0 && strings.TrimSpace(r.NoKeywordsReason) == "" {
		add("keywords: none (give no_keywords_reason if the rule really has no literal)")
	}
	for _, k := range r.Keywords {
		switch {
		case strings.TrimSpace(k) == "":
			add("keywords: empty keyword")
		case len(k) < 3:
			// The engine's trigram prefilter cannot index a 1-2 byte keyword;
			// one such keyword would make it run the automaton over every byte.
			add("keywords: %q is shorter than 3 bytes (use a longer literal, e.g. with the character before it)", k)
		}
	}
	switch r.Confidence {
	case "", "high", "medium", "low":
	default:
		add("confidence: %q is not high, medium or low", r.Confidence)
	}
	if r.MinEntropy < 0 || r.MinEntropy > 8 {
		add("min_entropy: %v is outside 0..8 bits per byte", r.MinEntropy)
	}
	c := &compiled{window: DefaultWindow}
	if r.WindowSize != 0 {
		if r.WindowSize < 1 || r.WindowSize > maxWindow {
			add("window: %d is outside 1..%d", r.WindowSize, maxWindow)
		}
		c.window = r.WindowSize
	}
	if r.ValueFilter != "" {
		f, ok := valueFilters[r.ValueFilter]
		if !ok {
			add("value_filter: unknown filter %q (known: %s)", r.ValueFilter, strings.Join(valueFilterNames(), ", "))
		}
		c.value = f
		c.printable = r.ValueFilter == "printable-key"
	}
	if r.Guard != "" {
		g, ok := guards[r.Guard]
		if !ok {
			add("guard: unknown guard %q (known: %s)", r.Guard, strings.Join(guardNames(), ", "))
		}
		c.guard = g
	}
	for _, p := range r.Paths {
		if _, err := path.Match(p, ""); err != nil || p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
			add("paths: bad pattern %q (want a glob such as .pgpass, *.ppk or config/master.key)", p)
		}
	}
	if r.Checksum != "" {
		algo, ok := checksums[r.Checksum]
		if !ok {
			add("checksum: unknown algorithm %q (known: %s)", r.Checksum, strings.Join(checksumNames(), ", "))
		}
		c.checksum = algo
	}
	if strings.TrimSpace(r.Pattern) == "" {
		add("pattern: missing")
		return nil, problems
	}
	if lazy {
		rc := *r
		c.pattern = sync.OnceValue(func() *pattern {
			p, _ := compilePattern(&rc)
			return p // nil, so that the rule finds nothing, if it was invalid after all
		})
		return c, problems
	}
	p, pproblems := compilePattern(r)
	problems = append(problems, pproblems...)
	if p == nil {
		return nil, problems
	}
	c.pattern = func() *pattern { return p }
	return c, problems
}

// compilePattern compiles a rule's regex and boundary classes and checks
// its groups. It returns nil when the regex does not compile.
func compilePattern(r *Rule) (*pattern, []string) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	p := &pattern{}
	var err error
	if p.before, err = byteClass(r.RejectBefore); err != nil {
		add("reject_before: %v", err)
	}
	if p.after, err = byteClass(r.RejectAfter); err != nil {
		add("reject_after: %v", err)
	}
	re, err := regexp.Compile(r.Pattern)
	if err != nil {
		add("pattern: %v", err)
		return nil, problems
	}
	p.re = re
	if parsed, err := syntax.Parse(r.Pattern, syntax.Perl); err == nil {
		p.run = secretRunOf(parsed, p.before, p.after)
	}
	p.secretGroup, p.keyGroup, p.hostGroup = -1, -1, -1
	for i, name := range re.SubexpNames() {
		switch name {
		case "key":
			p.keyGroup = i
		case "host":
			p.hostGroup = i
		}
		switch {
		case name == "secret" && p.secretGroup >= 0:
			add("pattern: more than one (?P<secret>...) group")
		case name == "secret":
			p.secretGroup = i
		case name != "":
			p.ctxNames = append(p.ctxNames, name)
			p.ctxGroups = append(p.ctxGroups, i)
		}
	}
	if p.secretGroup < 0 {
		add("pattern: missing (?P<secret>...) group")
	}
	if re.Match(nil) {
		add("pattern: matches the empty string")
	}
	return p, problems
}

// byteClass compiles a reject_before/reject_after value.
func byteClass(class *string) (asciiSet, error) {
	var set asciiSet
	spec := defaultReject
	if class != nil {
		spec = *class
	}
	if spec == "" {
		return set, nil
	}
	re, err := regexp.Compile("^[" + spec + "]$")
	if err != nil {
		return set, fmt.Errorf("bad character class %q: %v", spec, err)
	}
	for b := 0; b < 128; b++ {
		if re.Match([]byte{byte(b)}) {
			set[b>>6] |= 1 << (b & 63)
		}
	}
	return set, nil
}

// Window is how many bytes on each side of a keyword hit the rule's regex
// must see to find any match that keyword belongs to (YAML `window`,
// default 256).
func (r *Rule) Window() int {
	if r.compiled != nil {
		return r.compiled.window
	}
	if r.WindowSize > 0 {
		return r.WindowSize
	}
	return DefaultWindow
}

// AppliesTo reports whether the rule runs on an item at path p (slash- or
// OS-separated); a rule without Paths runs everywhere.
func (r *Rule) AppliesTo(p string) bool {
	if len(r.Paths) == 0 {
		return true
	}
	p = strings.ReplaceAll(p, "\\", "/")
	for _, pat := range r.Paths {
		n := strings.Count(pat, "/") + 1
		tail := p
		for i, k := len(p), 0; i > 0; i-- {
			if p[i-1] == '/' {
				if k++; k == n {
					tail = p[i:]
					break
				}
			}
		}
		if ok, _ := path.Match(pat, tail); ok {
			return true
		}
	}
	return false
}

// Source is the file the rule came from.
func (r *Rule) Source() string { return r.source }

// Rules returns the set's rules in a stable order (pack order, then file
// order).
func (s *Set) Rules() []*Rule { return s.rules }

// Rule returns the rule with the given id, or nil.
func (s *Set) Rule(id string) *Rule { return s.byID[id] }

// Find runs the rule's regex over data[lo:hi] (the window around a keyword
// hit) and calls fn for each candidate that passes the boundary, checksum,
// entropy and placeholder filters. Bytes just outside the window may be read
// for boundary checks. dropped, if non-nil, is told about candidates a filter
// rejected (for --verbose). Find on a rule that is not part of a Set finds
// nothing.
func (r *Rule) Find(data []byte, lo, hi int, fn func(Match), dropped func(secret, why string)) {
	c := r.compiled
	if c == nil {
		return
	}
	lo = max(lo, 0)
	hi = min(hi, len(data))
	if lo >= hi {
		return
	}
	pat := c.pattern()
	if pat == nil || pat.secretGroup < 0 {
		return
	}
	if pat.run != nil && !pat.run.possible(data, lo, hi) {
		return // no run of bytes here could be a secret the rule reports
	}
	samples, _ := publishedSamples() // NewSet checked the error
	// Nil (no allocation) when nothing matches, the common case.
	for _, m := range pat.re.FindAllSubmatchIndex(data[lo:hi], -1) {
		s, e := m[2*pat.secretGroup], m[2*pat.secretGroup+1]
		if s < 0 || s == e {
			continue
		}
		s, e = s+lo, e+lo
		if s > 0 && pat.before.has(data[s-1]) {
			continue
		}
		if e < len(data) && pat.after.has(data[e]) {
			continue
		}
		secret := data[s:e]
		// Checksum first: a token that passes a hard checksum was made by
		// the vendor's algorithm, so only the word-based placeholder test
		// applies to it, not the statistical ones (runs, few distinct
		// characters), which a valid all-zero-random fixture would trip.
		checked, soft := false, false
		if c.checksum != nil {
			switch {
			case c.checksum.valid(secret):
				checked = !c.checksum.soft
			case c.checksum.soft:
				soft = true
			default:
				if dropped != nil {
					dropped(string(secret), "checksum "+r.Checksum+" failed")
				}
				continue
			}
		}
		// A published sample is named as such (before the placeholder
		// test, which catches some of them under a vaguer reason).
		if src, ok := samples[string(secret)]; ok {
			if dropped != nil {
				dropped(string(secret), "published sample credential ("+src+")")
			}
			continue
		}
		if why := placeholder(secret, !checked, c.printable); why != "" {
			if dropped != nil {
				dropped(string(secret), why)
			}
			continue
		}
		if r.RequireDigit && !hasDigit(secret) {
			if dropped != nil {
				dropped(string(secret), "no digit")
			}
			continue
		}
		if r.MinEntropy > 0 {
			if h := entropy(secret); h < r.MinEntropy {
				if dropped != nil {
					dropped(string(secret), fmt.Sprintf("entropy %.2f below %.2f", h, r.MinEntropy))
				}
				continue
			}
		}
		conf := ""
		if c.value != nil {
			in := valueInput{secret: secret}
			if g := pat.keyGroup; g >= 0 && m[2*g] >= 0 {
				in.key = data[m[2*g]+lo : m[2*g+1]+lo]
			}
			if g := pat.hostGroup; g >= 0 && m[2*g] >= 0 {
				in.host = data[m[2*g]+lo : m[2*g+1]+lo]
			}
			var why string
			if conf, why = c.value(in); why != "" {
				if dropped != nil {
					dropped(string(secret), why)
				}
				continue
			}
		}
		match := Match{Start: s, End: e, Secret: string(secret), Confidence: conf}
		if len(pat.ctxGroups) > 0 || soft {
			match.Context = make(map[string]string, len(pat.ctxGroups)+1)
			for i, g := range pat.ctxGroups {
				if gs, ge := m[2*g], m[2*g+1]; gs >= 0 {
					match.Context[pat.ctxNames[i]] = string(data[gs+lo : ge+lo])
				}
			}
			if soft {
				match.Context["checksum"] = "unverified"
			}
		}
		fn(match)
	}
}
