package cmd

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/scour-dev/scour/report"
)

// Every --format works end to end on a real scan: exit 1, output that
// parses as the format, and no secret in it. The SARIF of a scan with the
// whole built-in catalogue (every rule's metadata) validates against the
// official SARIF 2.1.0 schema.
func TestScanEveryFormat(t *testing.T) {
	t.Parallel()
	tok := fakeGitHubPAT("formats")
	dir := tree(t, map[string]string{
		"app/config.go": "package app\n\nconst token = \"" + tok + "\"\n",
		"deploy/.env":   "GITHUB_TOKEN=" + tok + "\n",
	})
	for _, format := range report.Formats() {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", "scan", "--format", format, dir)
			if code != ExitFindings {
				t.Fatalf("exit %d, want 1; stderr:\n%s", code, errOut)
			}
			if strings.Contains(out, tok) {
				t.Errorf("%s output holds the secret", format)
			}
			switch format {
			case "json":
				parseReport(t, out)
			case "jsonl":
				var f report.JSONFinding
				if err := json.Unmarshal([]byte(out), &f); err != nil || len(f.Locations) != 2 {
					t.Errorf("jsonl: %v, %+v", err, f)
				}
			case "csv":
				rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
				if err != nil || len(rows) != 3 {
					t.Errorf("csv: %v, %d rows", err, len(rows))
				}
			case "junit":
				var v struct {
					Failures int `xml:"failures,attr"`
				}
				if err := xml.Unmarshal([]byte(out), &v); err != nil || v.Failures != 1 {
					t.Errorf("junit: %v, %+v", err, v)
				}
			case "github":
				if !strings.HasPrefix(out, "::error file=app/config.go,line=3,col=16,") {
					t.Errorf("github: %q", out)
				}
			case "sarif":
				validateSARIFFile(t, out, "app/config.go")
			case "html":
				if !strings.HasPrefix(out, "<!DOCTYPE html>") || strings.Count(out, `<tr class="finding"`) != 4 {
					t.Errorf("html: not one finding row in each of the 4 views")
				}
			}
		})
	}
}

// validateSARIFFile checks a scan's SARIF against the official schemas and
// that its first result is at wantURI.
func validateSARIFFile(t *testing.T, out, wantURI string) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("sarif is not JSON: %v", err)
	}
	for _, name := range []string{"sarif-schema-2.1.0.json", "sarif-schema-2.1.0-draft07.json"} {
		f, err := os.Open(filepath.Join("..", "report", "testdata", "sarif", name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource("file:///"+name, doc); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile("file:///" + name)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("SARIF invalid against %s: %v", name, err)
		}
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct{ Rules []json.RawMessage }
			}
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if n := len(log.Runs[0].Tool.Driver.Rules); n < 50 {
		t.Errorf("SARIF lists %d rules, want the whole catalogue", n)
	}
	if got := log.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI; got != wantURI {
		t.Errorf("uri = %q, want a path relative to the scanned directory", got)
	}
}

// --report-to writes extra reports from the same scan (mode 0600) next to
// the main output; a malformed value or unknown format is a usage error
// before anything is scanned.
func TestScanReportTo(t *testing.T) {
	t.Parallel()
	tok := fakeGitHubPAT("report-to")
	dir := tree(t, map[string]string{"a.env": "GITHUB_TOKEN=" + tok + "\n"})
	outDir := t.TempDir()
	sarif, junit := filepath.Join(outDir, "scour.sarif"), filepath.Join(outDir, "scour.xml")
	code, out, errOut := runCLI(t, "", "scan", "--format", "github", "--report-to", "sarif="+sarif, "--report-to", "junit="+junit, dir)
	if code != ExitFindings || !strings.HasPrefix(out, "::error file=a.env,") {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	for _, p := range []string{sarif, junit} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 || st.Size() == 0 {
			t.Errorf("%s: mode %v, %d bytes", p, st.Mode().Perm(), st.Size())
		}
	}
	data, _ := os.ReadFile(sarif)
	validateSARIFFile(t, string(data), "a.env")

	for _, bad := range []string{"sarif", "xml=out.xml", "sarif="} {
		code, _, errOut := runCLI(t, "", "scan", "--report-to", bad, dir)
		if code != ExitError || !strings.Contains(errOut, "--report-to") {
			t.Errorf("--report-to %q: exit %d, stderr %q", bad, code, errOut)
		}
	}
}
