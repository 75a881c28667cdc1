// Command mkrepo makes a deterministic synthetic git repository for
// benchmarks: a history of text files that change a little in each commit
// (so packs are mostly deltas, as in real projects), a few branches and
// tags, and fake credentials planted at known commits. The same flags give
// the same repository, byte for byte, on any machine.
//
//	go run ./bench/mkrepo -out /tmp/repo -commits 5000 -files 2000 -churn 5 -size 16384 -tokens 20
//
// It streams the history into "git fast-import" and then repacks.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"time"
)

type config struct {
	out       string
	commits   int
	files     int
	churn     int
	size      int
	tokens    int
	branches  int
	seed      uint64
	repack    bool
	bareFlag  bool
	depth     int
	verbosity bool
}

func main() {
	var c config
	flag.StringVar(&c.out, "out", "", "directory to create (must not exist)")
	flag.IntVar(&c.commits, "commits", 1000, "number of commits")
	flag.IntVar(&c.files, "files", 500, "number of files in the tree")
	flag.IntVar(&c.churn, "churn", 3, "files changed per commit")
	flag.IntVar(&c.size, "size", 8192, "average file size in bytes")
	flag.IntVar(&c.tokens, "tokens", 10, "fake credentials to plant")
	flag.IntVar(&c.branches, "branches", 4, "side branches (merged back) and tags")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed")
	flag.BoolVar(&c.repack, "repack", true, "run git repack -adf afterwards, as a gc'd repository would be")
	flag.IntVar(&c.depth, "depth", 50, "delta chain depth for repack")
	flag.BoolVar(&c.bareFlag, "bare", false, "make a bare repository")
	flag.BoolVar(&c.verbosity, "v", false, "print progress")
	flag.Parse()
	if c.out == "" || c.commits < 1 || c.files < 1 || c.churn < 1 || c.size < 64 {
		fmt.Fprintln(os.Stderr, "mkrepo: need -out, and positive -commits, -files, -churn, -size >= 64")
		flag.Usage()
		os.Exit(2)
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "mkrepo:", err)
		os.Exit(1)
	}
}

func git(dir string, stdin io.Reader, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

func run(c config) error {
	if _, err := os.Stat(c.out); err == nil {
		return fmt.Errorf("%s exists", c.out)
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	initArgs := []string{"init", "-q", "-b", "main"}
	if c.bareFlag {
		initArgs = append(initArgs, "--bare")
	}
	if err := git(c.out, nil, append(initArgs, ".")...); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- git(c.out, pr, "fast-import", "--quiet", "--depth="+fmt.Sprint(c.depth))
	}()
	w := bufio.NewWriterSize(pw, 1<<20)
	werr := newHistory(c).write(w)
	if werr == nil {
		werr = w.Flush()
	}
	pw.CloseWithError(werr)
	if err := <-done; err != nil {
		return fmt.Errorf("fast-import: %w", err)
	}
	if werr != nil {
		return werr
	}
	if !c.bareFlag {
		if err := git(c.out, nil, "checkout", "-q", "-f", "main"); err != nil {
			return err
		}
	}
	if c.repack {
		if err := git(c.out, nil, "repack", "-q", "-a", "-d", "-f", "--depth="+fmt.Sprint(c.depth), "--window=10"); err != nil {
			return err
		}
	}
	return nil
}

// words make text that compresses and deltas like source code does.
var words = strings.Fields(`func return if else for range var const type struct interface map string int
error nil true false package import defer go select case switch default break continue the of and to in is
config server client request response handler context value key name path file data buffer stream reader
writer token user account project build deploy release version update create delete list get set test`)

type history struct {
	c     config
	rng   *rand.Rand
	files [][]string // file -> lines
	names []string
	when  int64
	mark  int
	plant map[int]int // commit -> token number
}

func newHistory(c config) *history {
	h := &history{c: c, rng: rand.New(rand.NewPCG(c.seed, 0x5c0)), when: 1577836800}
	h.plant = map[int]int{}
	for i := 0; i < c.tokens; i++ {
		h.plant[1+h.rng.IntN(c.commits)] = i
	}
	dirs := max(1, c.files/40)
	for i := 0; i < c.files; i++ {
		h.names = append(h.names, fmt.Sprintf("pkg%03d/sub%d/file%05d.go", i%dirs, (i/dirs)%3, i))
		h.files = append(h.files, h.lines(c.size/40+1))
	}
	return h
}

func (h *history) line() string {
	n := 3 + h.rng.IntN(8)
	var b strings.Builder
	b.WriteString("\t")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[h.rng.IntN(len(words))])
	}
	return b.String()
}

