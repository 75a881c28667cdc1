package cmd

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scan"
	"github.com/scour-dev/scour/suppress"
)

// configuredRules returns the rule set a scan with cfg runs (the scan
// pipeline's: built-in rules, the config's and extraPacks, less the
// disabled ones).
func configuredRules(cfg *config.Config, extraPacks []string) (*rules.Set, error) {
	return scan.Rules(cfg, extraPacks)
}

// upgradeEntries handles the ignore and baseline entries that matched a
// low-entropy secret by its old fingerprint (an unsalted SHA-256, which
// docs/report-format.md explains): with upgrade it rewrites the ignore
// file in the current form; otherwise it says how to.
func upgradeEntries(w io.Writer, ups []suppress.Upgrade, upgrade bool) {
	byFile := map[string]map[string]string{}
	baseline := map[string]bool{}
	for _, u := range ups {
		if byFile[u.File] == nil {
			byFile[u.File] = map[string]string{}
		}
		byFile[u.File][u.Old] = u.New
		baseline[u.File] = u.Baseline
	}
	for _, file := range slices.Sorted(maps.Keys(byFile)) {
		n := len(byFile[file])
		switch {
		case baseline[file]:
			fmt.Fprintf(w, "scour: %s: %d %s in the old fingerprint form (still honoured); `scour baseline update %s` rewrites the file\n",
				safetext.Quote(file), n, pluralWord(n, "entry", "entries"), safetext.Quote(file))
		case upgrade:
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
