package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/sourcegraph/conc"

	"github.com/scour-dev/scour/source"
)

// modes runs each positional test in memory and streamed, with a chunk
// size small enough that the inputs cross several chunk boundaries.
var modes = []struct {
	name  string
	chunk int
	item  func(string, []byte) source.Item
}{
	{"memory-big", 0, memItem},
	{"memory-small-chunks", 1, memItem},
	{"stream-big", 0, func(p string, d []byte) source.Item { return streamItem(p, d, nil) }},
	{"stream-small-chunks", 1, func(p string, d []byte) source.Item { return streamItem(p, d, nil) }},
	{"stream-one-byte-reads", 1, func(p string, d []byte) source.Item { return streamItem(p, d, iotest.OneByteReader) }},
	{"stream-unknown-size", 1, func(p string, d []byte) source.Item { it := streamItem(p, d, nil); it.Size = -1; return it }},
	// The file grew after it was stat'ed: the buffer must grow, not truncate.
	{"stream-size-understated", 1, func(p string, d []byte) source.Item { it := streamItem(p, d, nil); it.Size /= 3; return it }},
}

func TestPositions(t *testing.T) {
	t.Parallel()
	a, b := tok("Alpha1"), tok("Bravo2")
	cases := []struct {
		name string
		data string
		want []string // tokens expected, in order of appearance
	}{
		{"start of file", a + "\nrest\n", []string{a}},
		{"after multi-byte UTF-8", "héllo 世界 🙂 k=" + a + "\n", []string{a}},
		{"after CRLF lines", "one\r\ntwo\r\nkey: " + a + "\r\nthree\r\n", []string{a}},
		{"two adjacent tokens", "x=" + a + b + "\n", []string{a, b}},
		{"two tokens comma separated", a + "," + b, []string{a, b}},
		{"NUL bytes around", "\x00\x00bin\x00" + a + "\x00\x00", []string{a}},
		{"invalid UTF-8 around", "\xff\xfe\xc3(\xe2\x82 " + a + "\xff\x80 tail", []string{a}},
		{"second line after long line", strings.Repeat("ü", 300) + "\n\t" + a, []string{a}},
		{"end of file without newline", strings.Repeat("x", 1000) + " " + a, []string{a}},
	}
	for _, m := range modes {
		for _, c := range cases {
			t.Run(m.name+"/"+c.name, func(t *testing.T) {
				s := newTestScanner(t, m.chunk, nil, tokRule(20))
				data := []byte(c.data)
				res := run(t, s, items{m.item("f.txt", data)})
				locs := allLocations(res)
				if len(locs) != len(c.want) {
					t.Fatalf("found %d secrets, want %d: %+v", len(locs), len(c.want), res.Findings)
				}
				from := 0
				for _, w := range c.want {
					off := from + bytes.Index(data[from:], []byte(w))
					from = off + 1
					got := locs[w]
					if len(got) != 1 {
						t.Fatalf("%s: %d locations, want 1: %+v", w, len(got), got)
					}
					line, col := naivePos(data, off)
					if got[0].Offset != int64(off) || got[0].Line != line || got[0].Column != col {
						t.Errorf("%s at offset %d line %d col %d, want %d %d %d", w,
							got[0].Offset, got[0].Line, got[0].Column, off, line, col)
					}
				}
				if res.Stats.Bytes != int64(len(data)) || res.Stats.Items != 1 {
					t.Errorf("stats %+v, want 1 item of %d bytes", res.Stats, len(data))
				}
			})
		}
	}
}

// TestChunkBoundaries slides a token across several chunk boundaries: at
// every offset it must be found exactly once, at the right place, whether
// it sits before, inside or across the overlap.
func TestChunkBoundaries(t *testing.T) {
	t.Parallel()
	s := newTestScanner(t, 1, nil, tokRule(20))
	size := s.bufSize()
	tk := tok("Boundary9")
	prefix := "é\r\nline two ü\n"
	for off := size - 3*s.reach; off < 2*size; off++ {
		// Multi-byte filler so boundaries also fall inside runes.
		var buf bytes.Buffer
		buf.WriteString(prefix)
		for buf.Len() < off {
			if buf.Len()%97 == 0 {
				buf.WriteByte('\n')
			} else if buf.Len()%5 == 0 && off-buf.Len() >= 2 {
				buf.WriteString("ß")
			} else {
				buf.WriteByte('.')
			}
		}
		at := buf.Len()
		buf.WriteString(tk + " trailing text\n")
		buf.WriteString(strings.Repeat("-", size))
		data := buf.Bytes()
		for _, it := range []source.Item{memItem("m", data), streamItem("s", data, iotest.HalfReader)} {
			res := run(t, s, items{it})
			locs := allLocations(res)[tk]
			if len(locs) != 1 {
				t.Fatalf("offset %d (%s): %d locations, want 1", at, it.Origin.Path, len(locs))
			}
			line, col := naivePos(data, at)
			if l := locs[0]; l.Offset != int64(at) || l.Line != line || l.Column != col {
				t.Fatalf("offset %d (%s): got offset %d line %d col %d, want line %d col %d",
					at, it.Origin.Path, l.Offset, l.Line, l.Column, line, col)
			}
		}
	}
}

