package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/internal/atomicfile"
	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/report"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scan"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source/gitremote"
	"github.com/scour-dev/scour/suppress"
)

// DefaultMaxFileSize is the default --max-file-size (scan.DefaultMaxFileSize).
const DefaultMaxFileSize = scan.DefaultMaxFileSize

// ScanOptions is everything `scour scan` needs; flags fill it.
type ScanOptions struct {
	// Path is a directory, a file, a URL or "-" for stdin; "" means the
	// current directory, or the repository holding it.
	Path string
	// Excludes are gitignore-style patterns, added to the config's.
	Excludes []string
	// MaxFileSize skips larger files with a notice; 0 means no limit.
	MaxFileSize int64
	// MemoryBudget bounds a history scan's memory (0: the config's
	// memory_budget, else the default).
	MemoryBudget int64
	// RulePacks are extra rule pack files, added to the config's.
	RulePacks []string
	// Format is a report format (report.Formats()); "" means the config's
	// format:, else text.
	Format string
	// ReportFile, when set, receives the report (atomically, mode 0600)
	// instead of stdout.
	ReportFile string
	// ReportTo are extra reports, "FORMAT=FILE" each, written like
	// ReportFile (CI wants SARIF, JUnit and annotations from one scan).
	ReportTo []string
	// ConfigFile overrides PATH/.scour.yaml.
	ConfigFile string
	// NoRepoConfig ignores the scanned tree's .scour.yaml and .scourignore.
	NoRepoConfig bool
	// Baseline is an earlier JSON report or baseline file: findings in it
	// (same rule, same secret) are not reported.
	Baseline string
	// MinConfidence is the lowest confidence reported (low, medium,
	// high); "" means the config's min_confidence, else
	// scanner.DefaultMinConfidence.
	MinConfidence string
	ShowSecrets   bool
	NoColor       bool
	Verbose       bool
	Quiet         bool
	// Verify checks found secrets with their vendors (docs/revoke.md);
	// OptIn allows probes that touch write endpoints (pypi, nuget).
	Verify bool
	OptIn  []string
	// Analyze (with Verify) reads what each live secret can do and flags
	// least-privilege breaches (docs/analyze.md); MaxAge flags old tokens.
	Analyze   bool
	MaxAge    time.Duration
	MaxAgeSet bool
	// NoHistory scans only the files on disk, even in a git repository.
	NoHistory bool
	// AllObjects also scans objects no ref reaches, reported unreachable.
	AllObjects bool
	// NoDeltaMatching: see scan.Options (hidden flag, for benchmarks).
	NoDeltaMatching bool
	// Range, "A..B", scans only the blobs introduced by commits in B and
	// not in A.
	Range string
	// UpgradeFingerprints rewrites .scourignore entries that matched in
	// the old fingerprint form (scour ignore --upgrade).
	UpgradeFingerprints bool
}

// pipeline turns the options into the scan pipeline's (package scan).
func (o ScanOptions) pipeline(streams IO) scan.Options {
	var debugf func(string, ...any) // nil: the engine skips formatting diagnostics
	if o.Verbose {
		debugf = newDebugf(streams.ErrOut, true)
	}
	return scan.Options{
		Path:  o.Path,
		Stdin: streams.In,
		Clone: gitremote.Options{
			Username: os.Getenv(gitremote.EnvUsername),
			Password: os.Getenv(gitremote.EnvPassword),
		},
		ConfigFile:      o.ConfigFile,
		NoRepoConfig:    o.NoRepoConfig,
		Excludes:        o.Excludes,
		MaxFileSize:     o.MaxFileSize,
		MemoryBudget:    o.MemoryBudget,
		LimitHeap:       true,
		RulePacks:       o.RulePacks,
		Baseline:        o.Baseline,
		NoHistory:       o.NoHistory,
		AllObjects:      o.AllObjects,
		NoDeltaMatching: o.NoDeltaMatching,
		MinConfidence:   o.MinConfidence,
		Range:           o.Range,
		Debugf:          debugf,
		Notify:          printNotice(streams.ErrOut, o.Quiet),
		// --verbose lines would tear the progress line: one or the other.
		Progress: progressOn(streams.ErrOut, o.Quiet || o.Verbose),
	}
}

