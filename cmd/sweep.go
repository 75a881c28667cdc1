package cmd

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/forge"
	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scan"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/store"
	"github.com/scour-dev/scour/sweep"
)

// SweepOptions configures `scour sweep`.
type SweepOptions struct {
	Targets []string
	Store   string
	Cache   string
	// Base URLs by forge kind (--github-url, --gitlab-url, --codeup-url).
	BaseURLs     map[string]string
	Filter       forge.Filter
	ListOnly     bool
	Shard        string
	FetchJobs    int
	ScanJobs     int
	FetchTimeout time.Duration
	Retries      int
	Full         bool
	AllObjects   bool
	ConfigFile   string
	MaxFileSize  int64
	// Verify checks each found secret with its vendor once per sweep (and
	// not again when the store already has a result for it).
	Verify bool
	// Analyze (with Verify) reads what each live secret can do and stores
	// it with the verification (docs/analyze.md); MaxAge flags old tokens.
	Analyze      bool
	MaxAge       time.Duration
	MaxAgeSet    bool
	OptIn        []string
	StoreSecrets bool
	// MirrorLocal mirrors local repositories into the cache too.
	MirrorLocal bool
	Quiet       bool
	// Getenv reads tokens (nil: os.Getenv). Tokens are never flags.
	Getenv func(string) string
	// HTTP is the forges' API client (nil: the default); tests pass one
	// that reaches their fakes.
	Forge forge.Options
	// Git is the git program ("" looks it up; "-" forces go-git).
	Git string
}