func TestEmptyInput(t *testing.T) {
	t.Parallel()
	s := newTestScanner(t, 0, nil, tokRule(20))
	res := run(t, s, items{memItem("a", nil), memItem("b", []byte{}), streamItem("c", nil, nil)})
	if len(res.Findings) != 0 || len(res.Skipped) != 0 {
		t.Fatalf("empty inputs gave %+v", res)
	}
	if res.Stats.Items != 3 || res.Stats.Bytes != 0 {
		t.Errorf("stats %+v, want 3 items, 0 bytes", res.Stats)
	}
}

// failingReader serves data then fails, like a disk error mid-file.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestReadErrorKeepsEarlierMatches(t *testing.T) {
	t.Parallel()
	s := newTestScanner(t, 1, nil, tokRule(20))
	tk := tok("BeforeError")
	data := []byte("head " + tk + "\n" + strings.Repeat("z", 3*s.bufSize()))
	boom := errors.New("input/output error")
	it := streamItem("disk/file", data, func(r io.Reader) io.Reader { return &failingReader{r, boom} })
	res := run(t, s, items{it})
	if got := allLocations(res)[tk]; len(got) != 1 || got[0].Line != 1 || got[0].Column != 6 {
		t.Fatalf("match before the error not kept: %+v", res.Findings)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Reason != "read error" || res.Skipped[0].Path != "disk/file" ||
		!strings.Contains(res.Skipped[0].Detail, "input/output error") {
		t.Fatalf("skipped = %+v, want one read error for disk/file", res.Skipped)
	}
	if res.Stats.Skipped != 1 || res.Stats.Bytes != int64(len(data)) {
		t.Errorf("stats %+v", res.Stats)
	}
}

func TestOpenErrorIsSkipped(t *testing.T) {
	t.Parallel()
	s := newTestScanner(t, 0, nil, tokRule(20))
	it := source.Item{Origin: source.Origin{Kind: "file", Path: "locked"},
		Open: func() (io.ReadCloser, error) { return nil, errors.New("permission denied") }}
	res := run(t, s, items{it})
	if len(res.Skipped) != 1 || res.Skipped[0].Path != "locked" || res.Skipped[0].Reason != "read error" ||
		!strings.Contains(res.Skipped[0].Detail, "permission denied") {
		t.Fatalf("skipped = %+v", res.Skipped)
	}
}

// TestConcurrentSink feeds the sink from many goroutines at once, as the
// directory source does; run with -race.
func TestConcurrentSink(t *testing.T) {
	t.Parallel()
	s := newTestScanner(t, 0, nil, tokRule(20))
	shared, own := tok("SharedSecret"), "unique"
	src := sourceFunc(func(ctx context.Context, sink source.Sink) error {
		var wg conc.WaitGroup
		for i := range 64 {
			wg.Go(func() {
				data := []byte(fmt.Sprintf("line\nk = %s\nv = %s\n", shared, tok(fmt.Sprintf("%s%02d", own, i))))
				if i%2 == 0 {
					_ = sink.Item(ctx, memItem(fmt.Sprintf("f%02d", i), data))
				} else {
					_ = sink.Item(ctx, streamItem(fmt.Sprintf("f%02d", i), data, nil))
				}
				if i%8 == 0 {
					sink.Skipped(source.Skipped{Path: fmt.Sprintf("big%02d", i), Reason: "too large"})
				}
			})
		}
		wg.Wait()
		return nil
	})
	res := run(t, s, src)
	if res.Stats.Items != 64 || res.Stats.Findings != 65 || len(res.Findings) != 65 || res.Stats.Skipped != 8 {
		t.Fatalf("stats %+v, %d findings", res.Stats, len(res.Findings))
	}
	locs := allLocations(res)[shared]
	if len(locs) != 64 {
		t.Fatalf("shared secret has %d locations, want 64", len(locs))
	}
	for i, l := range locs {
		if want := fmt.Sprintf("f%02d", i); l.Path != want || l.Line != 2 || l.Column != 5 {
			t.Fatalf("location %d = %+v, want %s:2:5 (sorted by path)", i, l, want)
		}
	}
}

