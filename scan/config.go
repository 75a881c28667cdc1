package scan

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/internal/treefile"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source/githistory"
	"github.com/scour-dev/scour/suppress"
)

// ConfigOptions says which configuration a scan of a directory uses.
type ConfigOptions struct {
	// Explicit is a config file the user chose (--config); it wins over
	// $SCOUR_CONFIG, which wins over the scanned tree's own .scour.yaml.
	Explicit string
	// NoRepoConfig ignores the scanned tree's own .scour.yaml.
	NoRepoConfig bool
}

// LoadConfig returns the configuration a scan of root uses: the file the
// user chose (trusted), else root/.scour.yaml when root is a directory
// holding one (unless opts.NoRepoConfig; untrusted: detection settings
// only, see config.Resolve), else an empty config. Every command that
// reads a config reads it here.
func LoadConfig(root string, opts ConfigOptions) (*config.Config, error) {
	return config.Resolve(root, config.Options{Explicit: opts.Explicit, NoRepoConfig: opts.NoRepoConfig})
}

// Rules returns the rule set a scan runs: the built-in catalogue, the
// config's rule packs and extraPacks (--rules), less the config's
// `disable:` rules. Rule ids the config names (disable, allow[].rules) must
// exist: a misspelt one is an error naming the config file, line and key.
func Rules(cfg *config.Config, extraPacks []string) (*rules.Set, error) {
	packs, err := rules.BuiltinPacks()
	if err != nil {
		return nil, err
	}
	// The config's packs: detection-only when the config is the scanned
	// tree's own (config.Config.RulePacks).
	cp, err := cfg.RulePacks()
	if err != nil {
		return nil, err
	}
	packs = append(packs, cp...)
	for _, f := range extraPacks {
		p, err := rules.LoadFile(f)
		if err != nil {
			return nil, fmt.Errorf("rule pack: %w", err)
		}
		packs = append(packs, p)
	}
	known, providers := map[string]bool{}, map[string]bool{}
	for _, p := range packs {
		providers[p.Provider] = true
		for _, r := range p.Rules {
			if r != nil {
				known[r.ID] = true
			}
		}
	}
	if err := cfg.CheckRules(func(id string) bool { return known[id] }); err != nil {
		return nil, err
	}
	if err := cfg.CheckProviders(func(name string) bool { return providers[name] }); err != nil {
		return nil, err
	}
	if len(cfg.Disable) > 0 {
		off := map[string]bool{}
		for _, id := range cfg.Disable {
			off[id] = true
		}
		kept := packs[:0]
		for _, p := range packs {
			var rs []*rules.Rule
			for _, r := range p.Rules {
				if r == nil || !off[r.ID] {
					rs = append(rs, r)
				}
			}
			if len(rs) == 0 {
				continue // a pack whose rules are all disabled
			}
			p.Rules = rs
			kept = append(kept, p)
		}
		packs = kept
	}
	return rules.NewSet(packs...)
}

// SuppressOptions says which suppressions a scan of a root uses.
type SuppressOptions struct {
	// Baseline is a baseline or JSON report file whose findings are not
	// reported.
	Baseline string
	// NoRepoConfig ignores the scanned tree's .scourignore.
	NoRepoConfig bool
	// Debugf receives one line per file read. May be nil.
	Debugf func(format string, args ...any)
	// TreeIgnore, when set, loads the scanned tree's ignore file instead
	// of reading it from disk (a range scan reads it from its base).
	TreeIgnore func() (*suppress.IgnoreList, error)
}

