package scanner

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/source"
)

// fakeRule is a minimal finder so the engine is tested apart from the
// catalogue: a regex with a `secret` group, run over [lo, hi).
type fakeRule struct {
	re     *regexp.Regexp
	window int
	// drop, when set, rejects candidates (like a failed checksum).
	drop func(secret string) string

	mu    sync.Mutex
	calls []span // windows Find was given, for the merge test
}

func (f *fakeRule) Window() int { return f.window }

func (f *fakeRule) Find(data []byte, lo, hi int, fn func(rules.Match), dropped func(secret, why string)) {
	f.mu.Lock()
	f.calls = append(f.calls, span{lo, hi})
	f.mu.Unlock()
	gi := f.re.SubexpIndex("secret")
	for _, mm := range f.re.FindAllSubmatchIndex(data[lo:hi], -1) {
		s, e := lo+mm[2*gi], lo+mm[2*gi+1]
		secret := string(data[s:e])
		if f.drop != nil {
			if why := f.drop(secret); why != "" {
				if dropped != nil {
					dropped(secret, why)
				}
				continue
			}
		}
		m := rules.Match{Start: s, End: e, Secret: secret}
		// Other named groups are context, as rules' are.
		for i, name := range f.re.SubexpNames() {
			if name != "" && name != "secret" && mm[2*i] >= 0 {
				if m.Context == nil {
					m.Context = map[string]string{}
				}
				m.Context[name] = string(data[lo+mm[2*i] : lo+mm[2*i+1]])
			}
		}
		fn(m)
	}
}

type testRule struct {
	id       string
	keywords []string
	f        *fakeRule
}

// tokRule matches the fake token format "tok_" + 20 alphanumerics.
func tokRule(window int) testRule {
	return testRule{id: "fake-tok", keywords: []string{"TOK_"}, f: &fakeRule{
		re: regexp.MustCompile(`(?P<secret>tok_[A-Za-z0-9]{20})`), window: window}}
}

func newTestScanner(t testing.TB, chunkSize int, debugf func(string, ...any), rs ...testRule) *Scanner {
	t.Helper()
	var es []entry
	var kws [][]string
	for _, r := range rs {
		es = append(es, entry{id: r.id, provider: "fake", description: r.id, find: r.f, window: r.f.window})
		kws = append(kws, r.keywords)
	}
	s, err := newScanner(Options{Debugf: debugf}, es, kws)
	if err != nil {
		t.Fatal(err)
	}
	if chunkSize > 0 {
		s.chunkSize = chunkSize
	}
	return s
}

// tok builds a fake token at test time (the repo scans itself).
func tok(body string) string {
	for len(body) < 20 {
		body += "0"
	}
	return "to" + "k_" + body[:20]
}

// items is a Source over fixed items, handed to the sink in order.
type items []source.Item

func (is items) Scan(ctx context.Context, sink source.Sink) error {
	for _, it := range is {
		if err := sink.Item(ctx, it); err != nil {
			return err
		}
	}
	return nil
}

func memItem(path string, data []byte) source.Item {
	return source.Item{Origin: source.Origin{Kind: "file", Path: path}, Data: data, Size: int64(len(data))}
}

// streamItem serves data through Open; wrap lets a test shape the reads.
func streamItem(path string, data []byte, wrap func(io.Reader) io.Reader) source.Item {
	return source.Item{Origin: source.Origin{Kind: "file", Path: path}, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) {
			var r io.Reader = bytes.NewReader(data)
			if wrap != nil {
				r = wrap(r)
			}
			return io.NopCloser(r), nil
		}}
}

func run(t testing.TB, s *Scanner, src source.Source) *Result {
	t.Helper()
	res, err := s.Run(context.Background(), src)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// naivePos is the reference line/column: 1-based line, 1-based column in
// runes (an invalid byte counts as one), computed over the whole input.
func naivePos(data []byte, off int) (line, col int) {
	line = bytes.Count(data[:off], []byte{'\n'}) + 1
	ls := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, utf8.RuneCount(data[ls:off]) + 1
}

// allLocations flattens a result into secret -> locations.
func allLocations(res *Result) map[string][]Location {
	out := map[string][]Location{}
	for _, f := range res.Findings {
		out[f.Secret] = append(out[f.Secret], f.Locations...)
	}
	return out
}

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }
