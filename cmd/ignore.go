package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/scan"
	"github.com/scour-dev/scour/suppress"
)

// IgnoreOptions configures `scour ignore`.
type IgnoreOptions struct {
	// Fingerprints are fingerprints, "FINGERPRINT:RULE_ID", or "-" to read
	// them from stdin (one per line, or a scour JSON/JSONL report).
	Fingerprints []string
	// Reason is written as the entries' comment; required.
	Reason string
	// File is the ignore file; "" means .scourignore at the top of the git
	// work tree holding Dir (or in Dir outside a repository).
	File string
	// Dir is where to start looking for the work tree ("" = the current
	// directory).
	Dir string
	// Upgrade scans Dir and rewrites the ignore file's entries that are in
	// the old fingerprint form (see docs/report-format.md) instead of
	// adding any.
	Upgrade bool
}

func newIgnoreCmd(streams IO) *cobra.Command {
	var opts IgnoreOptions
	c := &cobra.Command{
		Use:   "ignore FINGERPRINT...|-",
		Short: "Stop reporting a secret: add its fingerprint to " + suppress.IgnoreFileName,
		Long: `Add fingerprints (as every report shows them) to the ignore file,
.scourignore at the top of the repository, with a reason.
Scans of the repository then do not report those secrets, wherever they
move: the entry is keyed on the secret, not on its path or line, so it
survives edits, rebases and squashes, and a different secret on the same
line is still reported.

An entry may name a rule, FINGERPRINT:RULE_ID, to ignore the secret only
when that rule finds it. With "-", fingerprints are read from stdin: one
per line, or a scour JSON or JSON Lines report (all its findings).
Entries already in the file are not added twice. Commit the file.

Entries written by older versions of scour for low-entropy secrets (a
password in a URL, a docker auth) hold the plain SHA-256 of the secret,
which anyone reading the file can test guesses against. They still match;
scans say so, and --upgrade rescans PATH and rewrites them in the current
form (docs/report-format.md, "Fingerprints").`,
		Example: `  scour ignore 3f6a...e1 --reason "revoked 2024-05-02, still in history"
  scour scan docs --format json | scour ignore - --reason "sample tokens in docs"
  scour ignore --upgrade     # rewrite entries written in the old fingerprint form`,
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.Upgrade {
				return cobra.MaximumNArgs(1)(cmd, args)
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Upgrade {
				if len(args) == 1 {
					opts.Dir = args[0]
				}
				return asExitErr(runIgnoreUpgrade(cmd.Context(), opts, streams))
			}
			opts.Fingerprints = args
			return asExitErr(runIgnore(cmd.Context(), opts, streams))
		},
	}
	c.Flags().BoolVar(&opts.Upgrade, "upgrade", false, "scan PATH (default .) and rewrite entries in the old fingerprint form (plain SHA-256 of a low-entropy secret) in the current form")
	c.Flags().StringVar(&opts.Reason, "reason", "", "why the secret is safe to ignore (required; written as the entry's comment)")
	c.Flags().StringVar(&opts.File, "file", "", "the ignore `file` (default: "+suppress.IgnoreFileName+" at the top of the git work tree)")
	return c
}

// runIgnore appends the fingerprints to the ignore file.
func runIgnore(_ context.Context, opts IgnoreOptions, streams IO) error {
	if strings.TrimSpace(opts.Reason) == "" {
		return errors.New("--reason is required: say why this secret is safe to ignore (it is kept beside the fingerprint)")
	}
	var entries []suppress.IgnoreEntry
	var errs []error
	for _, a := range opts.Fingerprints {
		if a == "-" {
			es, err := readIgnoreInput(streams.In, opts.Reason)
			if err != nil {
				return err
			}
			entries = append(entries, es...)
			continue
		}
		fp, rule, err := suppress.ParseFingerprint(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		entries = append(entries, suppress.IgnoreEntry{Fingerprint: fp, RuleID: rule, Comment: opts.Reason})
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("nothing added: %w", err)
	}
	if len(entries) == 0 {
		return errors.New("no fingerprints given")
	}
	file := opts.File
	if file == "" {
		dir := opts.Dir
		if dir == "" {
			dir = "."
		}
		file = filepath.Join(scan.WorkTreeTop(dir), suppress.IgnoreFileName)
	}
	added, err := suppress.AppendIgnore(file, entries)
	if err != nil {
		return err
	}
	if len(added) == 0 {
		fmt.Fprintf(streams.Out, "%s: already ignored, nothing added\n", file)
		return nil
	}
	fmt.Fprintf(streams.Out, "%s: added %d %s (%d already there)\n", file, len(added),
		pluralWord(len(added), "fingerprint", "fingerprints"), len(entries)-len(added))
	return nil
}

// runIgnoreUpgrade scans opts.Dir (history included, as scan does) so that
// each ignore entry that matches a found secret by its old fingerprint
// can be rewritten with the current one; the secrets are needed for that,
// and the fingerprints alone cannot be converted. Entries whose secret is
// no longer found stay as they are (and keep matching).
func runIgnoreUpgrade(ctx context.Context, opts IgnoreOptions, streams IO) error {
	if len(opts.Fingerprints) > 0 || opts.File != "" {
		return errors.New("--upgrade takes a PATH to scan, not fingerprints or --file")
	}
	scan := ScanOptions{Path: opts.Dir, MaxFileSize: DefaultMaxFileSize, Format: "json", Quiet: true, UpgradeFingerprints: true}
	code, err := runScan(ctx, scan, IO{In: streams.In, Out: io.Discard, ErrOut: streams.ErrOut})
	if code == ExitError {
		if err == nil {
			err = errors.New("scan failed")
		}
		return fmt.Errorf("%w\nignore file not rewritten", err)
	}
	return nil
}

// readIgnoreInput reads fingerprints from r: a scour JSON or JSON Lines
// report or baseline (every finding's fingerprint), or plain lines, each a
// fingerprint with an optional "# comment".
func readIgnoreInput(r io.Reader, reason string) ([]suppress.IgnoreEntry, error) {
	if r == nil {
		return nil, errors.New("no stdin to read fingerprints from")
	}
	data, err := io.ReadAll(io.LimitReader(r, 1<<30))
	if err != nil {
		return nil, fmt.Errorf("stdin: %w", err)
	}
	var entries []suppress.IgnoreEntry
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		b, err := suppress.ReadBaseline("stdin", bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, k := range b.Keys() {
			if !seen[k.Fingerprint] {
				seen[k.Fingerprint] = true
				entries = append(entries, suppress.IgnoreEntry{Fingerprint: k.Fingerprint, Comment: reason})
			}
		}
		return entries, nil
	}
	l, err := suppress.ParseIgnore("stdin", bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	for _, e := range l.Entries {
		if e.Comment == "" {
			e.Comment = reason
		} else {
			e.Comment = reason + ": " + e.Comment
		}
		entries = append(entries, e)
	}
	return entries, nil
}
