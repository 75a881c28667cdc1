package gitstaged

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/filemode"
)

func open(t *testing.T, r *repo) *Staged {
	t.Helper()
	s, err := Open(Options{Dir: r.dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestInitialCommitEverythingStagedIsNew(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("a.txt", "alpha\n")
	r.write("dir/b.txt", "beta\n")
	r.git("add", ".")
	s := open(t, r)
	if !s.Initial {
		t.Error("Initial = false for a repository without HEAD")
	}
	if got, want := s.Paths(), []string{"a.txt", "dir/b.txt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("paths = %v, want %v", got, want)
	}
	c := scanAll(t, s.Source())
	if len(c.items) != 2 || string(c.items[0].Data) != "alpha\n" || c.items[0].Origin.Kind != KindStaged ||
		c.items[0].Origin.Path != "a.txt" || c.items[0].Origin.BlobID == "" {
		t.Errorf("items = %+v", c.items)
	}
}

func TestNothingStagedAfterCommit(t *testing.T) {
	t.Parallel()
	// The in-memory tree hashing must agree with git's, names git sorts
	// oddly included, or unchanged directories would be read and reported.
	r := newRepo(t)
	for _, name := range []string{"a", "a-b", "a.b", "b/c", "b-c/d", "b.c", "x/y/z", "x/y-z", "x/y.z/w"} {
		r.write(name, name+"\n")
	}
	if err := os.Symlink("a", filepath.Join(r.dir, "link")); err != nil {
		t.Fatal(err)
	}
	r.write("run.sh", "#!/bin/sh\n")
	os.Chmod(filepath.Join(r.dir, "run.sh"), 0o755)
	r.git("add", ".")
	r.git("update-index", "--add", "--cacheinfo", "160000,"+strings.Repeat("ab", 20)+",sub")
	r.git("commit", "-qm", "c1")
	for _, cache := range []bool{true, false} {
		if !cache {
			dropCacheTree(t, r)
			r.git("update-index", "--add", "--cacheinfo", "160000,"+strings.Repeat("ab", 20)+",sub")
		}
		s := open(t, r)
		if len(s.Changes) != 0 || len(s.Notes) != 0 || len(s.Deleted) != 0 {
			t.Errorf("cache tree %v: changes %v notes %v deleted %v, want none", cache, s.Paths(), s.Notes, s.Deleted)
		}
		if s.Initial || s.Entries != 12 || s.treesRead != 0 {
			t.Errorf("cache tree %v: Initial = %v, Entries = %d, trees read = %d (want false, 12, 0)",
				cache, s.Initial, s.Entries, s.treesRead)
		}
	}
}

// dropCacheTree rebuilds the index from the work tree with `git add`, which
// writes no cache tree, so the trees must be hashed from the entries.
func dropCacheTree(t *testing.T, r *repo) {
	t.Helper()
	os.Remove(filepath.Join(r.dir, ".git", "index"))
	r.git("add", "-A")
	data, err := os.ReadFile(filepath.Join(r.dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	if _, cache, err := parseIndex(data); err != nil || cache != nil {
		t.Fatalf("index rebuilt with git add still has a cache tree (%v): the test cannot run", err)
	}
}

func TestModifiedAddedDeletedRenamed(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("keep/same.txt", "same\n")
	r.write("mod/file.txt", "old\n")
	r.write("gone.txt", "bye\n")
	r.write("old/name.txt", "moved content\n")
	r.write("chmod.sh", "echo\n")
	r.git("add", ".")
	r.git("commit", "-qm", "c1")

	r.write("mod/file.txt", "new\n")
	r.write("added/new.txt", "fresh\n")
	r.git("rm", "-q", "gone.txt")
	r.git("mv", "old", "new")
	os.Chmod(filepath.Join(r.dir, "chmod.sh"), 0o755)
	r.git("add", ".")
	for _, cache := range []bool{true, false} {
		if !cache {
			dropCacheTree(t, r)
		}
		t.Run(map[bool]string{true: "cache tree", false: "no cache tree"}[cache], func(t *testing.T) {
			checkModifiedAddedDeletedRenamed(t, open(t, r))
		})
	}
}

func checkModifiedAddedDeletedRenamed(t *testing.T, s *Staged) {
	byPath := map[string]Change{}
	for _, c := range s.Changes {
		byPath[c.Path] = c
	}
	if got, want := s.Paths(), []string{"added/new.txt", "mod/file.txt", "new/name.txt"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("paths = %v, want %v (a mode change alone adds no content)", got, want)
	}
	if c := byPath["mod/file.txt"]; c.HeadBlob.IsZero() || c.RenamedFrom != "" {
		t.Errorf("modified file: %+v, want a HEAD blob", c)
	}
	if c := byPath["new/name.txt"]; c.RenamedFrom != "old/name.txt" || !c.HeadBlob.IsZero() {
		t.Errorf("renamed file: %+v, want RenamedFrom old/name.txt and no HEAD blob at the new path", c)
	}
	if c := byPath["added/new.txt"]; !c.HeadBlob.IsZero() || c.RenamedFrom != "" {
		t.Errorf("added file: %+v", c)
	}
	if want := []string{"gone.txt", "old/name.txt"}; !reflect.DeepEqual(s.Deleted, want) {
		t.Errorf("deleted = %v, want %v", s.Deleted, want)
	}
	// mod/, added/ (new: nothing to read) and old/ (deleted, for renames);
	// keep/ has the same hash in the index as in HEAD and is not read.
	if s.treesRead != 2 {
		t.Errorf("HEAD subtrees read = %d, want 2 (mod/ and old/)", s.treesRead)
	}

	head := scanAll(t, s.HeadSource([]string{"mod/file.txt", "new/name.txt", "added/new.txt"}))
	if len(head.items) != 1 || head.items[0].Origin.Kind != KindHead || string(head.items[0].Data) != "old\n" {
		t.Errorf("HEAD items = %+v, want only the old mod/file.txt", head.items)
	}
}

func TestBinarySymlinkSubmoduleIntentToAdd(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("README", "hi\n")
	r.git("add", ".")
	r.git("commit", "-qm", "c1")

	bin := []byte{0, 1, 2, 0xff, 'k', 'e', 'y', 0}
	os.WriteFile(filepath.Join(r.dir, "blob.bin"), bin, 0o644)
	os.Symlink("target/of/link", filepath.Join(r.dir, "link"))
	r.write("later.txt", "not staged yet\n")
	r.git("add", "blob.bin", "link")
	r.git("add", "-N", "later.txt")
	r.git("update-index", "--add", "--cacheinfo", "160000,"+strings.Repeat("cd", 20)+",vendor/sub")

	s := open(t, r)
	if got, want := s.Paths(), []string{"blob.bin", "link"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("paths = %v, want %v", got, want)
	}
	if s.Changes[1].Mode != filemode.Symlink {
		t.Errorf("link mode = %v", s.Changes[1].Mode)
	}
	c := scanAll(t, s.Source())
	if string(c.items[0].Data) != string(bin) || string(c.items[1].Data) != "target/of/link" {
		t.Errorf("items = %q, %q: binaries are scanned as they are, a symlink's content is its target",
			c.items[0].Data, c.items[1].Data)
	}
	if len(s.Notes) != 2 || s.Notes[0].Path != "later.txt" || s.Notes[0].Reason != "intent-to-add" ||
		s.Notes[1].Path != "vendor/sub" || s.Notes[1].Reason != "submodule" {
		t.Errorf("notes = %+v", s.Notes)
	}
}

func TestDirectoryAndFileSwapPlaces(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("x/inner.txt", "inner\n")
	r.write("y", "file y\n")
	r.git("add", ".")
	r.git("commit", "-qm", "c1")
	r.git("rm", "-rq", "x", "y")
	r.write("x", "x is a file now\n")
	r.write("y/inner.txt", "y is a directory now\n")
	r.git("add", ".")
	s := open(t, r)
	if got, want := s.Paths(), []string{"x", "y/inner.txt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("paths = %v, want %v", got, want)
	}
	if want := []string{"x/inner.txt", "y"}; !reflect.DeepEqual(s.Deleted, want) {
		t.Errorf("deleted = %v, want %v", s.Deleted, want)
	}
}

func TestIndexFileOverride(t *testing.T) {
	t.Parallel()
	// `git commit -a` runs hooks against a temporary index named by
	// GIT_INDEX_FILE; that index, not .git/index, is what gets committed.
	r := newRepo(t)
	r.write("a.txt", "one\n")
	r.git("add", ".")
	r.git("commit", "-qm", "c1")
	r.write("a.txt", "two\n")
	alt := filepath.Join(t.TempDir(), "index")
	runGit(t, r.dir, []string{"GIT_INDEX_FILE=" + alt}, "read-tree", "HEAD")
	runGit(t, r.dir, []string{"GIT_INDEX_FILE=" + alt}, "add", "a.txt")

	if s := open(t, r); len(s.Changes) != 0 {
		t.Errorf("default index: changes %v, want none", s.Paths())
	}
	s, err := Open(Options{Dir: r.dir, IndexFile: alt})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Paths(); !reflect.DeepEqual(got, []string{"a.txt"}) {
		t.Errorf("alternate index: changes %v, want [a.txt]", got)
	}
}

func TestUnreadableIndexIsAnError(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("a.txt", "one\n")
	r.git("add", ".")
	idx := filepath.Join(r.dir, ".git", "index")
	data, _ := os.ReadFile(idx)
	data[len(data)-30] ^= 0xff // breaks the trailing checksum or an entry
	os.WriteFile(idx, data, 0o644)
	if _, err := Open(Options{Dir: r.dir}); err == nil || !strings.Contains(err.Error(), "index") {
		t.Errorf("corrupt index: err = %v, want an error about the index", err)
	}
	os.WriteFile(idx, []byte("DIRC"), 0o644)
	if _, err := Open(Options{Dir: r.dir}); err == nil {
		t.Error("truncated index: no error")
	}
	if _, err := Open(Options{Dir: r.dir, IndexFile: filepath.Join(r.dir, "missing")}); err == nil {
		t.Error("missing GIT_INDEX_FILE: no error")
	}
}

func TestNotARepositoryOrBare(t *testing.T) {
	t.Parallel()
	if _, err := Open(Options{Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "not inside a git repository") {
		t.Errorf("plain directory: err = %v", err)
	}
	r := newRepo(t)
	bare := filepath.Join(t.TempDir(), "bare.git")
	r.git("init", "-q", "--bare", bare)
	if _, err := Open(Options{Dir: bare}); err == nil || !strings.Contains(err.Error(), "bare") {
		t.Errorf("bare repository: err = %v", err)
	}
}

func TestSubdirectoryAndWorktree(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("a/b.txt", "one\n")
	r.git("add", ".")
	r.git("commit", "-qm", "c1")
	wt := filepath.Join(t.TempDir(), "wt")
	r.git("worktree", "add", "-q", wt)
	os.WriteFile(filepath.Join(wt, "c.txt"), []byte("in worktree\n"), 0o644)
	runGit(t, wt, nil, "add", "c.txt")
	r.write("a/b.txt", "two\n")
	r.git("add", ".")

	s, err := Open(Options{Dir: filepath.Join(r.dir, "a")})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Paths(); !reflect.DeepEqual(got, []string{"a/b.txt"}) {
		t.Errorf("main work tree from a subdirectory: %v", got)
	}
	s, err = Open(Options{Dir: wt})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Paths(); !reflect.DeepEqual(got, []string{"c.txt"}) {
		t.Errorf("linked worktree: %v, want its own index", got)
	}
}

func TestMissingBlobIsReportedNotDropped(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("a.txt", "one\n")
	r.git("add", ".")
	h := r.git("rev-parse", ":a.txt")
	os.Remove(filepath.Join(r.dir, ".git", "objects", h[:2], h[2:]))
	s := open(t, r)
	c := scanAll(t, s.Source())
	if len(c.items) != 0 || len(c.skipped) != 1 || c.skipped[0].Path != "a.txt" {
		t.Errorf("items %d, skipped %+v: want the missing blob reported as skipped", len(c.items), c.skipped)
	}
}

func TestUnmergedPathsAreScannedInEveryStage(t *testing.T) {
	t.Parallel()
	// Git refuses to commit with conflicts, but if a hook runs, every
	// version in the index is content that may end up committed.
	r := newRepo(t)
	r.write("f.txt", "base\n")
	r.git("add", ".")
	r.git("commit", "-qm", "base")
	r.git("checkout", "-qb", "other")
	r.write("f.txt", "theirs\n")
	r.git("commit", "-qam", "theirs")
	r.git("checkout", "-q", "main")
	r.write("f.txt", "ours\n")
	r.git("commit", "-qam", "ours")
	cmd := exec.Command("git", "merge", "other")
	cmd.Dir, cmd.Env = r.dir, gitEnv(filepath.Dir(r.dir))
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("merge did not conflict:\n%s", out)
	}
	s := open(t, r)
	stages := map[int]bool{}
	for _, c := range s.Changes {
		if c.Path != "f.txt" || c.HeadBlob.IsZero() {
			t.Errorf("change %+v: want f.txt with its HEAD blob", c)
		}
		stages[c.Stage] = true
	}
	if !stages[1] || !stages[2] || !stages[3] || len(s.Deleted) != 0 {
		t.Errorf("stages %v, deleted %v: want stages 1, 2 and 3 and nothing deleted", stages, s.Deleted)
	}
}

func TestBigStagedBlobIsStreamed(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	big := strings.Repeat("0123456789abcdef", (streamAbove/16)+1) + "the end\n"
	r.write("big.txt", big)
	r.write("small.txt", "small\n")
	r.git("add", ".")
	c := scanAll(t, open(t, r).Source())
	if len(c.items) != 2 {
		t.Fatalf("items: %d", len(c.items))
	}
	it := c.items[0]
	if it.Data != nil || it.Open == nil || it.Size != int64(len(big)) {
		t.Fatalf("big blob: Data %d bytes, Open %v, Size %d: want it streamed", len(it.Data), it.Open != nil, it.Size)
	}
	rc, err := it.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || string(got) != big {
		t.Errorf("streamed %d bytes (%v), want the %d staged", len(got), err, len(big))
	}
	if string(c.items[1].Data) != "small\n" {
		t.Errorf("small blob: %q", c.items[1].Data)
	}
}
