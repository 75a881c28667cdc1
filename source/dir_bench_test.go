package source

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchTree writes a source-like tree: 3000 files in nested directories,
// sizes skewed small (most under 8 KiB, a few up to 256 KiB), about 25 MB.
// It returns the root, the file paths and the total size.
func benchTree(b *testing.B) (string, []string, int64) {
	b.Helper()
	root := b.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	line := []byte(strings.Repeat("func handler(w http.ResponseWriter, r *http.Request) { // x\n", 4))
	var paths []string
	var total int64
	for i := range 3000 {
		dir := filepath.Join(root, fmt.Sprintf("pkg%02d", i%40), fmt.Sprintf("sub%d", i%7))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		size := int(rng.ExpFloat64() * (8 << 10))
		size = min(size, 256<<10)
		buf := make([]byte, 0, size+len(line))
		for len(buf) < size {
			buf = append(buf, line...)
		}
		buf = buf[:size]
		p := filepath.Join(dir, fmt.Sprintf("file%04d.go", i))
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
		total += int64(size)
	}
	return root, paths, total
}

// streamSink reads every item through Open in 64 KiB chunks from a pooled
// buffer, the way the scanner streams files.
type streamSink struct{ bufs sync.Pool }

func (s *streamSink) Item(_ context.Context, it Item) error {
	rc, err := it.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	bp, _ := s.bufs.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 64<<10)
		bp = &b
	}
	defer s.bufs.Put(bp)
	for {
		_, err := rc.Read(*bp)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (*streamSink) Skipped(sk Skipped) { panic(fmt.Sprint("bench skip: ", sk)) }

// wholeSink reads every item into an exact-size buffer, as a Data field
// filled by the source would cost.
type wholeSink struct{}

func (wholeSink) Item(_ context.Context, it Item) error {
	rc, err := it.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	buf := make([]byte, it.Size)
	_, err = io.ReadFull(rc, buf)
	return err
}

func (wholeSink) Skipped(sk Skipped) { panic(fmt.Sprint("bench skip: ", sk)) }

// BenchmarkDirVsReadFile walks and reads the tree with Dir, and reads the
// same files sequentially with os.ReadFile from a ready list (no walking),
// in each iteration. "ratio" is Dir time over ReadFile time: under 1 means
// the concurrent walk beats a plain sequential read of known paths.
func BenchmarkDirVsReadFile(b *testing.B) {
	root, paths, total := benchTree(b)
	run := func(b *testing.B, sink Sink) {
		var dirT, seqT time.Duration
		for b.Loop() {
			t0 := time.Now()
			if err := (&Dir{Root: root}).Scan(context.Background(), sink); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			for _, p := range paths {
				if _, err := os.ReadFile(p); err != nil {
					b.Fatal(err)
				}
			}
			dirT += t1.Sub(t0)
			seqT += time.Since(t1)
		}
		b.ReportMetric(float64(dirT.Microseconds())/float64(b.N)/1000, "dir-ms")
		b.ReportMetric(float64(seqT.Microseconds())/float64(b.N)/1000, "readfile-ms")
		b.ReportMetric(float64(dirT)/float64(seqT), "ratio")
		// ns/op covers both halves, so give the walk's own throughput.
		b.ReportMetric(float64(total)*float64(b.N)/dirT.Seconds()/1e6, "dir-MB/s")
	}
	b.Run("stream", func(b *testing.B) { run(b, &streamSink{}) })
	b.Run("whole", func(b *testing.B) { run(b, wholeSink{}) })
}
