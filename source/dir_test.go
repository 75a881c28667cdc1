package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// recSink records what a source yields. It is safe for concurrent use.
// Items up to readLimit bytes are read whole; larger ones are only opened
// and closed, so a 2 GB test file costs nothing.
type recSink struct {
	readLimit int64
	noOpen    bool // never call Open (checks the source closes what it opened)
	failAfter int  // return errStop from the n-th Item call (0: never)
	calls     int  // guarded by mu
	mu        sync.Mutex
	items     map[string]recItem
	skipped   []Skipped
}

type recItem struct {
	Kind string
	Size int64
	Data []byte
}

var errStop = errors.New("sink says stop")

func newSink() *recSink { return &recSink{readLimit: 1 << 20, items: map[string]recItem{}} }

func (s *recSink) Item(ctx context.Context, it Item) error {
	s.mu.Lock()
	s.calls++
	n := s.calls
	if _, dup := s.items[it.Origin.Path]; dup {
		s.mu.Unlock()
		return fmt.Errorf("item %s yielded twice", it.Origin.Path)
	}
	s.mu.Unlock()
	if s.failAfter > 0 && n >= s.failAfter {
		return errStop
	}
	rec := recItem{Kind: it.Origin.Kind, Size: it.Size}
	if !s.noOpen {
		rc, err := it.Open()
		if err != nil {
			return fmt.Errorf("open %s: %w", it.Origin.Path, err)
		}
		if it.Size <= s.readLimit {
			if rec.Data, err = io.ReadAll(rc); err != nil {
				return err
			}
		}
		if err := rc.Close(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.items[it.Origin.Path] = rec
	s.mu.Unlock()
	return nil
}

func (s *recSink) Skipped(sk Skipped) {
	s.mu.Lock()
	s.skipped = append(s.skipped, sk)
	s.mu.Unlock()
}

func (s *recSink) paths() []string {
	var ps []string
	for p := range s.items {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// reasons maps skipped path -> reason, failing on a path reported twice.
func (s *recSink) reasons(t *testing.T) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, sk := range s.skipped {
		if _, dup := m[sk.Path]; dup {
			t.Errorf("%s skipped twice: %+v", sk.Path, s.skipped)
		}
		m[sk.Path] = sk.Reason
	}
	return m
}

// tree writes files (slash paths relative to root, content) under root.
func tree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func scan(t *testing.T, d *Dir) *recSink {
	t.Helper()
	s := newSink()
	if err := d.Scan(context.Background(), s); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return s
}

func TestDirYieldsEveryRegularFileWithContent(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	files := map[string]string{
		"a.txt":            "hello\n",
		"empty":            "",
		"sub/deep/x.go":    "package x\n",
		"bad-utf8.txt":     "token=\xff\xfe\xc3\x28 end",
		"nul.bin":          "before\x00\x00after\x00",
		"sub/with space.y": "k: v",
	}
	tree(t, root, files)
	s := scan(t, &Dir{Root: root, Workers: 3})
	if len(s.skipped) != 0 {
		t.Errorf("unexpected skips: %+v", s.skipped)
	}
	if got, want := s.paths(), slices.Sorted(mapsKeys(files)); !slices.Equal(got, want) {
		t.Fatalf("paths = %q, want %q", got, want)
	}
	for p, c := range files {
		it := s.items[p]
		if it.Kind != "file" || it.Size != int64(len(c)) || !bytes.Equal(it.Data, []byte(c)) {
			t.Errorf("%s: got kind %q size %d data %q, want file %d %q", p, it.Kind, it.Size, it.Data, len(c), c)
		}
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestDirManyFilesEachOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	files := map[string]string{}
	for i := range 300 {
		files[fmt.Sprintf("d%d/f%03d", i%7, i)] = strings.Repeat("x", i)
	}
	tree(t, root, files)
	s := scan(t, &Dir{Root: root, Workers: 8})
	if len(s.items) != len(files) || len(s.skipped) != 0 {
		t.Fatalf("got %d items, %d skips; want %d items", len(s.items), len(s.skipped), len(files))
	}
}

func TestDirSkipsGitDirectoriesAndGitFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{
		".git/config":         "[core]",
		".git/objects/ab/cd":  "blob",
		"src/main.go":         "package main",
		"sub/module/.git":     "gitdir: ../../.git/modules/module\n",
		"sub/module/lib.go":   "package lib",
		"notgit/.gitignore":   "*.o",
		"notgit/.github/x.ym": "on: push",
	})
	s := scan(t, &Dir{Root: root})
	want := []string{"notgit/.github/x.ym", "notgit/.gitignore", "src/main.go", "sub/module/lib.go"}
	if got := s.paths(); !slices.Equal(got, want) {
		t.Errorf("paths = %q, want %q", got, want)
	}
	if len(s.skipped) != 0 {
		t.Errorf(".git should be pruned silently, got skips %+v", s.skipped)
	}
}

func TestDirExcludes(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"top.txt":                 "", // anchored /top.txt
		"a/top.txt":               "",
		"app.log":                 "",
		"a/b/debug.log":           "",
		"keep.log":                "",
		"node_modules/x/index.js": "",
		"a/node_modules/y.js":     "",
		"build/out.bin":           "",
		"a/build":                 "", // a file: "build/" excludes directories only
		"gen/a/b/z.pb.go":         "",
		"gen/z.go":                "",
		"docs/guide/index.md":     "",
		"src/main.go":             "",
	}
	cases := []struct {
		name     string
		patterns []string
		excluded []string
	}{
		{"none", nil, nil},
		{"name at any depth", []string{"*.log"}, []string{"app.log", "a/b/debug.log", "keep.log"}},
		{"negation re-includes", []string{"*.log", "!keep.log"}, []string{"app.log", "a/b/debug.log"}},
		{"directory name prunes subtree", []string{"node_modules"}, []string{"node_modules/x/index.js", "a/node_modules/y.js"}},
		{"leading slash anchors", []string{"/top.txt"}, []string{"top.txt"}},
		{"trailing slash is dirs only", []string{"build/"}, []string{"build/out.bin"}},
		{"double star spans dirs", []string{"gen/**/*.pb.go"}, []string{"gen/a/b/z.pb.go"}},
		{"trailing double star", []string{"docs/**"}, []string{"docs/guide/index.md"}},
		{"leading double star", []string{"**/b/*.log"}, []string{"a/b/debug.log"}},
	}
	root := t.TempDir()
	tree(t, root, files)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := scan(t, &Dir{Root: root, Excludes: c.patterns})
			var want []string
			for p := range files {
				if !slices.Contains(c.excluded, p) {
					want = append(want, p)
				}
			}
			sort.Strings(want)
			if got := s.paths(); !slices.Equal(got, want) {
				t.Errorf("patterns %q:\n got %q\nwant %q", c.patterns, got, want)
			}
			if len(s.skipped) != 0 {
				t.Errorf("exclusions are not skips: %+v", s.skipped)
			}
		})
	}
}

