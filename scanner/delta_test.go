package scanner

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coregx/ahocorasick"

	"github.com/scour-dev/scour/source"
)

// deltaCorpus is what adversarial versions are made of: every example of
// every built-in rule (real-looking secrets with their context lines), the
// same encoded as the decoders read them (base64 under a key that says so,
// URL-encoded, JSON-escaped, PEM split over string literals), the rules'
// keywords alone, assignment keys without their values, and inline ignore
// markers.
type deltaCorpus struct {
	examples []string
	encoded  []string
	keywords []string
}

// deltaKeys are assignment keys for the generic layer: inserted before an
// old value, they make a line a credential assignment.
var deltaKeys = []string{"password = ", "api_key: ", "\"client_secret\": \"", "token=", "export DB_PASSWORD=", "auth_token := \"",
	"PRIVATE_KEY_B64=", "client-key-data: ", "secret_data: ", "kind: Secret\ndata:\n  token: "}

// deltaPaths are the paths items are scanned under: plain files, test
// files (generic matches are low confidence there), a lock file (no
// generic layer), and paths that path-restricted rules apply to. A blob
// and its delta base may have different paths, as in git.
var deltaPaths = []string{"main.go", "conf/app.yaml", "pkg/x_test.go", "go.sum", ".netrc", ".pgpass", "config/master.key",
	"sitemanager.xml", ".pypirc", "deploy/secret.yaml"}

func newDeltaCorpus(t *testing.T) deltaCorpus {
	t.Helper()
	set, err := builtinSet()
	if err != nil {
		t.Fatal(err)
	}
	var c deltaCorpus
	for _, r := range set.Rules() {
		for _, ex := range r.Examples {
			c.examples = append(c.examples, ex.Text)
		}
		c.keywords = append(c.keywords, r.Keywords...)
	}
	for _, ex := range c.examples {
		b64 := base64.StdEncoding.EncodeToString([]byte(ex))
		half := len(ex) / 2
		c.encoded = append(c.encoded,
			"PRIVATE_KEY_B64="+b64+"\n",
			"data = base64.b64decode(\""+b64+"\")\n",
			"kind: Secret\ndata:\n  value: "+b64+"\n",
			"url: \""+url.QueryEscape(ex)+"\"\n",
			"{\"v\": \""+strings.ReplaceAll(strings.ReplaceAll(ex, "/", "\\/"), ":", "\\u003a")+"\"}\n",
			"key = \"-----BEGIN \" +\n  \""+ex[:half]+"\" +\n  \""+ex[half:]+"\"\n")
	}
	return c
}

var fillers = []string{
	"func main() {\n", "\treturn nil\n", "}\n", "\n", "# a comment line\n",
	"x := compute(a, b) // TODO\n", "  - name: value\n", "password = \n", "key: ",
	"\"", "'", " ", "=", ":", "# scour:ignore\n", "// gitleaks:allow ",
	strings.Repeat("minified();", 40), "é日本\n",
}

// piece returns a random fragment of test content.
func (c deltaCorpus) piece(rng *rand.Rand) string {
	switch rng.IntN(13) {
	case 0, 1, 2:
		return c.examples[rng.IntN(len(c.examples))] + "\n"
	case 3, 10:
		return c.encoded[rng.IntN(len(c.encoded))]
	case 11:
		return deltaKeys[rng.IntN(len(deltaKeys))]
	case 12:
		// Half an encoded example: a base64 run completed (or edited in
		// the middle) by a later version.
		ex := c.encoded[rng.IntN(len(c.encoded))]
		k := rng.IntN(len(ex) + 1)
		if rng.IntN(2) == 0 {
			return ex[:k]
		}
		return ex[k:]
	case 4:
		// Half an example: the other half may be inserted later, or
		// copied from elsewhere.
		ex := c.examples[rng.IntN(len(c.examples))]
		k := rng.IntN(len(ex) + 1)
		if rng.IntN(2) == 0 {
			return ex[:k]
		}
		return ex[k:]
	case 5:
		return c.keywords[rng.IntN(len(c.keywords))]
	default:
		return fillers[rng.IntN(len(fillers))]
	}
}

