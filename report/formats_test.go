package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
)

// sarifSchemas compiles the official SARIF 2.1.0 schemas in testdata/sarif
// (the OASIS errata draft-04 deliverable and its draft-07 form) with format
// assertions on (uri, uri-reference, date-time...).
func sarifSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	out := map[string]*jsonschema.Schema{}
	for _, name := range []string{"sarif-schema-2.1.0.json", "sarif-schema-2.1.0-draft07.json"} {
		f, err := os.Open(filepath.Join("testdata", "sarif", name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		url := "file:///" + name
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile(url)
		if err != nil {
			t.Fatalf("compiling %s: %v", name, err)
		}
		out[name] = sch
	}
	return out
}

// validateSARIF checks data against both official schemas.
func validateSARIF(t *testing.T, schemas map[string]*jsonschema.Schema, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	for name, sch := range schemas {
		if err := sch.Validate(inst); err != nil {
			t.Errorf("SARIF invalid against %s: %v", name, err)
		}
	}
}

// SARIF output validates against the official OASIS schema for a result
// with findings in files, stdin and git history, for a clean result, and
// with --show-secrets; and the validator does reject broken SARIF.
func TestSARIFValidatesAgainstOfficialSchema(t *testing.T) {
	schemas := sarifSchemas(t)
	withSecrets := sampleOpts()
	withSecrets.ShowSecrets = true
	verified := sampleOpts()
	verified.Verification = sampleVerification(sample())
	cases := map[string]struct {
		res  *scanner.Result
		opts Options
	}{
		"sample":       {sample(), sampleOpts()},
		"show-secrets": {sample(), withSecrets},
		"clean":        {&scanner.Result{}, Options{Version: "dev"}},
		"no-meta":      {sample(), Options{}},
		"verified":     {sample(), verified},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := SARIF(&buf, c.res, c.opts); err != nil {
				t.Fatal(err)
			}
			validateSARIF(t, schemas, buf.Bytes())
		})
	}
	// The schemas are not vacuous: a result without a message fails.
	bad := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"scour"}},"results":[{"ruleId":"x"}]}]}`
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
	for name, sch := range schemas {
		if sch.Validate(inst) == nil {
			t.Errorf("%s accepted a result without a message", name)
		}
	}
}

// sarifDoc is the part of a SARIF log the tests inspect.
type sarifDoc struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name, Version, InformationURI string
				Rules                         []struct {
					ID, Name   string
					Help       struct{ Text string }
					Properties map[string]any
				}
			}
		}
		Results []struct {
			RuleID              string
			RuleIndex           int
			Level               string
			Message             struct{ Text string }
			PartialFingerprints map[string]string
			Locations           []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string }
					Region           struct{ StartLine, StartColumn, EndLine, EndColumn int }
				}
			}
			RelatedLocations []json.RawMessage
			Properties       struct {
				Commit       *struct{ Hash string }
				Verification *struct{ State, Reason string }
			}
		}
		VersionControlProvenance []struct{ RepositoryURI string }
	}
}

func decodeSARIF(t *testing.T, res *scanner.Result, opts Options) sarifDoc {
	t.Helper()
	var buf bytes.Buffer
	if err := SARIF(&buf, res, opts); err != nil {
		t.Fatal(err)
	}
	var doc sarifDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// SARIF carries what code scanning needs: rule metadata with help and
// remediation, rule indexes that point at the right rule, relative URIs,
// regions spanning the secret, commit provenance, and one partial
// fingerprint per result that is the secret's fingerprint.
func TestSARIFContent(t *testing.T) {
	doc := decodeSARIF(t, sample(), sampleOpts())
	run := doc.Runs[0]
	d := run.Tool.Driver
	if d.Name != "scour" || d.Version != "1.2.3-test" || d.InformationURI == "" {
		t.Errorf("driver = %+v", d)
	}
	if len(run.Results) != 3 {
		t.Fatalf("%d results, want one per finding (3)", len(run.Results))
	}
	for _, r := range run.Results {
		if rule := d.Rules[r.RuleIndex]; rule.ID != r.RuleID {
			t.Errorf("result %s points at rule %d = %s", r.RuleID, r.RuleIndex, rule.ID)
		}
		if len(r.PartialFingerprints) != 1 || r.PartialFingerprints[FingerprintKey] == "" {
			t.Errorf("result %s partialFingerprints = %v", r.RuleID, r.PartialFingerprints)
		}
		if len(r.Locations) != 1 {
			t.Errorf("result %s has %d locations, want the headline only", r.RuleID, len(r.Locations))
		}
	}
	gh := run.Results[1]
	if gh.PartialFingerprints[FingerprintKey] != sample().Findings[1].Fingerprint {
		t.Errorf("github fingerprint = %v", gh.PartialFingerprints)
	}
	reg := gh.Locations[0].PhysicalLocation.Region
	if reg.StartLine != 10 || reg.StartColumn != 3 || reg.EndLine != 10 || reg.EndColumn != 3+len(fakeGitHub) {
		t.Errorf("github region = %+v", reg)
	}
	if len(gh.RelatedLocations) != 6 || !strings.Contains(gh.Message.Text, "also at 6 other locations") {
		t.Errorf("github related = %d, message %q", len(gh.RelatedLocations), gh.Message.Text)
	}
	yx := run.Results[2]
	if yx.Properties.Commit == nil || yx.Properties.Commit.Hash != strings.Repeat("b", 40) {
		t.Errorf("yunxiao headline commit = %+v", yx.Properties.Commit)
	}
	if got := yx.Locations[0].PhysicalLocation.ArtifactLocation.URI; got != "deploy/ci.yml" {
		t.Errorf("uri = %q", got)
	}
	if len(run.VersionControlProvenance) != 1 || run.VersionControlProvenance[0].RepositoryURI != "https://codeup.aliyun.com/acme/app.git" {
		t.Errorf("versionControlProvenance = %+v", run.VersionControlProvenance)
	}
	var rule = d.Rules[0]
	for _, r := range d.Rules {
		if r.ID == "github-classic-pat" {
			rule = r
		}
	}
	if rule.Name != "GithubClassicPat" || !strings.Contains(rule.Help.Text, "Remediation: Revoke it") ||
		rule.Properties["provider"] != "github" || rule.Properties["precision"] != "very-high" {
		t.Errorf("rule = %+v", rule)
	}
	// A rule with metadata but no findings is still described.
	found := false
	for _, r := range d.Rules {
		found = found || r.ID == "gitee-token"
	}
	if !found {
		t.Error("rules lack gitee-token")
	}
}

// The partial fingerprint is keyed on the secret: moving the secret to
// another line or file keeps it, a different secret changes it.
func TestSARIFFingerprintSurvivesMoves(t *testing.T) {
	res := sample()
	before := decodeSARIF(t, res, sampleOpts()).Runs[0].Results[1].PartialFingerprints
	res.Findings[1].Locations = []scanner.Location{{Origin: source.Origin{Kind: "file", Path: "moved/elsewhere.go"}, Line: 99, Column: 1}}
	after := decodeSARIF(t, res, sampleOpts()).Runs[0].Results[1].PartialFingerprints
	if before[FingerprintKey] != after[FingerprintKey] {
		t.Errorf("fingerprint changed on a move: %v -> %v", before, after)
	}
	res.Findings[1].Secret = fakeGitHub + "X"
	res.Findings[1].Fingerprint = strings.Repeat("4", 64)
	other := decodeSARIF(t, res, sampleOpts()).Runs[0].Results[1].PartialFingerprints
	if other[FingerprintKey] == before[FingerprintKey] {
		t.Error("a different secret kept the fingerprint")
	}
}

// SARIF and GitHub annotations never hold a secret, even with
// --show-secrets: both end up where many people read them.
func TestPublicFormatsNeverHoldSecrets(t *testing.T) {
	opts := sampleOpts()
	opts.ShowSecrets = true
	for _, format := range []string{"sarif", "github"} {
		var buf bytes.Buffer
		if err := Write(&buf, format, sample(), opts); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{fakeGitHub, fakeYunxiao, fakePass, "00000000-0000-4000"} {
			if strings.Contains(buf.String(), s) {
				t.Errorf("%s output with ShowSecrets contains %q", format, s)
			}
		}
	}
}

// CSV has a header and one row per location, parses back with the
// standard reader, and defuses cells a spreadsheet would run as formulas.
func TestCSV(t *testing.T) {
	res := sample()
	res.Findings[0].Locations[0].Path = "=HYPERLINK(\"x\")"
	res.Findings[0].Locations[0].Kind = "file"
	var buf bytes.Buffer
	if err := CSV(&buf, res, sampleOpts()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := 1
	for _, f := range res.Findings {
		want += len(f.Locations)
	}
	if len(rows) != want {
		t.Fatalf("%d rows, want header + %d locations", len(rows), want-1)
	}
	if strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		t.Errorf("header = %v", rows[0])
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if got := rows[1][col["path"]]; got != `'=HYPERLINK("x")` {
		t.Errorf("formula cell = %q", got)
	}
	last := rows[len(rows)-1]
	if last[col["path"]] != "ops/a,b:c 100%.env" || last[col["commit"]] != strings.Repeat("c", 40) || last[col["line"]] != "1" {
		t.Errorf("last row = %v", last)
	}
}

