package rules

// PLACEHOLDER signatures agreed between helpers; bodies are being written.

// Match is a secret one rule found. Offsets are absolute in the data passed
// to Rule.Find.
type Match struct {
	Start, End int               // byte offsets of the secret group
	Secret     string            // the credential
	Context    map[string]string // the rule's other named groups
}

type compiled struct{}

// Set is a validated, compiled rule set.
type Set struct {
	rules []*Rule
}

// Builtin loads the embedded catalogue (rules/builtin/*.yaml).
func Builtin() (*Set, error) { panic("TODO") }

// LoadFile reads one user rule pack; errors name the file, rule id and problem.
func LoadFile(path string) (*Pack, error) { panic("TODO") }

// NewSet validates and compiles packs into a set (ids unique across packs).
func NewSet(packs ...*Pack) (*Set, error) { panic("TODO") }

// Window is how many bytes on each side of a keyword hit the rule's regex
// must see to find any match that keyword belongs to (YAML `window`,
// default 256).
func (r *Rule) Window() int { panic("TODO") }

// Rules returns the set's rules in a stable order.
func (s *Set) Rules() []*Rule { return s.rules }

// Find runs the rule's regex over data[lo:hi] (the window around a keyword
// hit) and calls fn for each candidate that passes the boundary, checksum,
// entropy and placeholder filters. Bytes just outside the window may be read
// for boundary checks. dropped, if non-nil, is told about candidates a filter
// rejected (for --verbose).
func (r *Rule) Find(data []byte, lo, hi int, fn func(Match), dropped func(secret, why string)) {
	panic("TODO")
}