// mutate builds a new version from base by random copies and inserts, as
// a git delta would, and returns it with its merged copy runs.
func (c deltaCorpus) mutate(rng *rand.Rand, base []byte) ([]byte, []source.Copy) {
	var out []byte
	var copies []source.Copy
	copyRun := func(off, n int) {
		if n <= 0 {
			return
		}
		dst := int64(len(out))
		out = append(out, base[off:off+n]...)
		if k := len(copies) - 1; k >= 0 && copies[k].Dst+copies[k].Len == dst && copies[k].Src+copies[k].Len == int64(off) {
			copies[k].Len += int64(n)
			return
		}
		copies = append(copies, source.Copy{Dst: dst, Src: int64(off), Len: int64(n)})
	}
	for pos := 0; pos < len(base); {
		n := min(1+rng.IntN(1+len(base)/3), len(base)-pos)
		switch rng.IntN(16) {
		case 0, 1: // insert new content
			for range 1 + rng.IntN(3) {
				out = append(out, c.piece(rng)...)
			}
		case 2: // delete
			pos += n
		case 3: // move: copy from anywhere in the base
			off := rng.IntN(len(base))
			copyRun(off, min(n, len(base)-off))
		case 4: // a single byte, maybe in the middle of a secret or a base64 run
			out = append(out, "\nx=:'\" A/%\\"[rng.IntN(11)])
		default:
			copyRun(pos, n)
			pos += n
		}
	}
	if rng.IntN(4) == 0 {
		out = append(out, c.piece(rng)...)
	}
	return out, copies
}

// deltaItems makes a delta tree of versions: each built from a random
// earlier one, handed over after it (as the git walker does).
func (c deltaCorpus) deltaItems(rng *rand.Rand, n int) items {
	var its items
	var first []byte
	for range 30 + rng.IntN(600) {
		first = append(first, c.piece(rng)...)
	}
	path := func() string { return deltaPaths[rng.IntN(len(deltaPaths))] }
	its = append(its, source.Item{Origin: source.Origin{Kind: "blob", BlobID: "v0", Path: path()}, Data: first, Size: int64(len(first)), Memo: &source.Memo{}})
	for i := 1; i < n; i++ {
		bi := rng.IntN(len(its))
		if rng.IntN(2) == 0 {
			bi = len(its) - 1
		}
		base := its[bi]
		data, copies := c.mutate(rng, base.Data)
		its = append(its, source.Item{
			Origin: source.Origin{Kind: "blob", BlobID: fmt.Sprintf("v%d", i), Path: path()},
			Data:   data, Size: int64(len(data)),
			Memo:  &source.Memo{},
			Delta: &source.Delta{Base: base.Memo, BaseSize: int64(len(base.Data)), Copies: copies},
		})
	}
	return its
}

// freshMemos returns its with new, empty memos (a memo belongs to a run).
func freshMemos(its items) items {
	out := make(items, len(its))
	memos := map[*source.Memo]*source.Memo{}
	for i, it := range its {
		m := &source.Memo{}
		memos[it.Memo] = m
		it.Memo = m
		if it.Delta != nil {
			d := *it.Delta
			d.Base = memos[d.Base]
			it.Delta = &d
		}
		out[i] = it
	}
	return out
}

