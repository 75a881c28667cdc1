package suppress

import (
	"bytes"
	"strings"
	"testing"

	"github.com/scour-dev/scour/report"
	"github.com/scour-dev/scour/scanner"
)

func result(fs ...scanner.Finding) *scanner.Result {
	return &scanner.Result{Findings: fs, Stats: scanner.Stats{Findings: int64(len(fs))}}
}

func finding(rule, secret, path string, line int) scanner.Finding {
	f := scanner.Finding{RuleID: rule, Provider: "github", Secret: secret, Fingerprint: fingerprint(secret)}
	loc := scanner.Location{Line: line, Column: 1}
	loc.Kind, loc.Path = "file", path
	f.Locations = []scanner.Location{loc}
	return f
}

// A baseline file holds rule ids and fingerprints only, sorted, and reads
// back to the same set.
func TestBaselineRoundTrip(t *testing.T) {
	t.Parallel()
	s1, s2 := fakePAT("one"), fakePAT("two")
	res := result(finding("github-pat", s2, "b.go", 3), finding("github-pat", s1, "a.go", 1), finding("github-oauth", s1, "a.go", 1))
	var buf bytes.Buffer
	if err := WriteBaseline(&buf, NewBaseline(res)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, leak := range []string{s1, s2, "a.go", "b.go"} {
		if strings.Contains(out, leak) {
			t.Errorf("baseline holds %q:\n%s", leak, out)
		}
	}
	if !strings.HasPrefix(out, "{\n  \"scour_baseline\": 1,\n  \"findings\": [\n    {\n      \"rule_id\": \"github-oauth\"") {
		t.Errorf("unexpected layout:\n%s", out)
	}
	b, err := ReadBaseline("b.json", strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 3 {
		t.Errorf("len = %d", b.Len())
	}
	for _, f := range res.Findings {
		if !b.Contains(&f) {
			t.Errorf("baseline lacks %s %s", f.RuleID, f.Secret)
		}
	}
	// Same secret, other rule: new.
	other := finding("gitlab-pat", s2, "b.go", 3)
	if b.Contains(&other) {
		t.Error("a finding of another rule counts as baselined")
	}
	// Writing again gives the same bytes.
	var again bytes.Buffer
	_ = WriteBaseline(&again, b)
	if again.String() != out {
		t.Errorf("not stable:\n%s\nvs\n%s", again.String(), out)
	}
}

// A JSON report and a JSON Lines report (as `scan --format json|jsonl`
// write them) are baselines too.
func TestBaselineFromReports(t *testing.T) {
	t.Parallel()
	s1, s2 := fakePAT("one"), fakePAT("two")
	res := result(finding("github-pat", s1, "a.go", 1), finding("github-pat", s2, "b.go", 3))
	for _, format := range []string{"json", "jsonl"} {
		var buf bytes.Buffer
		if err := report.Write(&buf, format, res, report.Options{Version: "test"}); err != nil {
			t.Fatal(err)
		}
		b, err := ReadBaseline("r."+format, &buf)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if b.Len() != 2 || !b.Contains(&res.Findings[0]) || !b.Contains(&res.Findings[1]) {
			t.Errorf("%s: baseline %v", format, b.Keys())
		}
	}
	// A clean JSON report is an empty baseline, not an error.
	var buf bytes.Buffer
	if err := report.Write(&buf, "json", result(), report.Options{}); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadBaseline("clean.json", &buf); err != nil || b.Len() != 0 {
		t.Errorf("clean report: %v, %v", b, err)
	}
}

// Bad baselines are errors naming the file and the problem.
func TestReadBaselineErrors(t *testing.T) {
	t.Parallel()
	fp := fingerprint("x")
	cases := []struct{ name, text, want string }{
		{"empty", "  \n", "empty file"},
		{"not json", "fingerprint,rule\n", "not a scour baseline or JSON report"},
		{"other json", `{"results": []}`, "no scour_baseline or schema_version key"},
		{"future version", `{"scour_baseline": 2, "findings": []}`, "scour_baseline 2, this scour reads 1"},
		{"bad fingerprint", `{"scour_baseline": 1, "findings": [{"rule_id": "r", "fingerprint": "` + fp + `"}, {"rule_id": "r", "fingerprint": "abc"}]}`, `findings[1]: fingerprint "abc"`},
		{"no rule", `{"scour_baseline": 1, "findings": [{"fingerprint": "` + fp + `"}]}`, "findings[0]: rule_id: missing"},
		{"jsonl bad line", `{"rule_id": "r", "fingerprint": "` + fp + `"}` + "\n{oops\n", "b.json:2:"},
		{"two documents", `{"scour_baseline": 1, "findings": []}{"scour_baseline": 1}`, "more than one JSON document"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadBaseline("b.json", strings.NewReader(c.text))
			if err == nil || !strings.Contains(err.Error(), "b.json") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want b.json and %q", err, c.want)
			}
		})
	}
}

// Diff tells an update what it adds and drops.
func TestBaselineDiff(t *testing.T) {
	t.Parallel()
	a, b, c := finding("r", "a", "", 1), finding("r", "b", "", 1), finding("r", "c", "", 1)
	old := NewBaseline(result(a, b))
	cur := NewBaseline(result(b, c))
	added, removed, _ := cur.Diff(old)
	if len(added) != 1 || added[0].Fingerprint != c.Fingerprint || len(removed) != 1 || removed[0].Fingerprint != a.Fingerprint {
		t.Errorf("added %v removed %v", added, removed)
	}
}
