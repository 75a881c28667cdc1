package cmd

import (
	"context"
	"fmt"
	"os"

	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source/gitremote"
)

// cloneRemote mirrors a remote repository for `scour scan URL` into a
// temporary bare repository; the caller scans clone.Dir and must Close the
// clone (also when the scan is interrupted: the clone is then removed on
// the way out). Credentials come from the environment only. Blobs over
// maxFileSize are left on the server when it can filter (the scan would
// skip them anyway); the clone is bounded by gitremote's default timeouts.
func cloneRemote(ctx context.Context, url string, maxFileSize int64, streams IO, quiet bool) (*gitremote.Clone, error) {
	opts := gitremote.Options{
		URL:         url,
		Username:    os.Getenv(gitremote.EnvUsername),
		Password:    os.Getenv(gitremote.EnvPassword),
		MaxFileSize: maxFileSize,
	}
	remote, err := gitremote.Validate(url)
	if err != nil {
		return nil, err
	}
	if !quiet {
		fmt.Fprintf(streams.ErrOut, "scour: cloning %s (all refs)\n", remote)
	}
	return gitremote.CloneContext(ctx, opts)
}

// stampRemote records the remote URL (without credentials) in every
// location of res, so reports say which repository a secret is in.
func stampRemote(res *scanner.Result, remote string) {
	if res == nil || remote == "" {
		return
	}
	for i := range res.Findings {
		for j := range res.Findings[i].Locations {
			res.Findings[i].Locations[j].Remote = remote
		}
	}
}
