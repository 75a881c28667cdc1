package decode

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"unicode/utf8"
)

// The reference versions below are the straightforward byte-at-a-time
// decoders the faster ones replaced; the tests check the two agree on
// every input, so the speed-ups cannot change a finding.

func concatenatedRef(data []byte, at int) (Span, bool) {
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
	start := q
	for {
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
	var out []byte
	n, end := 0, start
	for i := start; i < len(data) && i-start < MaxLen; {
		c := data[i]
		if c != '"' && c != '\'' {
			break
		}
		j := i + 1
		for j < len(data) && data[j] != c && data[j] != '\n' {
			if data[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(data) || data[j] != c {
			break
		}
		out = appendUnescapedRef(out, data[i+1:j])
		n++
		end = j + 1
		i = skipJoin(data, j+1)
	}
	if n < 2 || !printableRef(out) {
		return Span{Start: start, End: end}, false
	}
	return Span{Start: start, End: end, Kind: Concat, Text: out}, true
}

func appendUnescapedRef(out, b []byte) []byte {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		switch b[i] {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case '\\', '"', '\'', '/':
			out = append(out, b[i])
		default:
			out = append(out, '\\', b[i])
		}
	}
	return out
}

func printableRef(b []byte) bool {
	if len(b) < minText || !utf8.Valid(b) {
		return false
	}
	bad := 0
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			bad++
		}
	}
	return bad*20 <= len(b)
}

func sameSpan(a, b Span) bool {
	return a.Start == b.Start && a.End == b.End && a.Kind == b.Kind && bytes.Equal(a.Text, b.Text)
}

// checkSame compares the decoders with their references on data.
func checkSame(t *testing.T, data []byte) {
	t.Helper()
	if got, want := Printable(data), printableRef(data); got != want {
		t.Fatalf("Printable(%q) = %v, reference %v", data, got, want)
	}
	if got, want := appendUnescaped(nil, data), appendUnescapedRef(nil, data); !bytes.Equal(got, want) {
		t.Fatalf("appendUnescaped(%q) = %q, reference %q", data, got, want)
	}
	for i := range data {
		got, gok := Concatenated(data, i)
		want, wok := concatenatedRef(data, i)
		if gok != wok || !sameSpan(got, want) {
			t.Fatalf("Concatenated(%q, %d) = %+v %v, reference %+v %v", data, i, got, gok, want, wok)
		}
	}
}

// TestDecodersMatchReference runs both over random text made of the bytes
// the decoders care about (quotes, escapes, joins, line ends, controls,
// multi-byte runes) and over long runs that cross the 8-byte words.
func TestDecodersMatchReference(t *testing.T) {
	alphabet := []byte("\"'\\+. \n\r\tabcnrtux/09\x01\x1f\x7f\xc3\xa9\xff")
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, r.IntN(80))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		checkSame(t, b)
	}
	for _, s := range []string{
		`x = "abcdefghijklmnop" + "qrstuvwxyz0123456789"`,
		"\"-----BEGIN RSA PRIVATE KEY-----\\n\" +\n  \"MIIEowIBAAKCAQEAvq8Zr0KfTmW2\\n\" +\n  'xLpV9hT4kD9sLq2Xv7BnR1c\\n' .\n  \"-----END\";",
		"\"a\x01b\x01c\x01d\x01e\x01f\x01g\x01h\" + \"ijklmnopqrstuvwxyz\x7f0123456789\"",
		"\"plain ascii text, long enough\" \"and more of it, adjacent\\\\\"",
	} {
		checkSame(t, []byte(s))
	}
}

// FuzzDecodersMatchReference: the same on any input.
func FuzzDecodersMatchReference(f *testing.F) {
	f.Add([]byte(`a = "x\\y\"z" + 'q\n' . "w\u00e9"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		checkSame(t, data)
	})
}

// checkMemo calls a memo's Concatenated at each of ats on data, in order,
// and compares each result with the reference.
func checkMemo(t *testing.T, m *ConcatMemo, data []byte, ats []int) {
	t.Helper()
	for _, at := range ats {
		got, gok := m.Concatenated(data, at)
		want, wok := concatenatedRef(data, at)
		if gok != wok || !sameSpan(got, want) {
			t.Fatalf("memo Concatenated(%q, %d) = %+v %v, reference %+v %v", data, at, got.Text, gok, want.Text, wok)
		}
	}
}

// TestConcatMemo: a memo's results are those of a call without it,
// whatever calls came before on the same data: in order and at random
// places, over random text and over chains longer than MaxLen (where the
// memo saves the walks).
func TestConcatMemo(t *testing.T) {
	alphabet := []byte("\"'\\+. \n\tabx/09")
	r := rand.New(rand.NewPCG(3, 4))
	var m ConcatMemo
	for range 3000 {
		b := make([]byte, r.IntN(120))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		var ats []int
		for i := range b {
			ats = append(ats, i)
		}
		m.Reset()
		checkMemo(t, &m, b, ats)
		r.Shuffle(len(ats), func(i, j int) { ats[i], ats[j] = ats[j], ats[i] })
		m.Reset()
		checkMemo(t, &m, b, ats)
	}
	// A gzipped descriptor as Go writes it, 2.5 MaxLen long, with a break
	// in the chain after 1.3 MaxLen.
	var chain bytes.Buffer
	chain.WriteString("var fileDescriptor = []byte(\"\" +\n")
	for i := 0; chain.Len() < MaxLen*5/2; i++ {
		if i == 1200 {
			chain.WriteString("\t\"end\")\nvar other = \"x\" +\n")
		}
		chain.WriteString("\t\"")
		for k := range 16 {
			fmt.Fprintf(&chain, "\\x%02x", (i*16+k)%251)
		}
		chain.WriteString("\" +\n")
	}
	chain.WriteString("\t\"\")\n")
	data := chain.Bytes()
	var joins []int
	for i := 1; i < len(data); i++ {
		if data[i] == '+' {
			joins = append(joins, i-3) // inside the literal before the join, as the decoder calls it
		}
	}
	// The memo must have something to save: joins past MaxLen whose
	// chain starts before.
	first := bytes.IndexByte(data, '"')
	if sp, ok := Concatenated(data, joins[1100]); !ok || sp.Start != first || sp.End-sp.Start < MaxLen-100 {
		t.Fatalf("the test chain is not what it should be: %d..%d, %v", sp.Start, sp.End, ok)
	}
	m.Reset()
	checkMemo(t, &m, data, joins)
	ats := slices.Clone(joins)
	r.Shuffle(len(ats), func(i, j int) { ats[i], ats[j] = ats[j], ats[i] })
	m.Reset()
	checkMemo(t, &m, data, ats[:300])
}
