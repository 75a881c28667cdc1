package rules

import (
	"bytes"
	"slices"
)

// A guard narrows the window around one keyword hit to where a match can
// be, or rules the hit out, with a few byte comparisons: rules whose
// keywords are common words in code (token, secret, password, ://) would
// otherwise hand their regex most of every file, and Go's regexp costs
// tens of nanoseconds a byte. A guard must never rule out a hit the
// pattern could match there (the generic test runs every example through
// it). kwStart and kwEnd are the keyword's offsets in data; it returns the
// window to match in.
type guardFunc func(data []byte, kwStart, kwEnd int) (lo, hi int, ok bool)

var guards = map[string]guardFunc{
	"assignment": assignmentGuard,
	// The quoted and the bare forms of an assignment, for rules that
	// match only one: each hit then costs one of them a regex run.
	"assignment-quoted": func(data []byte, ks, ke int) (int, int, bool) { return assignment(data, ks, ke, 1) },
	"assignment-bare":   func(data []byte, ks, ke int) (int, int, bool) { return assignment(data, ks, ke, 2) },
	"userinfo":          userinfoGuard,
	// Credential files (rules with paths): the path already says values
	// under credential-named keys are credentials, so short ones count
	// (.netrc's "password pass123", wp-config.php's 'admin').
	"credential-file": func(data []byte, ks, ke int) (int, int, bool) {
		return readAssignment(data, ks, ke, minFileLen).Form(0)
	},
}

