package scanner

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/coregx/ahocorasick"

	"github.com/scour-dev/scour/internal/argon2id"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/source"
)

// Options configures a Scanner.
type Options struct {
	Rules *rules.Set
	// Debugf receives --verbose diagnostics: candidates a filter dropped
	// (checksum, entropy, placeholder; the secret shortened to 4 characters)
	// and matches suppressed by an inline scour:ignore / gitleaks:allow.
	// May be nil. Calls are serialised by the Scanner.
	Debugf func(format string, args ...any)
	// Allow, when set, is asked about each match that survived the rule's
	// filters and inline comments, with the text of the line(s) the match
	// spans (as far as the chunk holds them); true drops the match. It is
	// how the config's line allowlists (`allow: line_regex`, package
	// suppress) see lines, which findings do not carry. It is called from
	// the source's goroutines, so it must be safe for concurrent use.
	Allow func(ruleID, secret string, line []byte) bool
	// NoDeltaMatching scans every item in full, ignoring Item.Delta
	// (benchmarks and the equivalence tests compare the two).
	NoDeltaMatching bool
	// MinConfidence drops findings below it: "low" (or "") reports all,
	// "medium" drops low-confidence generic values, "high" keeps only
	// formats (prefixes, checksums). Rules below it do not run at all.
	MinConfidence string
	// NoDecode turns off matching inside encoded text (base64, URL and
	// string escapes, concatenated literals).
	NoDecode bool
	// Fingerprints, when set, is where the scanner keeps the slow
	// (argon2id) fingerprints of low-entropy secrets, shared with other
	// scanners: a sweep meets the same password in many repositories, and
	// each scan of one builds its own Scanner. nil: a cache of its own.
	Fingerprints *FingerprintCache
	// noGeneric leaves the generic layer out (benchmarks measure its cost).
	noGeneric bool
}

// DefaultMinConfidence is what a CI check fails on unless told otherwise:
// every format and every random-looking generic value, and weak passwords
// in configuration files; weak-looking values in code, tests and docs
// (low) need --min-confidence low. docs/accuracy.md has the measurements
// behind the choice (same recall on leaky-repo, 38 of 40 GOROOT findings
// gone).
const DefaultMinConfidence = "medium"

// Confidences are the confidence levels, lowest first.
var Confidences = []string{"low", "medium", "high"}

// ValidConfidence reports whether c is a confidence level.
func ValidConfidence(c string) bool { return slices.Contains(Confidences, c) }

// defaultChunkSize bounds the memory one streamed item takes (twice this:
// the read buffer and its lower-cased copy).
const defaultChunkSize = 4 << 20

// boundarySlack covers the bytes Rule.Find may read just outside its window
// for boundary checks.
const boundarySlack = 16

// finder is what the engine needs from a rule; *rules.Rule implements it.
// Tests substitute small fakes so the engine is tested on its own.
type finder interface {
	Find(data []byte, lo, hi int, fn func(rules.Match), dropped func(secret, why string))
	Window() int
}

// entry is one rule as the engine sees it.
type entry struct {
	id, provider, description string
	// rank orders rules of one provider that match the same secret at the
	// same place: the highest-ranked one reports it (dedupeHits).
	rank   int
	find   finder
	window int
	// needs, when set, are the necessary conditions for find to match in
	// a window (need.go), read off the pattern on the rule's first window:
	// a pre-commit run touches few rules, and parsing every pattern up
	// front cost it about a third of its time. Fakes in tests leave it nil.
	needs *ruleNeeds
	// confidence is the rule's ("high", "medium", "low"); "" in fakes.
	confidence string
	// generic findings yield to any other provider's that overlaps them.
	generic bool
	// applies, when set, says whether the rule runs on an item's path.
	applies func(path string) bool
	// guard, when set, gives the window around a keyword hit (or rules
	// the hit out) instead of window bytes either side.
	guard func(data []byte, kwStart, kwEnd int) (lo, hi int, ok bool)
	// assignForm is the guard's form when it is of the assignment family
	// (rules.AssignmentForm), else -1: the engine reads each keyword hit
	// once for all of them.
	assignForm int
	// dec, when set, makes this entry a decoder: its keyword hits mark
	// encoded text to decode and match inside (decode.go), and it has no
	// finder.
	dec *decoder
}

