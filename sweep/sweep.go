// Package sweep scans many repositories into a findings store: it mirrors
// each repository into a cache directory (network stage), scans what
// changed since the store last saw it (CPU stage) and records the result,
// one transaction per repository.
//
// A repository is scanned incrementally: the store keeps the ids of the git
// objects each repository's scans handled (commits walked, blobs read), and
// a later scan walks only commits outside that set and reads only blobs
// outside it. Object ids survive repacks and force-pushes, so only what is
// really new is read. The set holds under one scan profile (rules and
// settings): under another, the repository is scanned whole once.
//
// The two stages have their own concurrency limits, so fetches overlap
// scans. A repository that fails is recorded with its reason and the
// sweep goes on. A sweep killed at any point (even with -9) resumes by
// running again: mirrors are created atomically, each repository's record
// is one transaction, and a repository whose refs match what the store
// recorded is not scanned again, and one scanned halfway starts again
// from its last committed scan.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/scour-dev/scour/forge"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/store"
)

// Request is one repository scan the sweep asks of the scan pipeline.
type Request struct {
	Repo forge.Repo
	// GitDir is the repository to scan: its bare mirror, or a local
	// repository itself; Tips are its branches and tags.
	GitDir string
	Tips   map[string]string
	// Known are the objects earlier scans of the repository handled under
	// the same profile: the scan skips them. nil scans the whole
	// repository.
	Known *store.ObjectSet
}

// Outcome is what scanning one repository produced.
type Outcome struct {
	// Findings are attributed to commits and paths.
	Findings []scanner.Finding
	// Verification holds results by fingerprint for the findings the scan
	// verified (each secret once per sweep, not once per repository).
	Verification map[string]store.Verification
	// Objects are the raw ids of the git objects the scan handled for
	// good (scan.Result.Handled), recorded with the findings in one
	// transaction.
	Objects [][]byte
	// Blobs counts the blobs the scan read.
	Blobs int64
}

// ScanFunc scans one repository. cmd passes the scan pipeline (scan.Run).
type ScanFunc func(ctx context.Context, req Request) (*Outcome, error)

// Options configures Run.
type Options struct {
	Store   *store.Store
	Mirrors *Mirrors
	Scan    ScanFunc
	// NetworkWorkers bounds concurrent fetches (0 means 4); CPUWorkers
	// concurrent scans (0 means 2).
	NetworkWorkers, CPUWorkers int
	// Retries is how many times a failed fetch is retried (0 means 2),
	// with backoff 2 s, 4 s... on Clock.
	Retries int
	Clock   forge.Clock
	// Shard selects this process's share of the repositories.
	Shard Shard
	// Full rescans every repository whole instead of only what is new.
	Full bool
	// AllObjects: the scan reads objects no ref reaches too. New ones do
	// not move refs, so a repository whose refs are unchanged is scanned
	// (incrementally) rather than skipped.
	AllObjects bool
	// Profile identifies the scan's rules and settings (store.Scan.Profile):
	// a repository last scanned under another profile is scanned whole.
	Profile string
	// StoreSecrets keeps raw secrets in the store (store.Scan).
	StoreSecrets bool
	// Now stamps records (nil: time.Now).
	Now func() time.Time
	// Notify receives progress events. Called from several goroutines,
	// one at a time.
	Notify func(Event)
}

// Event is one step of a sweep, for progress lines and logs.
type Event struct {
	Repo   string // the repository's name
	Kind   string // "fetched", "unchanged", "scanned", "failed", "retry"
	Detail string // findings count, failure reason...
}

// Summary counts what a sweep did.
type Summary struct {
	Listed    int   // repositories given
	InShard   int   // of them, in this shard
	Scanned   int   // scanned (fully or the refs that moved)
	Unchanged int   // refs as recorded: nothing to scan
	Failed    int   // fetch or scan failed (recorded in the store)
	Findings  int   // findings (secret + rule) reported by the scans
	Blobs     int64 // blobs read by the scans
}