func guardNames() []string {
	names := make([]string, 0, len(guards))
	for n := range guards {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// FindText runs the rule over a whole text the way the engine does: over
// every keyword hit's window when the rule has a guard (its pattern may
// anchor at the window's start), else over all of data. Each match is
// reported once.
func (r *Rule) FindText(data []byte, fn func(Match), dropped func(secret, why string)) {
	if r.compiled == nil || r.compiled.guard == nil {
		r.Find(data, 0, len(data), fn, dropped)
		return
	}
	type span struct{ lo, hi int }
	seen := map[span]bool{}
	r.eachKeywordHit(data, func(at, end int) {
		lo, hi, ok := r.KeywordWindow(data, at, end)
		if !ok {
			return
		}
		r.Find(data, lo, hi, func(m Match) {
			if sp := (span{m.Start, m.End}); !seen[sp] {
				seen[sp] = true
				fn(m)
			}
		}, dropped)
	})
}

// eachKeywordHit calls fn with data[at:end] for every occurrence of each
// of the rule's keywords in data, ignoring ASCII case, keyword by keyword
// (the engine's order does not matter to FindText and the tests).
func (r *Rule) eachKeywordHit(data []byte, fn func(at, end int)) {
	lower := []byte(asciiLower(string(data)))
	for _, k := range r.Keywords {
		k := []byte(asciiLower(k))
		for off := 0; ; {
			i := bytes.Index(lower[off:], k)
			if i < 0 {
				break
			}
			at := off + i
			off = at + 1
			fn(at, at+len(k))
		}
	}
}

// KeywordWindow is the window the rule's pattern sees around a keyword hit
// at data[kwStart:kwEnd]: the guard's, or `window` bytes either side. ok
// is false when the guard rules the hit out.
func (r *Rule) KeywordWindow(data []byte, kwStart, kwEnd int) (lo, hi int, ok bool) {
	if r.compiled != nil && r.compiled.guard != nil {
		return r.compiled.guard(data, kwStart, kwEnd)
	}
	w := r.Window()
	return max(kwStart-w, 0), min(kwEnd+w, len(data)), true
}

// AssignmentWindow is the "assignment" guard for other callers (the
// scanner's decoders): the window from the key holding data[kwStart:kwEnd]
// to the end of the value assigned to it, or ok false.
func AssignmentWindow(data []byte, kwStart, kwEnd int) (lo, hi int, ok bool) {
	return assignmentGuard(data, kwStart, kwEnd)
}

// keyBytesLo and keyBytesHi are isKeyByte's bytes below 64 and from 64
// to 127, as bit masks: one shift and test per byte where the comparison
// chain took up to ten (the guards read every keyword hit's key).
const (
	keyBytesLo uint64 = 1<<'-' | 1<<'.' | (1<<10-1)<<'0'
	keyBytesHi uint64 = (1<<26-1)<<('A'-64) | 1<<('_'-64) | (1<<26-1)<<('a'-64)
)

func isKeyByte(c byte) bool {
	if c < 64 {
		return keyBytesLo>>c&1 != 0
	}
	return c < 128 && keyBytesHi>>(c-64)&1 != 0
}

// userinfoStops are the bytes below 64 that end userinfoGuard's scan of
// an authority.
const userinfoStops uint64 = 1<<'/' | 1<<' ' | 1<<'\n' | 1<<'\t' | 1<<'"' | 1<<'\'' | 1<<'<' | 1<<'>' | 1<<'\r'

func isValueStop(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '"', '\'', '`', '\\':
		return true
	}
	return false
}

// assignmentGuard: the keyword is inside a key that is assigned a value of
// at least minLen characters: KEY["']?[ \t]*(=>|:=|=|:|,|(|>| )[ \t]*[\\"'`]*VALUE.
// The window runs from the start of the key (and a quote, or an escaped
// one, before it: patterns anchor there with \A) to just past the value.
func assignmentGuard(data []byte, ks, ke int) (int, int, bool) { return assignment(data, ks, ke, 0) }

// assignment is assignmentGuard; form 1 admits only quoted values, 2 only
// bare ones that are not calls, 0 both.
func assignment(data []byte, ks, ke, form int) (int, int, bool) {
	return ReadAssignment(data, ks, ke).Form(form)
}

// Assignment is the assignment guard's reading of one keyword hit, for a
// caller that applies several forms to one hit (the engine reads each hit
// once for all the rules and decoders that guard with it).
type Assignment struct {
	Lo, Hi int
	// Quoted: the value opens with a quote; Call: the bare value holds a
	// '(' (token = s.client.Token(ctx)); OK: the hit reads as a key
	// assigned a value (Form also judges the key).
	Quoted, Call, OK bool
	// bare: an unquoted value of minValue or more bytes may follow the
	// key, as the bare form's patterns read one (see bareValueFits).
	bare bool
	// key is the key, judged by keyNamesOther only once a form fits: most
	// hits fit none, and the judgement was half the guard's time.
	key []byte
}

// AssignmentForm maps a guard name of the assignment family to its form
// (0 any, 1 quoted, 2 bare), or -1.
func AssignmentForm(guard string) int {
	switch guard {
	case "assignment":
		return 0
	case "assignment-quoted":
		return 1
	case "assignment-bare":
		return 2
	}
	return -1
}

// Form is the window for form (as AssignmentForm), or ok false: also when
// the key names something other than the credential (token_url,
// password_length), which the value filter would drop.
func (a Assignment) Form(form int) (lo, hi int, ok bool) {
	if !a.OK || form == 1 && !a.Quoted || form == 2 && (a.Quoted || a.Call || !a.bare) {
		return 0, 0, false
	}
	if keyNamesOtherFast(a.key) {
		return 0, 0, false
	}
	return a.Lo, a.Hi, true
}

// ReadAssignment reads the keyword hit data[ks:ke] as the assignment guard
// does, for every form at once.
func ReadAssignment(data []byte, ks, ke int) Assignment {
	return readAssignment(data, ks, ke, minLen)
}

// readAssignment is ReadAssignment for values of at least minValue bytes.
func readAssignment(data []byte, ks, ke, minValue int) Assignment {
	var no Assignment
	n := len(data)
	i := ke
	for i < n && i-ke < 64 && isKeyByte(data[i]) {
		i++
	}
	keyStart := ks
	for keyStart > 0 && ks-keyStart < 128 && isKeyByte(data[keyStart-1]) {
		keyStart--
	}
	keyEnd := i
	if i < n && data[i] == '\\' {
		i++
	}
	if i < n && (data[i] == '"' || data[i] == '\'') {
		i++
	}
	sp := 0
	for i < n && (data[i] == ' ' || data[i] == '\t') && sp < 16 {
		i++
		sp++
	}
	spaced := false
	op := i // the operator's first byte; its end is opEnd
	switch {
	case i+1 < n && (data[i] == '=' && data[i+1] == '>' || data[i] == ':' && data[i+1] == '='):
		i += 2
	case i < n && (data[i] == '=' || data[i] == ':' || data[i] == ',' || data[i] == '(' || data[i] == '>'):
		i++
	case sp > 0:
		spaced = true
	default:
		return no
	}
	opEnd := i
	for k := 0; i < n && k < 16 && (data[i] == ' ' || data[i] == '\t'); k++ {
		i++
	}
	q := i
	for k := 0; i < n && k < 2 && (data[i] == '\\' || data[i] == '"' || data[i] == '\'' || data[i] == '`'); k++ {
		i++
	}
	quoted := i > q
	v := i
	for i < n && i-v < 4096 && !isValueStop(data[i]) {
		i++
	}
	// A call (token = s.client.Token(ctx)): the bare pattern would only
	// see the words before the parenthesis.
	call := bytes.IndexByte(data[v:i], '(') >= 0
	bare := !quoted && bareValueFits(data, op, opEnd, v, sp, spaced, minValue)
	if spaced {
		// KEY VALUE (.netrc, a CLI flag's argument, .esmtprc's
		// password "VALUE") only as a whole word that ends the line or is
		// followed by a space: not a declaration (struct passwd getpw(...))
		// or a word inside a string.
		j := i
		if quoted && j < n && data[j] == data[q] {
			j++
		}
		if j < n && data[j] != ' ' && data[j] != '\t' && data[j] != '\n' && data[j] != '\r' {
			return no
		}
		for _, c := range data[v:i] {
			switch c {
			case '(', ')', ',', ';', '{', '}', '=', '<', '>':
				return no
			}
		}
	}
	// Quoted values may hold spaces the filter judges; keep the line.
	for i < n && i-v < 4096 && data[i] != '\n' && data[i] != '"' && data[i] != '\'' && data[i] != '`' {
		i++
	}
	if i-v < minValue {
		return no
	}
	// The key is the pattern's `key` group: one that names something
	// else (token_url, password_length) is ruled out by Form, before the
	// regex and the value filter, which would drop it.
	lo := keyStart
	if lo > 0 && (data[lo-1] == '"' || data[lo-1] == '\'') {
		lo--
		if lo > 0 && data[lo-1] == '\\' {
			lo--
		}
	}
	// The closing quote (or escaped quote), not the next line.
	hi := i
	for k := 0; hi < n && k < 2 && (data[hi] == '"' || data[hi] == '\'' || data[hi] == '`' || data[hi] == '\\'); k++ {
		hi++
	}
	return Assignment{Lo: lo, Hi: hi, Quoted: quoted, Call: call, OK: true, bare: bare, key: data[keyStart:keyEnd]}
}

// bareStops are the bytes that end a bare value (and that a bare value
// cannot start with): whitespace, quotes, and ,;()<>{}[]\|& (the
// generic-secret-bare pattern's secret class is every other byte). As
// two 64-bit masks, bytes below 64 and from 64 to 127.
const (
	bareStopsLo uint64 = 1<<'\t' | 1<<'\n' | 1<<'\f' | 1<<'\r' | 1<<' ' | 1<<'"' | 1<<'\'' |
		1<<',' | 1<<';' | 1<<'(' | 1<<')' | 1<<'<' | 1<<'>' | 1<<'&'
	bareStopsHi uint64 = 1<<('`'-64) | 1<<('{'-64) | 1<<('}'-64) | 1<<('['-64) | 1<<(']'-64) |
		1<<('\\'-64) | 1<<('|'-64)
)

func isBareStop(c byte) bool {
	if c < 64 {
		return bareStopsLo>>c&1 != 0
	}
	return c < 128 && bareStopsHi>>(c-64)&1 != 0
}

// bareRun is the length of the run of bytes from data[p] on that are no
// bareStops.
func bareRun(data []byte, p int) int {
	i := p
	for i < len(data) && i-p < 4096 && !isBareStop(data[i]) {
		i++
	}
	return i - p
}

// bareValueFits reports whether an unquoted value of at least minValue
// bytes, as the bare form reads one, may follow the key. The bare form
// (generic-secret-bare: KEY["']?[ \t]*(=>|:=|=|:|>|[ \t])[ \t]*VALUE)
// has no ',' or '(' operator, and its value is a run of bytes that are no
// bareStops starting at the first byte after the operator and the spaces
// (v), or, when spaces come before a ':' operator, at the operator itself
// (the spaces read as the separator). A shorter value is one the
// credential filter drops ("shorter than 8 characters"), so the hit is
// ruled out before the regex and the filter run: on a history of Go and
// HCL most hits of "token" or "password" are prose and struct fields
// ("token must be copied", "Password *string"). The answer errs towards
// true: where the guard stopped skipping spaces (16 at most) before the
// value, it says yes.
func bareValueFits(data []byte, op, opEnd, v, sp int, spaced bool, minValue int) bool {
	if v < len(data) && (data[v] == ' ' || data[v] == '\t') {
		return true // more spaces than the guard skips: not judged here
	}
	if spaced {
		// The byte after the spaces is no operator (else the guard
		// would have read one), so the value starts there, at op.
		if op < len(data) && (data[op] == ' ' || data[op] == '\t') {
			return true
		}
		return bareRun(data, v) >= minValue
	}
	if c := data[op]; c == ',' || c == '(' {
		return false
	}
	if bareRun(data, v) >= minValue {
		return true
	}
	if data[op] == ':' && sp > 0 {
		n := opEnd - op
		if v == opEnd {
			n += bareRun(data, v)
		}
		return n >= minValue
	}
	return false
}

// userinfoGuard: "://" is followed by user:password@ before the end of
// the authority. The window starts at the scheme.
func userinfoGuard(data []byte, ks, ke int) (int, int, bool) {
	n := len(data)
	colon, at := -1, -1
	for i := ke; i < n && i-ke < 256; i++ {
		c := data[i]
		if c == '@' {
			at = i
			break
		}
		if c == ':' && colon < 0 {
			colon = i
		}
		if c < 64 && userinfoStops>>c&1 != 0 {
			break
		}
	}
	if colon < 0 || at < colon {
		return 0, 0, false
	}
	lo := ks
	for lo > 0 && ks-lo < 24 && (isKeyByte(data[lo-1]) || data[lo-1] == '+' || data[lo-1] == ':') {
		lo--
	}
	hi := at + 1
	for hi < n && hi-at < 256 && (isKeyByte(data[hi])) {
		hi++
	}
	return lo, min(hi+1, n), true
}
