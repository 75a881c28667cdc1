package sweep

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scour-dev/scour/forge"
	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
	"github.com/scour-dev/scour/store"
)

var t0 = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

var fakeSecret = regexp.MustCompile(`FAKESECRET_[A-Z0-9]{8}`)

// blobScanner is a stand-in for the scan pipeline: it lists the objects
// of the repository with git, reads the blobs the request's Known set
// lacks, and reports FAKESECRET_ tokens. It counts the blobs it reads, so
// tests can tell a full scan from an incremental one, and hands back every
// object it listed as handled.
type blobScanner struct {
	blobs    atomic.Int64
	calls    atomic.Int64
	mu       sync.Mutex
	requests []Request
	// block, when set, is waited on before each scan returns.
	block chan struct{}
}

func (b *blobScanner) scan(ctx context.Context, req Request) (*Outcome, error) {
	fs, objects, read, err := b.findings(ctx, req)
	if err != nil {
		return nil, err
	}
	return &Outcome{Findings: fs, Objects: objects, Blobs: read}, nil
}

func (b *blobScanner) findings(ctx context.Context, req Request) ([]scanner.Finding, [][]byte, int64, error) {
	b.calls.Add(1)
	b.mu.Lock()
	b.requests = append(b.requests, req)
	b.mu.Unlock()
	out, err := exec.CommandContext(ctx, "git", "-C", req.GitDir, "rev-list", "--objects", "--all").Output()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("rev-list: %w", err)
	}
	found := map[string]*scanner.Finding{}
	var objects [][]byte
	var read int64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		id, path, _ := strings.Cut(sc.Text(), " ")
		raw, err := hex.DecodeString(id)
		if err != nil {
			return nil, nil, 0, err
		}
		objects = append(objects, raw)
		if path == "" || req.Known.HasRaw(raw) {
			continue
		}
		typ, _ := exec.Command("git", "-C", req.GitDir, "cat-file", "-t", id).Output()
		if strings.TrimSpace(string(typ)) != "blob" {
			continue
		}
		b.blobs.Add(1)
		read++
		data, err := exec.Command("git", "-C", req.GitDir, "cat-file", "blob", id).Output()
		if err != nil {
			return nil, nil, 0, err
		}
		for _, m := range fakeSecret.FindAll(data, -1) {
			sum := sha256.Sum256(m)
			fp := hex.EncodeToString(sum[:])
			f := found[fp]
			if f == nil {
				f = &scanner.Finding{RuleID: "fake-secret", Provider: "fake", Secret: string(m), Fingerprint: fp}
				found[fp] = f
			}
			f.Locations = append(f.Locations, scanner.Location{Origin: source.Origin{Kind: "blob", Path: path, BlobID: id, Remote: req.Repo.CloneURL}, Line: 1, Column: 1})
		}
	}
	if b.block != nil {
		<-b.block
	}
	var fs []scanner.Finding
	for _, f := range found {
		fs = append(fs, *f)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Fingerprint < fs[j].Fingerprint })
	return fs, objects, read, nil
}

// org makes n repositories under root; repository i holds its own secret,
// and every third one also the shared secret.
func org(t *testing.T, root string, n int) []*gittest.Repo {
	t.Helper()
	gittest.RequireGit(t)
	var out []*gittest.Repo
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("team/repo-%02d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := exec.Command("git", "-C", dir, "init", "-q", "-b", "main").Run(); err != nil {
			t.Fatal(err)
		}
		r := gittest.Open(t, dir, false)
		r.WriteFile("README.md", fmt.Sprintf("repo %d\n", i))
		r.WriteFile("config/app.env", fmt.Sprintf("TOKEN=FAKESECRET_OWN%05d\n", i))
		if i%3 == 0 {
			r.WriteFile("deploy.sh", "export KEY=FAKESECRET_SHARED00\n")
		}
		r.Commit("initial")
		out = append(out, r)
	}
	return out
}

type harness struct {
	t *testing.T
	// inPlace reads the local repositories where they are (the default
	// for paths) instead of mirroring them.
	inPlace bool
	root    string
	cache   string
	scanner *blobScanner
	events  []Event
}

func newHarness(t *testing.T, n int) (*harness, []*gittest.Repo) {
	h := &harness{t: t, root: t.TempDir(), cache: t.TempDir(), scanner: &blobScanner{}}
	return h, org(t, h.root, n)
}

func (h *harness) list() []forge.Repo {
	h.t.Helper()
	repos, err := forge.New(forge.Options{}).List(context.Background(), forge.Target{Kind: forge.KindDir, Name: h.root})
	if err != nil {
		h.t.Fatal(err)
	}
	return repos
}

