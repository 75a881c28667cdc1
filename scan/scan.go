// Package scan is scour's pipeline for one target: it reads the target's
// configuration, builds the rule set and the suppressions, picks the
// source (a directory, a file, stdin, git history, a remote clone, the
// staged index), runs the scanner, attributes findings to commits, applies
// the suppressions and returns a Result. It prints nothing and decides no
// exit code: `scour scan`, `staged` and `baseline` print its Result, and a
// sweep calls it once per repository.
//
// Run and Staged may be called concurrently: they keep no package state,
// stop when ctx is cancelled (returning what was found so far), and talk to
// the caller only through the callbacks in their options.
package scan

import (
	"context"
	"errors"
	"fmt"
	"github.com/go-git/go-git/v5/plumbing"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/internal/progress"
	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
	"github.com/scour-dev/scour/source/githistory"
	"github.com/scour-dev/scour/source/gitremote"
	"github.com/scour-dev/scour/suppress"
)

// DefaultMaxFileSize is the default --max-file-size. Files are streamed, so
// memory stays bounded at any size; the guard is about time: files past
// 100 MB in a source tree are nearly always dumps, images or logs, and one
// would cost more than the rest of the tree. 0 scans all.
const DefaultMaxFileSize = 100 * 1000 * 1000

// Options says what to scan and how. The zero value scans the current
// directory (or the repository holding it) with no size limit.
type Options struct {
	// Path is a directory, a file, a git repository (working tree or
	// bare), a remote URL (https://, ssh://, file://, user@host:path) or
	// "-" for Stdin. "" means the current directory or, when that is inside
	// a git working tree, the top of that tree (as git does: its history
	// and its root config).
	Path string
	// Stdin is read when Path is "-".
	Stdin io.Reader
	// Clone says how to clone when Path is a URL (credentials, temporary
	// directory); its URL field is ignored (Path is the URL).
	Clone gitremote.Options
	// Remote, when Path is a local copy of a remote repository (a sweep's
	// mirror), names it in every location. A URL Path sets it itself.
	Remote string

	// ConfigFile is a config the user chose, instead of the target's own
	// .scour.yaml.
	ConfigFile string
	// NoRepoConfig ignores the target's own .scour.yaml and .scourignore:
	// for sweeps of repositories the user does not control. ConfigFile and
	// $SCOUR_CONFIG still apply.
	NoRepoConfig bool
	// Excludes are gitignore-style patterns, added to the config's.
	Excludes []string
	// MaxFileSize skips larger files and blobs with a notice; 0 means no
	// limit (blobs keep githistory's in-memory cap).
	MaxFileSize int64
	// MemoryBudget bounds a history scan's memory (githistory.Options);
	// 0 means a trusted config's memory_budget, else
	// githistory.DefaultMemoryBudget.
	MemoryBudget int64
	// LimitHeap also sets the Go heap's soft limit (debug.SetMemoryLimit)
	// to three quarters of the budget for a history scan, unless GOMEMLIMIT
	// is set. It is process-wide, so only the command sets it.
	LimitHeap bool
	// RulePacks are extra rule pack files, added to the config's.
	RulePacks []string
	// Baseline is an earlier JSON report or baseline file: findings in it
	// (same rule, same secret) are not reported.
	Baseline string
	// MinConfidence is the lowest confidence reported (low, medium,
	// high); "" means the config's min_confidence, else
	// scanner.DefaultMinConfidence.
	MinConfidence string

	// NoHistory scans only the files on disk, even in a git repository.
	NoHistory bool
	// AllObjects also scans objects no ref reaches, reported unreachable.
	AllObjects bool
	// NoDeltaMatching matches every git blob in full instead of only
	// the bytes its delta inserted (scanner.Options.NoDeltaMatching): for
	// benchmarks and the equivalence check, findings are the same.
	NoDeltaMatching bool
	// Range, "A..B", scans only the blobs introduced by commits in B and
	// not in A.
	Range string
	// Known makes a history scan incremental (githistory.Options.Known):
	// a sweep passes the objects its store says earlier scans of the
	// repository handled, and records Result.Handled for the next one.
	Known githistory.Known
	// RecordHandled fills Result.Handled (a sweep records it for the next
	// scan); other scans skip listing it.
	RecordHandled bool

	// RuleCache, when set, shares compiled rule sets between scans with the
	// same user-chosen configuration (a sweep's repositories).
	RuleCache *RuleCache

	// CheckConfig, when set, is called with the configuration once it is
	// loaded, before anything is scanned: the caller checks the settings it
	// owns (the report format). Its error ends the scan.
	CheckConfig func(*config.Config) error

	// Debugf receives --verbose diagnostics. It is called from the scan's
	// goroutines: it must be safe for concurrent use. May be nil.
	Debugf func(format string, args ...any)
	// Notify receives each notice as it arises (Result.Notices has them
	// all afterwards), from the goroutine that called Run. May be nil.
	Notify func(Notice)
	// Progress, when set, is called once the source is chosen, with the
	// noun for its items ("files", "blobs"); the scan counts into the
	// counter it returns and calls stop when the scan is over, before Run
	// returns. May be nil.
	Progress func(noun string) (c *progress.Counter, stop func())
}