// JSONL is one JSONFinding per line, nothing else.
func TestJSONL(t *testing.T) {
	var buf bytes.Buffer
	if err := JSONL(&buf, sample(), sampleOpts()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(sample().Findings) {
		t.Fatalf("%d lines, want %d", len(lines), len(sample().Findings))
	}
	for i, l := range lines {
		var f JSONFinding
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if f.RuleID != sample().Findings[i].RuleID || len(f.Locations) != len(sample().Findings[i].Locations) {
			t.Errorf("line %d = %+v", i+1, f)
		}
	}
	buf.Reset()
	if err := JSONL(&buf, &scanner.Result{}, Options{}); err != nil || buf.Len() != 0 {
		t.Errorf("clean result wrote %q, %v", buf.String(), err)
	}
}

type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Tests int `xml:"tests,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			File    string `xml:"file,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct{} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// JUnit output is well-formed XML (even for paths with control characters
// and markup, which are quoted with escapes, not turned into U+FFFD) with
// one failing case per finding, one skipped case per
// skipped file, and a passing case when the scan is clean.
func TestJUnit(t *testing.T) {
	res := sample()
	res.Findings[1].Locations[0].Path = "src/<a&b>\x01\".go"
	var buf bytes.Buffer
	if err := JUnit(&buf, res, sampleOpts()); err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, buf.String())
	}
	if doc.Tests != 6 || doc.Failures != 3 || doc.Skipped != 3 || doc.Suites[0].Tests != 6 {
		t.Errorf("tests %d failures %d skipped %d", doc.Tests, doc.Failures, doc.Skipped)
	}
	c := doc.Suites[0].Cases[1]
	if c.Failure == nil || !strings.Contains(c.Failure.Text, "also at:  src/app.go:20:3") || c.File != `"src/<a&b>\x01\".go"` {
		t.Errorf("case = %+v", c)
	}
	buf.Reset()
	if err := JUnit(&buf, &scanner.Result{Stats: scanner.Stats{Items: 5}}, Options{}); err != nil {
		t.Fatal(err)
	}
	doc = junitDoc{}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 1 || doc.Failures != 0 || doc.Suites[0].Cases[0].Failure != nil {
		t.Errorf("clean report: %+v", doc)
	}
}