// Scanner applies a rule set to content. It is safe for concurrent use.
type Scanner struct {
	opts    Options
	entries []entry
	ac      *ahocorasick.Automaton // nil when no rule has a keyword
	owners  [][]int                // automaton pattern id -> indexes into entries
	always  []int                  // rules without keywords: run over whole chunks
	pf      *prefilter             // nil: run the automaton over whole chunks
	// noPrefilter forces the whole-chunk automaton pass (benchmarks and
	// differential tests compare the two).
	noPrefilter bool
	// noNeeds hands every window to the rule's regex (benchmarks and
	// tests compare).
	noNeeds bool
	maxKw   int
	// tiles is the keyword search of delta-aware matching (delta.go) when
	// some keyword is longer than tileLen; nil: it uses ac and pf.
	tiles *tileSearch
	// minRank drops matches of lower confidence (confidenceRank).
	minRank int
	// pathRules are the entries restricted to some paths.
	pathRules []int

	// chunkSize is the streaming buffer size; reach is how far (in bytes)
	// a match and the keyword that finds it can extend from the match's
	// start; chunks overlap by 2*reach so each match is wholly inside the
	// chunk that owns it.
	chunkSize int
	reach     int

	scratch sync.Pool // *scratch
	debugMu sync.Mutex

	// fps caches the slow fingerprints of low-entropy secrets across the
	// runs of this scanner (a hook or a sweep meets the same test
	// password in every run).
	fps *FingerprintCache
}

// New builds the prefilter automaton over every rule's keywords and
// prepares the rules.
//
// The automaton is github.com/coregx/ahocorasick: a fully compiled DFA
// (one table lookup per byte, zero allocations besides the hit list) that
// reports overlapping hits, which the engine needs because keywords nest
// ("sec" in "sonar.secret", "ghp_" beside "github_pat_"). On this
// catalogue and the benchmark corpus it ran about 1.6x faster than
// petar-dambovaliev/aho-corasick (whose ASCII case folding saves our
// lower-casing pass but whose DFA is slower) and 2.3x faster than
// BobuSumisu/aho-corasick (gitleaks'); cloudflare/ahocorasick reports
// no offsets, so cannot place windows. Case-insensitivity comes from
// matching over an ASCII-lower-cased copy (keywords are lower-cased the
// same way, so offsets do not move).
//
// The automaton's dependent table load per byte caps it near 0.5 GB/s, so
// a trigram prefilter (prefilter.go) picks the few spans where a keyword
// can be and only those are lower-cased and handed to the automaton; the
// hits are the same. Rule regexes then run only on windows that meet
// their needs (need.go), necessary conditions read off the pattern.
func New(opts Options) (*Scanner, error) {
	if opts.Rules == nil {
		return nil, errors.New("scanner: no rule set")
	}
	if opts.MinConfidence != "" && !ValidConfidence(opts.MinConfidence) {
		return nil, fmt.Errorf("scanner: min confidence %q: want low, medium or high", opts.MinConfidence)
	}
	minRank := confidenceRank(cmp.Or(opts.MinConfidence, "low"))
	var es []entry
	var kws [][]string
	for _, r := range opts.Rules.Rules() {
		if confidenceRank(r.Confidence) < minRank || opts.noGeneric && r.Provider == rules.GenericProvider {
			continue // it could only make findings the caller drops
		}
		e := entry{id: r.ID, provider: r.Provider, description: r.Description, find: r, window: r.Window(),
			needs: &ruleNeeds{pattern: r.Pattern, keywords: r.Keywords}, rank: confidenceRank(r.Confidence), confidence: r.Confidence,
			generic: r.Provider == rules.GenericProvider}
		if len(r.Paths) > 0 {
			e.applies = r.AppliesTo
		}
		e.assignForm = -1
		if r.Guard != "" {
			e.guard = r.KeywordWindow
			e.assignForm = rules.AssignmentForm(r.Guard)
		}
		es = append(es, e)
		kws = append(kws, r.Keywords)
	}
	if !opts.NoDecode {
		for _, d := range decoders() {
			form := -1
			if d.guard != nil {
				form = 0 // decoders' guard is rules.AssignmentWindow
			}
			es = append(es, entry{id: "decode:" + d.kind, dec: d, window: d.window, guard: d.guard, assignForm: form})
			kws = append(kws, d.triggers)
		}
	}
	s, err := newScanner(opts, es, kws)
	if s != nil {
		s.minRank = minRank
	}
	return s, err
}

