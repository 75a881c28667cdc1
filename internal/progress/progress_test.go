package progress

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scour-dev/scour/source"
)

type fakeSource []source.Item

func (f fakeSource) Scan(ctx context.Context, sink source.Sink) error {
	for _, it := range f {
		if err := sink.Item(ctx, it); err != nil {
			return err
		}
	}
	sink.Skipped(source.Skipped{Path: "x", Reason: "too large"})
	return nil
}

type nopSink struct {
	mu      sync.Mutex
	items   int
	skipped int
}

func (s *nopSink) Item(context.Context, source.Item) error {
	s.mu.Lock()
	s.items++
	s.mu.Unlock()
	return nil
}
func (s *nopSink) Skipped(source.Skipped) { s.mu.Lock(); s.skipped++; s.mu.Unlock() }

// The wrapper counts items and bytes (in-memory and streamed, unknown
// sizes as zero) and passes everything through to the real sink.
func TestCounterWrap(t *testing.T) {
	var c Counter
	src := c.Wrap(fakeSource{{Data: []byte("hello")}, {Size: 1000}, {Size: -1}})
	sink := &nopSink{}
	if err := src.Scan(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	items, n := c.Snapshot()
	if items != 3 || n != 1005 {
		t.Errorf("counted %d items, %d bytes; want 3, 1005", items, n)
	}
	if sink.items != 3 || sink.skipped != 1 {
		t.Errorf("sink saw %d items, %d skipped", sink.items, sink.skipped)
	}
}

func TestLine(t *testing.T) {
	got := Line("files", 1204, 19_000_000, 3*time.Second)
	if got != "scour: scanning: 1204 files, 19 MB, 6.3 MB/s, 3s" {
		t.Errorf("Line = %q", got)
	}
	if got := Line("blobs", 0, 0, 0); got != "scour: scanning: 0 blobs, 0 B, 0s" {
		t.Errorf("Line at start = %q", got)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Stopped before the delay, the display writes nothing; stopped after,
// it has drawn the line and erases it.
func TestDisplay(t *testing.T) {
	var quick syncBuffer
	stop := Display{W: &quick, Noun: "files", Delay: time.Hour, Every: time.Millisecond}.Start(&Counter{})
	stop()
	stop() // idempotent
	if quick.String() != "" {
		t.Errorf("quick scan drew %q", quick.String())
	}

	var slow syncBuffer
	var c Counter
	c.items.Store(7)
	stop = Display{W: &slow, Noun: "files", Delay: 0, Every: time.Millisecond}.Start(&c)
	for !strings.Contains(slow.String(), "7 files") {
		time.Sleep(time.Millisecond)
	}
	stop()
	if out := slow.String(); !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("line not erased at stop: %q", out)
	}
}

// Render draws a line of the caller's own (verify's "3/40 secrets"), with
// no Counter; it is erased at stop like the scan line.
func TestDisplayRender(t *testing.T) {
	var out syncBuffer
	drawn := make(chan struct{})
	var once sync.Once
	stop := Display{W: &out, Delay: 0, Every: time.Hour, Render: func() string {
		once.Do(func() { close(drawn) })
		return "scour: verifying: 3/40 secrets"
	}}.Start(nil)
	<-drawn
	stop()
	if got := out.String(); !strings.Contains(got, "\rscour: verifying: 3/40 secrets\x1b[K") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("output %q", got)
	}
}
