package scan

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source/githistory"
)

// TestDeltaMatchingSameReportOnGitHistory is the end-to-end half of the
// equivalence proof of delta-aware matching (the engine half is
// scanner.TestDeltaMatchingSameFindings): a history whose files keep
// changing around real-looking secrets (every built-in rule's examples),
// with secrets completed by a later commit, blocks moved, keywords and
// ignore markers added next to old tokens, packed with deep delta chains,
// gives the same findings, locations included, byte for byte, with and
// without delta-aware matching; and delta-aware matching did skip bytes.
func TestDeltaMatchingSameReportOnGitHistory(t *testing.T) {
	t.Parallel()
	all, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	// The whole built-in catalogue, decoding on: keyword rules, the
	// generic layer's guarded assignments, path-restricted rules and the
	// decoders.
	set := all
	var examples, keywords []string
	for _, r := range set.Rules() {
		for _, ex := range r.Examples {
			examples = append(examples, ex.Text)
		}
		keywords = append(keywords, r.Keywords...)
	}
	var encoded []string
	for _, ex := range examples {
		b64 := base64.StdEncoding.EncodeToString([]byte(ex))
		encoded = append(encoded, "PRIVATE_KEY_B64="+b64+"\n", "kind: Secret\ndata:\n  v: "+b64+"\n", "u = \""+url.QueryEscape(ex)+"\"\n")
	}
	keys := []string{"password = ", "api_key: ", "token=", "client_secret: \"", "PRIVATE_KEY_B64="}
	rng := rand.New(rand.NewPCG(7, 7))
	filler := func() string {
		return strings.Repeat("\tx := compute(a, b) // some ordinary code here\n", 1+rng.IntN(40))
	}
	g := gittest.Init(t)
	files := map[string][]string{} // path -> lines
	for _, p := range []string{"a.go", "conf/b.yaml", "c.txt", ".netrc", "pkg/x_test.go", "deploy/secret.yaml"} {
		var lines []string
		for range 40 {
			lines = append(lines, filler())
			if rng.IntN(3) == 0 {
				lines = append(lines, examples[rng.IntN(len(examples))]+"\n")
			}
		}
		files[p] = lines
	}
	commits := 40
	if testing.Short() {
		commits = 15
	}
	for c := 0; c < commits; c++ {
		for p, lines := range files {
			for range 1 + rng.IntN(3) {
				i := rng.IntN(len(lines) + 1)
				var add string
				switch rng.IntN(9) {
				case 0: // half a secret now, the rest in a later commit
					ex := examples[rng.IntN(len(examples))]
					k := rng.IntN(len(ex) + 1)
					add = ex[:k]
					lines = append(lines, ex[k:]+"\n")
				case 1: // a keyword beside an old token
					add = keywords[rng.IntN(len(keywords))] + " = "
				case 2: // an inline ignore marker
					add = "# scour:ignore\n"
				case 3: // move a line elsewhere
					j := rng.IntN(len(lines))
					add = lines[j]
					lines = append(lines[:j], lines[j+1:]...)
					i = min(i, len(lines))
				case 6: // an encoded secret
					add = encoded[rng.IntN(len(encoded))]
				case 7: // a key before an old value: the line becomes an assignment
					add = keys[rng.IntN(len(keys))]
				case 8: // one byte in the middle of a line (a base64 run, a secret)
					j := rng.IntN(len(lines))
					if l := lines[j]; len(l) > 2 {
						k := 1 + rng.IntN(len(l)-2)
						lines[j] = l[:k] + "x" + l[k:]
					}
					continue
				case 4: // delete a line
					if len(lines) > 1 {
						j := rng.IntN(len(lines))
						lines = append(lines[:j], lines[j+1:]...)
					}
					continue
				default:
					add = examples[rng.IntN(len(examples))] + "\n"
				}
				lines = append(lines[:i], append([]string{add}, lines[i:]...)...)
			}
			files[p] = lines
			g.WriteFile(p, strings.Join(lines, ""))
		}
		g.Commit("change")
	}
	g.Git("repack", "-adfq", "--depth=50", "--window=50")

	scan := func(noDelta bool) *scanner.Result {
		sc, err := scanner.New(scanner.Options{Rules: set, NoDeltaMatching: noDelta})
		if err != nil {
			t.Fatal(err)
		}
		repo, err := githistory.Open(g.Dir, githistory.Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer repo.Close()
		res, err := sc.Run(context.Background(), repo)
		if err != nil {
			t.Fatal(err)
		}
		expand(res, repo)
		return res
	}
	want, got := scan(true), scan(false)
	if got.Stats.Matched >= got.Stats.Bytes {
		t.Fatalf("delta-aware matching searched %d of %d bytes: no delta was used", got.Stats.Matched, got.Stats.Bytes)
	}
	want.Stats.Matched, got.Stats.Matched = 0, 0
	wj, _ := json.MarshalIndent(want, "", " ")
	gj, _ := json.MarshalIndent(got, "", " ")
	if string(wj) != string(gj) {
		t.Fatalf("reports differ:\nfull scan: %s\ndelta-aware: %s", wj, gj)
	}
	if len(want.Findings) < 10 {
		t.Fatalf("%d findings: the history proves little", len(want.Findings))
	}
	// The kinds delta-aware matching must carry or redo all occur.
	var generic, decoded int
	for _, f := range want.Findings {
		if f.Provider == rules.GenericProvider {
			generic++
		}
		for _, l := range f.Locations {
			if l.Encoding != "" {
				decoded++
			}
		}
	}
	if generic == 0 || decoded == 0 {
		t.Fatalf("%d generic findings, %d decoded locations: the history does not exercise them", generic, decoded)
	}
}
