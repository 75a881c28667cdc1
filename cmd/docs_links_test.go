package cmd

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docCitation is a citation of a design document, with the sections it
// names: "docs/providers.md §2.4, §7".
var docCitation = regexp.MustCompile(`docs/(providers|design|performance)\.md((?:(?:[ ,;(]|and)*§\d+(?:\.\d+)?)*)`)

var docSection = regexp.MustCompile(`§(\d+(?:\.\d+)?)`)

// docHeading is a numbered section heading: "## 2. Title", "### 2.4 Title".
var docHeading = regexp.MustCompile(`(?m)^#{2,3} (\d+(?:\.\d+)?)\.? `)

// commentBreak joins a citation split over comment lines.
var commentBreak = regexp.MustCompile(`\n[ \t]*(?://|#)[ \t]*`)

// The project stands alone: every citation of docs/providers.md,
// docs/design.md or docs/performance.md in code, rules and docs names a
// file and section that exist, and nothing cites the notes outside the
// repository the documents were first written from.
func TestDocCitationsResolve(t *testing.T) {
	t.Parallel()
	sections := map[string]map[string]bool{}
	for _, doc := range []string{"providers", "design", "performance"} {
		data, err := os.ReadFile(filepath.Join("..", "docs", doc+".md"))
		if err != nil {
			t.Fatalf("docs/%s.md is cited but cannot be read: %v", doc, err)
		}
		sections[doc] = map[string]bool{}
		for _, m := range docHeading.FindAllStringSubmatch(string(data), -1) {
			sections[doc][m[1]] = true
		}
	}
	outside := regexp.MustCompile(`\.\./shared|\b(?:DESIGN|PROVIDERS)\.md`)
	cited := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != ".." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "dist") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".yaml", ".yml", ".md", ".sh":
		default:
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := commentBreak.ReplaceAllString(string(data), " ")
		if m := outside.FindString(text); m != "" && !strings.HasSuffix(path, "docs_links_test.go") {
			t.Errorf("%s cites %q, which is not part of the repository: cite docs/ instead", path, m)
		}
		for _, m := range docCitation.FindAllStringSubmatch(text, -1) {
			cited++
			for _, s := range docSection.FindAllStringSubmatch(m[2], -1) {
				if !sections[m[1]][s[1]] {
					t.Errorf("%s cites docs/%s.md §%s, which has no such section", path, m[1], s[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cited == 0 {
		t.Error("found no citation at all: the pattern no longer matches how the code cites docs/")
	}
}
