package suppress

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/scour-dev/scour/internal/atomicfile"
	"github.com/scour-dev/scour/internal/treefile"
	"github.com/scour-dev/scour/scanner"
)

// IgnoreFileName is the ignore file scour reads at the root of a scan.
const IgnoreFileName = ".scourignore"

// fingerprintPattern is a finding's fingerprint: 64 hex digits
// (scanner.Fingerprint; entries written before version 2 hold the plain
// SHA-256 of the secret, which still matches: LegacyFingerprint).
var fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ruleIDPattern is how rule ids are spelt (rules.NewSet enforces it).
var ruleIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// IgnoreEntry is one line of an ignore file: a fingerprint, optionally
// qualified by a rule id ("FINGERPRINT:RULE"), and its comment.
type IgnoreEntry struct {
	Fingerprint string
	RuleID      string // "" ignores the secret whichever rule found it
	Comment     string
	Line        int
}

// String is the entry as a line of an ignore file.
func (e IgnoreEntry) String() string {
	s := e.Fingerprint
	if e.RuleID != "" {
		s += ":" + e.RuleID
	}
	if c := strings.TrimSpace(oneLine(e.Comment)); c != "" {
		s += "  # " + c
	}
	return s
}

// IgnoreList is the content of an ignore file. Entries are keyed on the
// secret's fingerprint, never on path or line: a secret stays ignored
// wherever it moves, and a new secret on an ignored line is reported.
type IgnoreList struct {
	Path    string
	Entries []IgnoreEntry
	any     map[string]bool    // fingerprint -> ignored for every rule
	byRule  map[[2]string]bool // (fingerprint, rule) -> ignored
}

// ParseFingerprint checks a fingerprint or "FINGERPRINT:RULE" and returns
// its parts (the fingerprint lower-cased).
func ParseFingerprint(s string) (fingerprint, ruleID string, err error) {
	fp, rule, _ := strings.Cut(strings.TrimSpace(s), ":")
	fp = strings.ToLower(fp)
	if !fingerprintPattern.MatchString(fp) {
		return "", "", fmt.Errorf("%q is not a fingerprint: want 64 hex digits, as reports show it", s)
	}
	if rule != "" && !ruleIDPattern.MatchString(rule) {
		return "", "", fmt.Errorf("%q: bad rule id %q after the fingerprint", s, rule)
	}
	return fp, rule, nil
}

