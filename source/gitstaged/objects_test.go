package gitstaged

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestObjectsAgreeWithGit reads every object of a repository whose blobs
// and trees are delta-compressed in a pack, plus loose ones, and compares
// each with what `git cat-file --batch` prints.
func TestObjectsAgreeWithGit(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	body := strings.Repeat("a line of text that deltas well\n", 200)
	for i := 0; i < 12; i++ {
		r.write("dir/file.txt", body+fmt.Sprintf("version %d\n", i))
		r.write(fmt.Sprintf("dir/n%d.txt", i), "x\n")
		r.git("add", ".")
		r.git("commit", "-qm", fmt.Sprintf("c%d", i))
	}
	r.git("repack", "-adfq", "--depth=50", "--window=50")
	r.write("loose.txt", "loose object\n")
	r.git("add", ".")
	r.git("commit", "-qm", "loose")

	o := openObjects(filepath.Join(r.dir, ".git"))
	defer o.close()

	cmd := exec.Command("git", "cat-file", "--batch-all-objects", "--batch")
	cmd.Dir = r.dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(bytes.NewReader(out))
	n := 0
	for {
		hdr, err := br.ReadString('\n')
		if err == io.EOF {
			break
		}
		f := strings.Fields(hdr)
		size, _ := strconv.Atoi(f[2])
		want := make([]byte, size+1)
		io.ReadFull(br, want)
		want = want[:size]
		h := plumbing.NewHash(f[0])
		typ, got, err := o.read(h, maxBlob)
		if err != nil {
			t.Fatalf("%s: %v", f[0], err)
		}
		if typ.String() != f[1] || !bytes.Equal(got, want) {
			t.Errorf("%s: got %s of %d bytes, git has %s of %d", f[0], typ, len(got), f[1], size)
		}
		n++
	}
	if n < 40 {
		t.Errorf("only %d objects read", n)
	}
	// The test means something only if the pack holds delta chains.
	idx, _ := filepath.Glob(r.dir + "/.git/objects/pack/*.idx")
	vp := exec.Command("git", append([]string{"verify-pack", "-v"}, idx...)...)
	vp.Dir = r.dir
	vout, err := vp.Output()
	if err != nil {
		t.Fatal(err)
	}
	deltas := 0
	for _, line := range strings.Split(string(vout), "\n") {
		if f := strings.Fields(line); len(f) == 7 && len(f[0]) == 40 {
			deltas++
		}
	}
	if deltas < 10 {
		t.Errorf("only %d deltas in the pack: the test does not exercise delta resolution", deltas)
	}
}
