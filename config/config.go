// Package config loads scour's repository configuration, `.scour.yaml`.
//
// The file is decoded strictly: an unknown key is an error that names the
// file, line and key, so a typo never silently disables a setting. Today it
// holds path excludes and extra rule packs; later settings (allowlists,
// disabled rules, provider base URLs, default format) are new fields on
// Config, decoded by the same strict path.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FileName is the config file scour looks for at the root of a scan.
const FileName = ".scour.yaml"

// Config is the content of a .scour.yaml file.
type Config struct {
	// Exclude lists glob patterns of paths (relative to the scan root) that
	// are not scanned, in the same syntax as `scan --exclude`.
	Exclude []string `yaml:"exclude"`
	// Rules lists extra rule pack files. Relative paths are resolved against
	// the directory holding the config file (see Load).
	Rules []string `yaml:"rules"`

	// Path is the file this config was read from ("" when none was found).
	Path string `yaml:"-"`
}

// Locate returns the config file to use for a scan: explicit when set
// (--config), else root/.scour.yaml when root is a directory holding one.
// It returns "" when there is none; a missing explicit file is an error.
func Locate(root, explicit string) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("config: %w", err)
		}
		return explicit, nil
	}
	if root == "" || root == "-" {
		return "", nil
	}
	st, err := os.Stat(root)
	if err != nil || !st.IsDir() {
		return "", nil // a single file or a bad path: the scan reports the latter
	}
	p := filepath.Join(root, FileName)
	switch _, err := os.Stat(p); {
	case err == nil:
		return p, nil
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	default:
		return "", fmt.Errorf("config: %w", err)
	}
}

// Load reads and validates the config file at path. Rule pack paths are
// made relative to the config file's directory.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.Path = path
	dir := filepath.Dir(path)
	for i, r := range cfg.Rules {
		if !filepath.IsAbs(r) {
			cfg.Rules[i] = filepath.Join(dir, r)
		}
	}
	return cfg, nil
}

// Parse decodes and validates config bytes. An empty document is an empty
// config.
func Parse(data []byte) (*Config, error) {
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, describe(err)
	}
	// A second document would be silently ignored: refuse it.
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

func (c *Config) validate() error {
	for i, p := range c.Exclude {
		if strings.TrimSpace(p) == "" {
			return fmt.Errorf("exclude[%d]: empty pattern", i)
		}
		if _, err := filepath.Match(p, ""); err != nil {
			return fmt.Errorf("exclude[%d]: bad pattern %q: %v", i, p, err)
		}
	}
	for i, r := range c.Rules {
		if strings.TrimSpace(r) == "" {
			return fmt.Errorf("rules[%d]: empty path", i)
		}
	}
	return nil
}

// unknownField matches yaml.v3's wording for a key the struct lacks.
var unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)

// describe turns yaml.v3's decode errors into messages about keys.
func describe(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		if m := unknownField.FindStringSubmatch(e); m != nil {
			e = fmt.Sprintf("line %s: unknown key %q", m[1], m[2])
		}
		msgs = append(msgs, e)
	}
	return errors.New(strings.Join(msgs, "; "))
}