// ParseIgnore reads an ignore file: one fingerprint (or
// "FINGERPRINT:RULE") per line, blank lines and "# comments" (whole-line
// or trailing) allowed. Errors name the file and line; every bad line is
// reported.
func ParseIgnore(name string, r io.Reader) (*IgnoreList, error) {
	l := &IgnoreList{Path: name, any: map[string]bool{}, byRule: map[[2]string]bool{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var errs []error
	n := 0
	for sc.Scan() {
		n++
		line, comment, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		fp, rule, err := ParseFingerprint(line)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %v", name, n, err))
			continue
		}
		l.add(IgnoreEntry{Fingerprint: fp, RuleID: rule, Comment: strings.TrimSpace(comment), Line: n})
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *IgnoreList) add(e IgnoreEntry) {
	l.Entries = append(l.Entries, e)
	if e.RuleID == "" {
		l.any[e.Fingerprint] = true
	} else {
		l.byRule[[2]string{e.Fingerprint, e.RuleID}] = true
	}
}

// LoadIgnore reads the ignore file at path; a missing file is an empty
// list.
func LoadIgnore(path string) (*IgnoreList, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &IgnoreList{Path: path, any: map[string]bool{}, byRule: map[[2]string]bool{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ignore file: %w", err)
	}
	return ParseIgnore(path, bytes.NewReader(data))
}

// MaxIgnoreSize bounds a scanned tree's ignore file (about 150,000
// entries): a hostile tree must not exhaust memory through it.
const MaxIgnoreSize = 16 << 20

// LoadTreeIgnore reads dir/.scourignore, the ignore file of a scanned
// tree, which may be hostile: only from inside dir (a symlink leading out
// is refused, never followed, so an error can never show another file's
// lines), only a regular file, and at most MaxIgnoreSize bytes. A missing
// file is an empty list.
func LoadTreeIgnore(dir string) (*IgnoreList, error) {
	path := filepath.Join(dir, IgnoreFileName)
	data, err := treefile.Read(dir, IgnoreFileName, MaxIgnoreSize)
	if errors.Is(err, fs.ErrNotExist) {
		return &IgnoreList{Path: path, any: map[string]bool{}, byRule: map[[2]string]bool{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ignore file %s: %w", path, err)
	}
	return ParseIgnore(path, bytes.NewReader(data))
}

// Ignores reports whether f's secret is ignored, by an entry with its
// fingerprint or with its legacy fingerprint (LegacyMatch).
func (l *IgnoreList) Ignores(f *scanner.Finding) bool {
	if l == nil {
		return false
	}
	if l.any[f.Fingerprint] || l.byRule[[2]string{f.Fingerprint, f.RuleID}] {
		return true
	}
	_, ok := l.LegacyMatch(f)
	return ok
}

// LegacyMatch returns the old-form fingerprint (scanner.LegacyFingerprint,
// the unsalted SHA-256) under which the list ignores f, when f's current
// fingerprint differs from it and only the old form is listed: the entry
// to rewrite (UpgradeIgnore).
func (l *IgnoreList) LegacyMatch(f *scanner.Finding) (string, bool) {
	if l == nil || f.Secret == "" {
		return "", false
	}
	old := scanner.LegacyFingerprint(f.Secret)
	if old == f.Fingerprint {
		return "", false
	}
	return old, l.any[old] || l.byRule[[2]string{old, f.RuleID}]
}

// Has reports whether the list already holds an entry ignoring what e
// ignores (an unqualified entry covers every rule).
func (l *IgnoreList) Has(e IgnoreEntry) bool {
	return l.any[e.Fingerprint] || (e.RuleID != "" && l.byRule[[2]string{e.Fingerprint, e.RuleID}])
}

// AppendIgnore adds entries to the ignore file at path (creating it, mode
// 0644: it holds no secrets and is meant to be committed), skipping those
// already present. The file is replaced atomically. It returns the entries
// added.
//
// The file belongs to a work tree, which may be hostile: it is read like
// LoadTreeIgnore reads it (a symlink leading out of its directory is
// refused, so an error never shows another file's lines).
func AppendIgnore(path string, entries []IgnoreEntry) ([]IgnoreEntry, error) {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	old, err := treefile.Read(dir, name, MaxIgnoreSize)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("ignore file %s: %w", path, err)
	}
	l, err := ParseIgnore(path, bytes.NewReader(old))
	if err != nil {
		return nil, err
	}
	var added []IgnoreEntry
	var buf bytes.Buffer
	buf.Write(old)
	if len(old) > 0 && old[len(old)-1] != '\n' {
		buf.WriteByte('\n')
	}
	if len(old) == 0 {
		buf.WriteString("# Secrets scour does not report, by fingerprint (as reports show it).\n" +
			"# One per line, optionally FINGERPRINT:RULE_ID; add with `scour ignore`.\n")
	}
	for _, e := range entries {
		if l.Has(e) {
			continue
		}
		l.add(e)
		added = append(added, e)
		buf.WriteString(e.String() + "\n")
	}
	if len(added) == 0 {
		return nil, nil
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	if err := atomicfile.Write(path, mode, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
		return nil, fmt.Errorf("ignore file: %w", err)
	}
	return added, nil
}

// UpgradeIgnore rewrites the ignore file at path, replacing each old-form
// fingerprint that is a key of upgrades with its value (the current form,
// from a scan that found the secret), keeping rule ids, comments and
// every other line as they are. It returns how many entries changed.
func UpgradeIgnore(path string, upgrades map[string]string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("ignore file: %w", err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	n := 0
	for i, line := range lines {
		body := strings.TrimLeft(line, " \t")
		if len(body) < 64 {
			continue
		}
		old := strings.ToLower(body[:64])
		if nu, ok := upgrades[old]; ok && (len(body) == 64 || !isHex(body[64])) {
			lines[i] = line[:len(line)-len(body)] + nu + body[64:]
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	out := strings.Join(lines, "")
	if err := atomicfile.Write(path, mode, func(w io.Writer) error { _, err := io.WriteString(w, out); return err }); err != nil {
		return 0, fmt.Errorf("ignore file: %w", err)
	}
	return n, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
