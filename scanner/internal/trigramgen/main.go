// Command trigramgen counts case-folded byte trigrams in a large body of
// source code and writes the most common ones as the table the scanner's
// keyword prefilter uses to pick each keyword's rarest grams
// (scanner/trigram_freq.bin).
//
// It is run by hand (go generate ./scanner) when the table should be
// refreshed; the output is committed, so builds never depend on what is
// installed where this runs. By default it reads at most -per bytes from
// each of $GOROOT/src, the Go module cache and, where present, the
// system's Python, C headers, Node modules and Google Cloud SDK, so no one
// language's vocabulary dominates (Go, Python, JS, C, YAML, JSON, shell,
// docs: the mix of text the scanner sees in repositories).
//
// Output: 4-byte records sorted by trigram: the three bytes folded with
// b|0x20 (the scanner's folding), then round(4*log2(1+occurrences per GiB)).
// Trigrams with a byte >= 0x80 after folding are not counted.
package main

import (
	"bytes"
	"flag"
	"io/fs"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

var textExt = map[string]bool{
	".go": true, ".s": true, ".c": true, ".h": true, ".js": true, ".ts": true, ".py": true,
	".rb": true, ".java": true, ".rs": true, ".sh": true, ".yaml": true, ".yml": true,
	".json": true, ".toml": true, ".md": true, ".txt": true, ".html": true, ".css": true,
	".proto": true, ".xml": true, ".mod": true, ".cfg": true, ".ini": true, ".cc": true,
	".cpp": true, ".hpp": true, ".php": true, ".tf": true, ".gradle": true, ".kt": true,
}

// fold6 numbers the 64 folded ASCII values (0x20-0x3f, 0x60-0x7f).
func fold6(b byte) (int, bool) {
	f := b | 0x20
	if f >= 0x80 {
		return 0, false
	}
	return int(f&0x1f) | int(f&0x40)>>1, true
}

func unfold6(v int) byte { return byte(v&0x1f) | 0x20 | byte(v&0x20)<<1 }

func main() {
	out := flag.String("o", "trigram_freq.bin", "output file")
	keep := flag.Int("n", 4096, "how many of the most common trigrams to keep")
	per := flag.Int64("per", 80<<20, "read about this many bytes from each root")
	flag.Parse()
	roots := flag.Args()
	if len(roots) == 0 {
		roots = []string{filepath.Join(runtime.GOROOT(), "src")}
		if mc, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			roots = append(roots, strings.TrimSpace(string(mc)))
		}
		for _, r := range []string{"/usr/lib/python3", "/usr/include", "/usr/lib/node_modules", "/usr/lib/google-cloud-sdk"} {
			if _, err := os.Stat(r); err == nil {
				roots = append(roots, r)
			}
		}
	}
	counts := make([]float64, 64*64*64)
	var total int64
	for _, root := range roots {
		limit := total + *per
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // unreadable: skip
			}
			if total >= limit {
				return filepath.SkipAll
			}
			if d.IsDir() || !textExt[filepath.Ext(p)] {
				return nil
			}
			if info, err := d.Info(); err != nil || info.Size() > 1<<20 {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil || bytes.IndexByte(data[:min(len(data), 8192)], 0) >= 0 {
				return nil
			}
			total += int64(len(data))
			for i := 0; i+2 < len(data); i++ {
				a, ok1 := fold6(data[i])
				b, ok2 := fold6(data[i+1])
				c, ok3 := fold6(data[i+2])
				if ok1 && ok2 && ok3 {
					counts[(a*64+b)*64+c]++
				}
			}
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	if total == 0 {
		log.Fatal("no input")
	}
	idx := make([]int, len(counts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case counts[a] > counts[b]:
			return -1
		case counts[a] < counts[b]:
			return 1
		}
		return 0
	})
	idx = idx[:min(*keep, len(idx))]
	slices.Sort(idx)
	scale := float64(1<<30) / float64(total)
	var buf []byte
	for _, i := range idx {
		v := math.Round(4 * math.Log2(1+counts[i]*scale))
		buf = append(buf, unfold6(i>>12), unfold6(i>>6&63), unfold6(i&63), byte(min(v, 255)))
	}
	if err := os.WriteFile(*out, buf, 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d MB read, %d trigrams written to %s", total>>20, len(idx), *out)
}