func newSweepCmd(streams IO) *cobra.Command {
	opts := SweepOptions{BaseURLs: map[string]string{}, MaxFileSize: DefaultMaxFileSize}
	var github, gitlab, codeup string
	c := &cobra.Command{
		Use:   "sweep TARGET...",
		Short: "Scan every repository of an organisation into a findings store, incrementally",
		Long: `Scan every repository of the targets into a findings store: a Codeup
(Alibaba Cloud DevOps) organisation, a GitHub organisation or user, a
GitLab group with its subgroups, a file of clone URLs or paths, or a
directory of repositories:

  codeup:<organization id>   github:<org or user>   gitlab:<group/subgroup>
  file:<list>                dir:<directory>

Repositories are mirrored into --cache (cloned once, fetched later) and only
the git objects the store has not recorded as scanned are read: an
unchanged repository costs no blob, one pushed commit that commit's new
blobs. New rules or another --config rescan every repository once. A
repository that fails is recorded with its reason and the sweep goes on;
an interrupted sweep resumes when run again. --shard K/N sweeps one share of the
repositories (by a stable hash) into its own store: merge the shards' stores
with scour store merge.

API tokens come from the environment only: SCOUR_CODEUP_TOKEN (or
YUNXIAO_TOKEN), SCOUR_GITHUB_TOKEN (or GITHUB_TOKEN, GH_TOKEN),
SCOUR_GITLAB_TOKEN (or GITLAB_TOKEN). They are also used for HTTPS clones,
as a header scoped to the repository's host.

See docs/sweep.md.

Exit codes:
  0  every repository swept, no finding reported
  1  findings reported
  2  a repository failed (the others were swept), or bad usage
  3  --verify: a found secret is live`,
		Example: `  SCOUR_GITHUB_TOKEN=... scour sweep github:acme --skip-forks
  scour sweep codeup:60d54f3daccf2bbd6659f3ad --codeup-url https://acme.devops.aliyuncs.com
  scour sweep dir:/srv/git --shard 0/4 --store shard-0.db`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Targets = args
			opts.BaseURLs[forge.KindGitHub] = github
			opts.BaseURLs[forge.KindGitLab] = gitlab
			opts.BaseURLs[forge.KindCodeup] = codeup
			code, err := runSweep(cmd.Context(), opts, streams)
			if err != nil {
				return asExitErr(err)
			}
			if code != ExitClean {
				return &exitError{code: code}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&opts.Store, "store", DefaultStore, "the findings store `file`")
	f.StringVar(&opts.Cache, "cache", "", "the mirrors' `directory` (default $XDG_CACHE_HOME/scour/mirrors)")
	f.StringVar(&github, "github-url", "", "GitHub Enterprise Server `URL` (default github.com)")
	f.StringVar(&gitlab, "gitlab-url", "", "self-managed GitLab `URL` (default gitlab.com)")
	f.StringVar(&codeup, "codeup-url", "", "Yunxiao OpenAPI `URL`: region or dedicated endpoint (default the central https://openapi-rdc.aliyuncs.com)")
	f.StringArrayVar(&opts.Filter.Include, "include-repo", nil, "only repositories whose full name matches `GLOB` (repeatable; ** spans '/')")
	f.StringArrayVar(&opts.Filter.Exclude, "exclude-repo", nil, "skip repositories whose full name matches `GLOB` (repeatable)")
	f.BoolVar(&opts.Filter.SkipForks, "skip-forks", false, "skip forks")
	f.BoolVar(&opts.Filter.SkipArchived, "skip-archived", false, "skip archived repositories")
	f.BoolVar(&opts.ListOnly, "list-only", false, "print the repositories that would be swept, and stop")
	f.StringVar(&opts.Shard, "shard", "", "sweep only share `K/N` of the repositories (0 <= K < N)")
	f.IntVar(&opts.FetchJobs, "fetch-jobs", 4, "concurrent fetches")
	f.IntVar(&opts.ScanJobs, "scan-jobs", runtime.GOMAXPROCS(0), "concurrent scans")
	f.DurationVar(&opts.FetchTimeout, "fetch-timeout", 10*time.Minute, "time limit of one clone or fetch")
	f.IntVar(&opts.Retries, "retries", 2, "retries of a failed fetch")
	f.BoolVar(&opts.Full, "full", false, "rescan every repository whole, not only what changed")
	f.BoolVar(&opts.AllObjects, "all-objects", false, "also scan objects no ref reaches (unchanged refs then do not skip a repository: it is scanned, reading only objects not scanned before)")
	f.Var(byteSize{&opts.MaxFileSize}, "max-file-size", "skip blobs larger than this `size` with a notice (0 = no limit)")
	f.StringVar(&opts.ConfigFile, "config", "", "a scour config `file` for every repository (a repository's own .scour.yaml is never used)")
	f.BoolVar(&opts.Verify, "verify", false, "check each new secret with its vendor's API, once per secret however many repositories hold it; exit 3 when one is live")
	f.BoolVar(&opts.Analyze, "analyze", false, "with --verify, also read what each live secret can do (identity, scopes, expiry, reach), flag least-privilege breaches and keep it in the store (docs/analyze.md)")
	f.Var(maxAgeValue{&opts.MaxAge, &opts.MaxAgeSet}, "max-age", "with --analyze, flag tokens created longer ago than this `age` (90d, 2160h; default: analyze.max_age of --config)")
	f.StringSliceVar(&opts.OptIn, "opt-in", nil, "with --verify, also run probes that touch write endpoints for these `providers` (pypi, nuget)")
	f.BoolVar(&opts.StoreSecrets, "store-secrets", false, "keep raw secrets in the store (default: fingerprints and redacted previews only)")
	f.BoolVar(&opts.MirrorLocal, "mirror-local", false, "mirror local repositories into the cache too (default: read them in place)")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no per-repository lines on stderr")
	return c
}

// tokenHosts are the hosts a forge's token may be sent to for clones: the
// forge's public git host, and the host of a base URL the user gave.
func tokenHosts(targets []forge.Target) map[string][]string {
	out := map[string][]string{
		forge.KindGitHub: {"github.com"},
		forge.KindGitLab: {"gitlab.com"},
		forge.KindCodeup: {"codeup.aliyun.com"},
	}
	for _, t := range targets {
		if u, err := url.Parse(t.BaseURL); err == nil && u.Hostname() != "" {
			out[t.Kind] = append(out[t.Kind], u.Hostname())
		}
	}
	return out
}

// defaultCache is $XDG_CACHE_HOME/scour/mirrors (os.UserCacheDir).
func defaultCache() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (%v): give --cache", err)
	}
	return filepath.Join(dir, "scour", "mirrors"), nil
}

// tokensFromEnv reads each forge's token from its variables.
func tokensFromEnv(getenv func(string) string) map[string]string {
	out := map[string]string{}
	for _, kind := range []string{forge.KindCodeup, forge.KindGitHub, forge.KindGitLab} {
		for _, name := range forge.TokenEnv(kind) {
			if v := strings.TrimSpace(getenv(name)); v != "" {
				out[kind] = v
				break
			}
		}
	}
	return out
}

