package scanner

import (
	"bytes"
	"slices"
	"testing"
)

// FuzzMatcher: on any input the engine never panics, every reported secret
// occurs at its offset with the line/column the naive count gives, and
// the result does not depend on how the input is cut into chunks or read.
func FuzzMatcher(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte(tok("Seed1") + "\r\n\x00\xff" + tok("Seed2") + tok("Seed3")))
	f.Add([]byte("TOK_tok_tok_" + tok("Seed4") + " # scour:ignore\n" + tok("Seed5")))
	f.Add([]byte("é世\n" + string(bytes.Repeat([]byte("tok_ab"), 80)) + tok("Seed6")))
	if set, err := builtinSet(); err == nil {
		for _, r := range set.Rules() {
			for _, ex := range r.Examples {
				f.Add([]byte(ex.Text))
			}
		}
	}

	fake := func(chunk int) *Scanner { return newTestScanner(f, chunk, nil, tokRule(20)) }
	big, small := fake(0), fake(1)
	builtin, _ := builtinScanner(f, 0)

	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(res *Result) {
			for _, fd := range res.Findings {
				for _, l := range fd.Locations {
					// A decoded secret is reported at its encoded text.
					if l.Encoding == "" && (l.Offset < 0 || int(l.Offset)+len(fd.Secret) > len(data) ||
						string(data[l.Offset:int(l.Offset)+len(fd.Secret)]) != fd.Secret) {
						t.Fatalf("%s: secret %q not at offset %d", fd.RuleID, fd.Secret, l.Offset)
					}
					if line, col := naivePos(data, int(l.Offset)); l.Line != line || l.Column != col {
						t.Fatalf("%s at %d: line %d col %d, want %d %d", fd.RuleID, l.Offset, l.Line, l.Column, line, col)
					}
				}
			}
		}
		check(run(t, builtin, items{memItem("f", data)}))
		ref := run(t, big, items{memItem("f", data)})
		check(ref)
		for _, res := range []*Result{
			run(t, small, items{memItem("f", data)}),
			run(t, small, items{streamItem("f", data, nil)}),
		} {
			check(res)
			if !sameFindings(ref, res) {
				t.Fatalf("chunked scan differs:\nwhole   %+v\nchunked %+v", ref.Findings, res.Findings)
			}
		}
	})
}

func sameFindings(a, b *Result) bool {
	return slices.EqualFunc(a.Findings, b.Findings, func(x, y Finding) bool {
		return x.RuleID == y.RuleID && x.Secret == y.Secret && slices.Equal(x.Locations, y.Locations)
	})
}