// Run sweeps repos. It returns when every repository is done or ctx is
// cancelled (then with ctx's error; what finished is in the store).
func Run(ctx context.Context, repos []forge.Repo, opts Options) (Summary, error) {
	if opts.Store == nil || opts.Mirrors == nil || opts.Scan == nil {
		return Summary{}, errors.New("sweep: store, mirrors and scan are required")
	}
	if opts.NetworkWorkers <= 0 {
		opts.NetworkWorkers = 4
	}
	if opts.CPUWorkers <= 0 {
		opts.CPUWorkers = 2
	}
	if opts.Retries <= 0 {
		opts.Retries = 2
	}
	if opts.Clock == nil {
		opts.Clock = forge.RealClock{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Mirrors.CleanDebris()
	s := &sweeper{opts: opts}
	s.sum.Listed = len(repos)
	var mine []forge.Repo
	seen := map[string]bool{}
	for _, r := range repos {
		key := store.CleanURL(r.CloneURL)
		if seen[key] || !opts.Shard.Has(r.CloneURL) {
			continue
		}
		seen[key] = true
		mine = append(mine, r)
	}
	s.sum.InShard = len(mine)

	jobs := make(chan forge.Repo)
	fetched := make(chan Request)
	var netWG, cpuWG sync.WaitGroup
	for range opts.NetworkWorkers {
		netWG.Go(func() {
			for r := range jobs {
				if req, ok := s.fetch(ctx, r); ok {
					select {
					case fetched <- req:
					case <-ctx.Done():
					}
				}
			}
		})
	}
	for range opts.CPUWorkers {
		cpuWG.Go(func() {
			for req := range fetched {
				s.scan(ctx, req)
			}
		})
	}
feed:
	for _, r := range mine {
		select {
		case jobs <- r:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	netWG.Wait()
	close(fetched)
	cpuWG.Wait()
	return s.sum, ctx.Err()
}

type sweeper struct {
	opts Options
	mu   sync.Mutex
	sum  Summary
}

func (s *sweeper) note(e Event, count func(*Summary)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if count != nil {
		count(&s.sum)
	}
	if s.opts.Notify != nil {
		s.opts.Notify(e)
	}
}

func storeRepo(r forge.Repo) store.Repo {
	return store.Repo{URL: r.CloneURL, Name: r.Name, Forge: r.Forge}
}

// fetch updates the mirror (with retries) and decides what to scan.
func (s *sweeper) fetch(ctx context.Context, r forge.Repo) (Request, bool) {
	var dir string
	var tips map[string]string
	var err error
	for attempt := 0; ; attempt++ {
		dir, tips, err = s.opts.Mirrors.Update(ctx, r)
		if err == nil || ctx.Err() != nil || attempt >= s.opts.Retries {
			break
		}
		d := time.Duration(2<<attempt) * time.Second
		s.note(Event{Repo: r.Name, Kind: "retry", Detail: fmt.Sprintf("%v; again in %s", err, d)}, nil)
		if s.opts.Clock.Sleep(ctx, d) != nil {
			break
		}
	}
	if err != nil {
		s.fail(ctx, r, "fetch: "+err.Error())
		return Request{}, false
	}
	s.note(Event{Repo: r.Name, Kind: "fetched"}, nil)
	req := Request{Repo: r, GitDir: dir, Tips: tips}
	old, known, err := s.opts.Store.Repo(ctx, r.CloneURL)
	if err != nil {
		s.fail(ctx, r, err.Error())
		return Request{}, false
	}
	if known && !old.LastScan.IsZero() && !s.opts.Full && old.Profile == s.opts.Profile {
		if maps.Equal(old.Tips, tips) && !s.opts.AllObjects {
			s.note(Event{Repo: r.Name, Kind: "unchanged"}, func(sum *Summary) { sum.Unchanged++ })
			return Request{}, false
		}
		set, err := s.opts.Store.ScannedObjects(ctx, r.CloneURL)
		if err != nil {
			s.fail(ctx, r, err.Error())
			return Request{}, false
		}
		req.Known = set
	}
	return req, true
}

// scan runs the scan and records it.
func (s *sweeper) scan(ctx context.Context, req Request) {
	out, err := s.opts.Scan(ctx, req)
	if err == nil && out == nil {
		out = &Outcome{}
	}
	if err != nil {
		if ctx.Err() != nil {
			return // interrupted: not a failure of the repository; the next run redoes it
		}
		s.fail(ctx, req.Repo, "scan: "+err.Error())
		return
	}
	err = s.opts.Store.RecordScan(ctx, store.Scan{
		Repo: storeRepo(req.Repo), At: s.opts.Now(), Tips: req.Tips, Findings: out.Findings,
		Verification: out.Verification, StoreSecrets: s.opts.StoreSecrets,
		ObjectIDs: out.Objects, Profile: s.opts.Profile,
	})
	if err != nil {
		if ctx.Err() == nil {
			s.fail(ctx, req.Repo, err.Error())
		}
		return
	}
	findings := out.Findings
	detail := fmt.Sprintf("%d findings, %d blobs read", len(findings), out.Blobs)
	if req.Known != nil {
		detail += " (incremental)"
	}
	s.note(Event{Repo: req.Repo.Name, Kind: "scanned", Detail: detail}, func(sum *Summary) {
		sum.Scanned++
		sum.Findings += len(findings)
		sum.Blobs += out.Blobs
	})
}

func (s *sweeper) fail(ctx context.Context, r forge.Repo, reason string) {
	if ctx.Err() != nil {
		return
	}
	if err := s.opts.Store.RecordFailure(ctx, storeRepo(r), reason, s.opts.Now()); err != nil {
		reason += "; recording it: " + err.Error()
	}
	s.note(Event{Repo: r.Name, Kind: "failed", Detail: reason}, func(sum *Summary) { sum.Failed++ })
}
