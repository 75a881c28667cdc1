// Command vocabgen writes internal/wordlike's vocabulary (vocab.txt) from a
// tiktoken BPE rank file, such as cl100k_base.tiktoken from the Go module
// github.com/pkoukk/tiktoken-go-loader:
//
//	go run ./internal/wordlike/internal/vocabgen \
//	    "$(go env GOMODCACHE)/github.com/pkoukk/tiktoken-go-loader@v0.0.2/assets/cl100k_base.tiktoken" \
//	    > internal/wordlike/vocab.txt
//
// It keeps the tokens made only of ASCII letters (a leading space, which
// BPE vocabularies fold into word tokens, is dropped), at least 2 letters
// long, case kept, among the -max most frequent (lowest rank), and prints
// them sorted, one per line. The output is committed: builds never read the
// rank file, and the scanner never downloads anything.
package main

import (
	"bufio"
	"encoding/base64"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	maxRank := flag.Int("max", 100000, "keep tokens of rank below this")
	maxLen := flag.Int("maxlen", 16, "keep tokens at most this long")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: vocabgen [-max N] RANKFILE")
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		enc, rankText, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		rank, err := strconv.Atoi(rankText)
		if err != nil || rank >= *maxRank {
			continue
		}
		tok, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			log.Fatalf("rank %d: %v", rank, err)
		}
		s := strings.TrimPrefix(string(tok), " ")
		if len(s) < 2 || len(s) > *maxLen || !letters(s) {
			continue
		}
		seen[s] = true
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	w := bufio.NewWriter(os.Stdout)
	for _, s := range out {
		fmt.Fprintln(w, s)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
}

func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
