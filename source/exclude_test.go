package source

import "testing"

// TestExcluder checks the path matching that history, staged and allowlist
// paths share: a pattern naming a directory covers every file below it,
// as pruning that directory on disk would.
func TestExcluder(t *testing.T) {
	t.Parallel()
	ex, err := NewExcluder([]string{"vendor/", "/build", "*.min.js", "!keep.min.js", "docs/**/secret.txt"})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		"vendor/x/y.go":         true,
		"a/vendor/y.go":         true,
		"build/out.txt":         true,
		"src/build/out.txt":     false, // anchored to the root
		"web/app.min.js":        true,
		"web/keep.min.js":       false, // re-included
		"docs/a/b/secret.txt":   true,
		"docs/secret.txt":       true,
		"main.go":               false,
		"vendor":                false, // a file: "vendor/" names directories only
		"notvendor/file.go":     false,
		"src/vendor.go":         false,
		"deep/path/to/main.go":  false,
		"build":                 true,
		"web/min.js/not-min.go": false,
	} {
		if got := ex.Excluded(path); got != want {
			t.Errorf("Excluded(%q) = %v, want %v", path, got, want)
		}
	}
	var none *Excluder
	if none.Excluded("anything") {
		t.Error("a nil Excluder excludes nothing")
	}
	for _, bad := range []string{"[", "a/[b", "", "!"} {
		if _, err := NewExcluder([]string{bad}); err == nil {
			t.Errorf("NewExcluder(%q): want an error", bad)
		}
	}
}

// TestExcluderDotSlash: "./vendor" is how a shell user names the vendor
// directory at the root; gitignore would match nothing for it, leaving
// the exclude silently without effect.
func TestExcluderDotSlash(t *testing.T) {
	t.Parallel()
	ex, err := NewExcluder([]string{"./vendor", "./docs/*.md", "!./docs/keep.md"})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		"vendor/x/y.go":  true,
		"vendor":         true,
		"a/vendor/y.go":  false, // anchored to the root, as "/vendor"
		"docs/readme.md": true,
		"docs/keep.md":   false,
		"main.go":        false,
	} {
		if got := ex.Excluded(path); got != want {
			t.Errorf("Excluded(%q) = %v, want %v", path, got, want)
		}
	}
}
