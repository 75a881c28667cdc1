// Package decode finds encoded text that may hide a credential and decodes
// it: base64 (standard and URL alphabets, padded or not), URL (percent)
// encoding, JSON/JavaScript string escapes, and string literals
// concatenated across lines (a PEM key split over "..." + "..."). The
// scanner matches its rules inside what these return and reports findings
// at the encoded text's place (docs/design.md, "Decoding").
//
// Every function is cheap to call on text that holds nothing encoded: it
// admits a candidate only after a byte-class test, decodes at most MaxLen
// bytes of it, and returns only output that is mostly printable text.
// Nothing here allocates unless a candidate is admitted.
package decode

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"unicode/utf8"
)

// Kinds of encoding, as reported on a finding's location.
const (
	Base64  = "base64"
	URL     = "url"
	Escape  = "escape" // JSON / JavaScript string escapes
	Concat  = "concat" // string literals joined by + . or adjacency
	MaxLen  = 64 << 10 // longest encoded candidate decoded
	MinB64  = 16       // shortest base64 run tried (12 decoded bytes)
	minText = 8        // shortest decoded text worth matching
	// maxRun bounds an escaped or percent-encoded run on each side of the
	// escape that triggered it (minified files have very long lines).
	maxRun = 2048
)

// A Span is one decoded candidate: data[Start:End] decoded to Text.
type Span struct {
	Start, End int
	Kind       string
	Text       []byte
}

var b64class = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = 1
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = 1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	t['+'], t['/'] = 2, 2 // standard alphabet only
	t['-'], t['_'] = 3, 3 // URL alphabet only
	return t
}()

// Base64Runs calls fn for each base64 run of at least MinB64 characters in
// data[lo:hi] (extended past the bounds to the run's true ends) that
// decodes to printable text.
func Base64Runs(data []byte, lo, hi int, fn func(Span)) {
	lo, hi = max(lo, 0), min(hi, len(data))
	for i := lo; i < hi; {
		if b64class[data[i]] == 0 {
			i++
			continue
		}
		s := i
		for s > 0 && b64class[data[s-1]] != 0 {
			s--
		}
		e, std, url, upper, lower, digit := i, false, false, false, false, false
		for e < len(data) && b64class[data[e]] != 0 {
			switch c := data[e]; {
			case b64class[c] == 2:
				std = true
			case b64class[c] == 3:
				url = true
			case 'A' <= c && c <= 'Z':
				upper = true
			case 'a' <= c && c <= 'z':
				lower = true
			default:
				digit = true
			}
			e++
		}
		i = e
		pad := 0
		for pad < 2 && e+pad < len(data) && data[e+pad] == '=' {
			pad++
		}
		// Cheap admission: long enough, and mixed like encoded bytes are
		// (identifiers and words rarely hold upper, lower and digits with
		// no separator for 24 characters).
		if e-s+pad < MinB64 || e-s > MaxLen || std && url || !(upper && lower && digit) {
			continue
		}
		enc := base64.RawStdEncoding
		if url {
			enc = base64.RawURLEncoding
		}
		if (e-s)%4 == 1 {
			continue
		}
		buf := make([]byte, enc.DecodedLen(e-s))
		n, err := enc.Decode(buf, data[s:e])
		if err != nil || !Printable(buf[:n]) {
			continue
		}
		fn(Span{Start: s, End: e + pad, Kind: Base64, Text: buf[:n]})
	}
}

// Printable reports whether b is valid UTF-8 text of at least minText
// bytes with at most 1 in 20 control characters (tab, CR, LF excepted).
func Printable(b []byte) bool {
	if len(b) < minText || !utf8.Valid(b) {
		return false
	}
	bad := 0
	i := 0
	// Eight bytes at a time: a word with no byte below 0x20 and no 0x7f
	// has nothing to count (most decoded text is plain ASCII on one line).
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if hasLess(w, 0x20)|hasLess(w^0x7f7f7f7f7f7f7f7f, 1) == 0 {
			continue
		}
		bad += controls(b[i : i+8])
	}
	bad += controls(b[i:])
	return bad*20 <= len(b)
}

// hasLess is non-zero when a byte of w is below n (n <= 128): exact as to
// whether one is, not as to which.
func hasLess(w uint64, n byte) uint64 {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	return (w - ones*uint64(n)) &^ w & high
}

// controls counts the control characters of b that Printable counts.
func controls(b []byte) int {
	bad := 0
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			bad++
		}
	}
	return bad
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// urlStop ends a percent-encoded run: whitespace, quotes, brackets.
func urlStop(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '"', '\'', '`', '<', '>', '(', ')', '[', ']', '{', '}':
		return true
	}
	return false
}