// Suppressions loads what a scan of root does not report: the config's
// allowlists, the ignore file (root/.scourignore, else the one at the top
// of the git work tree holding root; for stdin, a single file or a URL,
// the one beside the config file in use) and the baseline. Every file is
// read and checked here, before the scan starts, so a bad one fails fast.
func Suppressions(root string, cfg *config.Config, opts SuppressOptions) (suppress.Filters, error) {
	debugf := opts.Debugf
	if debugf == nil {
		debugf = func(string, ...any) {}
	}
	fl := suppress.Filters{Debugf: debugf}
	allow, err := suppress.NewAllowlist(cfg.Allow)
	if err != nil {
		return fl, fmt.Errorf("config %s: %w", cfg.Path, err)
	}
	fl.Allow = allow
	noRepo := opts.NoRepoConfig || cfg.NoRepoConfig
	if opts.TreeIgnore != nil && !noRepo {
		ign, err := opts.TreeIgnore()
		if err != nil {
			return fl, err
		}
		if len(ign.Entries) > 0 {
			debugf("ignore file: %s (%d %s)", ign.Path, len(ign.Entries), plural(len(ign.Entries), "entry", "entries"))
		}
		fl.Ignore = ign
	} else if dir, tree := ignoreDir(root, cfg); dir != "" && !(tree && noRepo) {
		load := suppress.LoadTreeIgnore // the scanned tree's: untrusted
		if !tree {
			load = func(dir string) (*suppress.IgnoreList, error) {
				return suppress.LoadIgnore(filepath.Join(dir, suppress.IgnoreFileName))
			}
		}
		ign, err := load(dir)
		if err != nil {
			return fl, err
		}
		if len(ign.Entries) > 0 {
			debugf("ignore file: %s (%d %s)", ign.Path, len(ign.Entries), plural(len(ign.Entries), "entry", "entries"))
		}
		fl.Ignore = ign
	}
	if opts.Baseline != "" {
		b, err := suppress.LoadBaseline(opts.Baseline)
		if err != nil {
			return fl, err
		}
		debugf("baseline: %s (%d %s)", b.Path, b.Len(), plural(b.Len(), "finding", "findings"))
		fl.Baseline = b
	}
	return fl, nil
}

// ignoreDir is where a scan of root reads .scourignore from: root's own,
// else the one at the top of the git work tree holding root, which is
// where `scour ignore` writes it (so `scour scan src` honours it too);
// tree is true for those. For stdin or a single file it is the directory
// of the config in use, if the user chose that config.
func ignoreDir(root string, cfg *config.Config) (dir string, tree bool) {
	if root != "" && root != "-" {
		if st, err := os.Stat(root); err == nil && st.IsDir() {
			if _, err := os.Lstat(filepath.Join(root, suppress.IgnoreFileName)); err == nil {
				return root, true
			}
			return WorkTreeTop(root), true
		}
	}
	if cfg.Path != "" && cfg.Trusted {
		return filepath.Dir(cfg.Path), false
	}
	return "", false
}

// allowHook is the engine's line allowlist (scanner.Options.Allow), nil
// when no allow entry looks at lines.
func allowHook(fl suppress.Filters) func(ruleID, secret string, line []byte) bool {
	if !fl.Allow.HasLineRules() {
		return nil
	}
	return fl.Allow.MatchLine
}

// target is what a scan of one root runs with.
type target struct {
	cfg     *config.Config
	set     *rules.Set
	sc      *scanner.Scanner
	filters suppress.Filters
	// base is the revision the tree's own config was read from, or "".
	base string
}

type targetOptions struct {
	ConfigFile   string
	NoRepoConfig bool
	RulePacks    []string
	Baseline     string
	Cache        *RuleCache
	// MinConfidence: the flag's; the config's min_confidence, then the
	// scanner's default, apply when it is "".
	MinConfidence string
	// NoDeltaMatching: see Options.NoDeltaMatching.
	NoDeltaMatching bool
	// base, when set, is the revision the scanned tree's own config and
	// ignore file are read from, instead of the working tree.
	base *baseTree
}

// baseTree is a git revision's files: a range's base.
type baseTree struct {
	rev  string
	read func(name string, limit int64) ([]byte, error)
}

// prepareAtBase is prepare for a range scan of the repository at path
// whose own config applies: that config and its ignore file are read as
// of the range's base A (A..B), not from the working tree, which the
// range itself may have changed. A pull request must not be able to
// exclude, disable or ignore the secrets it adds. A nil target means the
// range has no base ("..B"): the working tree's config applies.
func (r *run) prepareAtBase(path string, opts Options) (*target, error) {
	repo, err := githistory.Open(path, githistory.Options{Range: opts.Range})
	if err != nil {
		return nil, err
	}
	defer repo.Close() // read works until then: prepare reads everything it needs
	rev, read, err := repo.RangeBase()
	if errors.Is(err, githistory.ErrNoBase) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if changedSince(path, read) {
		r.note(NoticeConfig, "range scan: the repository's .scour.yaml and .scourignore are read as of %s, the range's base; the working tree's changes to them do not apply to this check (they will once merged)", safetext.Quote(rev))
	}
	return r.prepare(path, targetOptions{
		ConfigFile: opts.ConfigFile, RulePacks: opts.RulePacks, Baseline: opts.Baseline,
		Cache: opts.RuleCache, NoDeltaMatching: opts.NoDeltaMatching, MinConfidence: opts.MinConfidence, base: &baseTree{rev: rev, read: read},
	})
}

