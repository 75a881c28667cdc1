package report

import (
	"bytes"
	"context"
	"fmt"
	"github.com/scour-dev/scour/access"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/scour-dev/scour/internal/gittest"
	"github.com/scour-dev/scour/scanner"
	"github.com/scour-dev/scour/source"
)

// chromium finds Debian's Chromium. Under CI=true a missing browser fails
// the test (.ci/run installs it); elsewhere the test skips, saying why.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	gittest.Unavailable(t, "chromium not installed (apt-get install chromium chromium-driver): HTML report not checked in a browser")
	return ""
}

// hostileResult is a sweep result whose repository names, paths, authors
// and messages try to inject markup and to make the page fetch from beacon.
func hostileResult(beacon string) *scanner.Result {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }
	loc := func(repo, path string, line int, author string, date time.Time) scanner.Location {
		return scanner.Location{
			Origin: source.Origin{Kind: "blob", Path: path, Remote: repo,
				Commit: &source.Commit{Hash: strings.Repeat("ab", 20), AuthorName: author, AuthorEmail: "a@example.com", Date: date,
					Message: `</script><script>window.__xss=3</script>`}},
			Line: line, Column: 1,
		}
	}
	return &scanner.Result{Findings: []scanner.Finding{
		{RuleID: "aws-access-key", Provider: "aws", Description: "AWS key", Secret: "AKIAIOSFODNN7EXAMPLE", Fingerprint: strings.Repeat("1", 64),
			Locations: []scanner.Location{
				loc("https://git.example.com/acme/api.git", `<img src="`+beacon+`/img" onerror="window.__xss=1">.env`, 3, "Ann", day(2024, 3, 2)),
				loc("https://git.example.com/acme/web.git", "config/prod.env", 9, `"><script>window.__xss=2</script>`, day(2023, 11, 20)),
				loc(`https://git.example.com/<svg onload="window.__xss=4">`, "x.env", 1, "Bob", day(2025, 1, 5)),
			}},
		{RuleID: "github-pat", Provider: "github", Description: "GitHub token", Secret: "ghp_" + strings.Repeat("x", 36), Fingerprint: strings.Repeat("2", 64),
			Locations: []scanner.Location{loc("https://git.example.com/acme/api.git", "deploy.sh", 4, "Ann", day(2025, 1, 9))}},
		{RuleID: "slack-bot-token", Provider: "slack", Description: "Slack bot", Secret: "xoxb-123-456-abcdefghijkl", Fingerprint: strings.Repeat("3", 64),
			Locations: []scanner.Location{loc("https://git.example.com/acme/web.git", `<link rel=stylesheet href="`+beacon+`/css">`, 1, "Cy", day(2024, 3, 30))}},
	}}
}

