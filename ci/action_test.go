// Package ci_test checks scour's CI integrations: the GitHub Action
// (action.yml at the repository root and its scripts in ci/github) and the
// GitLab CI template (ci/gitlab).
package ci_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/scour-dev/scour/cmd"
	"github.com/scour-dev/scour/internal/gittest"
)

type actionStep struct {
	Name             string            `yaml:"name"`
	ID               string            `yaml:"id"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	Run              string            `yaml:"run"`
	Shell            string            `yaml:"shell"`
	WorkingDirectory string            `yaml:"working-directory"`
	With             map[string]string `yaml:"with"`
	Env              map[string]string `yaml:"env"`
	ContinueOnError  string            `yaml:"continue-on-error"`
}

// action is GitHub's action metadata schema; decoding with KnownFields
// catches misspelt keys, which GitHub would otherwise ignore.
type action struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Author      string            `yaml:"author"`
	Branding    map[string]string `yaml:"branding"`
	Inputs      map[string]struct {
		Description string `yaml:"description"`
		Required    bool   `yaml:"required"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

func loadAction(t *testing.T) action {
	t.Helper()
	data, err := os.ReadFile("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a action
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a
}

// action.yml is a composite action that builds scour from its own checkout
// with setup-go, chooses the commits with ci/github/range.sh, scans with
// ci/github/scan.sh, uploads SARIF before it fails on findings, and asks
// for no licence key. Every script it runs exists.
func TestActionYAML(t *testing.T) {
	a := loadAction(t)
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", a.Runs.Using)
	}
	for _, in := range []string{"args", "config", "fail-on-findings", "upload-sarif", "range", "path"} {
		if _, ok := a.Inputs[in]; !ok {
			t.Errorf("input %q missing", in)
		}
	}
	for name := range a.Inputs {
		if strings.Contains(strings.ToLower(name), "licen") || strings.Contains(strings.ToLower(name), "key") {
			t.Errorf("input %q looks like a licence key", name)
		}
	}
	order := map[string]int{}
	for i, s := range a.Runs.Steps {
		if s.Uses == "" && s.Shell != "bash" {
			t.Errorf("step %q: run steps of a composite action need shell: bash", s.Name)
		}
		switch {
		case strings.HasPrefix(s.Uses, "actions/setup-go@"):
			order["setup-go"] = i
			if !strings.Contains(s.With["go-version-file"], "github.action_path") {
				t.Errorf("setup-go should read the action's go.mod: %v", s.With)
			}
		case strings.Contains(s.Run, "go build"):
			order["build"] = i
			if !strings.Contains(s.WorkingDirectory, "github.action_path") {
				t.Errorf("scour must be built from the action's checkout, working-directory %q", s.WorkingDirectory)
			}
		case strings.Contains(s.Run, "ci/github/range.sh"):
			order["range"] = i
			for _, k := range []string{"SCOUR_EVENT", "SCOUR_BASE", "SCOUR_HEAD", "SCOUR_DELETED", "SCOUR_RANGE"} {
				if s.Env[k] == "" {
					t.Errorf("range step lacks env %s", k)
				}
			}
			if !strings.Contains(s.Env["SCOUR_BASE"], "pull_request.base.sha") || !strings.Contains(s.Env["SCOUR_BASE"], "event.before") {
				t.Errorf("SCOUR_BASE = %q", s.Env["SCOUR_BASE"])
			}
		case strings.Contains(s.Run, "ci/github/scan.sh"):
			order["scan"] = i
		case strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@"):
			order["upload"] = i
			if !strings.Contains(s.If, "upload-sarif") || !strings.Contains(s.With["sarif_file"], "steps.scan.outputs.sarif") {
				t.Errorf("upload step: if %q, with %v", s.If, s.With)
			}
		case strings.Contains(s.Run, "exit 1"):
			order["fail"] = i
			// Exit 3 (a live secret, with args: --verify) fails it as 1 does.
			if !strings.Contains(s.If, "fail-on-findings") || !strings.Contains(s.If, "exit-code == '3'") {
				t.Errorf("fail step if = %q", s.If)
			}
		}
	}
	steps := []string{"setup-go", "build", "range", "scan", "upload", "fail"}
	for i, name := range steps {
		if _, ok := order[name]; !ok {
			t.Fatalf("no %s step", name)
		}
		if i > 0 && order[name] < order[steps[i-1]] {
			t.Errorf("step %s runs before %s", name, steps[i-1])
		}
	}
	for _, script := range []string{"github/range.sh", "github/scan.sh"} {
		if st, err := os.Stat(script); err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("%s: %v (must exist and be executable)", script, err)
		}
	}
}