// newScanner is New over arbitrary finders (tests use fakes).
func newScanner(opts Options, es []entry, kws [][]string) (*Scanner, error) {
	s := &Scanner{opts: opts, entries: es, chunkSize: defaultChunkSize, fps: opts.Fingerprints}
	if s.fps == nil {
		s.fps = &FingerprintCache{}
	}
	ids := map[string]int{} // lower-cased keyword -> pattern id
	var patterns []string
	maxWindow := 0
	for i, e := range es {
		if e.window < 0 {
			return nil, fmt.Errorf("scanner: rule %s: negative window %d", e.id, e.window)
		}
		maxWindow = max(maxWindow, e.window)
		if e.applies != nil {
			s.pathRules = append(s.pathRules, i)
		}
		n := 0
		for _, k := range kws[i] {
			if k == "" {
				continue
			}
			k = asciiLower(k)
			id, ok := ids[k]
			if !ok {
				id = len(patterns)
				ids[k] = id
				patterns = append(patterns, k)
				s.owners = append(s.owners, nil)
				s.maxKw = max(s.maxKw, len(k))
			}
			if !slices.Contains(s.owners[id], i) {
				s.owners[id] = append(s.owners[id], i)
			}
			n++
		}
		if n == 0 {
			// docs/design.md (matching): rare, slow, and documented in the rule's file.
			s.always = append(s.always, i)
		}
	}
	if len(patterns) > 0 {
		ac, err := ahocorasick.NewBuilder().AddStrings(patterns).Build()
		if err != nil {
			return nil, fmt.Errorf("scanner: building keyword automaton: %w", err)
		}
		s.ac = ac
		s.pf = newPrefilter(patterns)
		if s.maxKw > tileLen {
			if s.tiles, err = newTileSearch(patterns); err != nil {
				return nil, err
			}
		}
	}
	// A match lies within [kw.Start-W, kw.End+W], so everything a match
	// needs is within 2W+maxKw (+ boundary bytes) of its start.
	s.reach = 2*maxWindow + s.maxKw + boundarySlack
	s.scratch.New = func() any { return new(scratch) }
	return s, nil
}

// debugf serialises calls so Options.Debugf need not be concurrency-safe
// (items are scanned on the source's goroutines).
func (s *Scanner) debugf(format string, args ...any) {
	if s.opts.Debugf != nil {
		s.debugMu.Lock()
		defer s.debugMu.Unlock()
		s.opts.Debugf(format, args...)
	}
}

// Run scans everything src yields and groups matches into findings.
// Unreadable content is listed in Result.Skipped; an error is returned only
// when the scan as a whole could not run (findings made so far are still
// returned in the Result).
func (s *Scanner) Run(ctx context.Context, src source.Source) (*Result, error) {
	c := newCollector(s)
	err := src.Scan(ctx, c)
	if err == nil {
		err = ctx.Err()
	}
	r := c.result()
	if r.Stats.Matched < r.Stats.Bytes {
		s.debugf("scanner: matched %d of %d bytes (the rest carried over from delta bases)", r.Stats.Matched, r.Stats.Bytes)
	}
	return r, err
}

// hit is one match as the engine reports it, before grouping.
type hit struct {
	rule  int
	m     rules.Match // Start/End absolute in the item
	line  int
	col   int
	where source.Origin
	enc   string // how the text at m.Start encodes the secret ("" = as written)
}

// collector is the source.Sink Run hands to the source.
type collector struct {
	s *Scanner

	mu       sync.Mutex
	findings map[findingKey]*pending
	skipped  []source.Skipped
	stats    Stats
	// dropSeen holds the (rule, secret) candidates already counted in
	// stats.Dropped, so a secret repeated across files counts once.
	dropSeen map[[2]string]struct{}
	// warm computes slow fingerprints while the scan goes on.
	warm *fingerprintWarmer
}

// maxDropSeen bounds dropSeen: past it, further dropped candidates are
// counted without the repeat check (the count is for the summary).
const maxDropSeen = 1 << 16

type findingKey struct {
	rule   int
	secret string
}

// pending is a finding being collected, with where each context value came
// from: items finish in any order, and the value kept for a key must not
// depend on which finished first.
type pending struct {
	f   Finding
	ctx map[string]contextPick
}

