package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
)

// stagedRepo makes a repository whose first commit holds config.txt with
// the token `old` (a secret already in history).
func stagedRepo(t *testing.T, old string) *gittest.Repo {
	t.Helper()
	r := gittest.Init(t)
	r.WriteFile("config.txt", "token = "+old+"\n")
	r.WriteFile("README", "hello\n")
	r.Git("add", ".")
	r.Git("commit", "-qm", "first")
	return r
}

func TestStagedBlocksOnlyWhatTheCommitAdds(t *testing.T) {
	t.Parallel()
	old, fresh := fakeGitHubPAT("staged-old"), fakeGitHubPAT("staged-new")
	r := stagedRepo(t, old)

	// Editing a file that already holds a secret does not block.
	r.WriteFile("config.txt", "# edited\ntoken = "+old+"\n")
	r.Git("add", ".")
	code, out, errOut := runCLI(t, "", "staged", "-C", r.Dir)
	if code != ExitClean || !strings.Contains(errOut, "1 secret already in HEAD at config.txt: not blocking") {
		t.Fatalf("secret kept from HEAD: exit %d, want 0 and a note\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	// A new secret in the same file blocks, and only it is reported.
	r.WriteFile("config.txt", "token = "+old+"\nother = "+fresh+"\n")
	r.Git("add", ".")
	code, out, errOut = runCLI(t, "", "staged", "-C", r.Dir, "--format", "json")
	if code != ExitFindings {
		t.Fatalf("new secret: exit %d, want 1\n%s", code, errOut)
	}
	rep := parseReport(t, out)
	if len(rep.Findings) != 1 || rep.Findings[0].Locations[0].Line != 2 || rep.Findings[0].Locations[0].Kind != "staged" ||
		rep.Findings[0].Locations[0].Path != "config.txt" {
		t.Errorf("findings = %+v, want only the new token at config.txt:2", rep.Findings)
	}
	if !strings.Contains(errOut, "the commit adds 1 secret") {
		t.Errorf("stderr does not say why the commit is blocked:\n%s", errOut)
	}
	if strings.Contains(out+errOut, fresh) {
		t.Error("the secret is printed unredacted")
	}
}

func TestStagedNewPathsBlock(t *testing.T) {
	t.Parallel()
	old := fakeGitHubPAT("staged-old")
	for _, tc := range []struct {
		name  string
		stage func(r *gittest.Repo)
		want  int
	}{
		{"added file", func(r *gittest.Repo) {
			r.WriteFile("new/key.txt", "k="+fakeGitHubPAT("added")+"\n")
			r.Git("add", ".")
		}, ExitFindings},
		// A rename is new content at the new path: HEAD has no version of it.
		{"renamed file", func(r *gittest.Repo) { r.Git("mv", "config.txt", "moved.txt") }, ExitFindings},
		{"binary file", func(r *gittest.Repo) {
			r.WriteBytes("blob.bin", append([]byte{0, 1, 2, 0}, []byte(fakeGitHubPAT("bin"))...))
			r.Git("add", ".")
		}, ExitFindings},
		{"deleted file", func(r *gittest.Repo) { r.Git("rm", "-q", "config.txt") }, ExitClean},
		{"unrelated change", func(r *gittest.Repo) {
			r.WriteFile("README", "bye\n")
			r.Git("add", ".")
		}, ExitClean},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := stagedRepo(t, old)
			tc.stage(r)
			code, out, errOut := runCLI(t, "", "staged", "-C", r.Dir)
			if code != tc.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.want, out, errOut)
			}
		})
	}
}

func TestStagedInitialCommit(t *testing.T) {
	t.Parallel()
	r := gittest.Init(t)
	r.WriteFile("a.txt", "t="+fakeGitHubPAT("initial")+"\n")
	r.Git("add", ".")
	if code, _, errOut := runCLI(t, "", "staged", "-C", r.Dir); code != ExitFindings {
		t.Errorf("first commit with a secret: exit %d, want 1\n%s", code, errOut)
	}
}

func TestStagedNothingStagedSaysSo(t *testing.T) {
	t.Parallel()
	r := stagedRepo(t, fakeGitHubPAT("x"))
	code, _, errOut := runCLI(t, "", "staged", "-C", r.Dir)
	if code != ExitClean || !strings.Contains(errOut, "nothing staged to scan") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
}