// GitHub annotations escape properties and messages as the runner
// expects, so a path with ',' ':' '%' cannot end a property early, and a
// newline from a rule pack's description is shown as \n: it neither
// starts a new workflow command nor a new line of the annotation.
func TestGitHubAnnotations(t *testing.T) {
	res := sample()
	res.Findings[2].Locations[0].Path = "ops/a,b:c 100%.env"
	res.Findings[2].Description = "line one\n::error::injected"
	var buf bytes.Buffer
	if err := GitHub(&buf, res, sampleOpts()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 3+3 {
		t.Fatalf("%d lines, want one per finding and per skipped file:\n%s", len(lines), buf.String())
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "::error ") && !strings.HasPrefix(l, "::warning ") {
			t.Errorf("not a workflow command: %q", l)
		}
	}
	want := "::error file=ops/a%2Cb%3Ac 100%25.env,line=4,col=22,title=scour%3A yunxiao-pat::line one\\n::error::injected pt-SCOURfakeEXAMPLEtoken000_… (fingerprint " + strings.Repeat("3", 64) + "); introduced in commit bbbbbbbbbbbb; also at 1 other location%0ADelete it under Personal Settings > Personal Access Token."
	if lines[2] != want {
		t.Errorf("annotation\n got %s\nwant %s", lines[2], want)
	}
	if !strings.HasPrefix(lines[0], "::error line=1,col=13,title=") {
		t.Errorf("stdin finding should have no file: %s", lines[0])
	}
}

