package cmd

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/version"
)

// `scour version` prints the version with commit, Go version and platform;
// --short prints the version alone.
func TestVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	info := version.Info{Version: "1.2.3", Commit: "abc123", GoVersion: "go1.26.8"}
	if err := runVersion(VersionOptions{}, IO{Out: &out}, info); err != nil {
		t.Fatal(err)
	}
	want := "scour 1.2.3 (commit abc123), go1.26.8, " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	out.Reset()
	if err := runVersion(VersionOptions{Short: true}, IO{Out: &out}, info); err != nil || out.String() != "1.2.3\n" {
		t.Errorf("--short: %q, %v", out.String(), err)
	}
	// Through the CLI: a test binary is a work-tree build, so "dev".
	out.Reset()
	var errOut bytes.Buffer
	if code := Run([]string{"version", "--short"}, IO{Out: &out, ErrOut: &errOut}); code != 0 || !strings.HasPrefix(out.String(), "dev") {
		t.Errorf("scour version --short: exit %d, %q %q", code, out.String(), errOut.String())
	}
}

// Shell completions are built in (cobra's `completion` command) for every
// shell the README documents.
func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		var out, errOut bytes.Buffer
		code := Run([]string{"completion", shell}, IO{Out: &out, ErrOut: &errOut})
		if code != 0 || out.Len() < 100 || !strings.Contains(out.String(), "scour") {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", shell, code, out.Len(), errOut.String())
		}
	}
}
