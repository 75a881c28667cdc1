// Package progress shows people that a long scan is alive: a one-line
// display on stderr (items, bytes, rate), redrawn a few times a second. It
// counts by wrapping a source's sink, so neither sources nor the scanner
// know about it. Callers decide when to show it (a terminal, no --quiet).
package progress

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/scour-dev/scour/source"
)

// Counter counts the items and bytes a source has had scanned. Its zero
// value is ready; it is safe for concurrent use.
type Counter struct {
	items, bytes atomic.Int64
}

// Snapshot returns the counts so far.
func (c *Counter) Snapshot() (items, bytes int64) { return c.items.Load(), c.bytes.Load() }

// Wrap returns src counting into c: every item is counted once the sink
// (the scanner) is done with it.
func (c *Counter) Wrap(src source.Source) source.Source { return &counted{src, c} }

type counted struct {
	src source.Source
	c   *Counter
}

func (s *counted) Scan(ctx context.Context, sink source.Sink) error {
	return s.src.Scan(ctx, &countingSink{sink, s.c})
}

type countingSink struct {
	source.Sink
	c *Counter
}

func (s *countingSink) Item(ctx context.Context, it source.Item) error {
	err := s.Sink.Item(ctx, it)
	n := it.Size
	if it.Data != nil {
		n = int64(len(it.Data))
	}
	s.c.items.Add(1)
	if n > 0 {
		s.c.bytes.Add(n)
	}
	return err
}

// Display redraws a status line on W until stopped.
type Display struct {
	W io.Writer
	// Noun names the items: "files", "blobs".
	Noun string
	// Delay is how long a scan runs before the line appears: quick scans
	// should not flash it. Every is the redraw interval.
	Delay, Every time.Duration
	// Render, when set, draws the line instead of Line over the Counter
	// (which may then be nil): other long jobs, such as verify, show
	// their own counts.
	Render func() string
}

// Start shows c's counts on d.W after d.Delay, every d.Every, until the
// returned stop is called; stop erases the line (if it was drawn) and
// returns once nothing more will be written.
func (d Display) Start(c *Counter) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() {
		defer wg.Done()
		select {
		case <-done:
			return
		case <-time.After(d.Delay):
		}
		tick := time.NewTicker(d.Every)
		defer tick.Stop()
		for {
			var line string
			if d.Render != nil {
				line = d.Render()
			} else {
				items, bytes := c.Snapshot()
				line = Line(d.Noun, items, bytes, time.Since(start))
			}
			fmt.Fprint(d.W, "\r"+line+"\x1b[K")
			select {
			case <-done:
				fmt.Fprint(d.W, "\r\x1b[K")
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}

// Line renders one status line: "scanning: 1204 files, 19 MB, 6.3 MB/s, 3s".
func Line(noun string, items, bytes int64, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scour: scanning: %d %s, %s", items, noun, humanize.Bytes(uint64(max(bytes, 0))))
	if s := elapsed.Seconds(); s >= 0.5 {
		fmt.Fprintf(&b, ", %s/s", humanize.Bytes(uint64(float64(max(bytes, 0))/s)))
	}
	fmt.Fprintf(&b, ", %s", elapsed.Round(time.Second))
	return b.String()
}
