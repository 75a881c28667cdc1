package cmd

import (
	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scan"
)

// configuredRules returns the rule set a scan with cfg runs (the scan
// pipeline's: built-in rules, the config's and extraPacks, less the
// disabled ones).
func configuredRules(cfg *config.Config, extraPacks []string) (*rules.Set, error) {
	return scan.Rules(cfg, extraPacks)
}