// Mode says which source a scan read.
type Mode string

// The sources a scan reads.
const (
	ModeFiles   Mode = "files"   // a directory tree or a single file
	ModeStdin   Mode = "stdin"   // standard input
	ModeHistory Mode = "history" // a git repository's history (and its working tree)
	ModeStaged  Mode = "staged"  // the changes staged for the next commit
)

// Result is what a scan produced. The embedded scanner.Result (findings,
// skipped items, stats) is what reports print; the rest explains it.
// Findings are already attributed (commits and paths), stamped with the
// remote and suppressed.
type Result struct {
	*scanner.Result
	// Mode is the source that was read.
	Mode Mode
	// Target is what was scanned: the path (the repository's top when Path
	// was "" inside one; a clone's directory, removed by now, for a URL).
	Target string
	// Remote is the repository URL without credentials, for remote scans.
	Remote string
	// Config is the configuration in effect (empty when there was none).
	Config *config.Config
	// Rules is the rule set that ran: reports take rule metadata from it,
	// verification its actions.
	Rules *rules.Set
	// Suppressed counts the findings the config, the ignore file and the
	// baseline kept out of Findings.
	Suppressed suppress.Counts
	// Upgrades are the ignore and baseline entries that matched a secret
	// only in the old fingerprint form (docs/report-format.md), with the
	// current form: the caller says so, or rewrites them (scour ignore
	// --upgrade).
	Upgrades []suppress.Upgrade
	// NotIntroduced are the findings of a range scan that the range only
	// carried along (the secret was already in the file before the commit
	// that changed it); they are not in Findings.
	NotIntroduced []scanner.Finding
	// ConfigRev is the revision the scanned repository's own .scour.yaml
	// and .scourignore were read from: a range scan's base (A of A..B).
	// "" when they came from the working tree, or did not apply.
	ConfigRev string
	// HistoryNote explains a history scan that had nothing to do (an empty
	// range, a repository without commits), or is "".
	HistoryNote string
	// Handled are the git objects a history scan dealt with for good
	// (githistory.Repo.Handled): what the next incremental scan skips.
	// Filled only with Options.RecordHandled.
	Handled []plumbing.Hash
	// Staged describes the index of a staged scan; nil otherwise.
	Staged *StagedInfo
	// Notices are everything the scan has to tell people besides findings,
	// in the order they arose.
	Notices []Notice
}

// NothingScanned reports whether everything the scan was given was
// skipped: reporting "0 findings" would then read as clean for content no
// one looked at.
//
// Content the scanned tree's own config excluded counts as given: a
// repository whose .scour.yaml excludes everything it holds must not pass
// a check with exit 0. Not so in a range scan that read that config from
// its base: a change touching only paths the merged config excludes
// (fixtures, vendored code) is a normal pull request.
func (r *Result) NothingScanned() bool {
	return r.Result != nil && r.Stats.Items == 0 &&
		(len(r.Skipped) > 0 || (r.Stats.ExcludedByRepo > 0 && r.ConfigRev == ""))
}

// NothingScannedReason says why NothingScanned, for its error message.
func (r *Result) NothingScannedReason() string {
	if len(r.Skipped) == 0 {
		return fmt.Sprintf("the scanned repository's own config %s excluded everything", safetext.Quote(r.Config.Path))
	}
	return "everything was skipped (" + r.SkipCounts() + ")"
}

// SkipCounts says how many items were skipped for each reason, e.g.
// "2 too large, 1 permission denied".
func (r *Result) SkipCounts() string {
	counts := map[string]int{}
	var reasons []string
	for _, s := range r.Skipped {
		if counts[s.Reason] == 0 {
			reasons = append(reasons, s.Reason)
		}
		counts[s.Reason]++
	}
	sort.Strings(reasons)
	parts := make([]string, len(reasons))
	for i, reason := range reasons {
		parts[i] = fmt.Sprintf("%d %s", counts[reason], reason)
	}
	return strings.Join(parts, ", ")
}

// Notice is one thing a scan tells people besides its findings: a clone
// starting, a config part ignored, findings suppressed or not introduced
// by a range, staged entries not scanned.
type Notice struct {
	// Kind is a short stable word for programs: one of the Notice*
	// constants.
	Kind string
	// Text is one line for people (without a "scour:" prefix). Paths from
	// the scanned tree in it are quoted (safetext.Quote) when unsafe; print
	// it through safetext.Escape all the same.
	Text string
}