// runScript runs a ci/ script in dir with env (and nothing of the test's
// own GITHUB_* or GIT_* environment), returning its outputs as a map, the
// raw output, stderr and exit code.
func runScript(t *testing.T, script, dir string, env map[string]string) (outputs map[string]string, raw, stderr string, code int) {
	t.Helper()
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(t.TempDir(), "github_output")
	cmd := exec.Command("bash", abs)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GITHUB_") && !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "SCOUR_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "GITHUB_OUTPUT="+outFile)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var errb strings.Builder
	cmd.Stderr = &errb
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(outFile)
	outputs = map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			outputs[k] = v
		}
	}
	return outputs, string(data), errb.String(), code
}

// range.sh picks the commits to scan for every event the action meets:
// pull requests scan base..head; pushes scan before..after; a new branch
// (before all zeros), an unknown old tip (force push) or another event
// scans the whole history; base equal to head scans nothing and says so
// instead of failing; a commit missing from the checkout is a clear error.
func TestRangeSelection(t *testing.T) {
	r := gittest.Init(t)
	r.WriteFile("a.txt", "one\n")
	c1 := r.Commit("one")
	r.WriteFile("a.txt", "two\n")
	c2 := r.Commit("two")
	r.WriteFile("a.txt", "three\n")
	c3 := r.Commit("three")
	_ = c2
	zeros := strings.Repeat("0", 40)
	absent := strings.Repeat("e", 40)

	cases := []struct {
		name      string
		env       map[string]string
		mode, rng string
		code      int
		say       string
	}{
		{"pull request", map[string]string{"SCOUR_EVENT": "pull_request", "SCOUR_BASE": c1, "SCOUR_HEAD": c3}, "range", c1 + ".." + c3, 0, "pull_request adds"},
		{"pull_request_target", map[string]string{"SCOUR_EVENT": "pull_request_target", "SCOUR_BASE": c1, "SCOUR_HEAD": c3}, "range", c1 + ".." + c3, 0, ""},
		{"pull request base equals head", map[string]string{"SCOUR_EVENT": "pull_request", "SCOUR_BASE": c3, "SCOUR_HEAD": c3}, "none", "", 0, "nothing to scan"},
		{"merge queue", map[string]string{"SCOUR_EVENT": "merge_group", "SCOUR_BASE": c2, "SCOUR_HEAD": c3}, "range", c2 + ".." + c3, 0, ""},
		{"push", map[string]string{"SCOUR_EVENT": "push", "SCOUR_BASE": c1, "SCOUR_HEAD": c3}, "range", c1 + ".." + c3, 0, "commits pushed"},
		{"push of a new branch", map[string]string{"SCOUR_EVENT": "push", "SCOUR_BASE": zeros, "SCOUR_HEAD": c3}, "all", "", 0, "whole history"},
		{"push without before", map[string]string{"SCOUR_EVENT": "push", "SCOUR_HEAD": c3}, "all", "", 0, "whole history"},
		{"push before equals after", map[string]string{"SCOUR_EVENT": "push", "SCOUR_BASE": c3, "SCOUR_HEAD": c3}, "none", "", 0, "did not move"},
		{"push deleting a branch", map[string]string{"SCOUR_EVENT": "push", "SCOUR_BASE": c3, "SCOUR_HEAD": zeros, "SCOUR_DELETED": "true"}, "none", "", 0, "deleted"},
		{"force push from a lost tip", map[string]string{"SCOUR_EVENT": "push", "SCOUR_BASE": absent, "SCOUR_HEAD": c3}, "all", "", 0, "not available"},
		{"manual run", map[string]string{"SCOUR_EVENT": "workflow_dispatch"}, "all", "", 0, "workflow_dispatch"},
		{"schedule", map[string]string{"SCOUR_EVENT": "schedule", "SCOUR_BASE": "", "SCOUR_HEAD": ""}, "all", "", 0, ""},
		{"range input all", map[string]string{"SCOUR_EVENT": "pull_request", "SCOUR_BASE": c1, "SCOUR_HEAD": c3, "SCOUR_RANGE": "all"}, "all", "", 0, ""},
		{"range input", map[string]string{"SCOUR_EVENT": "push", "SCOUR_RANGE": "origin/main..HEAD"}, "range", "origin/main..HEAD", 0, ""},
		{"bad range input", map[string]string{"SCOUR_EVENT": "push", "SCOUR_RANGE": "main"}, "", "", 2, "neither A..B nor all"},
		{"pull request head not fetched", map[string]string{"SCOUR_EVENT": "pull_request", "SCOUR_BASE": c1, "SCOUR_HEAD": absent}, "", "", 2, "fetch-depth: 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, raw, stderr, code := runScript(t, "github/range.sh", r.Dir, c.env)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, c.code, stderr)
			}
			if out["mode"] != c.mode || out["range"] != c.rng {
				t.Errorf("mode %q range %q, want %q %q\n%s", out["mode"], out["range"], c.mode, c.rng, raw)
			}
			if c.code == 0 && out["message"] == "" {
				t.Error("no message")
			}
			if !strings.Contains(out["message"]+stderr, c.say) {
				t.Errorf("message %q / stderr %q lacks %q", out["message"], stderr, c.say)
			}
		})
	}
}

