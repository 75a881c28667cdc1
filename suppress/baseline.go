package suppress

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/scour-dev/scour/scanner"
)

// BaselineVersion is the version of the baseline file format.
const BaselineVersion = 1

// Key names a finding without its secret: rule id and fingerprint.
type Key struct {
	RuleID      string `json:"rule_id"`
	Fingerprint string `json:"fingerprint"`
}

// BaselineFile is what `scour baseline create` writes: the keys of the
// findings to accept, sorted, and nothing else (no secrets, no paths, no
// timestamps, so re-creating an unchanged baseline changes no byte).
type BaselineFile struct {
	ScourBaseline int   `json:"scour_baseline"`
	Findings      []Key `json:"findings"`
}

// Baseline is a set of accepted findings.
type Baseline struct {
	Path string
	keys map[Key]bool
	// legacy maps the old-form key of a low-entropy secret found by the
	// scan (NewBaseline) to its current key; nil for baselines read.
	legacy map[Key]Key
}

// NewBaseline makes a baseline of the findings of res.
func NewBaseline(res *scanner.Result) *Baseline {
	b := &Baseline{keys: map[Key]bool{}}
	if res != nil {
		for _, f := range res.Findings {
			k := Key{f.RuleID, f.Fingerprint}
			b.keys[k] = true
			// Remember the old form of a low-entropy secret's key, so that
			// Diff sees an entry an older scour wrote as the same finding.
			// Never written out.
			if f.Secret != "" {
				if old := scanner.LegacyFingerprint(f.Secret); old != f.Fingerprint {
					if b.legacy == nil {
						b.legacy = map[Key]Key{}
					}
					b.legacy[Key{f.RuleID, old}] = k
				}
			}
		}
	}
	return b
}

// Len is the number of accepted findings.
func (b *Baseline) Len() int { return len(b.keys) }

// Keys returns the accepted findings, sorted by rule id then fingerprint.
func (b *Baseline) Keys() []Key {
	ks := make([]Key, 0, len(b.keys))
	for k := range b.keys {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b Key) int {
		if c := strings.Compare(a.RuleID, b.RuleID); c != 0 {
			return c
		}
		return strings.Compare(a.Fingerprint, b.Fingerprint)
	})
	return ks
}

// Contains reports whether f is accepted: the same secret found by the
// same rule. Path and line play no part, so the baseline holds across
// moves, rebases and squashes.
func (b *Baseline) Contains(f *scanner.Finding) bool {
	if b == nil {
		return false
	}
	if b.keys[Key{f.RuleID, f.Fingerprint}] {
		return true
	}
	_, ok := b.LegacyMatch(f)
	return ok
}

// LegacyMatch returns the old-form fingerprint under which the baseline
// accepts f, when only that form is listed (see IgnoreList.LegacyMatch);
// `scour baseline update` writes the current form.
func (b *Baseline) LegacyMatch(f *scanner.Finding) (string, bool) {
	if b == nil || f.Secret == "" {
		return "", false
	}
	old := scanner.LegacyFingerprint(f.Secret)
	if old == f.Fingerprint {
		return "", false
	}
	return old, b.keys[Key{f.RuleID, old}]
}

// Diff compares b (new) with old: keys only in b, keys only in old, and
// old keys in the old fingerprint form that b holds in the current form
// (rewritten: neither added nor removed).
func (b *Baseline) Diff(old *Baseline) (added, removed, rewritten []Key) {
	upgraded := map[Key]bool{}
	if old != nil {
		for _, k := range old.Keys() {
			switch nu, ok := b.legacy[k]; {
			case b.keys[k]:
			case ok:
				rewritten = append(rewritten, k)
				upgraded[nu] = true
			default:
				removed = append(removed, k)
			}
		}
	}
	for _, k := range b.Keys() {
		if (old == nil || !old.keys[k]) && !upgraded[k] {
			added = append(added, k)
		}
	}
	return added, removed, rewritten
}

// WriteBaseline writes b as a baseline file (JSON, indented, sorted).
func WriteBaseline(w io.Writer, b *Baseline) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(BaselineFile{ScourBaseline: BaselineVersion, Findings: b.Keys()})
}

// baselineDoc is what ReadBaseline accepts: a baseline file, or a scour
// JSON report (its findings carry rule_id and fingerprint too).
type baselineDoc struct {
	ScourBaseline *int  `json:"scour_baseline"`
	SchemaVersion *int  `json:"schema_version"`
	Findings      []Key `json:"findings"`
	// A JSON Lines report's first line is a finding.
	RuleID      string `json:"rule_id"`
	Fingerprint string `json:"fingerprint"`
}

// ReadBaseline reads a baseline file, a scour JSON report (--format json)
// or a JSON Lines report (--format jsonl). Errors name the file and what
// is wrong; an entry with a bad fingerprint is an error, not skipped.
func ReadBaseline(name string, r io.Reader) (*Baseline, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<30))
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", name, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("baseline %s: empty file (an empty baseline is {\"scour_baseline\": 1, \"findings\": []})", name)
	}
	b := &Baseline{Path: name, keys: map[Key]bool{}}
	var doc baselineDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("baseline %s: not a scour baseline or JSON report: %v", name, err)
	}
	switch {
	case doc.ScourBaseline != nil || doc.SchemaVersion != nil:
		if doc.ScourBaseline != nil && *doc.ScourBaseline != BaselineVersion {
			return nil, fmt.Errorf("baseline %s: scour_baseline %d, this scour reads %d", name, *doc.ScourBaseline, BaselineVersion)
		}
		if dec.More() {
			return nil, fmt.Errorf("baseline %s: more than one JSON document", name)
		}
		for i, k := range doc.Findings {
			if err := b.addKey(k); err != nil {
				return nil, fmt.Errorf("baseline %s: findings[%d]: %v", name, i, err)
			}
		}
	case doc.Fingerprint != "":
		// JSON Lines: one finding per line.
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 64*1024), 64<<20)
		for n := 1; sc.Scan(); n++ {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			var k Key
			if err := json.Unmarshal(sc.Bytes(), &k); err != nil {
				return nil, fmt.Errorf("baseline %s:%d: %v", name, n, err)
			}
			if err := b.addKey(k); err != nil {
				return nil, fmt.Errorf("baseline %s:%d: %v", name, n, err)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("baseline %s: %w", name, err)
		}
	default:
		return nil, fmt.Errorf("baseline %s: not a scour baseline or JSON report (no scour_baseline or schema_version key)", name)
	}
	return b, nil
}

func (b *Baseline) addKey(k Key) error {
	fp := strings.ToLower(k.Fingerprint)
	if !fingerprintPattern.MatchString(fp) {
		return fmt.Errorf("fingerprint %q: want 64 hex digits", k.Fingerprint)
	}
	if k.RuleID == "" {
		return errors.New("rule_id: missing")
	}
	b.keys[Key{k.RuleID, fp}] = true
	return nil
}

// LoadBaseline reads the baseline or report file at path.
func LoadBaseline(path string) (*Baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	defer f.Close()
	return ReadBaseline(path, f)
}