// Notice kinds.
const (
	NoticeTarget        = "target"         // what is scanned, when it is not what was named
	NoticeClone         = "clone"          // a remote repository is being cloned
	NoticeConfig        = "config"         // part of a config is ignored
	NoticeSuppressed    = "suppressed"     // findings not reported because of the config, ignore file or baseline
	NoticeNotIntroduced = "not-introduced" // a range scan's finding the range did not introduce
	NoticeNotScanned    = "not-scanned"    // a staged entry deliberately not scanned (submodule, intent-to-add)
	NoticeExcluded      = "excluded"       // staged paths excluded by configuration
	// NoticeRepoExcluded: content not scanned, or rules not run, because
	// the scanned repository's own config (untrusted) said so. Printed even
	// under --quiet: a repository hiding its own content must not pass
	// unnoticed.
	NoticeRepoExcluded = "repo-excluded"
)

// run carries one scan's state: no package-level state, so scans can run
// concurrently.
type run struct {
	notify func(Notice)
	// debugf is never nil; userDebugf is the caller's, possibly nil (the
	// scanner skips formatting diagnostics no one reads).
	debugf, userDebugf func(string, ...any)
	notices            []Notice
}

func newRun(notify func(Notice), debugf func(string, ...any)) *run {
	r := &run{notify: notify, debugf: debugf, userDebugf: debugf}
	if r.debugf == nil {
		r.debugf = func(string, ...any) {}
	}
	return r
}

func (r *run) note(kind, format string, args ...any) {
	n := Notice{Kind: kind, Text: fmt.Sprintf(format, args...)}
	r.notices = append(r.notices, n)
	if r.notify != nil {
		r.notify(n)
	}
}

// Run scans one target. It checks everything it can before scanning (the
// options, the config, the rule packs, the suppressions, the range, the
// exclude patterns): those errors come with a nil Result. Once the scan
// has started it returns the Result even with an error, holding what was
// found until then (an interrupted scan: errors.Is(err, context.Canceled)).
func Run(ctx context.Context, opts Options) (*Result, error) {
	r := newRun(opts.Notify, opts.Debugf)
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	path, remote := opts.Path, opts.Remote
	stdin, url := path == "-", path != "-" && gitremote.IsURL(path)
	switch {
	case stdin:
		if opts.Stdin == nil {
			return nil, errors.New("no stdin to scan")
		}
	case url:
		if opts.NoHistory {
			return nil, errors.New("--no-history: a remote repository has no files on disk to scan")
		}
	case path == "":
		path = "."
		if top, ok := RepositoryTop("."); ok && !sameDir(top, ".") {
			r.note(NoticeTarget, "scanning the repository at %s (the current directory is inside it; name a directory to scan only that)", safetext.Quote(top))
			path = top
		}
		fallthrough
	default:
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("cannot scan %s: %w", path, unwrapPath(err))
		}
	}
	history := url
	if !stdin && !url {
		var err error
		if history, err = useHistory(path, opts); err != nil {
			return nil, err
		}
	}

	// Stdin and a URL have no tree of their own to take a config or an
	// ignore file from (a clone is bare): only the user's apply, and they
	// are checked before a clone is made.
	root := path
	if stdin || url {
		root = ""
	}
	var t *target
	var err error
	if history && opts.Range != "" && !url && !opts.NoRepoConfig {
		// A range scan is a pull request's check: the repository's own
		// config and ignore file come from the range's base, so the range
		// cannot exclude, disable or ignore what it adds.
		if t, err = r.prepareAtBase(path, opts); err != nil {
			return nil, err
		}
	}
	if t == nil {
		if t, err = r.prepare(root, targetOptions{
			ConfigFile: opts.ConfigFile, NoRepoConfig: opts.NoRepoConfig,
			RulePacks: opts.RulePacks, Baseline: opts.Baseline, Cache: opts.RuleCache,
			NoDeltaMatching: opts.NoDeltaMatching, MinConfidence: opts.MinConfidence,
		}); err != nil {
			return nil, err
		}
	}
	r.noteRepoDisabled(t.cfg)
	if opts.CheckConfig != nil {
		if err := opts.CheckConfig(t.cfg); err != nil {
			return nil, err
		}
	}
	if url {
		co := opts.Clone
		// Blobs over --max-file-size stay on servers that can filter them:
		// the scan would skip them anyway.
		co.MaxFileSize = opts.MaxFileSize
		clone, err := r.clone(ctx, path, co)
		if err != nil {
			return nil, err
		}
		defer clone.Close() // after an interrupt too: ctx stops the scan, then this runs
		path, remote = clone.Dir, clone.Remote
	}
	excludes := append(append([]string(nil), t.cfg.Exclude...), opts.Excludes...)
	// The patterns of a config found in the scanned tree are counted apart:
	// what a repository keeps out of its own scan is said out loud.
	var repoExcludes []string
	if !t.cfg.Trusted {
		repoExcludes = t.cfg.Exclude
	}

	res := &Result{Target: path, Remote: remote, Config: t.cfg, Rules: t.set, ConfigRev: t.base}
	var src source.Source
	var repo *githistory.Repo
	var repoPruned int64 // written by the Dir walker's one goroutine, read after it ends
	noun := "files"
	switch {
	case stdin:
		res.Mode = ModeStdin
		src = source.Stdin(opts.Stdin)
	case history:
		res.Mode = ModeHistory
		if opts.MemoryBudget <= 0 && t.cfg.Trusted && t.cfg.MemoryBudget != "" {
			opts.MemoryBudget, _ = config.ParseMemoryBudget(t.cfg.MemoryBudget) // validated when loaded
		}
		if opts.MemoryBudget <= 0 {
			opts.MemoryBudget = githistory.DefaultMemoryBudget
		}
		if opts.LimitHeap && os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(opts.MemoryBudget / 4 * 3)
		}
		repo, err = openHistory(path, opts, repoExcludes, r.userDebugf)
		if err != nil {
			return nil, err
		}
		defer repo.Close()
		src, noun = repo, "blobs"
	default:
		res.Mode = ModeFiles
		d := &source.Dir{Root: path, Excludes: excludes, MaxFileSize: opts.MaxFileSize}
		if len(repoExcludes) > 0 {
			user, err := source.CompileExcludes(opts.Excludes) // checked by checkOptions
			if err != nil {
				return nil, err
			}
			d.Pruned = func(rel string, dir bool) {
				if user == nil || !user.Match(strings.Split(rel, "/"), dir) {
					repoPruned++
				}
			}
		}
		src = d
	}

	var scanErr error
	res.Result, scanErr = runSource(ctx, t.sc, src, noun, opts.Progress)
	if repo != nil {
		r.finishHistory(res, repo, opts.Range != "")
		if scanErr == nil && opts.RecordHandled {
			res.Handled = repo.Handled()
		}
	} else if repoPruned > 0 {
		res.Stats.ExcludedByRepo = repoPruned
		r.noteRepoExcluded(res, "path", "paths (files or directories)")
	}
	stampRemote(res.Result, remote)
	res.Suppressed, res.Upgrades = r.suppress(res.Result, t.filters)
	res.Notices = r.notices
	return res, scanErr
}