// contextPick is one context value and the location it was seen at.
type contextPick struct {
	value string
	at    Location
}

// better reports whether value v seen at l should replace p: the value from
// the first location in report order wins, then the smaller value.
func (p contextPick) better(v string, l Location) bool {
	if c := compareLocation(l, p.at); c != 0 {
		return c < 0
	}
	return v < p.value
}

func newCollector(s *Scanner) *collector {
	return &collector{s: s, findings: map[findingKey]*pending{}, warm: newFingerprintWarmer(s.fps)}
}

// Item scans one item synchronously in the caller's goroutine: the source
// owns parallelism, and blocking here is its back-pressure.
func (c *collector) Item(ctx context.Context, it source.Item) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var hits []hit
	var drops [][3]string
	emit := func(h hit) { hits = append(hits, h) }
	drop := func(rule, secret, why string) { drops = append(drops, [3]string{rule, secret, why}) }
	var n, matched int64
	var skip *source.Skipped
	var err error
	if c.recorded(it) {
		n = int64(len(it.Data))
		matched, err = c.scanRecorded(ctx, it, c.deltaBase(it), emit, drop)
	} else {
		n, skip, err = c.s.scanItem(ctx, it, emit, drop)
		matched = n
	}

	hits = c.s.dropRedecoded(hits)
	hits = c.s.dedupeHits(hits)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Items++
	c.stats.Bytes += n
	c.stats.Matched += matched
	for _, h := range hits {
		c.add(h)
	}
	for _, d := range drops {
		c.countDrop(d[0], d[1], d[2])
	}
	if skip != nil {
		c.skipped = append(c.skipped, *skip)
		c.stats.Skipped++
	}
	return err
}

// dropRedecoded settles an item's matches made inside decoded text
// against those made on the text as written (one secret, one finding):
//   - a decoded match of a secret that a plain match overlapping it also
//     found is dropped: the decoder re-read text that needed no decoding
//     (a URL with one %2F, a token whose pattern allows its own %3D);
//   - a decoded match overlapping a plain match of the same provider is
//     dropped for the same reason;
//   - then a plain generic match of text that was decoded is dropped: the
//     decoded secret is what the value holds (password: <base64>).
func (s *Scanner) dropRedecoded(hits []hit) []hit {
	dec := 0
	for _, h := range hits {
		if h.enc != "" {
			dec++
		}
	}
	if dec == 0 {
		return hits
	}
	overlap := func(a, b hit) bool { return a.m.Start < b.m.End && b.m.Start < a.m.End }
	drop := make([]bool, len(hits))
	for i, d := range hits {
		if d.enc == "" {
			continue
		}
		for _, p := range hits {
			if p.enc == "" && overlap(d, p) && (p.m.Secret == d.m.Secret ||
				!s.entries[p.rule].generic && s.entries[p.rule].provider == s.entries[d.rule].provider) {
				drop[i] = true
				break
			}
		}
	}
	for i, p := range hits {
		if p.enc != "" || !s.entries[p.rule].generic {
			continue
		}
		for j, d := range hits {
			if d.enc != "" && !drop[j] && overlap(d, p) {
				drop[i] = true
				break
			}
		}
	}
	out := hits[:0:0]
	for i, h := range hits {
		if !drop[i] {
			out = append(out, h)
		}
	}
	return out
}

// countDrop counts a dropped candidate once per (rule, secret); c.mu is
// held.
func (c *collector) countDrop(rule, secret, why string) {
	k := [2]string{rule, secret}
	if _, seen := c.dropSeen[k]; seen {
		return
	}
	if c.dropSeen == nil {
		c.dropSeen = map[[2]string]struct{}{}
	}
	if len(c.dropSeen) < maxDropSeen {
		c.dropSeen[k] = struct{}{}
	}
	c.stats.Dropped.add(why)
}

// confidenceRank orders a rule's confidence: high > medium (also the
// default) > low. Other values (unknown to this version) rank as medium.
func confidenceRank(c string) int {
	switch c {
	case "high":
		return 2
	case "low":
		return 0
	}
	return 1
}