// scan.sh runs scour with the chosen range, config and extra arguments,
// asks for annotations, SARIF and a text report, records the exit code
// and SARIF path, and writes a job summary; findings do not fail the step
// (the action fails after uploading SARIF), errors do, and mode none runs
// nothing.
func TestScanScript(t *testing.T) {
	cases := []struct {
		name     string
		env      map[string]string
		stubExit int
		wantArgs string
		code     int
		summary  []string
	}{
		{"range", map[string]string{"SCOUR_MODE": "range", "SCOUR_SCAN_RANGE": "a1..b2", "SCOUR_MESSAGE": "scanning a1..b2",
			"SCOUR_CONFIG_INPUT": "ci/scour.yaml", "SCOUR_ARGS": "--exclude vendor/  --all-objects"}, 1,
			"scan . --range a1..b2 --config ci/scour.yaml --exclude vendor/ --all-objects --format github --report-to sarif=$DIR/scour.sarif --report-to text=$DIR/scour.txt",
			0, []string{"## scour secret scan", "scanning a1..b2", "**Leaked credentials found.** scanned 3 files", "stub finding"}},
		{"whole history, clean", map[string]string{"SCOUR_MODE": "all", "SCOUR_MESSAGE": "new branch"}, 0,
			"scan . --format github --report-to sarif=$DIR/scour.sarif --report-to text=$DIR/scour.txt",
			0, []string{"new branch", "**No leaked credentials found.**"}},
		{"error", map[string]string{"SCOUR_MODE": "all"}, 2, "", 2, []string{"**scour failed (exit 2).**", "stub error"}},
		// args: --verify makes scour exit 3 when a secret is live: findings
		// (the SARIF is uploaded, then the action fails), not "scour failed".
		{"live secret with --verify", map[string]string{"SCOUR_MODE": "all", "SCOUR_ARGS": "--verify"}, 3, "", 0,
			[]string{"**Leaked credentials found.**", "stub finding"}},
		{"nothing", map[string]string{"SCOUR_MODE": "none", "SCOUR_MESSAGE": "nothing to scan: base and head are the same commit"}, 0,
			"", 0, []string{"nothing to scan", "**Nothing to scan.**"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmp := t.TempDir()
			dir := filepath.Join(tmp, "scour-action")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			argsFile := filepath.Join(tmp, "args")
			// The stub records its arguments and writes the reports a real
			// scan writes.
			stub := `#!/usr/bin/env bash
echo "$*" > "` + argsFile + `"
for a in "$@"; do case "$a" in sarif=*) echo '{}' > "${a#sarif=}";; text=*) echo 'stub finding' > "${a#text=}";; esac; done
echo "scour: stub error" >&2
echo "scour: scanned 3 files (1 kB), 1 finding in 5ms" >&2
exit ` + string(rune('0'+c.stubExit)) + "\n"
			if err := os.WriteFile(filepath.Join(dir, "scour"), []byte(stub), 0o755); err != nil {
				t.Fatal(err)
			}
			summaryFile := filepath.Join(tmp, "summary.md")
			env := map[string]string{"RUNNER_TEMP": tmp, "GITHUB_STEP_SUMMARY": summaryFile}
			for k, v := range c.env {
				env[k] = v
			}
			out, _, stderr, code := runScript(t, "github/scan.sh", t.TempDir(), env)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, c.code, stderr)
			}
			args, _ := os.ReadFile(argsFile)
			if want := strings.ReplaceAll(c.wantArgs, "$DIR", dir); want != "" && strings.TrimSpace(string(args)) != want {
				t.Errorf("scour ran with\n %s\nwant\n %s", strings.TrimSpace(string(args)), want)
			}
			if c.env["SCOUR_MODE"] == "none" && len(args) > 0 {
				t.Errorf("mode none ran scour: %s", args)
			}
			if c.code == 0 {
				if out["exit-code"] != string(rune('0'+c.stubExit)) {
					t.Errorf("exit-code output = %q", out["exit-code"])
				}
				if c.env["SCOUR_MODE"] != "none" && out["sarif"] != filepath.Join(dir, "scour.sarif") {
					t.Errorf("sarif output = %q", out["sarif"])
				}
			}
			summary, _ := os.ReadFile(summaryFile)
			for _, s := range c.summary {
				if !strings.Contains(string(summary), s) {
					t.Errorf("summary lacks %q:\n%s", s, summary)
				}
			}
		})
	}
}

