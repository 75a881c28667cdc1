package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
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
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
	"github.com/scour-dev/scour/source/githistory"
	"github.com/scour-dev/scour/source/gitremote"
)

// DefaultMaxFileSize is the default --max-file-size. Files are streamed, so
// memory stays bounded at any size; the guard is about time: files past
// 100 MB in a source tree are nearly always dumps, images or logs, and one
// would cost more than the rest of the tree. --max-file-size 0 scans all.
const DefaultMaxFileSize = 100 * 1000 * 1000

// ScanOptions is everything `scour scan` needs; flags fill it.
type ScanOptions struct {
	// Path is a directory, a file, or "-" for stdin; "" means ".".
	Path string
	// Excludes are gitignore-style patterns, added to the config's.
	Excludes []string
	// MaxFileSize skips larger files with a notice; 0 means no limit.
	MaxFileSize int64
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
	// Baseline is an earlier JSON report or baseline file: findings in it
	// (same rule, same secret) are not reported.
	Baseline    string
	ShowSecrets bool
	NoColor     bool
	Verbose     bool
	Quiet       bool
	// Verify checks found secrets with their vendors (docs/revoke.md);
	// OptIn allows probes that touch write endpoints (pypi, nuget).
	Verify bool
	OptIn  []string
	// MinConfidence is the lowest confidence reported (low, medium,
	// high); "" means the config's min_confidence, else
	// scanner.DefaultMinConfidence.
	MinConfidence string
	// HistoryOptions: --no-history, --all-objects, --range (history.go).
	HistoryOptions
	// UpgradeFingerprints rewrites .scourignore entries that matched in
	// the old fingerprint form (scour ignore --upgrade).
	UpgradeFingerprints bool
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
(PATH "-") for leaked credentials. PATH defaults to the current directory.

Findings are grouped by secret: each is reported once with every place it
occurs. Secrets are redacted to a short prefix unless --show-secrets is
given; fingerprints (docs/report-format.md) are always shown.

Configuration is read from PATH/.scour.yaml when PATH is a directory, or
from --config or $SCOUR_CONFIG. Its excludes and rule packs add to the
flags'. Secrets listed in PATH/.scourignore (scour ignore) or in the
--baseline file (scour baseline create) are not reported. See
docs/config.md.

When PATH is a git working tree or bare repository, its whole history is
scanned: every blob reachable from any ref, once, plus files on disk whose
content is not in history. Each finding names the commit and path that
first introduced it. --all-objects adds objects no ref reaches (reported
as unreachable); --range A..B scans only the commits in B and not in A;
--no-history scans only the files on disk.

A URL is cloned (every ref) into a temporary directory that is removed
afterwards, also on Ctrl-C; credentials come only from SCOUR_GIT_USERNAME
and SCOUR_GIT_PASSWORD and never appear in output. Locations carry the
URL without credentials.

A summary (files and bytes scanned, files skipped and why, findings,
elapsed time) and the list of skipped files go to stderr.

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
	f.StringArrayVar(&opts.RulePacks, "rules", nil, "add the rules of this pack `file` (repeatable)")
	f.StringVar(&opts.Format, "format", "", "output format: "+strings.Join(report.Formats(), ", ")+" (default text, or the config's format:)")
	f.StringVar(&opts.ReportFile, "report", "", "write the report to `file` (atomically, mode 0600) instead of stdout")
	f.StringArrayVar(&opts.ReportTo, "report-to", nil, "also write the report in another format to a file, e.g. sarif=scour.sarif (`format=file`, repeatable)")
	f.StringVar(&opts.ConfigFile, "config", "", "read configuration from `file` instead of PATH/"+config.FileName)
	f.BoolVar(&opts.Verify, "verify", false, "check found secrets with their vendors' APIs; exit 3 when one is live (docs/revoke.md)")
	f.StringSliceVar(&opts.OptIn, "opt-in", nil, "with --verify, also run probes that touch write endpoints for these `providers` (pypi, nuget)")
	f.StringVar(&opts.Baseline, "baseline", "", "report only findings absent from this earlier JSON report or baseline `file` (scour baseline create)")
	f.BoolVar(&opts.ShowSecrets, "show-secrets", false, "print secrets in full instead of redacted")
	f.StringVar(&opts.MinConfidence, "min-confidence", "", minConfidenceHelp)
	f.BoolVar(&noColor, "no-color", false, "never colour output (also: NO_COLOR=1)")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "print diagnostics to stderr, e.g. candidates dropped by a checksum")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "print no summary or skipped list to stderr")
	f.BoolVar(&opts.NoHistory, "no-history", false, "in a git repository, scan only the files on disk, not the history")
	f.BoolVar(&opts.AllObjects, "all-objects", false, "in a git repository, also scan objects no ref reaches (left by resets, rebases, force-pushes)")
	f.StringVar(&opts.Range, "range", "", "in a git repository, scan only the blobs introduced by commits in B and not in A (`A..B`, as git log A..B); secrets already in a file before the commit that changed it are not reported")
	c.MarkFlagsMutuallyExclusive("verbose", "quiet")
	return c
}

