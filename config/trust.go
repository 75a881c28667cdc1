package config

// Trust. A config the user names (--config, $SCOUR_CONFIG) is the user's
// word. A .scour.yaml found in the scanned tree (or, for verify and revoke,
// the current directory) is content of the thing being scanned, which may
// be hostile. It may still say what to scan and report (exclude, disable,
// allow, format, detection-only rule packs inside the tree): those only
// change what a scan of that same tree shows, which its authors control
// anyway. It may not choose a network action, a host or an environment
// variable (providers:, rule packs' verify: and revoke: blocks), and it
// may not make scour read a file outside the tree. docs/config.md, "Which
// config is trusted", says the same for users.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/internal/treefile"
	"github.com/scour-dev/scour/rules"
)

// Size limits for files read from a scanned tree: enough for any real
// config or rule pack (the largest built-in pack is under 20 KB), small
// enough that a hostile file cannot exhaust memory.
const (
	MaxConfigSize = 1 << 20
	MaxPackSize   = 8 << 20
)

// Options says which configuration a scan uses.
type Options struct {
	// Explicit is a config file the user named (--config); it wins over
	// $SCOUR_CONFIG, which wins over the scanned tree's .scour.yaml.
	Explicit string
	// NoRepoConfig ignores the scanned tree's .scour.yaml
	// (--no-repo-config): for sweeps of repositories you do not control.
	// A file named by Explicit or $SCOUR_CONFIG is still read.
	NoRepoConfig bool
	// Getenv reads $SCOUR_CONFIG; nil means os.Getenv.
	Getenv func(string) string
}

// Resolve returns the configuration a scan of root uses: the file the user
// named (trusted), else root/.scour.yaml when root is a directory holding
// one and opts.NoRepoConfig is false (untrusted, see LoadRepo), else an
// empty config. A missing named file is an error.
func Resolve(root string, opts Options) (*Config, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg, err := resolve(root, opts.Explicit, getenv(EnvVar), opts.NoRepoConfig)
	if err != nil {
		return nil, err
	}
	cfg.NoRepoConfig = opts.NoRepoConfig
	return cfg, nil
}

func resolve(root, explicit, env string, noRepo bool) (*Config, error) {
	if explicit != "" {
		return LoadFile(explicit)
	}
	if env != "" {
		cfg, err := LoadFile(env)
		if err != nil {
			return nil, fmt.Errorf("%w (from $%s)", err, EnvVar)
		}
		return cfg, nil
	}
	if noRepo || root == "" || root == "-" {
		return &Config{}, nil
	}
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		return &Config{}, nil // a single file or a bad path: the scan reports the latter
	}
	return LoadRepo(root)
}

// LoadRepo reads root/.scour.yaml, a config found in a scanned tree: the
// result is not Trusted. It and the rule packs it names are read only
// from inside root (a symlink leading out is refused, never followed), and
// only regular files up to MaxConfigSize are read. A missing file is an
// empty config.
func LoadRepo(root string) (*Config, error) {
	shown := filepath.Join(root, FileName)
	data, err := treefile.Read(root, FileName, MaxConfigSize)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", shown, err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", shown, err)
	}
	cfg.Path, cfg.root = shown, root
	var errs []error
	for i, r := range cfg.Rules {
		name := filepath.Clean(filepath.FromSlash(r))
		if !filepath.IsLocal(name) {
			errs = append(errs, cfg.errorf(fmt.Sprintf("rules[%d]", i),
				"%q is outside the repository: a .scour.yaml found in the scanned tree may only name rule packs inside it (name a pack elsewhere with --rules, or the config with --config)", r))
			continue
		}
		cfg.packNames = append(cfg.packNames, name)
		cfg.Rules[i] = filepath.Join(root, name)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, cfg.wrap(err)
	}
	return cfg, nil
}

// RulePacks loads the rule packs the config names. From a trusted config
// they load as they are. From an untrusted one they are read only from
// inside the scanned tree and are made detection-only (see
// rules.Pack.StripActions), and Notices then says which rules lost their
// verify/revoke blocks.
func (c *Config) RulePacks() ([]*rules.Pack, error) {
	var packs []*rules.Pack
	if !c.Trusted && c.root == "" && len(c.Rules) > 0 {
		// Parsed from bytes of unknown origin: no directory to confine to.
		return nil, errors.New("rule packs of a config that was not read from a file are not loaded")
	}
	if c.Trusted {
		for _, f := range c.Rules {
			p, err := rules.LoadFile(f)
			if err != nil {
				return nil, fmt.Errorf("rule pack: %w", err)
			}
			packs = append(packs, p)
		}
		return packs, nil
	}
	c.stripped = nil
	for i, name := range c.packNames {
		shown := safetext.Quote(c.Rules[i])
		data, err := treefile.Read(c.root, name, MaxPackSize)
		if err != nil {
			return nil, fmt.Errorf("rule pack %s (named in %s): %w", shown, c.Path, err)
		}
		p, err := rules.ParsePack(c.Rules[i], data)
		if err != nil {
			return nil, fmt.Errorf("rule pack: %w", err)
		}
		if ids := p.StripActions(); len(ids) > 0 {
			c.stripped = append(c.stripped, fmt.Sprintf("ignoring verify/revoke of %s in %s: a rule pack named by a .scour.yaml found in the scanned tree only detects; it does not choose what is sent where (pass the config with --config, or the pack with --rules, to use them)",
				listIDs(ids), shown))
		}
		packs = append(packs, p)
	}
	return packs, nil
}

// Notices says what of an untrusted config is ignored: its providers:
// and, once RulePacks has run, its packs' verify/revoke blocks. Callers
// print them when they verify or revoke (a plain scan loses nothing).
func (c *Config) Notices() []string {
	if c.Trusted {
		return nil
	}
	var out []string
	if len(c.Providers) > 0 {
		out = append(out, fmt.Sprintf("ignoring providers: in %s: a config found in the scanned tree does not choose where secrets are sent; pass it with --config (or $%s) to use it", safetext.Quote(c.Path), EnvVar))
	}
	return append(out, c.stripped...)
}

func listIDs(ids []string) string {
	const show = 5
	if len(ids) == 1 {
		return "rule " + ids[0]
	}
	if len(ids) <= show {
		return "rules " + strings.Join(ids, ", ")
	}
	return fmt.Sprintf("rules %s and %d more", strings.Join(ids[:show], ", "), len(ids)-show)
}