func newScanCmd(streams IO) *cobra.Command {
	opts := ScanOptions{MaxFileSize: DefaultMaxFileSize}
	var noColor bool
	maxSize := byteSize{&opts.MaxFileSize}
	c := &cobra.Command{
		Use:   "scan [PATH|URL|-]",
		Short: "Scan a repository, a directory, a file, a remote URL or stdin for leaked credentials",
		Long: `Scan a git repository (its whole history), a directory tree, a single
file, a remote repository (https://, ssh:// or file:// URL) or stdin
(PATH "-") for leaked credentials. PATH defaults to the current directory
or, inside a git repository, to the whole repository (its history and root
config), as git commands do from a subdirectory.

Findings are grouped by secret: each is reported once with every place it
occurs. Secrets are redacted to a short prefix unless --show-secrets is
given; fingerprints (docs/report-format.md) are always shown.

Configuration is read from PATH/.scour.yaml when PATH is a directory, or
from --config or $SCOUR_CONFIG. Its excludes and rule packs add to the
flags'. Secrets listed in PATH/.scourignore (scour ignore) or in the
--baseline file (scour baseline create) are not reported. See
docs/config.md. --no-repo-config ignores the scanned tree's own
.scour.yaml and .scourignore (for repositories you do not control).

When PATH is a git working tree or bare repository, its whole history is
scanned: every blob reachable from any ref, once, plus files on disk whose
content is not in history. Each finding names the commit and path that
first introduced it. --all-objects adds objects no ref reaches (reported
as unreachable); --range A..B scans only the commits in B and not in A;
--no-history scans only the files on disk.

A URL is cloned (every ref; with git when installed, else go-git) into a
temporary directory that is removed afterwards, also on Ctrl-C; credentials
come only from SCOUR_GIT_USERNAME and SCOUR_GIT_PASSWORD and never appear
in output, on a command line or on disk. Blobs over --max-file-size stay on
servers that can filter them. A clone that receives nothing for 2 minutes,
or takes over an hour, is stopped. Locations carry the URL without
credentials. See docs/ci.md, "Remote repositories".

A summary (files and bytes scanned, files skipped and why, findings,
elapsed time, candidates dropped because their checksum failed) and the
list of skipped files go to stderr. Flags, the config, --range, --exclude
patterns and report paths are all checked before the scan starts.

-v means --verbose, on every command (also "scour -v scan"); the version
is "scour version" or "scour --version".

` + exitCodesHelp,
		Example: `  scour scan                         # the current directory
  scour scan ./service --exclude 'vendor/' --exclude '*.min.js'
  scour scan --range origin/main..HEAD   # the commits of a pull request
  scour scan --all-objects repo.git  # also unreachable objects
  git diff | scour scan -            # stdin
  scour scan --format json --report findings.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Path = args[0]
			}
			// NO_COLOR (https://no-color.org): any non-empty value.
			opts.NoColor = noColor || os.Getenv("NO_COLOR") != ""
			code, err := runScan(cmd.Context(), opts, streams)
			if code != ExitClean || err != nil {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringArrayVar(&opts.Excludes, "exclude", nil, "skip paths matching this gitignore-style `pattern` (repeatable)")
	f.Var(maxSize, "max-file-size", "skip files larger than this `size` with a notice (e.g. 10MB, 1GiB; 0 = no limit)")
	f.Var(memoryBudget{&opts.MemoryBudget}, "memory-budget", "bound a history scan's memory to about this `size`: delta bases, pack pages, caches and the Go heap's soft limit; blobs over a third of it are skipped with a notice (default 768MiB, or the config's memory_budget)")
	f.StringArrayVar(&opts.RulePacks, "rules", nil, "add the rules of this pack `file` (repeatable)")
	f.StringVar(&opts.Format, "format", "", "output format: "+strings.Join(report.Formats(), ", ")+" (default text, or the config's format:)")
	f.StringVar(&opts.ReportFile, "report", "", "write the report to `file` (atomically, mode 0600) instead of stdout")
	f.StringArrayVar(&opts.ReportTo, "report-to", nil, "also write the report in another format to a file, e.g. sarif=scour.sarif (`format=file`, repeatable)")
	f.StringVar(&opts.ConfigFile, "config", "", "read configuration from `file` instead of PATH/"+config.FileName)
	f.BoolVar(&opts.NoRepoConfig, "no-repo-config", false, "ignore the scanned tree's own "+config.FileName+" and "+suppress.IgnoreFileName+" (for repositories you do not control)")
	f.BoolVar(&opts.Verify, "verify", false, "check found secrets with their vendors' APIs; exit 3 when one is live (docs/revoke.md)")
	f.BoolVar(&opts.Analyze, "analyze", false, "with --verify, also read what each live secret can do (identity, scopes, expiry, reach) and flag least-privilege breaches (docs/analyze.md)")
	f.Var(maxAgeValue{&opts.MaxAge, &opts.MaxAgeSet}, "max-age", "with --analyze, flag tokens created longer ago than this `age` (90d, 2160h; default: analyze.max_age of --config)")
	f.StringSliceVar(&opts.OptIn, "opt-in", nil, "with --verify, also run probes that touch write endpoints for these `providers` (pypi, nuget)")
	f.StringVar(&opts.Baseline, "baseline", "", "report only findings absent from this earlier JSON report or baseline `file` (scour baseline create)")
	f.BoolVar(&opts.ShowSecrets, "show-secrets", false, "print secrets in full instead of redacted")
	f.StringVar(&opts.MinConfidence, "min-confidence", "", minConfidenceHelp)
	f.BoolVar(&noColor, "no-color", false, "never colour output (also: NO_COLOR=1)")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "print diagnostics to stderr, e.g. candidates dropped by a checksum")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "print no summary or skipped list to stderr")
	f.BoolVar(&opts.NoHistory, "no-history", false, "in a git repository, scan only the files on disk, not the history")
	f.BoolVar(&opts.AllObjects, "all-objects", false, "in a git repository, also scan objects no ref reaches (left by resets, rebases, force-pushes)")
	// Benchmarks and the equivalence check compare the two modes; the
	// findings are the same, so users have no reason to set it.
	f.BoolVar(&opts.NoDeltaMatching, "no-delta-matching", false, "match every git blob in full, not only the bytes its delta inserted")
	_ = f.MarkHidden("no-delta-matching")
	f.StringVar(&opts.Range, "range", "", "in a git repository, scan only the blobs introduced by commits in B and not in A (`A..B`, as git log A..B); secrets already in a file before the commit that changed it are not reported; the repository's own config and ignore file are read as of A")
	c.MarkFlagsMutuallyExclusive("verbose", "quiet")
	return c
}

// runScan scans opts.Path and writes the report. It returns the exit code
// and, for ExitError, the error to print. Findings made before an error are
// still reported.
func runScan(ctx context.Context, opts ScanOptions, streams IO) (int, error) {
	start := time.Now()
	// Everything about the output is checked before the scan: a scan that
	// runs for an hour must not then fail to write its report.
	if opts.Format != "" && !validFormat(opts.Format) {
		return ExitError, fmt.Errorf("--format %q: want one of %s", opts.Format, strings.Join(report.Formats(), ", "))
	}
	if (opts.Analyze || opts.MaxAgeSet) && !opts.Verify {
		return ExitError, errors.New("--analyze and --max-age need --verify (analysis reads what a live secret can do)")
	}
	extra, err := parseReportTo(opts.ReportTo)
	if err != nil {
		return ExitError, err
	}
	if err := checkOutputFile("--report", opts.ReportFile); err != nil {
		return ExitError, err
	}
	for _, e := range extra {
		if err := checkOutputFile("--report-to", e.file); err != nil {
			return ExitError, err
		}
	}
	popts := opts.pipeline(streams)
	popts.CheckConfig = func(cfg *config.Config) error {
		if opts.Format == "" { // flags > config > default
			if err := cfg.CheckFormat(report.Formats()); err != nil {
				return err
			}
			opts.Format = cmp.Or(cfg.Format, "text")
		}
		return nil
	}
	res, scanErr := scan.Run(ctx, popts)
	if res == nil {
		return ExitError, scanErr
	}
	if !opts.Quiet || opts.UpgradeFingerprints {
		upgradeEntries(streams.ErrOut, res.Upgrades, opts.UpgradeFingerprints)
	}
	var verification map[string]report.Verification
	live := false
	if opts.Verify && len(res.Findings) > 0 {
		verification, live = verifyFindings(ctx, res.Rules, trustedBaseURLs(res.Config, streams.ErrOut), opts.OptIn, analyzeOptions{Analyze: opts.Analyze, MaxAge: cmp.Or(opts.MaxAge, ageFromConfig(opts.MaxAgeSet, res.Config))}, res.Findings)
	}

	ropts := report.Options{
		Version:      Version(),
		ShowSecrets:  opts.ShowSecrets,
		Rules:        ruleMeta(res.Rules),
		Elapsed:      time.Since(start),
		Verification: verification,
	}
	var outErr error
	if opts.ReportFile != "" {
		outErr = writeFileAtomic(opts.ReportFile, func(w io.Writer) error {
			return report.Write(w, opts.Format, res.Result, ropts)
		})
		if outErr != nil {
			outErr = fmt.Errorf("writing report: %w", outErr)
		}
	} else {
		ropts.Color = opts.Format == "text" && !opts.NoColor && isTerminal(streams.Out)
		outErr = report.Write(streams.Out, opts.Format, res.Result, ropts)
		ropts.Color = false
	}
	outErr = errors.Join(outErr, writeReportTo(extra, res.Result, ropts))
	if !opts.Quiet {
		printSummary(streams.ErrOut, res, ropts, opts.Verbose)
	}

	switch {
	case errors.Is(scanErr, context.Canceled):
		return ExitError, errors.New("scan interrupted; what was found until then is reported")
	case scanErr != nil:
		return ExitError, scanErr
	case outErr != nil:
		return ExitError, outErr
	case live:
		return ExitLive, nil
	case len(res.Findings) > 0:
		return ExitFindings, nil
	case res.NothingScanned():
		// Exit 0 would read as "clean" for content nobody looked at.
		return ExitError, fmt.Errorf("nothing could be scanned: %s", res.NothingScannedReason())
	}
	return ExitClean, nil
}

// printSummary writes what a scan covered to w: the skipped list, the
// summary line, the history counts and the candidates a checksum dropped.
func printSummary(w io.Writer, res *scan.Result, ropts report.Options, verbose bool) {
	_ = report.SkippedList(w, res.Result)
	_ = report.Summary(w, res.Result, ropts)
	if res.Mode == scan.ModeHistory {
		historySummary(w, res)
	}
	droppedSummary(w, res, verbose)
}

// droppedSummary says how many candidates failed their token's checksum:
// people try scour with made-up tokens, and "0 findings" alone reads as a
// scanner that missed them.
func droppedSummary(w io.Writer, res *scan.Result, verbose bool) {
	n := res.Stats.Dropped.Checksum
	if n == 0 {
		return
	}
	how := "-v shows " + pluralWord(int(n), "it", "them")
	if verbose {
		how = "listed above"
	}
	fmt.Fprintf(w, "scour: %d %s dropped: checksum failed (not a real token: made up or mistyped), %s\n",
		n, pluralWord(int(n), "candidate", "candidates"), how)
}

// historySummary prints what the history scan covered, and why it did
// nothing when it did nothing (an empty range).
func historySummary(w io.Writer, res *scan.Result) {
	if st := res.Stats.Git; st != nil {
		fmt.Fprintf(w, "scour: git history: %d refs, %d commits, %d blobs (%s)", st.Refs, st.Commits, st.Blobs, humanize.Bytes(uint64(max(st.Bytes, 0))))
		if st.Unreachable > 0 {
			fmt.Fprintf(w, ", %d unreachable", st.Unreachable)
		}
		if st.Worktree > 0 {
			fmt.Fprintf(w, ", %d working-tree files not in history", st.Worktree)
		}
		fmt.Fprintln(w)
	}
	if res.HistoryNote != "" {
		fmt.Fprintf(w, "scour: %s\n", safetext.Escape(res.HistoryNote))
	}
}

// printNotice prints the pipeline's notices on w as they arise; quiet
// keeps only the warning that the scanned repository's own config kept
// content out of the scan.
func printNotice(w io.Writer, quiet bool) func(scan.Notice) {
	return func(n scan.Notice) {
		if quiet && n.Kind != scan.NoticeRepoExcluded {
			return
		}
		fmt.Fprintf(w, "scour: %s\n", safetext.Escape(n.Text))
	}
}

// checkOutputFile fails before the scan when a report could not be written
// where asked: its directory must exist.
func checkOutputFile(flag, path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("%s %s: directory %s: %w", flag, path, dir, unwrapPath(err))
	case !st.IsDir():
		return fmt.Errorf("%s %s: %s is not a directory", flag, path, dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s %s: is a directory", flag, path)
	}
	return nil
}

func validFormat(f string) bool {
	for _, ok := range report.Formats() {
		if f == ok {
			return true
		}
	}
	return false
}

// unwrapPath drops the PathError's repetition of the path we already name.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// loadConfig reads --config or $SCOUR_CONFIG (trusted), or .scour.yaml at
// root when there is one and noRepo is false (untrusted); no file means an
// empty config. It is the scan pipeline's loader (scan.LoadConfig).
func loadConfig(root, explicit string, noRepo bool) (*config.Config, error) {
	return scan.LoadConfig(root, scan.ConfigOptions{Explicit: explicit, NoRepoConfig: noRepo})
}

// loadRules returns the built-in catalogue plus the given packs. Errors name
// the pack file, rule id and problem.
func loadRules(packFiles []string) (*rules.Set, error) {
	if len(packFiles) == 0 {
		return rules.Builtin()
	}
	packs, err := rules.BuiltinPacks()
	if err != nil {
		return nil, err
	}
	for _, f := range packFiles {
		p, err := rules.LoadFile(f)
		if err != nil {
			return nil, fmt.Errorf("rule pack: %w", err)
		}
		packs = append(packs, p)
	}
	return rules.NewSet(packs...)
}

// ruleMeta gives reporters the rule fields findings do not carry.
func ruleMeta(set *rules.Set) map[string]report.RuleMeta {
	m := make(map[string]report.RuleMeta, len(set.Rules()))
	for _, r := range set.Rules() {
		m[r.ID] = report.RuleMeta{
			Provider: r.Provider, Description: r.Description, Confidence: r.Confidence,
			Remediation: r.Remediation, References: r.References,
		}
	}
	return m
}

// newDebugf returns a --verbose logger safe for concurrent use (the
// scanner calls it from its workers), or a no-op.
func newDebugf(w io.Writer, on bool) func(format string, args ...any) {
	if !on {
		return func(string, ...any) {}
	}
	var mu sync.Mutex
	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "scour: debug: %s\n", safetext.Escape(fmt.Sprintf(format, args...)))
	}
}

// isTerminal reports whether w is a terminal (colour is for people only).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// writeFileAtomic writes a report file: never seen half-written, and
// readable by its owner only (reports may hold secrets).
func writeFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, 0o600, write)
}

// byteSize is a pflag.Value for sizes like "10MB", "1GiB" or "0".
type byteSize struct{ n *int64 }

func (b byteSize) String() string {
	if b.n == nil || *b.n == 0 {
		return "0"
	}
	return strings.ReplaceAll(humanize.Bytes(uint64(*b.n)), " ", "")
}

func (b byteSize) Set(s string) error {
	v, err := humanize.ParseBytes(s)
	if err != nil {
		return fmt.Errorf("want a size like 10MB, 512KiB or 0: %w", err)
	}
	if v > 1<<62 {
		return fmt.Errorf("size %s is too large", s)
	}
	*b.n = int64(v)
	return nil
}

func (byteSize) Type() string { return "size" }

const minConfidenceHelp = "report only findings of this `confidence` or higher: low (every finding, also weak-looking values in code, tests and docs), medium (formats, random-looking values, weak passwords in config files), high (token formats only); default " +
	scanner.DefaultMinConfidence + ", or the config's min_confidence"

// memoryBudget is a pflag.Value for --memory-budget (config.ParseMemoryBudget).
type memoryBudget struct{ n *int64 }

func (b memoryBudget) String() string { return byteSize(b).String() }

func (b memoryBudget) Set(s string) error {
	v, err := config.ParseMemoryBudget(s)
	if err != nil {
		return err
	}
	*b.n = v
	return nil
}

func (memoryBudget) Type() string { return "size" }