func (h *history) lines(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = h.line()
	}
	return out
}

// Token returns the i-th fake AWS access key id: its shape is real, its
// value is not. Assembled from parts so that mkrepo's own source holds none.
func Token(seed uint64, i int) string {
	rng := rand.New(rand.NewPCG(seed, uint64(i)+7))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := []byte("AK" + "IA")
	for len(b) < 20 {
		b = append(b, alphabet[rng.IntN(len(alphabet))])
	}
	return string(b)
}

func (h *history) blob(w *bufio.Writer, content string) int {
	h.mark++
	fmt.Fprintf(w, "blob\nmark :%d\ndata %d\n%s\n", h.mark, len(content), content)
	return h.mark
}

func (h *history) commit(w *bufio.Writer, ref, msg string, from string, merge string, changes []string) {
	h.mark++
	h.when += 600 + int64(h.rng.IntN(3600))
	who := fmt.Sprintf("Dev %d <dev%d@example.com> %d +0000", h.mark%7, h.mark%7, h.when)
	fmt.Fprintf(w, "commit %s\nmark :%d\nauthor %s\ncommitter %s\ndata %d\n%s\n", ref, h.mark, who, who, len(msg), msg)
	if from != "" {
		fmt.Fprintf(w, "from %s\n", from)
	}
	if merge != "" {
		fmt.Fprintf(w, "merge %s\n", merge)
	}
	for _, ch := range changes {
		w.WriteString(ch)
		w.WriteByte('\n')
	}
	w.WriteByte('\n')
}

// change edits file f: rewrites a few lines and sometimes grows it.
func (h *history) change(f int) {
	ls := h.files[f]
	for k := 0; k < 1+h.rng.IntN(4); k++ {
		ls[h.rng.IntN(len(ls))] = h.line()
	}
	if h.rng.IntN(4) == 0 {
		at := h.rng.IntN(len(ls))
		extra := h.lines(1 + h.rng.IntN(5))
		ls = append(ls[:at], append(extra, ls[at:]...)...)
	}
	h.files[f] = ls
}

func (h *history) write(w *bufio.Writer) error {
	c := h.c
	start := time.Now()
	// The first commit adds every file.
	var changes []string
	for i := range h.files {
		m := h.blob(w, strings.Join(h.files[i], "\n"))
		changes = append(changes, fmt.Sprintf("M 100644 :%d %s", m, h.names[i]))
	}
	h.commit(w, "refs/heads/main", "initial import", "", "", changes)
	main := h.mark
	branchEvery := c.commits / (c.branches + 1)
	for n := 1; n < c.commits; n++ {
		changes = changes[:0]
		for k := 0; k < c.churn; k++ {
			f := h.rng.IntN(len(h.files))
			h.change(f)
			if tok, ok := h.plant[n]; ok && k == 0 {
				at := h.rng.IntN(len(h.files[f]))
				h.files[f] = append(h.files[f][:at], append([]string{"\taws_access_key_id = \"" + Token(c.seed, tok) + "\""}, h.files[f][at:]...)...)
			}
			m := h.blob(w, strings.Join(h.files[f], "\n"))
			changes = append(changes, fmt.Sprintf("M 100644 :%d %s", m, h.names[f]))
		}
		ref := "refs/heads/main"
		from := fmt.Sprintf(":%d", main)
		side := branchEvery > 0 && n%branchEvery == branchEvery/2 && n/branchEvery < c.branches
		if side {
			// A side branch off main with this change; merged back by the
			// next commit on main, and tagged.
			ref = fmt.Sprintf("refs/heads/topic-%d", n/branchEvery)
		}
		h.commit(w, ref, fmt.Sprintf("change %d", n), from, "", changes)
		if side {
			sideMark := h.mark
			fmt.Fprintf(w, "tag v%d\nfrom :%d\ntagger Dev <dev@example.com> %d +0000\ndata 7\nrelease\n", n, sideMark, h.when)
			h.commit(w, "refs/heads/main", fmt.Sprintf("merge topic %d", n/branchEvery), from, fmt.Sprintf(":%d", sideMark), nil)
		}
		main = h.mark
		if c.verbosity && n%1000 == 0 {
			fmt.Fprintf(os.Stderr, "mkrepo: %d commits in %v\n", n, time.Since(start).Round(time.Millisecond))
		}
	}
	fmt.Fprintf(w, "reset refs/heads/main\nfrom :%d\n\n", main)
	return nil
}