// leavesWithoutMemo drops the memos no item is built from.
func leavesWithoutMemo(its items) items {
	bases := map[*source.Memo]bool{}
	for _, it := range its {
		if it.Delta != nil {
			bases[it.Delta.Base] = true
		}
	}
	for i := range its {
		if !bases[its[i].Memo] {
			its[i].Memo = nil
		}
	}
	return its
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDeltaMatchingSameFindings is the equivalence proof of delta-aware
// matching (docs/design.md §14): over random delta trees built from every
// built-in rule's examples (secrets split across copies and inserts,
// copied regions moved, keywords and ignore markers inserted beside old
// tokens, lines joined and split), the report is the same byte for byte
// with and without it, and it did carry matches over.
func TestDeltaMatchingSameFindings(t *testing.T) {
	t.Parallel()
	c := newDeltaCorpus(t)
	set, err := builtinSet()
	if err != nil {
		t.Fatal(err)
	}
	full, err := New(Options{Rules: set, NoDeltaMatching: true})
	if err != nil {
		t.Fatal(err)
	}
	delta, err := New(Options{Rules: set})
	if err != nil {
		t.Fatal(err)
	}
	var matched, total int64
	seeds := 16
	if testing.Short() {
		seeds = 6
	}
	if raceEnabled {
		// Single-goroutine work: the race detector finds nothing more in
		// it and makes each seed about ten times as slow.
		seeds = 3
	}
	// What the histories exercised, over all seeds: every kind of rule
	// delta-aware matching must carry or redo.
	kinds := map[string]int{}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 12))
		its := c.deltaItems(rng, 10+rng.IntN(20))
		want := run(t, full, freshMemos(its))
		got := run(t, delta, freshMemos(its))
		// As the git walker hands them: a blob no other is built from has
		// no memo (its hits live in scratch memory).
		leaves := run(t, delta, leavesWithoutMemo(freshMemos(its)))
		leaves.Stats.Matched = got.Stats.Matched
		if lj, gj := mustJSON(t, leaves), mustJSON(t, got); lj != gj {
			t.Fatalf("seed %d: leaves without memos report differently:\n%s\nwith memos:\n%s", seed, lj, gj)
		}
		matched += got.Stats.Matched
		total += got.Stats.Bytes
		want.Stats.Matched, got.Stats.Matched = 0, 0
		wj, _ := json.MarshalIndent(want, "", " ")
		gj, _ := json.MarshalIndent(got, "", " ")
		if string(wj) != string(gj) {
			t.Fatalf("seed %d: delta-aware matching reports differently:\nfull scan: %s\ndelta-aware: %s", seed, wj, gj)
		}
		if len(want.Findings) == 0 {
			t.Fatalf("seed %d: no findings: the test proves nothing", seed)
		}
		for _, f := range want.Findings {
			e := &full.entries[slices.IndexFunc(full.entries, func(e entry) bool { return e.id == f.RuleID })]
			switch {
			case e.applies != nil:
				kinds["path"]++
			case e.guard != nil:
				kinds["guarded"]++ // the generic layer's assignments
			case e.generic:
				kinds["generic"]++
			default:
				kinds["keyword"]++
			}
			for _, l := range f.Locations {
				if l.Encoding != "" {
					kinds["decoded "+l.Encoding]++
				}
			}
		}
	}
	t.Logf("findings by kind: %v", kinds)
	for _, k := range []string{"path", "guarded", "keyword", "decoded base64", "decoded url", "decoded escape", "decoded concat"} {
		if kinds[k] == 0 {
			t.Errorf("no %s findings: the histories do not exercise that kind", k)
		}
	}
	if matched*10 > total*9 {
		t.Errorf("delta-aware matching matched %d of %d bytes: it hardly carried anything", matched, total)
	}
	t.Logf("matched %d of %d bytes", matched, total)
}

// TestDeltaKeywordsSameHits: the keyword hits delta-aware matching lists
// for an item built from a base (carried inside copy runs, searched
// around gaps and seams, long keywords by their tiles) are exactly those
// of a search over the whole item, over random versions rich in long
// keywords split across copy and insert boundaries, in mixed case.
func TestDeltaKeywordsSameHits(t *testing.T) {
	t.Parallel()
	c := newDeltaCorpus(t)
	set, err := builtinSet()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Rules: set})
	if err != nil {
		t.Fatal(err)
	}
	if s.tiles == nil {
		t.Fatal("the catalogue has no keyword longer than tileLen: the tile search is not exercised")
	}
	var long []string
	for _, k := range c.keywords {
		if len(k) > tileLen {
			long = append(long, k, strings.ToUpper(k), k[:len(k)/2], k[len(k)/2:])
		}
	}
	c.keywords = long
	sc := new(scratch)
	sorted := func(h []ahocorasick.Match) []ahocorasick.Match {
		h = slices.Clone(h)
		slices.SortFunc(h, func(a, b ahocorasick.Match) int {
			return cmp.Or(a.Start-b.Start, a.End-b.End, a.PatternID-b.PatternID)
		})
		return h
	}
	straddling := 0
	seeds := 40
	if raceEnabled {
		seeds = 5
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
		its := c.deltaItems(rng, 10+rng.IntN(20))
		memos := map[*source.Memo]*deltaMemo{}
		for _, it := range its {
			want := sorted(s.keywords(sc, it.Data, nil))
			got := want
			if it.Delta != nil {
				var n int64
				got, n = s.deltaKeywords(sc, it.Data, memos[it.Delta.Base], it.Delta.Copies, nil)
				if n > int64(len(it.Data)) {
					t.Fatalf("seed %d %s: searched %d of %d bytes", seed, it.Origin.BlobID, n, len(it.Data))
				}
				for _, h := range got {
					if h.End-h.Start > tileLen && !insideCopy(it.Delta.Copies, h.Start, h.End) {
						straddling++
					}
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d %s: delta keyword hits differ from a full search:\ndelta: %v\nfull:  %v", seed, it.Origin.BlobID, got, want)
			}
			// A memo keeps its hits in hitCmp's order, as scanRecorded
			// leaves them.
			memos[it.Memo] = newDeltaMemo(nil, len(it.Data), want, nil)
		}
	}
	if straddling < 2*seeds {
		t.Errorf("only %d long-keyword hits outside copy runs: the test hardly exercises the tiles", straddling)
	}
	t.Logf("%d long-keyword hits touching new bytes or seams", straddling)
}