func TestStagedRespectsConfigExcludes(t *testing.T) {
	t.Parallel()
	r := stagedRepo(t, fakeGitHubPAT("x"))
	r.WriteFile(".scour.yaml", "exclude: [testdata/]\n")
	r.WriteFile("pkg/testdata/fixture.txt", fakeGitHubPAT("fixture")+"\n")
	r.Git("add", ".")
	code, _, errOut := runCLI(t, "", "staged", "-C", r.Dir)
	if code != ExitClean || !strings.Contains(errOut, "1 staged path excluded by configuration") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
}

func TestStagedNotesSubmodulesAndIntentToAdd(t *testing.T) {
	t.Parallel()
	r := stagedRepo(t, fakeGitHubPAT("x"))
	r.WriteFile("later.txt", fakeGitHubPAT("later")+"\n")
	r.Git("add", "-N", "later.txt")
	r.Git("update-index", "--add", "--cacheinfo", "160000,"+strings.Repeat("ab", 20)+",vendor/lib")
	code, _, errOut := runCLI(t, "", "staged", "-C", r.Dir)
	if code != ExitClean || !strings.Contains(errOut, "not scanned: later.txt: intent-to-add") ||
		!strings.Contains(errOut, "not scanned: vendor/lib: submodule") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
}

func TestStagedHonoursGitIndexFile(t *testing.T) {
	// `git commit -a` runs the hook with GIT_INDEX_FILE naming the index
	// it is about to commit; .git/index does not have the change yet.
	r := stagedRepo(t, fakeGitHubPAT("x"))
	r.WriteFile("README", "k="+fakeGitHubPAT("commit-a")+"\n")
	alt := filepath.Join(t.TempDir(), "index")
	add := exec.Command("git", "add", "README")
	add.Dir, add.Env = r.Dir, append(os.Environ(), "GIT_INDEX_FILE="+alt)
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("git add: %v\n%s", err, out)
	}
	if code, _, errOut := runCLI(t, "", "staged", "-C", r.Dir); code != ExitClean {
		t.Fatalf("default index: exit %d, want 0 (nothing staged there)\n%s", code, errOut)
	}
	t.Setenv("GIT_INDEX_FILE", alt)
	if code, _, errOut := runCLI(t, "", "staged", "-C", r.Dir); code != ExitFindings {
		t.Errorf("GIT_INDEX_FILE: exit %d, want 1\n%s", code, errOut)
	}
}

func TestStagedFailsClosed(t *testing.T) {
	t.Parallel()
	code, _, errOut := runCLI(t, "", "staged", "-C", t.TempDir())
	if code != ExitError || !strings.Contains(errOut, "not inside a git repository") || !strings.Contains(errOut, "does not pass") {
		t.Errorf("not a repository: exit %d, stderr:\n%s", code, errOut)
	}

	r := stagedRepo(t, fakeGitHubPAT("x"))
	r.WriteFile("b.txt", "b\n")
	r.Git("add", ".")
	idx := filepath.Join(r.GitDir, "index")
	data, _ := os.ReadFile(idx)
	data[len(data)-1] ^= 0xff
	os.WriteFile(idx, data, 0o644)
	code, _, errOut = runCLI(t, "", "staged", "-C", r.Dir)
	if code != ExitError || !strings.Contains(errOut, "index") {
		t.Errorf("corrupt index: exit %d, stderr:\n%s", code, errOut)
	}

	// A staged blob that cannot be read may hold anything.
	r = stagedRepo(t, fakeGitHubPAT("x"))
	r.WriteFile("c.txt", "c\n")
	r.Git("add", ".")
	h := r.Git("rev-parse", ":c.txt")
	os.Remove(filepath.Join(r.GitDir, "objects", h[:2], h[2:]))
	code, _, errOut = runCLI(t, "", "staged", "-C", r.Dir)
	if code != ExitError || !strings.Contains(errOut, "not passing a commit that was not fully checked") {
		t.Errorf("missing staged blob: exit %d, stderr:\n%s", code, errOut)
	}
}