// dedupeHits keeps one hit where several rules of the same provider match
// the same secret at the same place (say, a context rule and a URL rule
// for one Azure DevOps token): one secret is one finding, not one per rule.
// The kept hit is the highest-confidence rule's, then the one with more
// context groups, then the earlier rule; the dropped hits' context is
// merged into it. Rules of different providers are left alone: that
// overlap is information (and keeps verification from guessing a vendor).
func (s *Scanner) dedupeHits(hits []hit) []hit {
	if len(hits) < 2 {
		return hits
	}
	hits = s.genericYields(hits)
	type place struct {
		provider   string
		start, end int
		secret     string
	}
	best := make(map[place]int, len(hits))
	keep := make([]bool, len(hits))
	for i, h := range hits {
		p := place{s.entries[h.rule].provider, h.m.Start, h.m.End, h.m.Secret}
		j, seen := best[p]
		if !seen {
			best[p] = i
			keep[i] = true
			continue
		}
		w, l := j, i
		if s.betterHit(h, hits[j]) {
			w, l = i, j
		}
		hits[w].m.Context = mergeContext(hits[w].m.Context, hits[l].m.Context)
		keep[l], keep[w] = false, true
		best[p] = w
	}
	out := hits[:0:0]
	for i, h := range hits {
		if keep[i] {
			out = append(out, h)
		}
	}
	return out
}

// genericYields drops generic hits whose text overlaps another provider's
// hit in the same item: one secret, one finding, and the specific rule's
// says what the secret is (GITHUB_TOKEN=ghp_... is a GitHub token, not a
// generic secret). Hits are few per item; the scan is quadratic only in
// the generic ones.
func (s *Scanner) genericYields(hits []hit) []hit {
	n := 0
	for _, h := range hits {
		if s.entries[h.rule].generic {
			n++
		}
	}
	if n == 0 || n == len(hits) {
		return hits
	}
	out := hits[:0:0]
	for _, h := range hits {
		if s.entries[h.rule].generic && s.overlapsSpecific(h, hits) {
			s.debugf("scanner: %s:%d:%d: %s match %s yields to a specific rule's finding of the same text",
				displayPath(h.where), h.line, h.col, s.entries[h.rule].id, redact(h.m.Secret))
			continue
		}
		out = append(out, h)
	}
	return out
}

func (s *Scanner) overlapsSpecific(g hit, hits []hit) bool {
	for _, h := range hits {
		if s.entries[h.rule].generic {
			continue
		}
		if h.m.Start < g.m.End && g.m.Start < h.m.End || h.m.Secret == g.m.Secret {
			return true
		}
	}
	return false
}

// betterHit reports whether a should be reported instead of b.
func (s *Scanner) betterHit(a, b hit) bool {
	ea, eb := &s.entries[a.rule], &s.entries[b.rule]
	// A rule restricted to a kind of file (a credential file's) knows
	// what the value is better than one that reads any assignment.
	if pa, pb := ea.applies != nil, eb.applies != nil; pa != pb {
		return pa
	}
	// The match's own confidence: the generic filter may have lowered it.
	if ra, rb := confidenceRank(s.hitConfidence(a)), confidenceRank(s.hitConfidence(b)); ra != rb {
		return ra > rb
	}
	if ea.rank != eb.rank {
		return ea.rank > eb.rank
	}
	// A rule restricted to the file's path (a credential file's) knows
	// what the value is better than one that matches anywhere.
	if (ea.applies != nil) != (eb.applies != nil) {
		return ea.applies != nil
	}
	if len(a.m.Context) != len(b.m.Context) {
		return len(a.m.Context) > len(b.m.Context)
	}
	return a.rule < b.rule
}

// mergeContext adds b's groups that dst lacks; dst may be nil.
func mergeContext(dst, b map[string]string) map[string]string {
	for k, v := range b {
		if _, ok := dst[k]; ok || v == "" {
			continue
		}
		if dst == nil {
			dst = map[string]string{}
		}
		dst[k] = v
	}
	return dst
}

func (c *collector) Skipped(sk source.Skipped) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skipped = append(c.skipped, sk)
	c.stats.Skipped++
}

