package cmd

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/rules"
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
	c.AddCommand(listCmd, checkCmd)
	return c
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
