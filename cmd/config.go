package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/config"
	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/report"
	"github.com/scour-dev/scour/scan"
)

// ConfigInitOptions configures `scour config init`.
type ConfigInitOptions struct {
	// Dir receives .scour.yaml; "" means the current directory.
	Dir   string
	Force bool
}

// ConfigCheckOptions configures `scour config check`.
type ConfigCheckOptions struct {
	// Path is the scan root whose .scour.yaml is checked ("" means "."),
	// or a config file to check.
	Path string
	// ConfigFile is an explicit file, as `scan --config`.
	ConfigFile string
	// RulePacks are extra packs whose rule ids `disable:` may name.
	RulePacks []string
}

func newConfigCmd(streams IO) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Write a starter .scour.yaml, or check one",
		Long: `scour reads .scour.yaml from the root of the scanned directory or
repository, or the file given with --config, or $SCOUR_CONFIG. Flags win
over the file, and the file over the defaults. See docs/config.md.`,
	}
	var initOpts ConfigInitOptions
	initCmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a commented starter " + config.FileName + " (refuses to overwrite without --force)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				initOpts.Dir = args[0]
			}
			return asExitErr(runConfigInit(cmd.Context(), initOpts, streams))
		},
	}
	initCmd.Flags().BoolVar(&initOpts.Force, "force", false, "overwrite an existing "+config.FileName)

	var checkOpts ConfigCheckOptions
	checkCmd := &cobra.Command{
		Use:   "check [PATH|FILE]",
		Short: "Check the configuration a scan of PATH would use (or the config FILE): keys, regexes, rule ids, format",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				checkOpts.Path = args[0]
			}
			return asExitErr(runConfigCheck(cmd.Context(), checkOpts, streams))
		},
	}
	checkCmd.Flags().StringVar(&checkOpts.ConfigFile, "config", "", "check this `file` instead of PATH/"+config.FileName)
	checkCmd.Flags().StringArrayVar(&checkOpts.RulePacks, "rules", nil, "also load this rule pack `file` (repeatable)")
	c.AddCommand(initCmd, checkCmd)
	return c
}

// asExitErr turns a plain error into exit code 2.
func asExitErr(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: ExitError, err: err}
}

// runConfigInit writes the starter file, atomically; an existing file is
// kept unless opts.Force.
func runConfigInit(_ context.Context, opts ConfigInitOptions, streams IO) error {
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("config init: %s is not a directory", dir)
	}
	p := filepath.Join(dir, config.FileName)
	switch _, err := os.Lstat(p); {
	case err == nil && !opts.Force:
		return fmt.Errorf("%s exists: not overwriting it (use --force to replace it)", p)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("config init: %w", err)
	}
	if err := writeFileAtomic(p, func(w io.Writer) error {
		_, err := io.WriteString(w, config.Starter())
		return err
	}); err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	// A config holds no secrets and is meant to be committed.
	if err := os.Chmod(p, 0o644); err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	fmt.Fprintf(streams.Out, "wrote %s: every setting is commented out; see docs/config.md\n", p)
	return nil
}

// runConfigCheck loads the config a scan of opts.Path would use and runs
// every check a scan runs, including rule ids and format.
func runConfigCheck(_ context.Context, opts ConfigCheckOptions, streams IO) error {
	path, explicit := opts.Path, opts.ConfigFile
	if path == "" {
		path = "."
	}
	// `config check FILE` means that file: a scan of a single file reads no
	// config, so "no config" would pass a broken file the user named.
	if st, err := os.Stat(path); explicit == "" && err == nil && st.Mode().IsRegular() {
		explicit, path = path, filepath.Dir(path)
	}
	cfg, err := loadConfig(path, explicit, false)
	if err != nil {
		return err
	}
	if cfg.Path == "" {
		fmt.Fprintf(streams.Out, "no config: a scan of %s uses the defaults (no %s there, no --config, no $%s)\n", path, config.FileName, config.EnvVar)
		return nil
	}
	if err := cfg.CheckFormat(report.Formats()); err != nil {
		return err
	}
	set, err := configuredRules(cfg, opts.RulePacks)
	if err != nil {
		return err
	}
	if _, err := scan.Suppressions(path, cfg, scan.SuppressOptions{}); err != nil {
		return err
	}
	fmt.Fprintf(streams.Out, "%s: ok (%d rules run, %d disabled, %d allowlist %s, %d excludes, %d providers configured)\n",
		cfg.Path, len(set.Rules()), len(cfg.Disable), len(cfg.Allow), pluralWord(len(cfg.Allow), "entry", "entries"),
		len(cfg.Exclude), len(cfg.Providers))
	// A scan of the tree reads this file untrusted: say what it ignores.
	for _, n := range cfg.Notices() {
		fmt.Fprintf(streams.Out, "note: %s\n", safetext.Escape(n))
	}
	return nil
}