// add records h; c.mu is held.
func (c *collector) add(h hit) {
	k := findingKey{h.rule, h.m.Secret}
	p := c.findings[k]
	if p == nil {
		e := &c.s.entries[h.rule]
		// The fingerprint is computed once per secret, beside the scan
		// (c.warm) or in result(): for a low-entropy secret it is
		// deliberately slow, and c.mu is held here.
		c.warm.add(h.m.Secret)
		p = &pending{f: Finding{
			RuleID:      e.id,
			Provider:    e.provider,
			Description: e.description,
			Secret:      h.m.Secret,
		}}
		c.findings[k] = p
	}
	// A secret seen several times is as credible as its best sighting.
	if conf := c.s.hitConfidence(h); p.f.Confidence == "" || confidenceRank(conf) > confidenceRank(p.f.Confidence) {
		p.f.Confidence = conf
	}
	loc := Location{Origin: h.where, Line: h.line, Column: h.col, Offset: int64(h.m.Start), Encoding: h.enc}
	for name, v := range h.m.Context {
		if v == "" {
			continue
		}
		if p.ctx == nil {
			p.ctx = map[string]contextPick{}
		}
		if old, ok := p.ctx[name]; !ok || old.better(v, loc) {
			p.ctx[name] = contextPick{value: v, at: loc}
		}
	}
	p.f.Locations = append(p.f.Locations, loc)
}

// hitConfidence is the match's confidence, else its rule's, else medium.
func (s *Scanner) hitConfidence(h hit) string {
	return cmp.Or(h.m.Confidence, s.entries[h.rule].confidence, "medium")
}

func (c *collector) result() *Result {
	// Outside c.mu: the warmer's goroutine takes no collector lock, but
	// waiting for it under one would stall a late Item for nothing.
	c.warm.close()
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &Result{Skipped: slices.Clone(c.skipped), Stats: c.stats}
	// A secret a specific rule found somewhere is that rule's everywhere:
	// its generic sightings (in other items) become the specific
	// finding's locations (one secret, one finding).
	specific := map[string]*pending{}
	for k, p := range c.findings {
		if !c.s.entries[k.rule].generic {
			specific[p.f.Secret] = p
		}
	}
	for k, p := range c.findings {
		if sp := specific[p.f.Secret]; sp != nil && c.s.entries[k.rule].generic {
			for _, l := range p.f.Locations {
				if !slices.Contains(sp.f.Locations, l) {
					sp.f.Locations = append(sp.f.Locations, l)
				}
			}
			delete(c.findings, k)
		}
	}
	secrets := make([]string, 0, len(c.findings))
	for _, p := range c.findings {
		secrets = append(secrets, p.f.Secret)
	}
	fps := c.s.fps.fingerprints(secrets)
	for _, p := range c.findings {
		ff := p.f
		ff.Fingerprint = fps[p.f.Secret]
		ff.Locations = slices.Clone(p.f.Locations)
		slices.SortFunc(ff.Locations, compareLocation)
		if len(p.ctx) > 0 {
			ff.Context = make(map[string]string, len(p.ctx))
			for name, pick := range p.ctx {
				ff.Context[name] = pick.value
			}
		}
		r.Findings = append(r.Findings, ff)
	}
	slices.SortFunc(r.Findings, func(a, b Finding) int {
		if c := strings.Compare(a.RuleID, b.RuleID); c != 0 {
			return c
		}
		return strings.Compare(a.Fingerprint, b.Fingerprint)
	})
	// Sources hand over skips from several goroutines: a total order keeps
	// reports identical run to run.
	slices.SortFunc(r.Skipped, func(a, b source.Skipped) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Reason, b.Reason), strings.Compare(a.Detail, b.Detail))
	})
	r.Stats.Findings = int64(len(r.Findings))
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Skipped == nil {
		r.Skipped = []source.Skipped{}
	}
	return r
}

// FingerprintCache remembers the slow fingerprints scanners computed
// (Options.Fingerprints), at most a few thousand. Its zero value is ready;
// it is safe for concurrent use.
type FingerprintCache struct {
	mu sync.Mutex
	m  map[string]string
}

// maxCachedFingerprints bounds the cache; when full it starts over.
const maxCachedFingerprints = 4096

// parallelFingerprints is how many slow fingerprints one goroutine
// computes before fingerprints uses every CPU (about 10 ms each).
const parallelFingerprints = 64

// fingerprints computes the fingerprint of each distinct secret, the slow
// (low-entropy) ones unless cached: on one goroutine, or on every CPU when
// there are more than parallelFingerprints of them.
func (fc *FingerprintCache) fingerprints(secrets []string) map[string]string {
	return fc.fingerprintsWith(nil, secrets)
}