// checkOptions rejects options that cannot work, before anything is read.
func checkOptions(opts Options) error {
	if opts.MaxFileSize < 0 {
		return errors.New("--max-file-size must not be negative")
	}
	if err := checkExcludes(opts.Excludes); err != nil {
		return err
	}
	if opts.NoHistory && (opts.Range != "" || opts.AllObjects) {
		return errors.New("--no-history cannot be combined with --range or --all-objects")
	}
	if opts.Range != "" && opts.AllObjects {
		return errors.New("--range and --all-objects cannot be combined")
	}
	return nil
}

// checkExcludes rejects a bad exclude pattern before anything is read.
func checkExcludes(pats []string) error {
	_, err := source.NewExcluder(pats)
	return err
}

// runSource runs sc over src, counting progress when asked to.
func runSource(ctx context.Context, sc *scanner.Scanner, src source.Source, noun string,
	prog func(string) (*progress.Counter, func())) (*scanner.Result, error) {
	if prog != nil {
		if c, stop := prog(noun); c != nil {
			src = c.Wrap(src)
			if stop != nil {
				defer stop()
			}
		}
	}
	res, err := sc.Run(ctx, src)
	if res == nil {
		res = &scanner.Result{Findings: []scanner.Finding{}, Skipped: []source.Skipped{}}
	}
	return res, err
}

// clone mirrors a remote repository into a temporary directory; the
// caller must Close it.
func (r *run) clone(ctx context.Context, url string, opts gitremote.Options) (*gitremote.Clone, error) {
	remote, err := gitremote.Validate(url)
	if err != nil {
		return nil, err
	}
	opts.URL = url
	r.note(NoticeClone, "cloning %s (all refs)", remote)
	return gitremote.CloneContext(ctx, opts)
}

// stampRemote records the remote URL (without credentials) in every
// location of res, so reports say which repository a secret is in.
func stampRemote(res *scanner.Result, remote string) {
	if res == nil || remote == "" {
		return
	}
	for i := range res.Findings {
		for j := range res.Findings[i].Locations {
			res.Findings[i].Locations[j].Remote = remote
		}
	}
}

// unwrapPath drops the PathError's repetition of the path we already name.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