type sourceFunc func(ctx context.Context, sink source.Sink) error

func (f sourceFunc) Scan(ctx context.Context, sink source.Sink) error { return f(ctx, sink) }

func TestGroupingAndFingerprint(t *testing.T) {
	t.Parallel()
	s := newTestScanner(t, 0, nil, tokRule(20))
	x, y := tok("Xray"), tok("Yankee")
	res := run(t, s, items{
		memItem("b.txt", []byte(y+"\n"+x+"\n")),
		memItem("a.txt", []byte("\n\n"+x)),
	})
	if len(res.Findings) != 2 {
		t.Fatalf("%d findings, want 2", len(res.Findings))
	}
	for i, f := range res.Findings {
		if f.Fingerprint != Fingerprint(f.Secret) || f.RuleID != "fake-tok" || f.Provider != "fake" {
			t.Errorf("finding %d: %+v", i, f)
		}
		if i > 0 && res.Findings[i-1].Fingerprint > f.Fingerprint {
			t.Errorf("findings not sorted by fingerprint")
		}
	}
	xl := allLocations(res)[x]
	if len(xl) != 2 || xl[0].Path != "a.txt" || xl[0].Line != 3 || xl[1].Path != "b.txt" || xl[1].Line != 2 {
		t.Errorf("locations of x = %+v, want a.txt:3 then b.txt:2", xl)
	}
}

func TestInlineIgnore(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var logs []string
	debugf := func(f string, a ...any) { mu.Lock(); logs = append(logs, fmt.Sprintf(f, a...)); mu.Unlock() }
	s := newTestScanner(t, 0, debugf, tokRule(20))
	kept, a, b := tok("Kept"), tok("IgnoredA"), tok("IgnoredB")
	data := "x = " + a + " # scour:ignore\n" +
		"y = " + b + " // gitleaks:allow\r\n" +
		"z = " + kept + "\n" +
		"# scour:ignore on another line does not count\n"
	res := run(t, s, items{memItem("conf", []byte(data))})
	locs := allLocations(res)
	if len(locs) != 1 || locs[kept] == nil {
		t.Fatalf("findings %+v, want only the unannotated token", res.Findings)
	}
	joined := strings.Join(logs, "\n")
	if !strings.Contains(joined, "conf:1:5") || !strings.Contains(joined, "conf:2:5") || !strings.Contains(joined, "suppressed") {
		t.Errorf("debug output does not report both suppressions:\n%s", joined)
	}
	if strings.Contains(joined, a) || strings.Contains(joined, b) {
		t.Errorf("debug output leaks a whole secret:\n%s", joined)
	}
}

func TestDroppedCandidatesAreRedactedInDebug(t *testing.T) {
	t.Parallel()
	var logs []string
	r := tokRule(20)
	r.f.drop = func(secret string) string {
		if strings.HasSuffix(secret, "0") {
			return "checksum mismatch"
		}
		return ""
	}
	s := newTestScanner(t, 0, func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }, r)
	bad := tok("Bad")
	res := run(t, s, items{memItem("p", []byte("k="+bad+"\nk="+bad+"\n"))})
	if len(res.Findings) != 0 {
		t.Fatalf("dropped candidate reported: %+v", res.Findings)
	}
	if len(logs) != 1 || !strings.Contains(logs[0], "tok_…") || !strings.Contains(logs[0], "checksum mismatch") ||
		strings.Contains(logs[0], bad) {
		t.Errorf("debug lines = %q, want one redacted line naming the reason", logs)
	}
}

// TestOverlappingKeywords: keywords nested in each other ("secret" holds
// "sec") must all be seen, each firing its own rules.
func TestOverlappingKeywords(t *testing.T) {
	t.Parallel()
	long := testRule{id: "long", keywords: []string{"SECRET="}, f: &fakeRule{
		re: regexpMust(`SECRET=(?P<secret>[a-z]{6})`), window: 16}}
	short := testRule{id: "short", keywords: []string{"sec"}, f: &fakeRule{
		re: regexpMust(`(?i)sec(?P<secret>RET=[a-z]{3})`), window: 16}}
	s := newTestScanner(t, 0, nil, long, short)
	res := run(t, s, items{memItem("f", []byte("SECRET=abcdef\n"))})
	if len(res.Findings) != 2 || res.Findings[0].RuleID != "long" || res.Findings[1].RuleID != "short" {
		t.Fatalf("findings %+v, want one per rule", res.Findings)
	}
}