// runScan scans opts.Path and writes the report. It returns the exit code
// and, for ExitError, the error to print. Findings made before an error are
// still reported.
func runScan(ctx context.Context, opts ScanOptions, streams IO) (int, error) {
	start := time.Now()
	if opts.Format != "" && !validFormat(opts.Format) {
		return ExitError, fmt.Errorf("--format %q: want one of %s", opts.Format, strings.Join(report.Formats(), ", "))
	}
	extra, err := parseReportTo(opts.ReportTo)
	if err != nil {
		return ExitError, err
	}
	if opts.MaxFileSize < 0 {
		return ExitError, fmt.Errorf("--max-file-size must not be negative")
	}
	path := opts.Path
	if path == "" {
		path = "."
	}
	stdin := path == "-"
	var remote string // `scour scan URL`: the URL without credentials (remote.go)
	if !stdin && gitremote.IsURL(path) {
		if opts.NoHistory {
			return ExitError, errors.New("--no-history: a remote repository has no files on disk to scan")
		}
		clone, err := cloneRemote(ctx, path, streams, opts.Quiet)
		if err != nil {
			return ExitError, err
		}
		defer clone.Close() // after an interrupt too: ctx stops the scan, then this runs
		path, remote = clone.Dir, clone.Remote
	}
	if !stdin {
		if _, err := os.Stat(path); err != nil {
			return ExitError, fmt.Errorf("cannot scan %s: %w", path, unwrapPath(err))
		}
	}

	cfg, err := loadConfig(path, opts.ConfigFile, false)
	if err != nil {
		return ExitError, err
	}
	if opts.Format == "" { // flags > config > default
		if err := cfg.CheckFormat(report.Formats()); err != nil {
			return ExitError, err
		}
		opts.Format = cmp.Or(cfg.Format, "text")
	}
	set, err := configuredRules(cfg, opts.RulePacks)
	if err != nil {
		return ExitError, err
	}

	debugf := newDebugf(streams.ErrOut, opts.Verbose)
	if cfg.Path != "" {
		debugf("config: %s", cfg.Path)
	}
	sup, err := newSuppressor(path, cfg, opts.Baseline, debugf)
	if err != nil {
		return ExitError, err
	}
	sup.upgrade = opts.UpgradeFingerprints
	debugf("rules: %d", len(set.Rules()))
	minConf, err := minConfidence(opts.MinConfidence, cfg)
	if err != nil {
		return ExitError, err
	}
	sc, err := scanner.New(scanner.Options{Rules: set, Debugf: debugf, Allow: sup.allowHook(), MinConfidence: minConf})
	if err != nil {
		return ExitError, err
	}

	history, err := useHistory(path, opts.HistoryOptions)
	if err != nil {
		return ExitError, err
	}
	var src source.Source
	var repo *githistory.Repo
	noun := "files"
	switch {
	case stdin:
		if streams.In == nil {
			return ExitError, errors.New("no stdin to scan")
		}
		src = source.Stdin(streams.In)
	case history:
		repo, err = openHistory(path, opts.HistoryOptions, append(append([]string(nil), cfg.Exclude...), opts.Excludes...), opts.MaxFileSize, debugf)
		if err != nil {
			return ExitError, err
		}
		defer repo.Close()
		src, noun = repo, "blobs"
	default:
		src = &source.Dir{
			Root:        path,
			Excludes:    append(append([]string(nil), cfg.Exclude...), opts.Excludes...),
			MaxFileSize: opts.MaxFileSize,
		}
	}
	// --verbose lines would tear the progress line: one or the other.
	src, stopProgress := withProgress(src, noun, opts.Quiet || opts.Verbose, streams.ErrOut)
	res, scanErr := sc.Run(ctx, src)
	stopProgress()
	if res == nil {
		res = &scanner.Result{}
	}
	if repo != nil {
		finishHistory(res, repo, opts.HistoryOptions, streams.ErrOut, opts.Quiet)
	}
	stampRemote(res, remote)
	sup.apply(res, streams.ErrOut, opts.Quiet)
	var verification map[string]report.Verification
	live := false
	if opts.Verify && len(res.Findings) > 0 {
		verification, live = verifyFindings(ctx, set, trustedBaseURLs(cfg, streams.ErrOut), opts.OptIn, res.Findings)
	}

	ropts := report.Options{
		Version:      Version(),
		ShowSecrets:  opts.ShowSecrets,
		Rules:        ruleMeta(set),
		Elapsed:      time.Since(start),
		Verification: verification,
	}
	var outErr error
	if opts.ReportFile != "" {
		outErr = writeFileAtomic(opts.ReportFile, func(w io.Writer) error {
			return report.Write(w, opts.Format, res, ropts)
		})
		if outErr != nil {
			outErr = fmt.Errorf("writing report: %w", outErr)
		}
	} else {
		ropts.Color = opts.Format == "text" && !opts.NoColor && isTerminal(streams.Out)
		outErr = report.Write(streams.Out, opts.Format, res, ropts)
		ropts.Color = false
	}
	outErr = errors.Join(outErr, writeReportTo(extra, res, ropts))
	if !opts.Quiet {
		_ = report.SkippedList(streams.ErrOut, res)
		_ = report.Summary(streams.ErrOut, res, ropts)
		if repo != nil {
			historySummary(streams.ErrOut, repo)
		}
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
	case res.Stats.Items == 0 && len(res.Skipped) > 0:
		// Exit 0 would read as "clean" for content nobody looked at.
		return ExitError, fmt.Errorf("nothing could be scanned: everything was skipped (%s)", skipCounts(res))
	}
	return ExitClean, nil
}