// TestSortMergeHits: sortHits sorts as slices.SortFunc does, for lists
// nearly in order (as the automaton reports hits), in reverse order (past
// its insertion budget) and at random; mergeHits of two sorted lists is
// their union sorted.
func TestSortMergeHits(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	random := func(n, spread int) []ahocorasick.Match {
		hits := make([]ahocorasick.Match, n)
		for i := range hits {
			st := r.IntN(spread)
			hits[i] = ahocorasick.Match{PatternID: r.IntN(4), Start: st, End: st + 3 + r.IntN(4)}
		}
		return hits
	}
	want := func(h []ahocorasick.Match) []ahocorasick.Match {
		h = slices.Clone(h)
		slices.SortFunc(h, func(a, b ahocorasick.Match) int {
			return cmp.Or(a.Start-b.Start, a.End-b.End, a.PatternID-b.PatternID)
		})
		return h
	}
	for round := range 3000 {
		n := r.IntN(300)
		hits := random(n, 1+r.IntN(2*n+10))
		switch round % 3 {
		case 0: // by end, as the automaton reports them
			slices.SortFunc(hits, func(a, b ahocorasick.Match) int { return a.End - b.End })
		case 1:
			hits = want(hits)
			slices.Reverse(hits)
		}
		w := want(hits)
		sortHits(hits)
		if !slices.Equal(hits, w) {
			t.Fatalf("sortHits: got %v, want %v", hits, w)
		}
		// Merge two disjoint sorted lists, a with spare room or not.
		all := slices.Compact(want(random(r.IntN(200), 500)))
		var a, b []ahocorasick.Match
		for _, h := range all {
			if r.IntN(3) == 0 {
				b = append(b, h)
			} else {
				a = append(a, h)
			}
		}
		if r.IntN(2) == 0 {
			a = slices.Grow(a, len(b))
		}
		if got := mergeHits(a, b); !slices.Equal(got, all) {
			t.Fatalf("mergeHits: got %v, want %v", got, all)
		}
	}
}

// TestFirstAtOrAfter: the galloping search and a memo's search (indexed
// by position or not) find what bisecting the whole list finds, from any
// earlier answer, for sources in and out of order.
func TestFirstAtOrAfter(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		hits := make([]ahocorasick.Match, r.IntN(200))
		at, step := 0, 1+r.IntN(600)
		for i := range hits {
			at += r.IntN(step)
			hits[i] = ahocorasick.Match{Start: at, End: at + 3}
		}
		from := 0
		for range 10 {
			src := r.IntN(at + 5)
			want, _ := slices.BinarySearchFunc(hits, src, func(h ahocorasick.Match, t int) int { return h.Start - t })
			got := firstAtOrAfter(hits, src, from)
			if got != want {
				t.Fatalf("firstAtOrAfter(%v, %d, %d) = %d, want %d", hits, src, from, got, want)
			}
			// A memo's search, through its position index (built here
			// whatever the number of hits) and without.
			if src < at+4 {
				for _, m := range []*deltaMemo{{size: at + 4, kw: hits, kwAt: hitIndex(hits, at+4)}, {size: at + 4, kw: hits}} {
					if got := m.firstHit(src, from); got != want {
						t.Fatalf("firstHit(%d, %d) over %v (indexed: %v) = %d, want %d", src, from, hits, m.kwAt != nil, got, want)
					}
				}
			}
			// As deltaKeywords moves on: past some of the hits found.
			from = min(got+r.IntN(3), len(hits))
		}
	}
}