func TestDirRejectsBadExcludePattern(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"[", "a/[b", "", "!"} {
		err := (&Dir{Root: t.TempDir(), Excludes: []string{p}}).Scan(context.Background(), newSink())
		if err == nil || !strings.Contains(err.Error(), "exclude pattern") {
			t.Errorf("pattern %q: err = %v, want an exclude pattern error", p, err)
		}
	}
}

func TestDirMaxFileSizeSkipsWithNotice(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{"at-limit": "0123456789", "over": "0123456789A", "empty": ""})
	s := scan(t, &Dir{Root: root, MaxFileSize: 10})
	if got, want := s.paths(), []string{"at-limit", "empty"}; !slices.Equal(got, want) {
		t.Errorf("paths = %q, want %q", got, want)
	}
	if r := s.reasons(t); len(r) != 1 || r["over"] != ReasonTooLarge {
		t.Errorf("skips = %+v, want over: too large", s.skipped)
	}
	// 0 means no limit.
	if s := scan(t, &Dir{Root: root}); len(s.items) != 3 {
		t.Errorf("MaxFileSize 0 yielded %d items, want 3", len(s.items))
	}
}

func TestDirSparse2GBFileIsYieldedNotRead(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	f, err := os.Create(filepath.Join(root, "huge.img"))
	if err != nil {
		t.Fatal(err)
	}
	const size = 2 << 30
	if err := f.Truncate(size); err != nil {
		t.Fatalf("sparse file: %v", err)
	}
	f.Close()
	s := newSink()
	s.readLimit = 1 << 20 // the sink only opens and closes it
	if err := (&Dir{Root: root}).Scan(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if it, ok := s.items["huge.img"]; !ok || it.Size != size || it.Data != nil {
		t.Errorf("huge.img: %+v (present %v), want size %d, unread", it, ok, size)
	}
	// With a limit it is a notice, not a failure.
	s = scan(t, &Dir{Root: root, MaxFileSize: 100 << 20})
	if len(s.items) != 0 || s.reasons(t)["huge.img"] != ReasonTooLarge {
		t.Errorf("with limit: items %v skips %+v", s.paths(), s.skipped)
	}
}

func TestDirSingleFileRoot(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{"conf/app.yml": "k: v\n"})
	p := filepath.Join(root, "conf", "app.yml")
	s := scan(t, &Dir{Root: p})
	want := filepath.ToSlash(p)
	if it, ok := s.items[want]; !ok || string(it.Data) != "k: v\n" || len(s.items) != 1 {
		t.Errorf("items = %v, want only %s", s.paths(), want)
	}
	if s := scan(t, &Dir{Root: p, Excludes: []string{"*.yml"}}); len(s.items) != 0 {
		t.Errorf("excluded single file was yielded")
	}
}

func TestDirRootErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope")
	err := (&Dir{Root: missing}).Scan(context.Background(), newSink())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing root: err = %v, want ErrNotExist", err)
	}
	// An explicitly named file that cannot be opened is an error too: the
	// scan could not look at anything.
	file := filepath.Join(t.TempDir(), "f")
	tree(t, filepath.Dir(file), map[string]string{"f": "x"})
	d := &Dir{Root: file}
	d.hooks.openFile = func(name string, flag int, perm fs.FileMode) (*os.File, error) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
	}
	if err := d.Scan(context.Background(), newSink()); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("unreadable root file: err = %v, want permission error", err)
	}
}

func TestDirVanishingDirectoryAndFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{"gone/a": "a", "gone/b/c": "c", "lost.txt": "x", "stays.txt": "y"})
	d := &Dir{Root: root, Workers: 2}
	var once sync.Once
	d.hooks.beforeOpen = func(rel string) {
		// Listed by the parent, removed before it is read or opened.
		switch rel {
		case "gone":
			if err := os.RemoveAll(filepath.Join(root, "gone")); err != nil {
				t.Error(err)
			}
		case "lost.txt":
			once.Do(func() { os.Remove(filepath.Join(root, "lost.txt")) })
		}
	}
	s := scan(t, d)
	if got := s.paths(); !slices.Equal(got, []string{"stays.txt"}) {
		t.Errorf("paths = %q, want [stays.txt]", got)
	}
	r := s.reasons(t)
	if r["gone"] != ReasonVanished || r["lost.txt"] != ReasonVanished || len(r) != 2 {
		t.Errorf("skips = %+v, want gone and lost.txt vanished", s.skipped)
	}
}

func TestDirInjectedOpenErrors(t *testing.T) {
	t.Parallel()
	// Root can read anything, so EACCES and EIO are injected here; the real
	// chmod path is tested in TestDirPermissionDeniedOnDisk.
	root := t.TempDir()
	tree(t, root, map[string]string{"locked/a": "a", "secret.txt": "s", "flaky": "f", "ok": "ok"})
	d := &Dir{Root: root}
	d.hooks.openFile = func(name string, flag int, perm fs.FileMode) (*os.File, error) {
		switch filepath.Base(name) {
		case "locked", "secret.txt":
			return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
		case "flaky":
			return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EIO}
		}
		return os.OpenFile(name, flag, perm)
	}
	s := scan(t, d)
	if got := s.paths(); !slices.Equal(got, []string{"ok"}) {
		t.Errorf("paths = %q, want [ok]", got)
	}
	want := map[string]string{"locked": ReasonPermission, "secret.txt": ReasonPermission, "flaky": ReasonReadError}
	if r := s.reasons(t); !mapsEqual(r, want) {
		t.Errorf("skips = %v, want %v", r, want)
	}
	for _, sk := range s.skipped {
		if sk.Detail == "" || strings.Contains(sk.Detail, root) {
			t.Errorf("detail %q should say what failed without repeating the path", sk.Detail)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestDirRootListingFailureIsAnError(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d := &Dir{Root: root}
	d.hooks.openFile = func(name string, flag int, perm fs.FileMode) (*os.File, error) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
	}
	if err := d.Scan(context.Background(), newSink()); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("err = %v, want permission error", err)
	}
}

func TestDirSinkErrorStopsScan(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("d%d/f%d", i%5, i)] = "x"
	}
	tree(t, root, files)
	s := newSink()
	s.failAfter = 3
	err := (&Dir{Root: root, Workers: 2}).Scan(context.Background(), s)
	if !errors.Is(err, errStop) {
		t.Fatalf("err = %v, want the sink's error", err)
	}
	if s.calls >= len(files) {
		t.Errorf("scan went on after the sink failed: %d calls", s.calls)
	}
}

func TestDirCanceledContext(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{"a": "a"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (&Dir{Root: root}).Scan(ctx, newSink()); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestDirOpenTwiceGivesFreshHandle(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, map[string]string{"f": "data"})
	var items []Item
	var mu sync.Mutex
	sink := sinkFunc(func(it Item) error { mu.Lock(); items = append(items, it); mu.Unlock(); return nil })
	if err := (&Dir{Root: root}).Scan(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	// Opened after Item returned: the pre-opened file was closed, so Open
	// must still work by reopening, twice.
	for range 2 {
		rc, err := items[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(b) != "data" {
			t.Errorf("read %q, %v", b, err)
		}
	}
}

type sinkFunc func(Item) error

func (f sinkFunc) Item(_ context.Context, it Item) error { return f(it) }
func (sinkFunc) Skipped(Skipped)                         {}