// changedSince says whether the working tree's .scour.yaml or .scourignore
// differ from (or exist unlike) those read reads.
func changedSince(root string, read func(string, int64) ([]byte, error)) bool {
	for _, name := range []string{config.FileName, suppress.IgnoreFileName} {
		limit := int64(suppress.MaxIgnoreSize)
		disk, derr := treefile.Read(root, name, limit)
		base, berr := read(name, limit)
		if (derr == nil) != (berr == nil) || !bytes.Equal(disk, base) {
			return true
		}
	}
	return false
}

// prepare loads the config, rules and suppressions of a scan of root and
// builds its scanner.
func (r *run) prepare(root string, o targetOptions) (*target, error) {
	// With a base, the working tree's own files are not read at all.
	cfg, err := LoadConfig(root, ConfigOptions{Explicit: o.ConfigFile, NoRepoConfig: o.NoRepoConfig || o.base != nil})
	if err != nil {
		return nil, err
	}
	var treeIgnore func() (*suppress.IgnoreList, error)
	if o.base != nil {
		if cfg.Trusted {
			cfg.NoRepoConfig = false
		} else if cfg, err = config.LoadRepoFrom(o.base.rev+":", o.base.read); err != nil {
			return nil, err
		}
		treeIgnore = func() (*suppress.IgnoreList, error) {
			return suppress.LoadTreeIgnoreFrom(o.base.rev+":"+suppress.IgnoreFileName, o.base.read)
		}
	}
	if cfg.Path != "" {
		r.debugf("config: %s", cfg.Path)
	}
	set, err := o.Cache.rules(cfg, o.RulePacks)
	if err != nil {
		return nil, err
	}
	fl, err := Suppressions(root, cfg, SuppressOptions{Baseline: o.Baseline, NoRepoConfig: o.NoRepoConfig, Debugf: r.debugf, TreeIgnore: treeIgnore})
	if err != nil {
		return nil, err
	}
	r.debugf("rules: %d", len(set.Rules()))
	minConf := cmp.Or(o.MinConfidence, cfg.MinConfidence, scanner.DefaultMinConfidence)
	if !scanner.ValidConfidence(minConf) {
		return nil, fmt.Errorf("--min-confidence %q: want low, medium or high", minConf)
	}
	sc, err := scanner.New(scanner.Options{Rules: set, Debugf: r.userDebugf, Allow: allowHook(fl), MinConfidence: minConf, NoDeltaMatching: o.NoDeltaMatching,
		Fingerprints: o.Cache.fingerprints()})
	if err != nil {
		return nil, err
	}
	t := &target{cfg: cfg, set: set, sc: sc, filters: fl}
	if treeIgnore != nil {
		t.base = o.base.rev
	}
	return t, nil
}

// suppress removes suppressed findings from res and says how many, so that
// a clean result is never a mystery. It also returns the ignore and
// baseline entries that matched only in the old fingerprint form.
func (r *run) suppress(res *scanner.Result, fl suppress.Filters) (suppress.Counts, []suppress.Upgrade) {
	var ups []suppress.Upgrade
	fl.Upgrade = func(u suppress.Upgrade) { ups = append(ups, u) }
	n := suppress.Apply(res, fl)
	if n.Total() > 0 {
		r.note(NoticeSuppressed, "%d %s not reported: %s", n.Total(), plural(n.Total(), "finding", "findings"), n)
	}
	return n, ups
}

// noteRepoDisabled says which rules the scanned tree's own config turns
// off: like its excludes, never silent. (Not for staged scans: there the
// tree is the committer's own, and the hook would repeat it on every
// commit.)
func (r *run) noteRepoDisabled(cfg *config.Config) {
	if !cfg.Trusted && len(cfg.Disable) > 0 {
		r.note(NoticeRepoExcluded, "%s, the scanned repository's own config, disables %d %s (%s); --no-repo-config, or --config naming a config you trust, runs them",
			safetext.Quote(cfg.Path), len(cfg.Disable), plural(len(cfg.Disable), "rule", "rules"), quoteList(cfg.Disable))
	}
}