func (h *harness) sweep(st *store.Store, shard Shard, gitProg string) Summary {
	h.t.Helper()
	h.events = nil
	var mu sync.Mutex
	sum, err := Run(context.Background(), h.list(), Options{
		Store: st, Mirrors: &Mirrors{Dir: h.cache, Git: gitProg, MirrorLocal: !h.inPlace}, Scan: h.scanner.scan,
		Shard: shard, Now: func() time.Time { return t0 },
		Notify: func(e Event) { mu.Lock(); h.events = append(h.events, e); mu.Unlock() },
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return sum
}

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path, store.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestSweepIsIncremental(t *testing.T) {
	t.Parallel()
	for _, inPlace := range []bool{false, true} {
		t.Run(map[bool]string{false: "mirrored", true: "in place"}[inPlace], func(t *testing.T) {
			t.Parallel()
			testIncremental(t, inPlace)
		})
	}
}

func testIncremental(t *testing.T, inPlace bool) {
	h, repos := newHarness(t, 9)
	h.inPlace = inPlace
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))

	sum := h.sweep(st, Shard{}, FindGit())
	if sum.InShard != 9 || sum.Scanned != 9 || sum.Failed != 0 {
		t.Fatalf("first sweep: %+v", sum)
	}
	fs, err := st.Findings(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 10 { // 9 own secrets and the shared one
		t.Fatalf("%d findings, want 10", len(fs))
	}
	for _, f := range fs {
		if f.Secret == "FAKESECRET_SHARED00" || strings.HasPrefix(f.Redacted, "FAKESECRET_SHARED") {
			t.Fatal("raw secret stored")
		}
	}
	shared, _ := st.Findings(context.Background(), store.Filter{Fingerprint: sha(`FAKESECRET_SHARED00`)})
	if len(shared) != 1 || len(shared[0].Repos()) != 3 {
		t.Fatalf("shared secret: %+v", shared)
	}
	first := h.scanner.blobs.Load()

	// Unchanged: nothing is scanned, not a blob is read.
	h.scanner.blobs.Store(0)
	sum = h.sweep(st, Shard{}, FindGit())
	if sum.Scanned != 0 || sum.Unchanged != 9 || h.scanner.blobs.Load() != 0 {
		t.Fatalf("unchanged re-sweep: %+v, %d blobs read", sum, h.scanner.blobs.Load())
	}

	// One pushed commit costs one commit's blobs.
	r := repos[4]
	oldHead := r.Head()
	r.WriteFile("new.txt", "FAKESECRET_PUSHED01\n")
	after := r.Commit("add a leak")
	h.scanner.requests = nil
	sum = h.sweep(st, Shard{}, FindGit())
	if sum.Scanned != 1 || sum.Unchanged != 8 || sum.Blobs != 1 {
		t.Fatalf("after one push: %+v", sum)
	}
	if known := h.scanner.requests[0].Known; known.Len() == 0 || !known.Has(oldHead) {
		t.Errorf("the re-scan was not given the objects scanned before (%d)", known.Len())
	}
	if n := h.scanner.blobs.Load(); n != 1 {
		t.Errorf("read %d blobs after one push of one file (first sweep read %d)", n, first)
	}
	if fs, _ := st.Findings(context.Background(), store.Filter{Fingerprint: sha("FAKESECRET_PUSHED01")}); len(fs) != 1 {
		t.Error("the pushed secret is not in the store")
	}
	repo, _, _ := st.Repo(context.Background(), r.Dir)
	if repo.Tips["refs/heads/main"] != after {
		t.Errorf("tips after re-sweep: %v", repo.Tips)
	}
	if entries, _ := os.ReadDir(h.cache); inPlace && len(entries) != 0 {
		t.Errorf("local repositories were mirrored: %d entries in the cache", len(entries))
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestSweepWithGoGit(t *testing.T) {
	t.Parallel()
	// No git program: mirrors are made with go-git.
	h, _ := newHarness(t, 4)
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	sum := h.sweep(st, Shard{}, "")
	if sum.Scanned != 4 || sum.Failed != 0 {
		t.Fatalf("%+v %+v", sum, h.events)
	}
	sum = h.sweep(st, Shard{}, "")
	if sum.Unchanged != 4 {
		t.Fatalf("re-sweep: %+v", sum)
	}
}

func TestFailedRepositoryIsRecordedAndSweepGoesOn(t *testing.T) {
	t.Parallel()
	h, _ := newHarness(t, 3)
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	repos := append(h.list(), forge.Repo{Name: "gone", CloneURL: filepath.Join(h.root, "gone"), Forge: forge.KindFile})
	clock := &sleepless{}
	sum, err := Run(context.Background(), repos, Options{
		Store: st, Mirrors: &Mirrors{Dir: h.cache, Git: FindGit(), MirrorLocal: true}, Scan: h.scanner.scan, Clock: clock, Retries: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Scanned != 3 || sum.Failed != 1 {
		t.Fatalf("%+v", sum)
	}
	if len(clock.sleeps) != 2 || clock.sleeps[0] != 2*time.Second || clock.sleeps[1] != 4*time.Second {
		t.Errorf("retry waits %v, want [2s 4s]", clock.sleeps)
	}
	gone, ok, _ := st.Repo(context.Background(), filepath.Join(h.root, "gone"))
	if !ok || !strings.HasPrefix(gone.LastError, "fetch: ") {
		t.Errorf("failure not recorded: %+v", gone)
	}
}

// sleepless records waits without waiting; fetch workers share it.
type sleepless struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

func (s *sleepless) Now() time.Time { return t0 }
func (s *sleepless) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sleeps = append(s.sleeps, d)
	return ctx.Err()
}

// canonical is a store's findings as text, without times or row ids.
func canonical(t *testing.T, st *store.Store) string {
	t.Helper()
	fs, err := st.Findings(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s %s\n", f.RuleID, f.Fingerprint[:16])
		for _, o := range f.Occurrences {
			fmt.Fprintf(&b, "  %s %s %s\n", o.Repo, o.Path, o.Blob)
		}
	}
	repos, _ := st.Repos(context.Background())
	for _, r := range repos {
		fmt.Fprintf(&b, "repo %s %v err=%q\n", r.URL, r.Tips, r.LastError)
	}
	return b.String()
}

func TestShardsMergeToTheSingleProcessStore(t *testing.T) {
	t.Parallel()
	h, _ := newHarness(t, 12)
	dir := t.TempDir()
	single := openStore(t, filepath.Join(dir, "single.db"))
	h.sweep(single, Shard{}, FindGit())

	merged := openStore(t, filepath.Join(dir, "merged.db"))
	total := 0
	for k := range 3 {
		path := filepath.Join(dir, fmt.Sprintf("shard-%d.db", k))
		st, err := store.Open(context.Background(), path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sum := h.sweep(st, Shard{K: k, N: 3}, FindGit())
		total += sum.InShard
		st.Close()
		if _, err := merged.Merge(context.Background(), path); err != nil {
			t.Fatal(err)
		}
	}
	if total != 12 {
		t.Errorf("shards covered %d repositories, want 12 exactly once", total)
	}
	if a, b := canonical(t, single), canonical(t, merged); a != b {
		t.Errorf("merged shards differ from one process:\n%s\nvs\n%s", b, a)
	}
}

func TestShardIsStable(t *testing.T) {
	t.Parallel()
	counts := make([]int, 4)
	for i := range 400 {
		u := fmt.Sprintf("https://git.example.com/org/repo-%d.git", i)
		k := ShardOf(u, 4)
		if k != ShardOf(u, 4) || k != ShardOf("https://user:tok@git.example.com/org/repo-"+fmt.Sprint(i)+".git", 4) {
			t.Fatal("shard depends on more than the credential-free URL")
		}
		counts[k]++
	}
	for k, n := range counts {
		if n < 60 {
			t.Errorf("shard %d got %d of 400", k, n)
		}
	}
	for _, bad := range []string{"4/4", "-1/2", "1", "a/b", "0/0"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
	if s, err := ParseShard("2/5"); err != nil || s != (Shard{K: 2, N: 5}) {
		t.Errorf("ParseShard(2/5) = %v %v", s, err)
	}
}

func TestAllObjectsScansUnchangedRepositoriesIncrementally(t *testing.T) {
	t.Parallel()
	h, repos := newHarness(t, 3)
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	h.sweep(st, Shard{}, FindGit())
	repos[0].WriteFile("x.txt", "more\n")
	repos[0].Commit("x")
	h.scanner.requests = nil
	h.scanner.blobs.Store(0)
	// New unreachable objects do not move refs: every repository is
	// scanned, each with what the store says was scanned before.
	sum, err := Run(context.Background(), h.list(), Options{Store: st, Mirrors: &Mirrors{Dir: h.cache, Git: FindGit(), MirrorLocal: true},
		Scan: h.scanner.scan, AllObjects: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Scanned != 3 || sum.Unchanged != 0 || len(h.scanner.requests) != 3 || h.scanner.blobs.Load() != 1 {
		t.Errorf("all objects: %+v, %d blobs read", sum, h.scanner.blobs.Load())
	}
	for _, req := range h.scanner.requests {
		if req.Known.Len() == 0 {
			t.Errorf("%s scanned whole", req.Repo.Name)
		}
	}
}

func TestAnotherProfileRescansWhole(t *testing.T) {
	t.Parallel()
	h, _ := newHarness(t, 2)
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	run := func(profile string) Summary {
		h.scanner.requests = nil
		h.scanner.blobs.Store(0)
		sum, err := Run(context.Background(), h.list(), Options{Store: st, Mirrors: &Mirrors{Dir: h.cache, Git: FindGit(), MirrorLocal: true},
			Scan: h.scanner.scan, Profile: profile})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	first := run("rules-v1")
	if again := run("rules-v1"); again.Unchanged != 2 || again.Blobs != 0 {
		t.Errorf("same profile: %+v", again)
	}
	// New rules: every repository is read whole once, then incremental again.
	if changed := run("rules-v2"); changed.Scanned != 2 || changed.Blobs != first.Blobs || h.scanner.requests[0].Known != nil {
		t.Errorf("changed profile: %+v (first sweep read %d blobs)", changed, first.Blobs)
	}
	if again := run("rules-v2"); again.Unchanged != 2 {
		t.Errorf("after the rescan: %+v", again)
	}
	repos, _ := st.Repos(context.Background())
	for _, r := range repos {
		if r.Profile != "rules-v2" {
			t.Errorf("%s: profile %q", r.URL, r.Profile)
		}
	}
}

// TestKillNineResumes kills a sweeping process with SIGKILL after some
// repositories are recorded, then sweeps again: the result equals one
// uninterrupted sweep, and finished repositories are not scanned twice.
func TestKillNineResumes(t *testing.T) {
	if os.Getenv("SCOUR_SWEEP_CHILD") != "" {
		t.Skip("child")
	}
	h, _ := newHarness(t, 10)
	dir := t.TempDir()
	path := filepath.Join(dir, "k.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillNineChild$")
	cmd.Env = append(os.Environ(), "SCOUR_SWEEP_CHILD="+strings.Join([]string{path, h.root, h.cache}, string(os.PathListSeparator)))
	out, _ := cmd.StdoutPipe()
	in, _ := cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Let exactly four scans finish, wait until they are recorded, kill.
	fmt.Fprint(in, "go\ngo\ngo\ngo\n")
	sc := bufio.NewScanner(out)
	scanned := 0
	for scanned < 4 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "scanned ") {
			scanned++
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if scanned != 4 {
		t.Fatalf("child scanned %d before dying", scanned)
	}

	st := openStore(t, path)
	sum := h.sweep(st, Shard{}, FindGit())
	if sum.Scanned != 6 || sum.Unchanged != 4 || sum.Failed != 0 {
		t.Errorf("resumed sweep: %+v", sum)
	}
	ref := openStore(t, filepath.Join(dir, "ref.db"))
	h2 := &harness{t: t, root: h.root, cache: t.TempDir(), scanner: &blobScanner{}}
	h2.sweep(ref, Shard{}, FindGit())
	if a, b := canonical(t, st), canonical(t, ref); a != b {
		t.Errorf("resumed store differs from an uninterrupted sweep:\n%s\nvs\n%s", a, b)
	}
}

// TestKillNineChild sweeps slowly, printing each repository it records,
// until TestKillNineResumes kills it.
func TestKillNineChild(t *testing.T) {
	env := os.Getenv("SCOUR_SWEEP_CHILD")
	if env == "" {
		t.Skip("run by TestKillNineResumes")
	}
	parts := strings.Split(env, string(os.PathListSeparator))
	st, err := store.Open(context.Background(), parts[0], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, root: parts[1], cache: parts[2], scanner: &blobScanner{}}
	gate := make(chan struct{})
	h.scanner.block = gate
	go func() {
		// One scan finishes per line the parent writes.
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			gate <- struct{}{}
		}
	}()
	Run(context.Background(), h.list(), Options{
		Store: st, Mirrors: &Mirrors{Dir: h.cache, Git: FindGit(), MirrorLocal: true}, Scan: h.scanner.scan, CPUWorkers: 1,
		Notify: func(e Event) {
			if e.Kind == "scanned" {
				fmt.Printf("scanned %s\n", e.Repo)
			}
		},
	})
	t.Fatal("the sweep ended before the kill")
}

func TestDebrisOfAKilledSweepIsRemoved(t *testing.T) {
	t.Parallel()
	h, _ := newHarness(t, 1)
	debris := filepath.Join(h.cache, ".new-123456")
	if err := os.MkdirAll(filepath.Join(debris, "objects"), 0o755); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	if sum := h.sweep(st, Shard{}, FindGit()); sum.Scanned != 1 {
		t.Fatalf("%+v", sum)
	}
	if _, err := os.Stat(debris); !os.IsNotExist(err) {
		t.Errorf("half-created mirror left in the cache: %v", err)
	}
}