func TestHTMLReportInBrowser(t *testing.T) {
	exe := chromium(t)
	var beaconHits atomic.Int64
	beacon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { beaconHits.Add(1) }))
	defer beacon.Close()

	var buf bytes.Buffer
	opts := Options{Version: "test",
		Status: map[string]string{strings.Repeat("2", 64): "revoked", strings.Repeat("3", 64): "false-positive"},
		Verification: map[string]Verification{strings.Repeat("1", 64): {State: "live", Analysis: &access.Report{Available: true,
			Identity: map[string]string{"arn": `<b onmouseover="window.__xss=5">arn:aws:iam::1:user/ci</b>`},
			Flags:    []access.Flag{{ID: access.FlagNoExpiry, Severity: access.SeverityMedium, Message: "the key never expires"}}}}}}
	if err := HTML(&buf, hostileResult(beacon.URL), opts); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers often have a tiny /dev/shm
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1280, 1000),
	)
	defer cancel()
	var mu sync.Mutex
	var requests, scriptErrors []string
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithListener(func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *runtime.EventExceptionThrown:
			scriptErrors = append(scriptErrors, e.ExceptionDetails.Text)
		}
	}))
	defer cancel()

	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitReady(chromedp.ID("shown"))); err != nil {
		t.Fatal(err)
	}
	evalInt := func(expr string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return n
	}
	evalStr := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	count := func(sel string) int { return evalInt(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)) }
	// choose sets a select control as a person would, firing its change event.
	choose := func(id, value string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID(id), value)); err != nil {
			t.Fatal(err)
		}
		evalStr(fmt.Sprintf(`document.getElementById(%q).dispatchEvent(new Event("change")), ""`, id))
	}
	dates := `Array.from(document.querySelectorAll("#view-secret tr.finding")).map(function(r){return r.dataset.date}).join(",")`

	access := evalStr(`Array.from(document.querySelectorAll("#view-secret .access")).map(function(e){return e.textContent}).join("|")`)
	rows := count("#view-secret tr.finding")
	bars, dateBars := count("#chart-provider g.bar"), count("#chart-date g.bar")
	summary := evalStr(`document.getElementById("summary").textContent`)
	shown := evalStr(`document.getElementById("shown").textContent`)
	xss := evalStr(`String(window.__xss)`)
	pathText := evalStr(`document.querySelector("#view-secret .path").textContent`)
	author := evalStr(`Array.from(document.querySelectorAll("#view-secret .author")).map(function(e){return e.textContent}).join("|")`)
	choose("f-status", "revoked")
	afterStatus := count("#view-secret tr.finding:not([hidden])")
	choose("f-status", "")
	choose("group", "repo")
	repoGroups := count("#view-repo tbody.group:not([hidden])")
	secretHidden := evalStr(`String(document.getElementById("view-secret").hidden)`) == "true"
	choose("group", "provider")
	providerRows := count("#view-provider tr.finding:not([hidden])")
	choose("group", "secret")
	sortDate := chromedp.Click(chromedp.CSS(`#view-secret th[data-sort="date"]`))
	if err := chromedp.Do(ctx, sortDate); err != nil {
		t.Fatal(err)
	}
	datesAsc := strings.Split(evalStr(dates), ",")
	if err := chromedp.Do(ctx, sortDate); err != nil {
		t.Fatal(err)
	}
	datesDesc := strings.Split(evalStr(dates), ",")
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(80))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.png"), shot, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", filepath.Join(dir, "report.png"), len(shot))

	// A stored analysis (sweep --verify --analyze) shows beside the
	// verification, as text.
	if !strings.Contains(access, "FLAG no-expiry") || !strings.Contains(access, `<b onmouseover=`) {
		t.Errorf("analysis in the page: %q", access)
	}
	if rows != 3 {
		t.Errorf("%d finding rows, want 3", rows)
	}
	if bars != 3 || dateBars != 15 { // aws, github, slack; first commits 2023-11 ... 2025-01, empty months shown
		t.Errorf("chart bars: %d by provider (want 3), %d by month", bars, dateBars)
	}
	if !strings.Contains(summary, "3 findings in 3 repositories, 5 places") {
		t.Errorf("summary %q", summary)
	}
	if shown != "3 of 3 findings shown" {
		t.Errorf("shown %q", shown)
	}
	if xss != "undefined" {
		t.Errorf("injected script ran: window.__xss = %s", xss)
	}
	if !strings.HasPrefix(pathText, `<img src="`) {
		t.Errorf("hostile path not shown as text: %q", pathText)
	}
	if !strings.Contains(author, `"><script>window.__xss=2</script>`) {
		t.Errorf("hostile author not shown as text: %q", author)
	}
	if afterStatus != 1 {
		t.Errorf("status filter 'revoked': %d rows, want 1", afterStatus)
	}
	if repoGroups != 3 || !secretHidden {
		t.Errorf("group by repository: %d groups (want 3), secret view hidden %v", repoGroups, secretHidden)
	}
	if providerRows != 3 {
		t.Errorf("group by provider: %d rows", providerRows)
	}
	if strings.Join(datesAsc, ",") != "2023-11-20,2024-03-30,2025-01-09" || strings.Join(datesDesc, ",") != "2025-01-09,2024-03-30,2023-11-20" {
		t.Errorf("sorted by date: %v then %v", datesAsc, datesDesc)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range requests {
		if !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page fetched %s", u)
		}
	}
	if n := beaconHits.Load(); n != 0 {
		t.Errorf("the beacon server was hit %d times", n)
	}
	if len(scriptErrors) > 0 {
		t.Errorf("script errors: %q", scriptErrors)
	}
}