const minConfidenceHelp = "report only findings of this `confidence` or higher: low (every generic value), medium, high (token formats only); default " +
	scanner.DefaultMinConfidence + ", or the config's min_confidence"

// minConfidence picks the lowest confidence reported: the flag, else the
// config's min_confidence, else the default.
func minConfidence(flag string, cfg *config.Config) (string, error) {
	c := cmp.Or(flag, cfg.MinConfidence, scanner.DefaultMinConfidence)
	if !scanner.ValidConfidence(c) {
		return "", fmt.Errorf("--min-confidence %q: want low, medium or high", flag)
	}
	return c, nil
}

// skipCounts says how many items were skipped for each reason.
func skipCounts(res *scanner.Result) string {
	counts := map[string]int{}
	var reasons []string
	for _, s := range res.Skipped {
		if counts[s.Reason] == 0 {
			reasons = append(reasons, s.Reason)
		}
		counts[s.Reason]++
	}
	sort.Strings(reasons)
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%d %s", counts[r], r)
	}
	return strings.Join(parts, ", ")
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
// the scan root when there is one and noRepo is false (untrusted: see
// config.Resolve); no file means an empty config.
func loadConfig(root, explicit string, noRepo bool) (*config.Config, error) {
	return config.Resolve(root, config.Options{Explicit: explicit, NoRepoConfig: noRepo})
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
