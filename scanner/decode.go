package scanner

import (
	"bytes"

	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner/decode"
)

// A decoder finds encoded text near its trigger keywords and hands what it
// decodes to the rules (docs/design.md, "Decoding"). Decoding is depth 1
// (decoded text is not decoded again) and bounded (decode.MaxLen), and a
// candidate is decoded only after a cheap byte-class test admits it, so
// text with nothing encoded costs a keyword hit and a short scan of its
// window.
type decoder struct {
	kind     string
	triggers []string
	window   int
	// guard, when set, narrows the window around a trigger hit (or rules
	// it out), as a rule's guard does.
	guard func(data []byte, kwStart, kwEnd int) (lo, hi int, ok bool)
	// find calls fn for each decoded candidate in data[lo:hi] and returns
	// how far into data it has decoded (beyond hi, for a run that goes on):
	// later windows start there, so a long run is decoded once, not once
	// for each trigger inside it.
	// m is the caller's memo for Concatenated, reset for each data.
	find func(m *decode.ConcatMemo, data []byte, lo, hi int, fn func(decode.Span)) (done int)
}

// decoders are the built-in decoders; each New gets its own.
func decoders() []*decoder {
	b64 := func(_ *decode.ConcatMemo, data []byte, lo, hi int, fn func(decode.Span)) int {
		decode.Base64Runs(data, lo, hi, fn)
		return lo
	}
	return []*decoder{
		{
			// A base64 value assigned to a key that says so:
			// PRIVATE_KEY_B64=..., client-key-data: ..., "auth": ...
			kind: decode.Base64,
			// Not every credential word: a base64 value under password or
			// token is reported as it is by the generic rules, and those
			// words are on every other line of some code.
			triggers: []string{"private_key", "privatekey", "private-key", "key-data", "key_data", "keydata",
				"_b64", "b64_", "_base64", "base64_", `"auth"`, "secret_data", "secretdata"},
			window: 160,
			guard:  rules.AssignmentWindow,
			find:   b64,
		},
		{
			// A base64 literal next to a decoding call: base64.b64decode("..."),
			// Buffer.from("...", "base64").
			kind: decode.Base64,
			triggers: []string{"b64decode", "atob(", "base64.decode", "base64decode", "decodebase64", "base64 -d",
				"base64 --decode", `'base64'`, `"base64"`, `decodestring("`, "base64:"},
			window: 160,
			find:   b64,
		},
		{
			// Every value of a Kubernetes Secret's data: is base64.
			kind:     decode.Base64,
			triggers: []string{"kind: secret", `"kind": "secret"`, `"kind":"secret"`},
			window:   8192,
			find:     b64,
		},
		{
			kind:     decode.URL,
			triggers: []string{"%2f", "%3a", "%3d", "%40", "%2b"},
			window:   256,
			find: func(m *decode.ConcatMemo, data []byte, lo, hi int, fn func(decode.Span)) int {
				for i := lo; i < hi; {
					k := bytes.IndexByte(data[i:hi], '%')
					if k < 0 {
						return lo
					}
					sp, ok := decode.PercentRun(data, i+k)
					if !ok {
						i = max(sp.End, i+k+1)
						continue
					}
					fn(sp)
					i = max(sp.End, i+k+1)
				}
				return lo
			},
		},
		{
			kind:     decode.Escape,
			triggers: []string{`\u00`, `:\/\/`},
			window:   256,
			find: func(m *decode.ConcatMemo, data []byte, lo, hi int, fn func(decode.Span)) int {
				for i := lo; i < hi; {
					k := bytes.IndexByte(data[i:hi], '\\')
					if k < 0 {
						return lo
					}
					sp, ok := decode.EscapedRun(data, i+k)
					if !ok {
						i = max(sp.End, i+k+2)
						continue
					}
					fn(sp)
					i = max(sp.End, i+k+1)
				}
				return lo
			},
		},
		{
			// A PEM block split over string literals: "-----BEGIN ...\n" + "MII..." + ...
			kind:     decode.Concat,
			triggers: []string{"-----BEGIN"},
			window:   64,
			find: func(m *decode.ConcatMemo, data []byte, lo, hi int, fn func(decode.Span)) int {
				done := lo
				for i := lo; i < hi; {
					k := bytes.Index(data[i:hi], []byte("-----BEGIN"))
					if k < 0 {
						break
					}
					sp, ok := m.Concatenated(data, i+k)
					if ok {
						fn(sp)
					}
					done = max(done, sp.End)
					i = max(i+k+1, sp.End)
				}
				return done
			},
		},
		{
			// Any literal split over lines: "sk_live_51Hx" +\n "Qz..." (a
			// token cut to fit a line length). The rules still decide what
			// the joined text holds.
			kind:     decode.Concat,
			triggers: []string{"\" +\n", "\"+\n", "' +\n", "'+\n", "\" +\r\n"},
			window:   64,
			find: func(m *decode.ConcatMemo, data []byte, lo, hi int, fn func(decode.Span)) int {
				done := lo
				for i := lo; i < hi; {
					k := bytes.IndexAny(data[i:hi], "+")
					if k < 0 {
						break
					}
					// data[i+k] is the +; the literal's closing quote is before it.
					q := i + k - 1
					for q > 0 && data[q] == ' ' {
						q--
					}
					next := i + k + 1
					if q > 0 && (data[q] == '"' || data[q] == '\'') {
						// Each join of a long chain ("a" +\n "b" +\n ...) is a
						// trigger: the chain is walked once, from the first.
						sp, ok := m.Concatenated(data, q-1)
						if ok {
							fn(sp)
						}
						done = max(done, sp.End)
						next = max(next, sp.End)
					}
					i = next
				}
				return done
			},
		},
	}
}

