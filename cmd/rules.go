package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/internal/atomicfile"
	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/rules/importer"
)

// RulesListOptions configures `scour rules list`.
type RulesListOptions struct {
	// RulePacks are extra packs listed after the built-in rules.
	RulePacks []string
}

// RulesCheckOptions configures `scour rules check`.
type RulesCheckOptions struct {
	Files []string
}

// RulesImportOptions configures `scour rules import`.
type RulesImportOptions struct {
	File      string // the gitleaks/Betterleaks TOML
	Output    string // the pack to write; "" or "-" = stdout
	ConfigOut string // where the .scour.yaml part goes; "" = not written
	Provider  string // the pack's provider name
}

func newRulesCmd(streams IO) *cobra.Command {
	c := &cobra.Command{
		Use:   "rules",
		Short: "List the detection rules, or check a rule pack",
	}
	var list RulesListOptions
	listCmd := &cobra.Command{
		Use:   "list",
		Short: "List every rule with its provider, confidence, and whether scour can verify and revoke what it finds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return asExit(runRulesList(cmd.Context(), list, streams))
		},
	}
	listCmd.Flags().StringArrayVar(&list.RulePacks, "rules", nil, "also list the rules of this pack `file` (repeatable)")

	checkCmd := &cobra.Command{
		Use:   "check FILE...",
		Short: "Check rule packs the way the built-in catalogue is checked",
		Long: `Check user rule packs the way scour's test suite checks the built-in
catalogue: the pack must load and compile (valid YAML, known keys, an RE2
pattern with one "secret" group, ids unique also against the built-in rules),
every rule needs at least two examples and two negative examples, each
example must contain a keyword and yield exactly one match (its "secret" when
given), no negative example may match, and no example may be claimed by a
rule of another provider.

Exit codes:
  0  every pack passed
  1  a check failed (each problem is listed with file, rule id and problem)
  2  a pack could not be read, parsed or compiled`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return asExit(runRulesCheck(cmd.Context(), RulesCheckOptions{Files: args}, streams))
		},
	}
	var imp RulesImportOptions
	importCmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Convert a gitleaks or Betterleaks TOML config into a scour rule pack",
		Long: `Convert a gitleaks or Betterleaks configuration (.gitleaks.toml) into a
scour rule pack, so a team keeps its custom rules when it switches.

What maps is converted: each rule's regex (secretGroup becomes the "secret"
group), keywords and entropy; allowlists become .scour.yaml allow: entries
and a global path allowlist becomes exclude: patterns (written with
--config-out). Every rule gets two generated examples and two negative
examples, so the pack passes "scour rules check". What does not map is
listed on stderr: gitleaks' default rules ([extend] useDefault, which
scour's built-in catalogue replaces), rules whose secrets a built-in rule
already reports, path-only and composite rules, lookaround regexes, CEL
filters, commit allowlists.

Exit codes:
  0  the pack was written (notes on stderr say what did not convert)
  2  the file could not be read or is not a gitleaks TOML configuration`,
		Example: `  scour rules import .gitleaks.toml -o scour-rules.yaml --config-out scour-allow.yaml
  scour rules check scour-rules.yaml
  scour scan --rules scour-rules.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			imp.File = args[0]
			return asExit(runRulesImport(cmd.Context(), imp, streams))
		},
	}
	importCmd.Flags().StringVarP(&imp.Output, "output", "o", "", "write the pack to `file` (default: stdout)")
	importCmd.Flags().StringVar(&imp.ConfigOut, "config-out", "", "write the converted allowlists (.scour.yaml exclude:/allow: keys) to `file`")
	importCmd.Flags().StringVar(&imp.Provider, "provider", "custom", "provider `name` of the written pack")
	c.AddCommand(listCmd, checkCmd, importCmd)
	return c
}

// runRulesImport converts a gitleaks TOML file into a pack (and, with
// ConfigOut, the allowlists into .scour.yaml keys), listing on stderr what
// did not convert.
func runRulesImport(_ context.Context, opts RulesImportOptions, streams IO) (int, error) {
	data, err := os.ReadFile(opts.File)
	if err != nil {
		return ExitError, err
	}
	res, err := importer.FromGitleaks(data, importer.Options{Provider: opts.Provider, Source: opts.File})
	if err != nil {
		return ExitError, err
	}
	pack, err := importer.Marshal(res.Pack)
	if err != nil {
		return ExitError, err
	}
	header := fmt.Sprintf("# Converted by `scour rules import` from %s.\n# Check with `scour rules check`, use with `scour scan --rules FILE`.\n", safetext.Escape(opts.File))
	pack = append([]byte(header), pack...)
	write := func(path string, data []byte) error {
		if path == "" || path == "-" {
			_, err := streams.Out.Write(data)
			return err
		}
		return atomicfile.Write(path, 0o644, func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		})
	}
	if err := write(opts.Output, pack); err != nil {
		return ExitError, err
	}
	cfg, err := importer.MarshalConfig(res.Config)
	if err != nil {
		return ExitError, err
	}
	for _, n := range res.Notes {
		fmt.Fprintln(streams.ErrOut, "scour: import:", safetext.Lines(n.String()))
	}
	switch {
	case len(cfg) == 0:
	case opts.ConfigOut != "":
		if opts.Output != "" && opts.Output != "-" {
			// Rule packs in .scour.yaml are relative to the config file.
			rel, err := filepath.Rel(filepath.Dir(opts.ConfigOut), opts.Output)
			if err != nil {
				rel, _ = filepath.Abs(opts.Output)
			}
			res.Config.Rules = []string{filepath.ToSlash(rel)}
			if cfg, err = importer.MarshalConfig(res.Config); err != nil {
				return ExitError, err
			}
		}
		cfg = append([]byte("# .scour.yaml keys converted by `scour rules import` from "+safetext.Escape(opts.File)+"; merge them into your .scour.yaml.\n"), cfg...)
		if err := write(opts.ConfigOut, cfg); err != nil {
			return ExitError, err
		}
	default:
		fmt.Fprintf(streams.ErrOut, "scour: import: %d exclude patterns and %d allow entries not written: pass --config-out FILE\n", len(res.Config.Exclude), len(res.Config.Allow))
	}
	fmt.Fprintf(streams.ErrOut, "scour: import: %d rules converted, %d left out, %d notes\n", len(res.Pack.Rules), res.Dropped, len(res.Notes))
	return ExitClean, nil
}

// asExit turns a run function's result into RunE's error.
func asExit(code int, err error) error {
	if code == ExitClean && err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// runRulesList prints one row per rule. VERIFY is yes when the rule has a
// verify action; REVOKE is auto, admin or manual (docs/revoke.md).
func runRulesList(_ context.Context, opts RulesListOptions, streams IO) (int, error) {
	set, err := loadRules(opts.RulePacks)
	if err != nil {
		return ExitError, err
	}
	tw := tabwriter.NewWriter(streams.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPROVIDER\tCONFIDENCE\tVERIFY\tREVOKE")
	for _, r := range set.Rules() {
		verify := "no"
		if r.CanVerify() {
			verify = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", safetext.Escape(r.ID), safetext.Escape(r.Provider), safetext.Escape(r.Confidence), verify, r.RevokeKind())
	}
	if err := tw.Flush(); err != nil {
		return ExitError, err
	}
	return ExitClean, nil
}

// runRulesCheck loads every pack, then lints them together against the
// built-in catalogue.
func runRulesCheck(_ context.Context, opts RulesCheckOptions, streams IO) (int, error) {
	packs := make([]*rules.Pack, 0, len(opts.Files))
	var loadErrs []error
	for _, f := range opts.Files {
		p, err := rules.LoadFile(f)
		if err != nil {
			loadErrs = append(loadErrs, err)
			continue
		}
		packs = append(packs, p)
	}
	if len(loadErrs) > 0 {
		for _, err := range loadErrs {
			fmt.Fprintln(streams.ErrOut, "scour:", safetext.Lines(err.Error()))
		}
		return ExitError, fmt.Errorf("%d of %d rule packs could not be loaded", len(loadErrs), len(opts.Files))
	}
	problems, err := rules.CheckPacks(packs...)
	if err != nil {
		return ExitError, err
	}
	for _, p := range problems {
		fmt.Fprintln(streams.Out, safetext.Lines(p.String()))
	}
	if len(problems) > 0 {
		return ExitFindings, fmt.Errorf("rules check: %d problems", len(problems))
	}
	n := 0
	for _, p := range packs {
		n += len(p.Rules)
	}
	fmt.Fprintf(streams.Out, "ok: %d rules in %d packs\n", n, len(packs))
	return ExitClean, nil
}