// A secret found in more places than code scanning accepts keeps its
// count but lists only the first sarifMaxRelated related locations.
func TestSARIFCapsRelatedLocations(t *testing.T) {
	res := sample()
	f := &res.Findings[1]
	for i := len(f.Locations); i < sarifMaxRelated+50; i++ {
		f.Locations = append(f.Locations, scanner.Location{Origin: source.Origin{Kind: "file", Path: "gen.go"}, Line: i, Column: 1})
	}
	var buf bytes.Buffer
	if err := SARIF(&buf, res, sampleOpts()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Runs []struct {
			Results []struct {
				RelatedLocations []json.RawMessage
				Properties       struct{ LocationCount int }
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	r := doc.Runs[0].Results[1]
	if len(r.RelatedLocations) != sarifMaxRelated || r.Properties.LocationCount != sarifMaxRelated+50 {
		t.Errorf("%d related locations, locationCount %d", len(r.RelatedLocations), r.Properties.LocationCount)
	}
}

// Text output quotes paths and commit subjects holding control characters,
// so a hostile file name cannot move the cursor or recolour the terminal.
func TestTextQuotesControlCharacters(t *testing.T) {
	res := sample()
	res.Findings[1].Locations[0].Path = "evil\x1b[2J.go"
	res.Findings[2].Locations[0].Commit.Message = "subject\rforged"
	var buf bytes.Buffer
	if err := Text(&buf, res, sampleOpts()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.ContainsAny(out, "\x1b\r") {
		t.Errorf("control characters reached the terminal:\n%q", out)
	}
	for _, want := range []string{`"evil\x1b[2J.go":10:3`, `"subject\rforged"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// sampleVerification marks the sample's first finding live and the others
// unknown, as scan --verify would.
func sampleVerification(res *scanner.Result) map[string]Verification {
	v := map[string]Verification{}
	for i, f := range res.Findings {
		if i == 0 {
			v[f.Fingerprint] = Verification{State: "live", Owner: map[string]string{"login": "octocat"}}
		} else {
			v[f.Fingerprint] = Verification{State: "unknown", Reason: "timed out"}
		}
	}
	return v
}

// With scan --verify, SARIF results carry the verification state (a live
// secret is an error whatever the rule's confidence) and never the secret.
func TestSARIFCarriesVerification(t *testing.T) {
	res := sample()
	opts := sampleOpts()
	opts.Verification = sampleVerification(res)
	doc := decodeSARIF(t, res, opts)
	byFP := map[string]string{}
	for _, r := range doc.Runs[0].Results {
		v := r.Properties.Verification
		if v == nil {
			t.Fatalf("%s: no verification property", r.RuleID)
		}
		byFP[r.PartialFingerprints[FingerprintKey]] = v.State
		if v.State == "live" && (r.Level != "error" || !strings.HasPrefix(r.Message.Text, "Verified live")) {
			t.Errorf("live result: level %q, message %q", r.Level, r.Message.Text)
		}
	}
	for fp, want := range opts.Verification {
		if byFP[fp] != want.State {
			t.Errorf("%s: state %q, want %q", fp[:12], byFP[fp], want.State)
		}
	}
}

// A dangling blob (no commit or tree names it) is shown by its id, which
// `git cat-file -p` accepts, rather than as a nameless "(blob)".
func TestTextNamesDanglingBlobs(t *testing.T) {
	l := scanner.Location{Origin: source.Origin{Kind: "blob", BlobID: "0123456789abcdef0123456789abcdef01234567", Unreachable: true}, Line: 1, Column: 3}
	if got, want := formatLocation(l), "blob 0123456789abcdef0123456789abcdef01234567:1:3 (unreachable)"; got != want {
		t.Errorf("formatLocation = %q, want %q", got, want)
	}
}