// fingerprintsWith is fingerprints with h (nil: a fresh one) as the
// memory of the first goroutine's argon2id runs.
func (fc *FingerprintCache) fingerprintsWith(h *argon2id.Hasher, secrets []string) map[string]string {
	if fc == nil {
		fc = &FingerprintCache{}
	}
	out := make(map[string]string, len(secrets))
	var slow []string
	fc.mu.Lock()
	for _, s := range secrets {
		if _, ok := out[s]; ok {
			continue
		}
		if !LowEntropy(s) {
			out[s] = LegacyFingerprint(s)
			continue
		}
		if fp, ok := fc.m[s]; ok {
			out[s] = fp
			continue
		}
		out[s] = ""
		slow = append(slow, s)
	}
	fc.mu.Unlock()
	if len(slow) == 0 {
		return out
	}
	sums := make([]string, len(slow))
	var next atomic.Int64
	var wg sync.WaitGroup
	// Each goroutine's first argon2 run faults in its Hasher's 8 MiB, and
	// runs side by side fault their pages in together: on the 2-core
	// machine of docs/performance.md two goroutines took 0.46-0.63 s of
	// wall and 0.6 s more system CPU for 24 secrets where one took
	// 0.27-0.33 s (measured before Hashers were reused). Only a long list
	// is worth the cores.
	workers := 1
	if len(slow) > parallelFingerprints {
		workers = runtime.GOMAXPROCS(0)
	}
	if h == nil {
		h = &argon2id.Hasher{}
	}
	for w := range min(workers, len(slow)) {
		wg.Go(func() {
			h := h
			if w > 0 {
				h = &argon2id.Hasher{}
			}
			for i := int(next.Add(1) - 1); i < len(slow); i = int(next.Add(1) - 1) {
				sums[i] = fingerprintWith(h, slow[i])
			}
		})
	}
	wg.Wait()
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.m == nil || len(fc.m)+len(slow) > maxCachedFingerprints {
		fc.m = map[string]string{}
	}
	for i, s := range slow {
		out[s] = sums[i]
		if len(fc.m) < maxCachedFingerprints {
			fc.m[s] = sums[i]
		}
	}
	return out
}

func compareLocation(a, b Location) int {
	if c := strings.Compare(a.Path, b.Path); c != 0 {
		return c
	}
	if c := a.Line - b.Line; c != 0 {
		return c
	}
	if c := a.Column - b.Column; c != 0 {
		return c
	}
	if c := strings.Compare(a.BlobID, b.BlobID); c != 0 {
		return c
	}
	var ah, bh string
	if a.Commit != nil {
		ah = a.Commit.Hash
	}
	if b.Commit != nil {
		bh = b.Commit.Hash
	}
	if c := strings.Compare(ah, bh); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(a.Offset, b.Offset), strings.Compare(a.Kind, b.Kind),
		strings.Compare(a.Remote, b.Remote), boolCompare(a.Unreachable, b.Unreachable))
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// asciiLower lower-cases ASCII letters only, so keywords and data fold the
// same way byte for byte (offsets never move).
func asciiLower(s string) string {
	b := []byte(s)
	lowerInto(b, b)
	return string(b)
}

// lowerInto writes src lower-cased (ASCII letters only) to dst, eight
// bytes at a time: it runs on every scanned byte, and the table-per-byte
// version cost as much as a third of the keyword pass.
func lowerInto(dst, src []byte) {
	dst = dst[:len(src)]
	i := 0
	for ; i+8 <= len(src); i += 8 {
		w := binary.LittleEndian.Uint64(src[i:])
		binary.LittleEndian.PutUint64(dst[i:], lower8(w))
	}
	for ; i < len(src); i++ {
		c := src[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
}

// lower8 lower-cases the ASCII letters among eight packed bytes (SWAR).
func lower8(w uint64) uint64 {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	low7 := w &^ high               // each byte < 0x80, so adds below never carry out
	geA := low7 + ones*(0x80-'A')   // high bit set where byte >= 'A'
	gtZ := low7 + ones*(0x80-'Z'-1) // high bit set where byte > 'Z'
	upper := geA &^ gtZ &^ w & high // ASCII only: the original high bit is clear
	return w | upper>>2             // 0x80>>2 == 0x20, the case bit
}