// PercentRun decodes the run of URL text around data[at] (a '%' that
// starts an escape), at most maxRun bytes either side, if the run holds
// escapes that decode to printable text. The span's End is set even when
// ok is false, so a caller can skip the run.
func PercentRun(data []byte, at int) (Span, bool) {
	s, e := at, at
	for s > 0 && at-s < maxRun && !urlStop(data[s-1]) {
		s--
	}
	for e < len(data) && e-at < maxRun && !urlStop(data[e]) {
		e++
	}
	out := make([]byte, 0, e-s)
	escapes := 0
	for i := s; i < e; i++ {
		c := data[i]
		if c == '%' && i+2 < e {
			h, ok1 := unhex(data[i+1])
			l, ok2 := unhex(data[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|l)
				i += 2
				escapes++
				continue
			}
		}
		out = append(out, c)
	}
	if escapes == 0 || !Printable(out) {
		return Span{End: e}, false
	}
	return Span{Start: s, End: e, Kind: URL, Text: out}, true
}

// EscapedRun decodes the JSON/JavaScript string around data[at] (a
// backslash): \uXXXX, \xHH, \/, \\, \", \', \n, \r, \t. The run ends at an
// unescaped quote or a line end, at most maxRun bytes either side. The
// span's End is set even when ok is false, so a caller can skip the run.
func EscapedRun(data []byte, at int) (Span, bool) {
	s := at
	for s > 0 && at-s < maxRun {
		c := data[s-1]
		if c == '\n' || c == '\r' || (c == '"' || c == '\'') && (s < 2 || data[s-2] != '\\') {
			break
		}
		s--
	}
	out := make([]byte, 0, 64)
	escapes := 0
	e := s
	for e < len(data) && e-at < maxRun {
		c := data[e]
		if c == '\n' || c == '\r' || c == '"' || c == '\'' {
			break
		}
		if c != '\\' || e+1 >= len(data) {
			out = append(out, c)
			e++
			continue
		}
		n := data[e+1]
		switch n {
		case 'u':
			if e+6 <= len(data) {
				var r rune
				ok := true
				for _, h := range data[e+2 : e+6] {
					v, good := unhex(h)
					ok = ok && good
					r = r<<4 | rune(v)
				}
				if ok {
					out = utf8.AppendRune(out, r)
					e += 6
					escapes++
					continue
				}
			}
		case 'x':
			if e+4 <= len(data) {
				h, ok1 := unhex(data[e+2])
				l, ok2 := unhex(data[e+3])
				if ok1 && ok2 {
					out = append(out, h<<4|l)
					e += 4
					escapes++
					continue
				}
			}
		case '/', '\\', '"', '\'':
			out = append(out, n)
			e += 2
			escapes++
			continue
		case 'n':
			out = append(out, '\n')
			e += 2
			escapes++
			continue
		case 'r', 't':
			d := byte('\t')
			if n == 'r' {
				d = '\r'
			}
			out = append(out, d)
			e += 2
			escapes++
			continue
		}
		out = append(out, c)
		e++
	}
	if escapes == 0 || !Printable(out) {
		return Span{End: e}, false
	}
	return Span{Start: s, End: e, Kind: Escape, Text: out}, true
}

// Concatenated decodes the string literals joined around data[at] (a
// position inside a literal): "a" + "b", 'a' . 'b', "a" "b" (adjacent, across
// lines), each literal's escapes decoded. It needs at least two literals.
// Failing, it still returns the span the literals cover (without Text).
func Concatenated(data []byte, at int) (Span, bool) {
	return (*ConcatMemo)(nil).Concatenated(data, at)
}

// ConcatMemo makes repeated Concatenated calls on one data cheap: a chain
// longer than MaxLen (a gzipped protobuf descriptor as "\x1f\x8b..." +
// lines, 100 KB and more) is decoded up to MaxLen from its first literal,
// and each join after that is a trigger whose call walked back over the
// whole chain and forward MaxLen again, to the same span: quadratic in
// the chain, 160 MB walked per etcd history scan. The walk back is a
// function of the literal it starts from and the walk forward of where
// the walk back ended, so the memo keeps the opening quotes a walk back
// passed through (each leads to the same first literal) and the forward
// walk's result from that first literal. Results are those of Concatenated
// without the memo (TestConcatMemo). Its zero value is ready; Reset it
// before using it on other data.
type ConcatMemo struct {
	heads []int // opening quotes whose walk back ends at start, ascending
	walk  []int // scratch: the opening quotes the current walk passed
	start int
	have  bool // heads and start are set
	fwd   bool // span and ok are the forward walk's from start
	span  Span
	ok    bool
}

// Reset forgets what m knows, for use on other data.
func (m *ConcatMemo) Reset() {
	m.heads, m.walk = m.heads[:0], m.walk[:0]
	m.have, m.fwd = false, false
	m.span = Span{}
}

// known reports whether the walk back from the opening quote at q is known
// to end at m.start.
func (m *ConcatMemo) known(q int) bool {
	if !m.have || len(m.heads) == 0 || q < m.heads[0] || q > m.heads[len(m.heads)-1] {
		return false
	}
	_, ok := slices.BinarySearch(m.heads, q)
	return ok
}

