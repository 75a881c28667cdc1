package scan

import (
	"strings"
	"sync"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
)

// RuleCache reuses compiled rule sets across scans that use the same
// user-chosen configuration: a sweep with --no-repo-config (and maybe one
// --config) builds its rule set once instead of once per repository
// (compiling the catalogue costs about 0.3 s of CPU). A scan whose config
// is a scanned tree's own .scour.yaml is never cached: that config is per
// repository. The cache assumes the user's config and rule pack files do
// not change while it is in use. Its zero value is ready; it is safe for
// concurrent use. A rules.Set is read-only once built, so scans share it.
//
// It also keeps the slow (argon2id) fingerprints of low-entropy secrets
// for every scan that uses it: a sweep meets the same password in many
// repositories, and computing one costs milliseconds of CPU each time.
type RuleCache struct {
	mu   sync.Mutex
	sets map[string]*cachedSet
	fps  scanner.FingerprintCache
}

// fingerprints is the shared fingerprint cache, or nil without a cache.
func (c *RuleCache) fingerprints() *scanner.FingerprintCache {
	if c == nil {
		return nil
	}
	return &c.fps
}

type cachedSet struct {
	once sync.Once
	set  *rules.Set
	err  error
}

// rules returns the rule set for cfg and extraPacks, from the cache when
// it can.
func (c *RuleCache) rules(cfg *config.Config, extraPacks []string) (*rules.Set, error) {
	if c == nil || (cfg.Path != "" && !cfg.Trusted) {
		return Rules(cfg, extraPacks)
	}
	// Everything Rules reads from cfg, and the extra packs, in order.
	key := strings.Join([]string{cfg.Path, strings.Join(cfg.Rules, "\x00"), strings.Join(cfg.Disable, "\x00"),
		strings.Join(extraPacks, "\x00")}, "\x01")
	c.mu.Lock()
	if c.sets == nil {
		c.sets = map[string]*cachedSet{}
	}
	e := c.sets[key]
	if e == nil {
		e = &cachedSet{}
		c.sets[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.set, e.err = Rules(cfg, extraPacks) })
	return e.set, e.err
}