// decodeSpans runs d over the windows around its triggers and matches the
// rules inside what it decodes, in place: the decoded text replaces the
// encoded text within its line, so a key before it (password: <base64>)
// is still there for the rules that need one. A match is reported at the
// encoded text's place (its offsets are the encoded span's), with the
// decoded secret; matches that lie wholly in the line's text as written
// are left to the plain match (and dropRedecoded settles overlaps).
func (s *Scanner) decodeSpans(sc *scratch, is *itemScan, d *decoder, chunk []byte, windows []span, ownFrom, ownTo int) {
	if sc.sub == nil {
		sc.sub = new(scratch)
	}
	sub := sc.sub
	lastStart, lastEnd := -1, -1
	done := 0
	sc.concat.Reset()
	for _, w := range windows {
		lo := max(w.lo, done)
		if lo >= w.hi {
			continue
		}
		done = d.find(&sc.concat, chunk, lo, w.hi, func(ds decode.Span) {
			if ds.Start < ownFrom || ds.Start >= ownTo || ds.Start == lastStart && ds.End == lastEnd {
				return
			}
			lastStart, lastEnd = ds.Start, ds.End
			ls := max(bytes.LastIndexByte(chunk[:ds.Start], '\n')+1, ds.Start-256)
			le := len(chunk)
			if k := bytes.IndexByte(chunk[ds.End:], '\n'); k >= 0 {
				le = ds.End + k
			}
			le = min(le, ds.End+256)
			text := make([]byte, 0, ds.Start-ls+len(ds.Text)+le-ds.End)
			text = append(append(append(text, chunk[ls:ds.Start]...), ds.Text...), chunk[ds.End:le]...)
			dlo, dhi := ds.Start-ls, ds.Start-ls+len(ds.Text)
			sub.found, sub.rejected = sub.found[:0], sub.rejected[:0]
			s.match(sub, is, text, 0, len(text), false)
			for _, f := range sub.found {
				if f.m.End <= dlo || f.m.Start >= dhi {
					continue // in the text as written: the plain match has it
				}
				m := f.m
				m.Start, m.End = ds.Start, ds.End
				sc.found = append(sc.found, found{rule: f.rule, m: m, enc: ds.Kind})
			}
		})
	}
}
