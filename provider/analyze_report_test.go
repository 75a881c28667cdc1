package provider

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/scour-dev/scour/report"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
)

// TestAnalyzeProvidersInEveryFormat renders each provider case's analysis
// as scan --verify --analyze would (text, JSON, SARIF, HTML): no format
// shows the secret, and SARIF carries every flag id in the result
// properties and ranks the result by the worst flag.
func TestAnalyzeProvidersInEveryFormat(t *testing.T) {
	for _, c := range analyzeCases(t) {
		t.Run(c.name, func(t *testing.T) {
			v := newVendor(t, c.routes.handler(t))
			h := newHarness(envBase(c.provider, v.URL()))
			h.opts.MaxAge = c.maxAge
			st := analyzeRule(t, h, c.rule, c.secret, c.ctx)
			r := mustRule(t, builtin(t), c.rule)
			f := finding(r, c.secret, c.ctx)
			f.Description = r.Description
			f.Locations = []scanner.Location{{Origin: source.Origin{Kind: "file", Path: "deploy/ci.env"}, Line: 3, Column: 1}}
			res := &scanner.Result{Findings: []scanner.Finding{f}}
			opts := report.Options{
				Rules:        map[string]report.RuleMeta{r.ID: {Provider: r.Provider, Description: r.Description, Confidence: "high"}},
				Verification: map[string]report.Verification{f.Fingerprint: {State: string(st.State), Host: st.Host, Owner: st.Owner, Analysis: st.Analysis}},
			}
			out := map[string]string{}
			for _, format := range []string{"text", "json", "sarif", "html"} {
				var buf bytes.Buffer
				if err := report.Write(&buf, format, res, opts); err != nil {
					t.Fatal(err)
				}
				noSecret(t, format, buf.String(), c.secret)
				out[format] = buf.String()
			}
			var sarif struct {
				Runs []struct {
					Results []struct {
						Rank       *float64 `json:"rank"`
						Properties struct {
							Flags []string `json:"leastPrivilegeFlags"`
						} `json:"properties"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal([]byte(out["sarif"]), &sarif); err != nil || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != 1 {
				t.Fatalf("sarif: %v", err)
			}
			got := sarif.Runs[0].Results[0]
			var want []string
			for _, fl := range st.Analysis.Flags {
				want = append(want, fl.ID)
				for format, text := range out {
					if format != "json" && format != "sarif" && !strings.Contains(text, fl.ID) {
						t.Errorf("%s does not show flag %s", format, fl.ID)
					}
				}
			}
			if !slices.Equal(got.Properties.Flags, want) {
				t.Errorf("SARIF flags %v, want %v", got.Properties.Flags, want)
			}
			if got.Rank == nil || *got.Rank != st.Analysis.Rank() {
				t.Errorf("SARIF rank %v, want %v", got.Rank, st.Analysis.Rank())
			}
		})
	}
}