func runSweep(ctx context.Context, opts SweepOptions, streams IO) (int, error) {
	var targets []forge.Target
	for _, a := range opts.Targets {
		t, err := forge.ParseTarget(a)
		if err != nil {
			return ExitError, err
		}
		t.BaseURL = opts.BaseURLs[t.Kind]
		targets = append(targets, t)
	}
	if err := opts.Filter.Validate(); err != nil {
		return ExitError, err
	}
	var shard sweep.Shard
	if opts.Shard != "" {
		s, err := sweep.ParseShard(opts.Shard)
		if err != nil {
			return ExitError, err
		}
		shard = s
	}
	if opts.FetchJobs < 1 || opts.ScanJobs < 1 {
		return ExitError, errors.New("--fetch-jobs and --scan-jobs must be at least 1")
	}
	if (opts.Analyze || opts.MaxAgeSet) && !opts.Verify {
		return ExitError, errors.New("--analyze and --max-age need --verify (analysis reads what a live secret can do)")
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	tokens := tokensFromEnv(getenv)
	var mu sync.Mutex
	say := func(format string, args ...any) {
		if opts.Quiet {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(streams.ErrOut, "scour: "+safetext.Escape(fmt.Sprintf(format, args...)))
	}
	fopts := opts.Forge
	fopts.Tokens = tokens
	fopts.Notify = func(s string) { say("%s", s) }
	fopts.UserAgent = "scour/" + Version()
	lister := forge.New(fopts)
	var repos []forge.Repo
	for _, t := range targets {
		if t.Kind == forge.KindCodeup && tokens[forge.KindCodeup] == "" {
			return ExitError, fmt.Errorf("%s: the Yunxiao OpenAPI needs a token: set %s", t, strings.Join(forge.TokenEnv(forge.KindCodeup), " or "))
		}
		if (t.Kind == forge.KindGitHub || t.Kind == forge.KindGitLab) && tokens[t.Kind] == "" {
			say("%s: no token (%s): public repositories only", t, strings.Join(forge.TokenEnv(t.Kind), ", "))
		}
		list, err := lister.List(ctx, t)
		if err != nil {
			return ExitError, err
		}
		kept := opts.Filter.Apply(list)
		say("%s: %d repositories listed, %d kept by the filters", t, len(list), len(kept))
		repos = append(repos, kept...)
	}
	if opts.ListOnly {
		for _, r := range repos {
			if shard.Has(r.CloneURL) {
				fmt.Fprintf(streams.Out, "%s\t%s\n", safetext.Escape(r.Name), safetext.Escape(store.CleanURL(r.CloneURL)))
			}
		}
		return ExitClean, nil
	}

	cache := opts.Cache
	if cache == "" {
		c, err := defaultCache()
		if err != nil {
			return ExitError, err
		}
		cache = c
	}
	gitProg := opts.Git
	switch gitProg {
	case "":
		gitProg = sweep.FindGit()
	case "-":
		gitProg = ""
	}
	profile, err := scanProfile(opts)
	if err != nil {
		return ExitError, err
	}
	st, err := store.Open(ctx, opts.Store, store.Options{})
	if err != nil {
		return ExitError, err
	}
	defer st.Close()

	ps := &pipeline{opts: opts, store: st, warn: streams.ErrOut, rules: &scan.RuleCache{}}
	sum, err := sweep.Run(ctx, repos, sweep.Options{
		Store:   st,
		Mirrors: &sweep.Mirrors{Dir: cache, Git: gitProg, Timeout: opts.FetchTimeout, Tokens: tokens, TokenHosts: tokenHosts(targets), MirrorLocal: opts.MirrorLocal},
		Scan:    ps.scan,
		Shard:   shard, Full: opts.Full, AllObjects: opts.AllObjects, Profile: profile, StoreSecrets: opts.StoreSecrets,
		NetworkWorkers: opts.FetchJobs, CPUWorkers: opts.ScanJobs, Retries: opts.Retries,
		Notify: func(e sweep.Event) {
			switch e.Kind {
			case "scanned", "failed", "retry":
				say("%s: %s %s", e.Repo, e.Kind, e.Detail)
			}
		},
	})
	fmt.Fprintf(streams.ErrOut, "scour: swept %d repositories (shard %s of %d listed): %d scanned, %d unchanged, %d failed; %d blobs read; %d findings reported; store %s\n",
		sum.InShard, shard, sum.Listed, sum.Scanned, sum.Unchanged, sum.Failed, sum.Blobs, sum.Findings, safetext.Escape(opts.Store))
	if err != nil {
		return ExitError, fmt.Errorf("sweep interrupted (run it again to resume): %w", err)
	}
	switch {
	case sum.Failed > 0:
		return ExitError, nil
	case ps.live.Load():
		return ExitLive, nil
	case sum.Findings > 0:
		return ExitFindings, nil
	}
	return ExitClean, nil
}

// scanProfile identifies what a sweep's scans read and report with: this
// scour (its version names the code), the built-in rules, the --config
// file and the rule packs it names, and the size limit. The store's
// record of what a repository had scanned only lets a later scan skip it
// under the same profile; a new scour, new rules or another config rescan
// every repository whole once (docs/sweep.md).
func scanProfile(opts SweepOptions) (string, error) {
	cfg, err := scan.LoadConfig("", scan.ConfigOptions{Explicit: opts.ConfigFile, NoRepoConfig: true})
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "scour %s\nrules %s\nmax-file-size %d\n", Version(), rules.BuiltinDigest(), opts.MaxFileSize)
	for _, f := range append([]string{cfg.Path}, cfg.Rules...) {
		if f == "" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("config: %w", err)
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "file %x\n", sum)
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// pipeline scans a mirror with the one scan pipeline, incrementally: what
// the store says earlier scans of the repository handled is skipped, and
// what this scan handled is recorded with its findings. The repository's
// own config and ignore file are not trusted. With --verify, each secret
// is verified once per sweep: not again in another repository, nor when
// the store already holds a result for it.
type pipeline struct {
	opts     SweepOptions
	store    *store.Store
	rules    *scan.RuleCache
	warn     io.Writer
	verified sync.Map // fingerprint -> true, claimed by the first scan that finds it
	live     atomic.Bool
	warnOnce sync.Once
}

func (p *pipeline) scan(ctx context.Context, req sweep.Request) (*sweep.Outcome, error) {
	o := scan.Options{
		Path: req.GitDir, Remote: store.CleanURL(req.Repo.CloneURL),
		NoRepoConfig: true, ConfigFile: p.opts.ConfigFile, AllObjects: p.opts.AllObjects,
		MaxFileSize: p.opts.MaxFileSize, RuleCache: p.rules, RecordHandled: true,
	}
	if req.Known != nil {
		o.Known = req.Known
	}
	last, err := scan.Run(ctx, o)
	if err != nil {
		return nil, err
	}
	out := &sweep.Outcome{Findings: last.Findings, Objects: make([][]byte, len(last.Handled))}
	for i := range last.Handled {
		out.Objects[i] = last.Handled[i][:]
	}
	if g := last.Stats.Git; g != nil {
		out.Blobs = g.Blobs
	}
	if p.opts.Verify && len(out.Findings) > 0 {
		var todo []scanner.Finding
		for _, f := range out.Findings {
			if _, claimed := p.verified.LoadOrStore(f.Fingerprint, true); claimed {
				continue
			}
			if done, err := p.store.Verified(ctx, f.Fingerprint); err != nil || done {
				continue
			}
			todo = append(todo, f)
		}
		if len(todo) > 0 {
			var warn io.Writer
			p.warnOnce.Do(func() { warn = p.warn })
			an := analyzeOptions{Analyze: p.opts.Analyze, MaxAge: cmp.Or(p.opts.MaxAge, ageFromConfig(p.opts.MaxAgeSet, last.Config))}
			states, live := verifyFindings(ctx, last.Rules, trustedBaseURLs(last.Config, warn), p.opts.OptIn, an, todo)
			if live {
				p.live.Store(true)
			}
			out.Verification = map[string]store.Verification{}
			for fp, v := range states {
				out.Verification[fp] = store.Verification{State: v.State, Reason: v.Reason, Host: v.Host, Owner: v.Owner, Analysis: v.Analysis}
			}
		}
	}
	return out, nil
}
