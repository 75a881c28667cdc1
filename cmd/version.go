package cmd

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/scour-dev/scour/internal/version"
)

// VersionOptions is everything `scour version` needs; flags fill it.
type VersionOptions struct {
	// Short prints the version number alone, for scripts.
	Short bool
}

func newVersionCmd(streams IO) *cobra.Command {
	var opts VersionOptions
	c := &cobra.Command{
		Use:   "version",
		Short: "Print scour's version",
		Long: `Print scour's version, the commit it was built from when known, the Go
version and the platform. Release binaries carry the release's version;
builds from source say "dev" (with the commit when the build recorded it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVersion(opts, streams, version.Get())
		},
	}
	c.Flags().BoolVar(&opts.Short, "short", false, "print the version number only")
	return c
}

// runVersion prints info as `scour version` does.
func runVersion(opts VersionOptions, streams IO, info version.Info) error {
	if opts.Short {
		_, err := fmt.Fprintln(streams.Out, info.Version)
		return err
	}
	s := "scour " + info.Version
	if info.Commit != "" {
		s += " (commit " + info.Commit
		if info.Modified {
			s += ", modified"
		}
		s += ")"
	}
	if info.GoVersion != "" {
		s += ", " + info.GoVersion
	}
	s += ", " + runtime.GOOS + "/" + runtime.GOARCH
	_, err := fmt.Fprintln(streams.Out, s)
	return err
}