// Concatenated is the package's Concatenated, remembering in m (nil:
// nothing) what later calls on the same data can reuse.
func (m *ConcatMemo) Concatenated(data []byte, at int) (Span, bool) {
	// The literal holding at: its opening quote is the nearest quote
	// before it on the same line.
	q := -1
	for i := at; i >= 0 && at-i < 4096; i-- {
		if data[i] == '\n' {
			break
		}
		if (data[i] == '"' || data[i] == '\'') && (i == 0 || data[i-1] != '\\') {
			q = i
			break
		}
	}
	if q < 0 {
		return Span{}, false
	}
	// Walk back over earlier literals joined to this one.
	start := q
	joined := false
	if m != nil {
		m.walk = m.walk[:0]
	}
	for {
		if m != nil {
			if m.known(start) {
				start, joined = m.start, true
				break
			}
			m.walk = append(m.walk, start)
		}
		p := skipJoinBack(data, start)
		if p <= 0 || data[p-1] != '"' && data[p-1] != '\'' {
			break
		}
		o := openQuote(data, p-1)
		if o < 0 {
			break
		}
		start = o
	}
	if m != nil {
		// m.walk is descending; every quote in it leads to start.
		slices.Reverse(m.walk)
		if joined {
			m.heads = append(m.heads, m.walk...)
			if !slices.IsSorted(m.heads) {
				slices.Sort(m.heads)
			}
		} else {
			m.heads = append(m.heads[:0], m.walk...)
			m.start, m.have, m.fwd = start, true, false
		}
		if m.fwd {
			return m.span, m.ok
		}
		m.span, m.ok = concatFrom(data, start)
		m.fwd = true
		return m.span, m.ok
	}
	return concatFrom(data, start)
}

// concatFrom decodes the chain of literals whose first opens at start.
func concatFrom(data []byte, start int) (Span, bool) {
	// Two walks over the chain: the first finds how far it goes and how
	// much text it holds, so a single literal (most triggers) costs no
	// allocation and the text is built in one buffer of the right size.
	n, end, size := 0, start, 0
	for i := start; i < len(data) && i-start < MaxLen; {
		j, ok := literalEnd(data, i)
		if !ok {
			break
		}
		size += j - i - 1
		n++
		end = j + 1
		i = skipJoin(data, j+1)
	}
	if n < 2 {
		// End still says how far the literals went, so a caller need not
		// walk the same chain again from each of its joins.
		return Span{Start: start, End: end}, false
	}
	out := make([]byte, 0, size)
	for i, k := start, 0; k < n; k++ {
		j, _ := literalEnd(data, i)
		out = appendUnescaped(out, data[i+1:j])
		i = skipJoin(data, j+1)
	}
	if !Printable(out) {
		return Span{Start: start, End: end}, false
	}
	return Span{Start: start, End: end, Kind: Concat, Text: out}, true
}

// literalEnd returns the closing quote of the literal whose opening quote
// is data[i] (on the same line, escapes skipped), if data[i] is a quote
// and the literal closes.
func literalEnd(data []byte, i int) (int, bool) {
	c := data[i]
	if c != '"' && c != '\'' {
		return 0, false
	}
	j := i + 1
	for j < len(data) && data[j] != c && data[j] != '\n' {
		if data[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(data) || data[j] != c {
		return 0, false
	}
	return j, true
}

// skipJoin skips what may join two literals: spaces, newlines, one + or .
// (or , inside a list: Python's implicit concatenation has none).
func skipJoin(data []byte, i int) int {
	op := false
	for i < len(data) {
		switch c := data[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case (c == '+' || c == '.') && !op:
			op = true
			i++
		default:
			return i
		}
	}
	return i
}

// skipJoinBack is skipJoin backwards from just before data[i].
func skipJoinBack(data []byte, i int) int {
	op := false
	for i > 0 {
		switch c := data[i-1]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i--
		case (c == '+' || c == '.') && !op:
			op = true
			i--
		default:
			return i
		}
	}
	return i
}

// openQuote finds the quote opening the literal whose closing quote is at
// data[close], on the same line.
func openQuote(data []byte, close int) int {
	c := data[close]
	for i := close - 1; i >= 0 && close-i < 4096; i-- {
		if data[i] == '\n' {
			return -1
		}
		if data[i] == c && (i == 0 || data[i-1] != '\\') {
			return i
		}
	}
	return -1
}

// appendUnescaped appends a literal's body with \n, \t, \\, \", \' and \/
// decoded (enough for keys and tokens; others are kept as written). The
// text between escapes is copied in one go: most bodies have none.
func appendUnescaped(out, b []byte) []byte {
	for {
		k := bytes.IndexByte(b, '\\')
		if k < 0 {
			return append(out, b...)
		}
		out = append(out, b[:k]...)
		if k+1 == len(b) {
			return append(out, '\\')
		}
		switch c := b[k+1]; c {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case '\\', '"', '\'', '/':
			out = append(out, c)
		default:
			out = append(out, '\\', c)
		}
		b = b[k+2:]
	}
}
