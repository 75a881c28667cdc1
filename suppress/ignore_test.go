package suppress

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/scanner"
)

// The ignore file takes fingerprints with whole-line and trailing
// comments, an optional rule qualifier, and any case.
func TestParseIgnore(t *testing.T) {
	t.Parallel()
	a, b, c := fingerprint("a"), fingerprint("b"), fingerprint("c")
	text := "# header\n\n" + a + "  # test fixture\n" + strings.ToUpper(b) + ":github-pat\n   " + c + "\n"
	l, err := ParseIgnore(".scourignore", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 3 || l.Entries[0].Comment != "test fixture" || l.Entries[0].Line != 3 || l.Entries[1].RuleID != "github-pat" || l.Entries[1].Fingerprint != b {
		t.Errorf("entries = %+v", l.Entries)
	}
	cases := []struct {
		f    scanner.Finding
		want bool
	}{
		{scanner.Finding{RuleID: "github-pat", Fingerprint: a}, true},
		{scanner.Finding{RuleID: "gitlab-pat", Fingerprint: a}, true}, // unqualified: any rule
		{scanner.Finding{RuleID: "github-pat", Fingerprint: b}, true},
		{scanner.Finding{RuleID: "github-oauth", Fingerprint: b}, false}, // qualified: that rule only
		{scanner.Finding{RuleID: "github-pat", Fingerprint: c}, true},
		{scanner.Finding{RuleID: "github-pat", Fingerprint: fingerprint("d")}, false},
	}
	for _, tc := range cases {
		if got := l.Ignores(&tc.f); got != tc.want {
			t.Errorf("Ignores(%s %s) = %v, want %v", tc.f.RuleID, tc.f.Fingerprint[:8], got, tc.want)
		}
	}
}

// Every bad line is reported with file and line number.
func TestParseIgnoreErrors(t *testing.T) {
	t.Parallel()
	text := fingerprint("a") + "\nnot-a-fingerprint\n" + fingerprint("b")[:63] + "  # short\n" + fingerprint("c") + ":Bad Rule\n"
	_, err := ParseIgnore("repo/.scourignore", strings.NewReader(text))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"repo/.scourignore:2: ", "repo/.scourignore:3: ", "want 64 hex digits", "repo/.scourignore:4: ", "bad rule id"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), ":1: ") {
		t.Errorf("good line reported: %v", err)
	}
}

// A missing ignore file is an empty list.
func TestLoadIgnoreMissing(t *testing.T) {
	t.Parallel()
	l, err := LoadIgnore(filepath.Join(t.TempDir(), IgnoreFileName))
	if err != nil || len(l.Entries) != 0 {
		t.Fatalf("%+v, %v", l, err)
	}
	if l.Ignores(&scanner.Finding{Fingerprint: fingerprint("x")}) {
		t.Error("empty list ignores")
	}
}

// AppendIgnore creates the file, keeps what is there, skips duplicates and
// entries an unqualified one already covers, and writes comments.
func TestAppendIgnore(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), IgnoreFileName)
	a, b := fingerprint("a"), fingerprint("b")
	added, err := AppendIgnore(p, []IgnoreEntry{{Fingerprint: a, Comment: "fixture\nsecond line"}, {Fingerprint: a}})
	if err != nil || len(added) != 1 {
		t.Fatalf("added %v, %v", added, err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("stat: %v %v", st, err)
	}
	// A hand-edited file without a final newline.
	data, _ := os.ReadFile(p)
	if err := os.WriteFile(p, append(data, []byte("# kept by hand")...), 0o644); err != nil {
		t.Fatal(err)
	}
	added, err = AppendIgnore(p, []IgnoreEntry{{Fingerprint: a, RuleID: "github-pat"}, {Fingerprint: b, RuleID: "github-pat", Comment: "docs"}})
	if err != nil || len(added) != 1 || added[0].Fingerprint != b {
		t.Fatalf("added %v, %v", added, err)
	}
	data, _ = os.ReadFile(p)
	text := string(data)
	for _, want := range []string{a + "  # fixture second line\n", "# kept by hand\n", b + ":github-pat  # docs\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("file lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(text, a) != 1 {
		t.Errorf("duplicate entry:\n%s", text)
	}
	l, err := LoadIgnore(p)
	if err != nil || len(l.Entries) != 2 {
		t.Fatalf("reload: %+v, %v", l, err)
	}
	// Nothing new: the file is untouched.
	if added, err := AppendIgnore(p, []IgnoreEntry{{Fingerprint: b, RuleID: "github-pat"}}); err != nil || len(added) != 0 {
		t.Errorf("re-adding: %v, %v", added, err)
	}
}

func TestParseFingerprint(t *testing.T) {
	t.Parallel()
	fp := fingerprint("z")
	if got, rule, err := ParseFingerprint(" " + strings.ToUpper(fp) + ":gitlab-pat "); err != nil || got != fp || rule != "gitlab-pat" {
		t.Errorf("got %q %q %v", got, rule, err)
	}
	for _, bad := range []string{"", "ghp_abc", fp + "0", fp[:10], "g" + fp[1:]} {
		if _, _, err := ParseFingerprint(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A .scourignore that is a symlink out of its directory is neither read
// (its lines never appear in an error) nor written through.
func TestIgnoreFileSymlinkOutRefused(t *testing.T) {
	t.Parallel()
	outside := filepath.Join(t.TempDir(), "private")
	const canary = "canary-private-line"
	os.WriteFile(outside, []byte(canary+"\n"), 0o600)
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, IgnoreFileName)); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
	if _, err := LoadTreeIgnore(dir); err == nil || strings.Contains(err.Error(), canary) {
		t.Errorf("LoadTreeIgnore: %v", err)
	}
	e := IgnoreEntry{Fingerprint: strings.Repeat("ab", 32)}
	if _, err := AppendIgnore(filepath.Join(dir, IgnoreFileName), []IgnoreEntry{e}); err == nil || strings.Contains(err.Error(), canary) {
		t.Errorf("AppendIgnore: %v", err)
	}
	if b, _ := os.ReadFile(outside); string(b) != canary+"\n" {
		t.Errorf("the link's target was changed: %q", b)
	}
}
