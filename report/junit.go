package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/scanner"
)

// JUnit XML, the report format every CI system renders (GitLab merge
// request widgets, Jenkins, Azure Pipelines, Alibaba Cloud DevOps Flow):
// one failing test case per finding, named after the rule and the
// headline location; one skipped test case per file scour could not scan;
// and one passing test case when nothing was found, so a clean scan shows
// as a pass rather than as "no tests".

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit writes res as a JUnit XML report. Secrets are redacted unless
// Options.ShowSecrets is set. Text from the scanned tree or a rule pack is
// escaped (internal/safetext): CI pages and logs show these reports, and
// XML cannot carry control characters or invalid UTF-8 anyway (the encoder
// would turn them into U+FFFD, losing the name).
func JUnit(w io.Writer, res *scanner.Result, opts Options) error {
	elapsed := fmt.Sprintf("%.3f", opts.Elapsed.Seconds())
	suite := junitSuite{
		Name: "scour", Time: elapsed,
		Properties: []junitProperty{
			{Name: "scour.version", Value: opts.Version},
			{Name: "scour.items", Value: fmt.Sprint(res.Stats.Items)},
			{Name: "scour.bytes", Value: fmt.Sprint(res.Stats.Bytes)},
		},
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		meta := opts.Rules[f.RuleID]
		c := junitCase{Classname: "scour." + safetext.Escape(f.Provider), Time: "0"}
		where := "(no location)"
		if len(f.Locations) > 0 {
			l := f.Locations[0]
			where = formatLocation(l)
			if l.Path != "" && l.Kind != "stdin" {
				c.File = safetext.Quote(l.Path)
			}
			c.Line = l.Line
		}
		c.Name = safetext.Escape(fmt.Sprintf("%s %s at %s", f.RuleID, shortFP(f.Fingerprint), where))
		var text strings.Builder
		fmt.Fprintf(&text, "%s\nsecret: %s\nfingerprint: %s\n", safetext.Escape(f.Description),
			safetext.Quote(displaySecret(f, opts)), safetext.Escape(f.Fingerprint))
		for j, l := range f.Locations {
			label := "found at:"
			if j > 0 {
				label = "also at: "
			}
			fmt.Fprintf(&text, "%s %s\n", label, formatLocation(l))
		}
		if meta.Remediation != "" {
			fmt.Fprintf(&text, "fix: %s\n", safetext.Escape(meta.Remediation))
		}
		c.Failure = &junitFailure{
			Message: safetext.Escape(fmt.Sprintf("%s: %s %s", f.RuleID, f.Description, redacted(f, opts))),
			Type:    safetext.Escape(f.RuleID),
			Text:    text.String(),
		}
		suite.Cases = append(suite.Cases, c)
		suite.Failures++
	}
	eachSkipped(res, func(path, reason, detail string) {
		suite.Cases = append(suite.Cases, junitCase{
			Name: "scan " + oneLine(path), Classname: "scour.skipped", Time: "0",
			Skipped: &junitSkipped{Message: skippedLine(path, reason, detail)},
		})
		suite.Skipped++
	})
	if len(res.Findings) == 0 {
		suite.Cases = append(suite.Cases, junitCase{
			Name:      fmt.Sprintf("no leaked credentials in %s", plural(res.Stats.Items, "item", "items")),
			Classname: "scour", Time: elapsed,
		})
	}
	suite.Tests = len(suite.Cases)
	doc := junitSuites{
		Name: "scour", Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped, Time: elapsed,
		Suites: []junitSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
