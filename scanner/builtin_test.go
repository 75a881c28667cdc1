package scanner

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/scour-dev/scour/rules"
)

// builtinSet is the built-in rule set, built once per test binary (it
// costs a few hundred milliseconds under -race). Tests only read it; each
// gets its own Scanner, since some change a scanner's settings.
var builtinSet = sync.OnceValues(rules.Builtin)

func builtinScanner(t testing.TB, chunk int) (*Scanner, *rules.Set) {
	t.Helper()
	return builtinScannerOpts(t, chunk, Options{})
}

// builtinScannerOpts is builtinScanner with options (Rules is set here).
func builtinScannerOpts(t testing.TB, chunk int, opts Options) (*Scanner, *rules.Set) {
	t.Helper()
	set, err := builtinSet()
	if err != nil {
		t.Fatalf("rules.Builtin: %v", err)
	}
	opts.Rules = set
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if chunk > 0 {
		s.chunkSize = chunk
	}
	return s, set
}

type span3 struct {
	start, end int
	secret     string
}

// TestBuiltinExamplesThroughEngine checks the engine and the rules agree:
// for every example of every built-in rule, the full engine (keyword
// automaton, windows, chunks) reports exactly the matches the rule's own
// Find reports over the whole line, at the same offsets, both on the bare
// line and buried in a file big enough to be cut into several chunks.
func TestBuiltinExamplesThroughEngine(t *testing.T) {
	t.Parallel()
	// Without decoding: this is about the engine and the rules agreeing on
	// text as written (decode_test.go covers encoded text).
	whole, set := builtinScannerOpts(t, 0, Options{NoDecode: true})
	chunked, _ := builtinScannerOpts(t, 1, Options{NoDecode: true}) // smallest chunks the windows allow
	chunked.fps = whole.fps                                         // same secrets: compute slow fingerprints once
	fillerLine := "func handler(w http.ResponseWriter) { fmt.Println(\"ok\") } // ü\n"
	n := 0
	for _, r := range set.Rules() {
		for i, ex := range r.Examples {
			n++
			line := []byte(ex.Text)
			var want []span3
			r.FindText(line, func(m rules.Match) { want = append(want, span3{m.Start, m.End, m.Secret}) }, nil)
			if len(want) == 0 {
				t.Errorf("%s example %d: rule.FindText finds nothing in %q", r.ID, i, ex.Text)
				continue
			}
			// Put the line where the first two chunks overlap, so the
			// windows and chunk ownership both come into play.
			filler := strings.Repeat(fillerLine, (chunked.bufSize()-chunked.overlap()/2)/len(fillerLine))
			tail := strings.Repeat(fillerLine, chunked.overlap()/2/len(fillerLine)+2)
			for _, c := range []struct {
				name   string
				s      *Scanner
				prefix string
			}{
				{"bare", whole, ""},
				{"in a file, chunked", chunked, filler},
			} {
				data := []byte(c.prefix + ex.Text + "\n" + tail)
				name := cmp.Or(ex.Path, "ex")
				if len(r.Paths) > 0 {
					// A file restricted by path is that file alone.
					data, c.prefix = []byte(ex.Text), ""
				}
				res := run(t, c.s, items{memItem(name, data)})
				var got []span3
				for _, f := range res.Findings {
					if f.RuleID != r.ID {
						continue
					}
					for _, l := range f.Locations {
						got = append(got, span3{int(l.Offset) - len(c.prefix), int(l.Offset) - len(c.prefix) + len(f.Secret), f.Secret})
					}
				}
				slices.SortFunc(got, func(a, b span3) int { return a.start - b.start })
				if !slices.Equal(got, want) {
					t.Errorf("%s example %d (%s): engine found %v, rule.Find on the line %v\nline: %q",
						r.ID, i, c.name, got, want, ex.Text)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no built-in examples")
	}
	t.Logf("%d examples of %d rules agree", n, len(set.Rules()))
}

// TestBuiltinNegativesThroughEngine: no negative example yields a finding
// of its own rule's provider through the engine.
func TestBuiltinNegativesThroughEngine(t *testing.T) {
	t.Parallel()
	s, set := builtinScanner(t, 0)
	for _, r := range set.Rules() {
		for i, neg := range r.NegativeExamples {
			res := run(t, s, items{memItem("neg", []byte(neg))})
			for _, f := range res.Findings {
				if f.Provider == r.Provider {
					t.Errorf("%s negative example %d: engine reports %s: %q", r.ID, i, f.RuleID, neg)
				}
			}
		}
	}
}