// The GitLab template parses, clones full history, publishes the JUnit
// report, and its script picks the same commits as the GitHub Action for
// merge requests, pushes, new branches and base equal to head (run with a
// stub scour and go on PATH, in a real repository, under POSIX sh).
func TestGitLabTemplate(t *testing.T) {
	data, err := os.ReadFile("gitlab/scour.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Variables map[string]string `yaml:"variables"`
		Scour     struct {
			Stage     string              `yaml:"stage"`
			Image     string              `yaml:"image"`
			Variables map[string]string   `yaml:"variables"`
			Rules     []map[string]string `yaml:"rules"`
			Script    []string            `yaml:"script"`
			Artifacts struct {
				When     string            `yaml:"when"`
				ExpireIn string            `yaml:"expire_in"`
				Reports  map[string]string `yaml:"reports"`
				Paths    []string          `yaml:"paths"`
			} `yaml:"artifacts"`
		} `yaml:"scour"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&tmpl); err != nil {
		t.Fatalf("template: %v", err)
	}
	job := tmpl.Scour
	if job.Variables["GIT_DEPTH"] != "0" || job.Artifacts.Reports["junit"] != "scour-junit.xml" || job.Artifacts.When != "always" {
		t.Errorf("job = %+v", job)
	}

	r := gittest.Init(t)
	r.WriteFile("a.txt", "one\n")
	c1 := r.Commit("one")
	r.WriteFile("a.txt", "two\n")
	c2 := r.Commit("two")
	zeros := strings.Repeat("0", 40)
	bin := t.TempDir()
	argsFile := filepath.Join(t.TempDir(), "args")
	for name, body := range map[string]string{
		"go":    "#!/bin/sh\nexit 0\n",
		"scour": "#!/bin/sh\necho \"$@\" > " + argsFile + "\n",
	} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	reports := " --format text --report-to junit=scour-junit.xml --report-to sarif=scour.sarif --report-to json=scour.json"
	cases := []struct {
		name     string
		env      []string
		wantArgs string // "" means scour must not run
		say      string
	}{
		{"merge request", []string{"CI_MERGE_REQUEST_DIFF_BASE_SHA=" + c1, "CI_COMMIT_SHA=" + c2, "CI_COMMIT_BEFORE_SHA=" + zeros},
			"scan . --range " + c1 + ".." + c2 + reports, "scanning " + c1},
		{"push", []string{"CI_COMMIT_BEFORE_SHA=" + c1, "CI_COMMIT_SHA=" + c2, "SCOUR_ARGS=--exclude vendor/"},
			"scan . --range " + c1 + ".." + c2 + " --exclude vendor/" + reports, ""},
		{"new branch", []string{"CI_COMMIT_BEFORE_SHA=" + zeros, "CI_COMMIT_SHA=" + c2}, "scan ." + reports, "whole history"},
		{"schedule", []string{"CI_COMMIT_SHA=" + c2}, "scan ." + reports, "whole history"},
		{"force push", []string{"CI_COMMIT_BEFORE_SHA=" + strings.Repeat("e", 40), "CI_COMMIT_SHA=" + c2}, "scan ." + reports, "force push"},
		{"before equals after", []string{"CI_COMMIT_BEFORE_SHA=" + c2, "CI_COMMIT_SHA=" + c2}, "", "nothing to scan"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(argsFile)
			cmd := exec.Command("sh", "-e", "-c", strings.Join(job.Script, "\n"))
			cmd.Dir = r.Dir
			cmd.Env = append([]string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "SCOUR_VERSION=latest",
				"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull, "HOME=" + t.TempDir()}, c.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("script failed: %v\n%s", err, out)
			}
			args, _ := os.ReadFile(argsFile)
			if got := strings.TrimSpace(string(args)); got != c.wantArgs {
				t.Errorf("scour ran with\n %q\nwant\n %q\noutput: %s", got, c.wantArgs, out)
			}
			if !strings.Contains(string(out), c.say) {
				t.Errorf("output lacks %q: %s", c.say, out)
			}
		})
	}
}

// Every `scour scan` flag the CI scripts and templates pass exists, so a
// renamed flag breaks this test rather than users' pipelines.
func TestCIFlagsExist(t *testing.T) {
	root := cmd.NewRootCmd(cmd.IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
	scan, _, err := root.Find([]string{"scan"})
	if err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"range", "config", "format", "report-to"} {
		if scan.Flags().Lookup(flag) == nil {
			t.Errorf("scour scan has no --%s, which ci/github/scan.sh and ci/gitlab/scour.gitlab-ci.yml pass", flag)
		}
	}
}