// TestWindowsMerged: many keyword hits close together must not make a
// rule's regex run twice over the same bytes, nor report a match twice.
func TestWindowsMerged(t *testing.T) {
	t.Parallel()
	r := tokRule(32)
	s := newTestScanner(t, 0, nil, r)
	var b strings.Builder
	for i := range 50 {
		fmt.Fprintf(&b, "tok_ tok_ %s\n", tok(fmt.Sprintf("T%03d", i)))
	}
	res := run(t, s, items{memItem("f", []byte(b.String()))})
	if len(res.Findings) != 50 {
		t.Fatalf("%d findings, want 50", len(res.Findings))
	}
	for _, f := range res.Findings {
		if len(f.Locations) != 1 {
			t.Fatalf("%s reported %d times", f.Secret, len(f.Locations))
		}
	}
	calls := r.f.calls
	for i := 1; i < len(calls); i++ {
		if calls[i].lo < calls[i-1].hi {
			t.Fatalf("windows %v and %v overlap", calls[i-1], calls[i])
		}
	}
}

func TestKeywordlessRuleScansEverything(t *testing.T) {
	t.Parallel()
	r := testRule{id: "nokw", f: &fakeRule{re: regexpMust(`<<(?P<secret>[0-9]{4})>>`), window: 16}}
	s := newTestScanner(t, 1, nil, r)
	data := strings.Repeat("filler line\n", 200) + "<<1234>>\n" + strings.Repeat("filler line\n", 200)
	res := run(t, s, items{memItem("f", []byte(data))})
	if len(res.Findings) != 1 || len(res.Findings[0].Locations) != 1 || res.Findings[0].Locations[0].Line != 201 {
		t.Fatalf("findings %+v", res.Findings)
	}
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	s := newTestScanner(t, 0, nil, tokRule(20))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := s.Run(ctx, items{memItem("f", []byte(tok("X")))})
	if !errors.Is(err, context.Canceled) || res == nil {
		t.Fatalf("Run on a cancelled context: %v, %v", res, err)
	}
}

// TestLargeStreamDefaultChunks: an item several times the default chunk
// size is streamed (not skipped), with tokens at the start, across each
// chunk end and at the very end all found once with correct positions.
func TestLargeStreamDefaultChunks(t *testing.T) {
	t.Parallel()
	s := newTestScanner(t, 0, nil, tokRule(20))
	size := s.bufSize()
	line := "const x = \"filler ü\" // ...\n"
	var buf bytes.Buffer
	want := map[string]int{}
	put := func(tk string) { want[tk] = buf.Len(); buf.WriteString(tk) }
	put(tok("First"))
	for k := 1; k <= 3; k++ {
		end := k*size - (k-1)*s.overlap() // where chunk k ends (give or take a realigned rune)
		for buf.Len() < end-10-len(line) {
			buf.WriteString(line)
		}
		for buf.Len() < end-10 {
			buf.WriteByte('.')
		}
		put(tok(fmt.Sprintf("Across%d", k))) // straddles chunk k's end
	}
	buf.WriteString("\n" + line)
	put(tok("Last"))
	data := buf.Bytes()
	res := run(t, s, items{streamItem("big.js", data, nil)})
	locs := allLocations(res)
	if len(locs) != len(want) || res.Stats.Bytes != int64(len(data)) || len(res.Skipped) != 0 {
		t.Fatalf("%d secrets (want %d), stats %+v, skipped %v", len(locs), len(want), res.Stats, res.Skipped)
	}
	for tk, off := range want {
		l := locs[tk]
		line, col := naivePos(data, off)
		if len(l) != 1 || l[0].Offset != int64(off) || l[0].Line != line || l[0].Column != col {
			t.Errorf("%s: %+v, want offset %d line %d col %d", tk, l, off, line, col)
		}
	}
}

func TestLowerInto(t *testing.T) {
	t.Parallel()
	var src []byte
	for c := range 256 {
		src = append(src, byte(c))
	}
	src = append(src, "MiXeD Case: ÄÖÜ éÉ @[`{ AZaz"...)
	for off := range 9 { // every alignment of the 8-byte loop
		in := src[off:]
		got := make([]byte, len(in))
		lowerInto(got, in)
		for i, c := range in {
			want := c
			if 'A' <= c && c <= 'Z' {
				want = c + 32
			}
			if got[i] != want {
				t.Fatalf("offset %d: byte %#x lowered to %#x, want %#x", off, c, got[i], want)
			}
		}
	}
}
