package cmd

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/scour-dev/scour/rules"
)

// The README's hand-kept provider table ("What scour finds") has a row
// for every built-in provider and none for a provider scour lacks.
func TestReadmeListsEveryProvider(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "## What scour finds\n")
	if !ok {
		t.Fatal("README has no \"What scour finds\" section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	inTable := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		if id := strings.TrimSpace(cells[2]); strings.HasPrefix(id, "`") {
			inTable[strings.Trim(id, "`")] = true
		}
	}
	set, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	builtin := map[string]bool{}
	for _, r := range set.Rules() {
		builtin[r.Provider] = true
		if !inTable[r.Provider] {
			t.Errorf("README's provider table lacks %q", r.Provider)
			inTable[r.Provider] = true // report once
		}
	}
	for id := range inTable {
		if !builtin[id] {
			t.Errorf("README's provider table lists %q, which no built-in rule has", id)
		}
	}
}

// The README's quick start is exactly the two commands the project promises.
func TestReadmeQuickStart(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := "## Quick start\n\n```sh\ngo run . scan\ngo test -race ./...\n```\n"
	if !strings.Contains(string(data), want) {
		t.Errorf("README quick start is not exactly:\n%s", want)
	}
}

// A copy-pasted README command that writes --report into a relative
// directory must create it first: scour does not make report directories
// (a missing one is an error, see TestScanReportFile), so the sweep loop
// failed on its first repository.
func TestReadmeReportDirectoriesAreMade(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	report := regexp.MustCompile(`--report(?:-to [a-z]+=| )"?([A-Za-z0-9_.-]+)/`)
	blocks := strings.Split(string(data), "```sh\n")[1:]
	for _, b := range blocks {
		b, _, _ = strings.Cut(b, "```")
		for _, m := range report.FindAllStringSubmatchIndex(b, -1) {
			dir := b[m[2]:m[3]]
			if !strings.Contains(b[:m[0]], "mkdir -p "+dir) {
				t.Errorf("README block writes a report into %s/ without `mkdir -p %s` first:\n%s", dir, dir, b)
			}
		}
	}
}
