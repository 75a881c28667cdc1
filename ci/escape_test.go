package ci_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/hostile"
)

// runnerCommands is what the GitHub Actions runner does with a job log:
// the lines it would run as workflow commands ("::name ...::data" after
// leading blanks, or "##[name ...]data" anywhere in a line), honouring
// ::stop-commands::TOKEN until "::TOKEN::". Only command names the runner
// knows count; it returns "name<TAB>line" for each.
func runnerCommands(log string) []string {
	known := map[string]bool{"error": true, "warning": true, "notice": true, "debug": true, "add-mask": true,
		"stop-commands": true, "set-output": true, "set-env": true, "add-path": true, "save-state": true,
		"group": true, "endgroup": true, "echo": true, "add-matcher": true, "remove-matcher": true}
	v1 := regexp.MustCompile(`##\[([A-Za-z-]+)[ \]]`)
	var cmds []string
	stopToken := ""
	for _, line := range strings.Split(log, "\n") {
		name := ""
		if t := strings.TrimLeft(line, " \t\u00a0"); strings.HasPrefix(t, "::") {
			if end := strings.Index(t[2:], "::"); end >= 0 {
				name, _, _ = strings.Cut(t[2:2+end], " ")
			}
		}
		if name == "" || !(known[name] || name == stopToken) {
			if m := v1.FindStringSubmatch(line); m != nil {
				name = m[1]
			} else {
				name = ""
			}
		}
		if name == "" {
			continue
		}
		if stopToken != "" {
			if name == stopToken {
				stopToken = ""
				cmds = append(cmds, "resume\t"+line)
			}
			continue
		}
		if !known[name] {
			continue
		}
		if name == "stop-commands" {
			_, data, _ := strings.Cut(strings.TrimLeft(line, " \t")[2:], "::")
			stopToken = data
		}
		cmds = append(cmds, name+"\t"+line)
	}
	return cmds
}

// The action's scan script on a repository built to attack its log: the
// job log holds scour's annotations (one ::error per finding, one
// ::warning per skipped file), scour's stderr replayed between
// stop-commands markers, and nothing else the runner would obey; no raw
// control, bidi or non-UTF-8 text anywhere; and the job summary's code
// fence cannot be closed by the report it holds.
func TestScanScriptOnHostileRepository(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("bash is needed to run ci/github/scan.sh")
	}
	repo := hostile.Repo(t)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "scour-action")
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "scour"), ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The rule pack's description opens and closes Markdown fences too.
	pack := hostile.Pack(t)
	data, _ := os.ReadFile(pack)
	data = bytes.Replace(data, []byte(`description: "Hostile`), []byte("description: \"```` ``` Hostile"), 1)
	if err := os.WriteFile(pack, data, 0o644); err != nil {
		t.Fatal(err)
	}

	script, err := filepath.Abs("github/scan.sh")
	if err != nil {
		t.Fatal(err)
	}
	summaryFile := filepath.Join(tmp, "summary.md")
	cmd := exec.Command("bash", script)
	cmd.Dir = repo
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GITHUB_") && !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "SCOUR_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "RUNNER_TEMP="+tmp, "GITHUB_STEP_SUMMARY="+summaryFile,
		"GITHUB_OUTPUT="+filepath.Join(tmp, "output"), "SCOUR_MODE=all",
		"SCOUR_ARGS=--rules "+pack+" --max-file-size "+hostile.MaxFileSize,
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
	// The runner merges stdout and stderr into one log.
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		t.Fatalf("scan.sh: %v\n%s", err, log.String())
	}
	out, _ := os.ReadFile(filepath.Join(tmp, "output"))
	if !strings.Contains(string(out), "exit-code=1") {
		t.Fatalf("outputs %q, want exit-code=1; log:\n%s", out, log.String())
	}

	var errors, warnings, stops, resumes int
	for _, c := range runnerCommands(log.String()) {
		name, line, _ := strings.Cut(c, "\t")
		switch name {
		case "error":
			errors++
		case "warning":
			warnings++
		case "stop-commands":
			stops++
		case "resume":
			resumes++
		default:
			t.Errorf("the runner would run %s: %q", name, line)
		}
	}
	if errors != len(hostile.Names)+1 || warnings != 3 || stops != 1 || resumes != 1 {
		t.Errorf("%d errors, %d warnings, %d stop, %d resume; want %d, 3, 1, 1; log:\n%s",
			errors, warnings, stops, resumes, len(hostile.Names)+1, log.String())
	}
	// Apart from the markers, every line is plain: the annotations are
	// checked as annotations, the rest as text.
	var rest []string
	for _, line := range strings.Split(log.String(), "\n") {
		if strings.HasPrefix(line, "::stop-commands::scour-") || regexp.MustCompile(`^::scour-[0-9a-f]{32}::$`).MatchString(line) {
			continue
		}
		rest = append(rest, line)
	}
	hostile.Check(t, "job log", strings.Join(rest, "\n"), true)

	summary, err := os.ReadFile(summaryFile)
	if err != nil {
		t.Fatal(err)
	}
	// Markdown, not a log: its own "## scour secret scan" heading is fine.
	hostile.Check(t, "job summary", strings.Replace(string(summary), "## scour secret scan\n", "", 1), false)
	checkFence(t, string(summary))
}

// checkFence fails unless the summary's one code block opens and closes
// with the same fence and no line inside could close it early.
func checkFence(t *testing.T, md string) {
	t.Helper()
	lines := strings.Split(md, "\n")
	open := -1
	var fence string
	for i, l := range lines {
		if f := strings.TrimRight(l, "text"); open < 0 && strings.HasPrefix(l, "```") && strings.Trim(f, "`") == "" {
			open, fence = i, f
			continue
		}
		if open >= 0 && l == fence {
			for _, in := range lines[open+1 : i] {
				if t2 := strings.TrimLeft(in, " "); len(in)-len(t2) <= 3 && strings.HasPrefix(t2, fence) {
					t.Errorf("line %q inside the code block closes its fence %q", in, fence)
				}
			}
			return
		}
	}
	t.Errorf("no closed code block in the summary:\n%s", md)
}
