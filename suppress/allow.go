package suppress

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
)

// Allowlist holds the config's `allow:` entries, compiled. An entry applies
// to its rules and suppresses a match only when every criterion it gives
// holds (docs/config.md).
//
// Entries with line_regex need the text of the line, which only the engine
// sees: they run inside the scan through MatchLine (scanner.Options.Allow).
// The others run on the finished result (Apply), where every location has
// its final path, including git history locations, whose paths are known
// only after the blobs were attributed to commits.
type Allowlist struct {
	entries []allowEntry
	line    []int // indexes of entries with line_regex
}

type allowEntry struct {
	key    string          // "allow[2]", for messages
	rules  map[string]bool // nil: every rule
	secret *regexp.Regexp
	line   *regexp.Regexp
	stop   []string // lower-cased
	paths  *source.Excluder
	reason string
}

// NewAllowlist compiles the entries (package config has validated them; an
// error here names the entry all the same).
func NewAllowlist(entries []config.Allow) (*Allowlist, error) {
	a := &Allowlist{}
	for i, c := range entries {
		e := allowEntry{key: fmt.Sprintf("allow[%d]", i), reason: c.Reason}
		if !c.AllRules() {
			e.rules = map[string]bool{}
			for _, id := range c.Rules {
				e.rules[id] = true
			}
		}
		var err error
		if c.SecretRegex != "" {
			if e.secret, err = regexp.Compile(c.SecretRegex); err != nil {
				return nil, fmt.Errorf("%s.secret_regex: %v", e.key, err)
			}
		}
		if c.LineRegex != "" {
			if e.line, err = regexp.Compile(c.LineRegex); err != nil {
				return nil, fmt.Errorf("%s.line_regex: %v", e.key, err)
			}
			a.line = append(a.line, i)
		}
		for _, w := range c.Stopwords {
			e.stop = append(e.stop, strings.ToLower(w))
		}
		if e.paths, err = source.NewExcluder(c.Paths); err != nil {
			return nil, fmt.Errorf("%s.paths: %v", e.key, err)
		}
		a.entries = append(a.entries, e)
	}
	return a, nil
}

// HasLineRules reports whether some entry needs the engine's help
// (MatchLine).
func (a *Allowlist) HasLineRules() bool { return a != nil && len(a.line) > 0 }

// MatchLine reports whether an entry with line_regex allows a match of
// ruleID with secret on line (the text of the line or lines the match
// spans). It is the scanner's Options.Allow hook; safe for concurrent use.
func (a *Allowlist) MatchLine(ruleID, secret string, line []byte) bool {
	if a == nil {
		return false
	}
	for _, i := range a.line {
		e := &a.entries[i]
		if e.secretMatches(ruleID, secret) && e.line.Match(line) {
			return true
		}
	}
	return false
}

// secretMatches checks the rule scope and the criteria on the secret.
func (e *allowEntry) secretMatches(ruleID, secret string) bool {
	if e.rules != nil && !e.rules[ruleID] {
		return false
	}
	if e.secret != nil && !e.secret.MatchString(secret) {
		return false
	}
	if len(e.stop) > 0 {
		low := strings.ToLower(secret)
		hit := false
		for _, w := range e.stop {
			if strings.Contains(low, w) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

// pathMatches reports whether a location's path matches the entry's paths.
func (e *allowEntry) pathMatches(path string) bool {
	if path == "" {
		return false
	}
	// Same matching as excludes: a pattern naming a directory covers the
	// files below it.
	return e.paths.Excluded(strings.Trim(filepath.ToSlash(path), "/"))
}

// filter drops the locations (and then the findings) that entries without
// line_regex allow. It returns the findings it dropped whole, and calls
// note once per dropped finding or location with the entry that allowed it.
func (a *Allowlist) filter(f *scanner.Finding, note func(entry, reason string, loc *scanner.Location)) (drop bool) {
	if a == nil {
		return false
	}
	for i := range a.entries {
		e := &a.entries[i]
		if e.line != nil || !e.secretMatches(f.RuleID, f.Secret) {
			continue
		}
		if e.paths == nil {
			note(e.key, e.reason, nil)
			return true
		}
		kept := f.Locations[:0:0]
		for j := range f.Locations {
			if e.pathMatches(f.Locations[j].Path) {
				note(e.key, e.reason, &f.Locations[j])
				continue
			}
			kept = append(kept, f.Locations[j])
		}
		f.Locations = kept
		if len(kept) == 0 {
			return true
		}
	}
	return false
}
