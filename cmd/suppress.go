package cmd

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/suppress"
)

// configuredRules returns the rule set a scan runs: the built-in catalogue,
// the config's rule packs and the --rules packs, less the config's
// `disable:` rules. Rule ids the config names (disable, allow[].rules) must
// exist: a misspelt one is an error naming the config file, line and key.
func configuredRules(cfg *config.Config, extraPacks []string) (*rules.Set, error) {
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

// suppressor holds what a scan does not report: config allowlists, the
// ignore file and a baseline (package suppress).
type suppressor struct {
	filters suppress.Filters
	// upgrade rewrites ignore entries matched in the old fingerprint form
	// (scour ignore --upgrade); otherwise apply only says they exist.
	upgrade  bool
	upgrades []suppress.Upgrade
}

// newSuppressor loads the suppressions of a scan of root: the config's
// allowlists, root/.scourignore (root is the scan root; for stdin, a
// single file or a URL, the directory of the config file in use, if any)
// and the baseline file when one is given. Every file is read and checked
// before the scan starts, so a bad one fails fast.
func newSuppressor(root string, cfg *config.Config, baseline string, debugf func(string, ...any)) (*suppressor, error) {
	s := &suppressor{filters: suppress.Filters{Debugf: debugf}}
	s.filters.Upgrade = func(u suppress.Upgrade) { s.upgrades = append(s.upgrades, u) }
	allow, err := suppress.NewAllowlist(cfg.Allow)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", cfg.Path, err)
	}
	s.filters.Allow = allow
	if dir, tree := ignoreDir(root, cfg); dir != "" && !(tree && cfg.NoRepoConfig) {
		load := suppress.LoadTreeIgnore // the scanned tree's: untrusted
		if !tree {
			load = func(dir string) (*suppress.IgnoreList, error) {
				return suppress.LoadIgnore(filepath.Join(dir, suppress.IgnoreFileName))
			}
		}
		ign, err := load(dir)
		if err != nil {
			return nil, err
		}
		if len(ign.Entries) > 0 {
			debugf("ignore file: %s (%d %s)", ign.Path, len(ign.Entries), pluralWord(len(ign.Entries), "entry", "entries"))
		}
		s.filters.Ignore = ign
	}
	if baseline != "" {
		b, err := suppress.LoadBaseline(baseline)
		if err != nil {
			return nil, err
		}
		debugf("baseline: %s (%d %s)", b.Path, b.Len(), pluralWord(b.Len(), "finding", "findings"))
		s.filters.Baseline = b
	}
	return s, nil
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
			return workTreeTop(root), true
		}
	}
	if cfg.Path != "" && cfg.Trusted {
		return filepath.Dir(cfg.Path), false
	}
	return "", false
}

// allowHook is the engine's line allowlist (scanner.Options.Allow), nil
// when no allow entry looks at lines.
func (s *suppressor) allowHook() func(ruleID, secret string, line []byte) bool {
	if s == nil || !s.filters.Allow.HasLineRules() {
		return nil
	}
	return s.filters.Allow.MatchLine
}

// apply removes suppressed findings from res and, unless quiet, says on w
// how many were suppressed and why, so that a clean exit is never a
// mystery.
func (s *suppressor) apply(res *scanner.Result, w io.Writer, quiet bool) suppress.Counts {
	if s == nil {
		return suppress.Counts{}
	}
	n := suppress.Apply(res, s.filters)
	if !quiet && n.Total() > 0 {
		fmt.Fprintf(w, "scour: %d %s not reported: %s\n", n.Total(), pluralWord(n.Total(), "finding", "findings"), n)
	}
	if !quiet || s.upgrade {
		s.upgradeEntries(w)
	}
	return n
}

// upgradeEntries handles the ignore and baseline entries that matched a
// low-entropy secret by its old fingerprint (an unsalted SHA-256, which
// docs/report-format.md explains): with s.upgrade it rewrites the ignore
// file in the current form; otherwise it says how to.
func (s *suppressor) upgradeEntries(w io.Writer) {
	byFile := map[string]map[string]string{}
	baseline := map[string]bool{}
	for _, u := range s.upgrades {
		if byFile[u.File] == nil {
			byFile[u.File] = map[string]string{}
		}
		byFile[u.File][u.Old] = u.New
		baseline[u.File] = u.Baseline
	}
	s.upgrades = nil
	for _, file := range slices.Sorted(maps.Keys(byFile)) {
		n := len(byFile[file])
		switch {
		case baseline[file]:
			fmt.Fprintf(w, "scour: %s: %d %s in the old fingerprint form (still honoured); `scour baseline update %s` rewrites the file\n",
				safetext.Quote(file), n, pluralWord(n, "entry", "entries"), safetext.Quote(file))
		case s.upgrade:
			done, err := suppress.UpgradeIgnore(file, byFile[file])
			if err != nil {
				fmt.Fprintf(w, "scour: %s\n", safetext.Escape(err.Error()))
				continue
			}
			fmt.Fprintf(w, "scour: %s: rewrote %d %s in the current fingerprint form\n", safetext.Quote(file), done, pluralWord(done, "entry", "entries"))
		default:
			fmt.Fprintf(w, "scour: %s: %d %s in the old fingerprint form (still honoured); `scour ignore --upgrade` rewrites them\n",
				safetext.Quote(file), n, pluralWord(n, "entry", "entries"))
		}
	}
}
