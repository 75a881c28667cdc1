package report

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/scour-dev/scour/internal/safetext"
	"github.com/scour-dev/scour/scanner"
)

// HTML writes res as one self-contained HTML page: inline CSS, inline
// script, inline SVG charts, no fetch of anything (its Content Security
// Policy forbids it, and allows only the page's own script by hash). The
// findings are shown grouped by secret, provider, repository or status,
// with filters, sortable columns and charts of findings by provider and by
// first-commit month. Every string from the scanned repositories (paths,
// authors, messages, repository names) is escaped by html/template.
func HTML(w io.Writer, res *scanner.Result, opts Options) error {
	return htmlPage.Execute(w, newHTMLData(res, opts))
}

// htmlFinding is one finding as the page shows it.
type htmlFinding struct {
	ID           int
	RuleID       string
	Provider     string
	Description  string
	Secret       string
	Fingerprint  string
	Short        string
	Status       string
	Verification string
	FirstCommit  string // YYYY-MM-DD, "" when no commit
	Repos        []string
	Locations    []htmlLocation
}

type htmlLocation struct {
	Repo   string
	Path   string
	Line   int
	Commit string
	Author string
	Date   string
}

type htmlGroup struct {
	Name     string
	Findings []*htmlFinding
}

type htmlBar struct {
	Label       string
	Count       int
	X, Y, W, H  int
	TextX, TxtY int
}

type htmlChart struct {
	Bars          []htmlBar
	Width, Height int
}

type htmlData struct {
	Version      string
	Findings     []*htmlFinding
	Repos        int
	Locations    int
	Views        []htmlView
	Providers    []string
	Statuses     []string
	States       []string
	ByProvider   htmlChart
	ByMonth      htmlChart
	ScriptHash   string
	Script       template.JS
	CSS          template.CSS
	StatusDoc    string
	SkippedCount int
}

type htmlView struct {
	Key    string
	Label  string
	Groups []htmlGroup
}

func newHTMLData(res *scanner.Result, opts Options) *htmlData {
	d := &htmlData{Version: opts.Version, Script: template.JS(htmlScript), CSS: template.CSS(htmlCSS),
		ScriptHash: htmlScriptHash, SkippedCount: len(res.Skipped)}
	repos := map[string]bool{}
	providers, statuses, states := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i := range res.Findings {
		f := &res.Findings[i]
		hf := &htmlFinding{
			// html/template escapes markup; safetext the control, bidi and
			// invalid bytes a repository or rule pack may put in the text.
			ID: i, RuleID: safetext.Escape(f.RuleID), Provider: safetext.Escape(f.Provider), Description: safetext.Escape(f.Description),
			Secret: safetext.Quote(displaySecret(f, opts)), Fingerprint: f.Fingerprint, Short: shortFP(f.Fingerprint),
			Status: "open", Verification: "not verified",
		}
		if s := opts.Status[f.Fingerprint]; s != "" {
			hf.Status = s
		}
		if v, ok := opts.Verification[f.Fingerprint]; ok && v.State != "" {
			hf.Verification = v.State
		}
		var first time.Time
		seen := map[string]bool{}
		for _, l := range f.Locations {
			hl := htmlLocation{Repo: safetext.Escape(repoName(l.Remote)), Path: safetext.Quote(l.Path), Line: l.Line}
			if c := l.Commit; c != nil {
				hl.Commit = shortFP(c.Hash)
				hl.Author = safetext.Escape(c.AuthorName)
				if c.AuthorEmail != "" {
					hl.Author += " <" + safetext.Escape(c.AuthorEmail) + ">"
				}
				if !c.Date.IsZero() {
					hl.Date = c.Date.UTC().Format("2006-01-02")
					if first.IsZero() || c.Date.Before(first) {
						first = c.Date
					}
				}
			}
			hf.Locations = append(hf.Locations, hl)
			if !seen[hl.Repo] {
				seen[hl.Repo] = true
				hf.Repos = append(hf.Repos, hl.Repo)
			}
			repos[hl.Repo] = true
			d.Locations++
		}
		sort.Strings(hf.Repos)
		if !first.IsZero() {
			hf.FirstCommit = first.UTC().Format("2006-01-02")
		}
		providers[hf.Provider], statuses[hf.Status], states[hf.Verification] = true, true, true
		d.Findings = append(d.Findings, hf)
	}
	d.Repos = len(repos)
	d.Providers, d.Statuses, d.States = sortedSet(providers), sortedSet(statuses), sortedSet(states)
	d.Views = []htmlView{
		{Key: "secret", Label: "secret", Groups: []htmlGroup{{Name: "", Findings: d.Findings}}},
		{Key: "provider", Label: "provider", Groups: groupBy(d.Findings, func(f *htmlFinding) []string { return []string{f.Provider} })},
		{Key: "repo", Label: "repository", Groups: groupBy(d.Findings, func(f *htmlFinding) []string { return f.Repos })},
		{Key: "status", Label: "status", Groups: groupBy(d.Findings, func(f *htmlFinding) []string { return []string{f.Status} })},
	}
	d.ByProvider = hbarChart(countBy(d.Findings, func(f *htmlFinding) string { return f.Provider }), false)
	d.ByMonth = hbarChart(timeline(d.Findings), true)
	return d
}

// repoName is how a location's repository is shown: its URL or path, or
// "(this scan)" for a scan of one tree.
func repoName(remote string) string {
	if remote == "" {
		return "(this scan)"
	}
	return remote
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func groupBy(fs []*htmlFinding, keys func(*htmlFinding) []string) []htmlGroup {
	idx := map[string]int{}
	var out []htmlGroup
	for _, f := range fs {
		for _, k := range keys(f) {
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, htmlGroup{Name: k})
			}
			out[i].Findings = append(out[i].Findings, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

type labelCount struct {
	label string
	n     int
}

func countBy(fs []*htmlFinding, key func(*htmlFinding) string) []labelCount {
	m := map[string]int{}
	for _, f := range fs {
		m[key(f)]++
	}
	out := make([]labelCount, 0, len(m))
	for k, n := range m {
		out = append(out, labelCount{k, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].label < out[j].label })
	return out
}

// timeline counts findings by first-commit month, with empty months
// shown, or by year when the months span more than three years; findings
// with no commit come last.
func timeline(fs []*htmlFinding) []labelCount {
	months := map[int]int{} // year*12 + month-1
	noCommit := 0
	lo, hi := 1<<30, -1
	for _, f := range fs {
		t, err := time.Parse("2006-01-02", f.FirstCommit)
		if err != nil {
			noCommit++
			continue
		}
		m := t.Year()*12 + int(t.Month()) - 1
		months[m]++
		lo, hi = min(lo, m), max(hi, m)
	}
	var out []labelCount
	if hi >= 0 && hi-lo < 36 {
		for m := lo; m <= hi; m++ {
			out = append(out, labelCount{fmt.Sprintf("%04d-%02d", m/12, m%12+1), months[m]})
		}
	} else if hi >= 0 {
		years := map[int]int{}
		for m, n := range months {
			years[m/12] += n
		}
		for y := lo / 12; y <= hi/12; y++ {
			out = append(out, labelCount{fmt.Sprintf("%04d", y), years[y]})
		}
	}
	if noCommit > 0 {
		out = append(out, labelCount{"no commit", noCommit})
	}
	return out
}

// hbarChart lays out a bar chart: horizontal bars (one per label) or, for
// a time series, vertical bars in label order.
func hbarChart(data []labelCount, vertical bool) htmlChart {
	maxN := 1
	for _, d := range data {
		maxN = max(maxN, d.n)
	}
	var c htmlChart
	if !vertical {
		const rowH, labelW, barMax = 22, 150, 300
		c.Width, c.Height = labelW+barMax+50, max(rowH*len(data), rowH)
		for i, d := range data {
			w := max(d.n*barMax/maxN, 2)
			c.Bars = append(c.Bars, htmlBar{Label: d.label, Count: d.n, X: labelW, Y: i*rowH + 3, W: w, H: rowH - 6,
				TextX: labelW - 6, TxtY: i*rowH + rowH/2 + 4})
		}
		return c
	}
	const colW, plotH, top = 28, 160, 20
	c.Width, c.Height = max(colW*len(data), colW)+60, plotH+top+70
	for i, d := range data {
		h := d.n * plotH / maxN
		if d.n > 0 {
			h = max(h, 2)
		}
		c.Bars = append(c.Bars, htmlBar{Label: d.label, Count: d.n, X: 10 + i*colW + 3, Y: top + plotH - h, W: colW - 6, H: h,
			TextX: 10 + i*colW + colW/2, TxtY: top + plotH + 12})
	}
	return c
}

// htmlScriptHash is the CSP hash of the page's only script.
var htmlScriptHash = func() string {
	sum := sha256.Sum256([]byte(htmlScript))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}()

var htmlPage = template.Must(template.New("html").Funcs(template.FuncMap{
	"join": strings.Join,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	},
	"lower": strings.ToLower,
}).Parse(htmlTemplate))

const htmlTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src '{{.ScriptHash}}'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>scour report</title>
<style>{{.CSS}}</style>
</head>
<body>
<header>
<h1>scour report</h1>
<p id="summary"><span id="count-findings">{{plural (len .Findings) "finding" "findings"}}</span> in {{plural .Repos "repository" "repositories"}}, {{plural .Locations "place" "places"}}{{if .SkippedCount}}; {{plural .SkippedCount "item" "items"}} skipped{{end}}{{if .Version}} · scour {{.Version}}{{end}}</p>
</header>
<section id="charts">
<figure id="chart-provider"><figcaption>Findings by provider</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.ByProvider.Width}}" height="{{.ByProvider.Height}}" role="img" aria-label="Findings by provider">
{{range .ByProvider.Bars}}<g class="bar" data-label="{{.Label}}" data-count="{{.Count}}"><text x="{{.TextX}}" y="{{.TxtY}}" text-anchor="end">{{.Label}}</text><rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Label}}: {{.Count}}</title></rect><text x="{{.X}}" dx="{{.W}}" dy="0" y="{{.TxtY}}" class="n">&#160;{{.Count}}</text></g>
{{end}}</svg></figure>
<figure id="chart-date"><figcaption>Findings by first-commit month</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.ByMonth.Width}}" height="{{.ByMonth.Height}}" role="img" aria-label="Findings by first-commit month">
{{range .ByMonth.Bars}}<g class="bar" data-label="{{.Label}}" data-count="{{.Count}}"><rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Label}}: {{.Count}}</title></rect>{{if .Count}}<text class="n" x="{{.TextX}}" y="{{.Y}}" dy="-3" text-anchor="middle">{{.Count}}</text>{{end}}<text x="{{.TextX}}" y="{{.TxtY}}" transform="rotate(60 {{.TextX}} {{.TxtY}})">{{.Label}}</text></g>
{{end}}</svg></figure>
</section>
<section id="controls">
<label>Group by <select id="group">{{range .Views}}<option value="{{.Key}}">{{.Label}}</option>{{end}}</select></label>
<label>Search <input id="search" type="search" placeholder="rule, repository, path, author"></label>
<label>Provider <select id="f-provider"><option value="">all</option>{{range .Providers}}<option>{{.}}</option>{{end}}</select></label>
<label>Status <select id="f-status"><option value="">all</option>{{range .Statuses}}<option>{{.}}</option>{{end}}</select></label>
<label>Verification <select id="f-verify"><option value="">all</option>{{range .States}}<option>{{.}}</option>{{end}}</select></label>
<span id="shown"></span>
</section>
<main>
{{range $v := .Views}}<table class="view" id="view-{{$v.Key}}" data-view="{{$v.Key}}"{{if ne $v.Key "secret"}} hidden{{end}}>
<thead><tr>
<th data-sort="status">Status</th><th data-sort="provider">Provider</th><th data-sort="rule">Rule</th><th data-sort="secret">Secret</th>
<th data-sort="repos" data-type="num">Repos</th><th data-sort="places" data-type="num">Places</th><th data-sort="date">First commit</th><th data-sort="verify">Verification</th><th>Where</th>
</tr></thead>
{{range $g := $v.Groups}}<tbody class="group"{{if $g.Name}} data-group="{{$g.Name}}"{{end}}>
{{if $g.Name}}<tr class="group-head"><th colspan="9"><span class="gname">{{$g.Name}}</span> <span class="gcount"></span></th></tr>
{{end}}{{range $g.Findings}}<tr class="finding" data-id="{{.ID}}" data-status="{{.Status}}" data-provider="{{.Provider}}" data-rule="{{.RuleID}}" data-secret="{{.Secret}}" data-repos="{{len .Repos}}" data-places="{{len .Locations}}" data-date="{{.FirstCommit}}" data-verify="{{.Verification}}" data-text="{{lower .RuleID}} {{lower .Provider}} {{range .Locations}}{{lower .Repo}} {{lower .Path}} {{lower .Author}} {{end}}">
<td><span class="status s-{{.Status}}">{{.Status}}</span></td><td>{{.Provider}}</td><td title="{{.Description}}">{{.RuleID}}</td>
<td><code>{{.Secret}}</code><br><small title="fingerprint {{.Fingerprint}}">{{.Short}}</small></td>
<td class="num">{{len .Repos}}</td><td class="num">{{len .Locations}}</td><td>{{.FirstCommit}}</td><td>{{.Verification}}</td>
<td><details><summary>{{plural (len .Locations) "place" "places"}}</summary><ul class="locs">{{range .Locations}}<li><span class="repo">{{.Repo}}</span> <span class="path">{{.Path}}:{{.Line}}</span>{{if .Commit}} <span class="commit">{{.Commit}}</span>{{end}}{{if .Author}} <span class="author">{{.Author}}</span>{{end}}{{if .Date}} <span class="date">{{.Date}}</span>{{end}}</li>{{end}}</ul></details></td>
</tr>
{{end}}</tbody>
{{end}}</table>
{{end}}<p id="empty"{{if .Findings}} hidden{{end}}>No findings.</p>
</main>
<script>{{.Script}}</script>
</body>
</html>
`

const htmlCSS = `
:root{--fg:#1d1f21;--muted:#666;--line:#ddd;--bar:#3b6ea5;--bg:#fff}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0 1.5em 2em}
h1{font-size:1.5em;margin:.6em 0 .2em}
#summary{color:var(--muted);margin:0 0 1em}
#charts{display:flex;flex-wrap:wrap;gap:2em;margin-bottom:1em}
figure{margin:0}figcaption{font-weight:600;margin-bottom:.3em}
svg text{font-size:11px;fill:var(--fg)}svg rect{fill:var(--bar)}svg .n{fill:var(--muted)}
#controls{display:flex;flex-wrap:wrap;gap:1em;align-items:center;padding:.6em 0;border-top:1px solid var(--line);border-bottom:1px solid var(--line);margin-bottom:.8em}
#shown{color:var(--muted)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35em .5em;border-bottom:1px solid var(--line);vertical-align:top}
thead th[data-sort]{cursor:pointer;user-select:none;white-space:nowrap}
thead th[aria-sort=ascending]::after{content:" \25B2"}thead th[aria-sort=descending]::after{content:" \25BC"}
.group-head th{background:#f3f5f8;font-weight:600}
.gcount{color:var(--muted);font-weight:400}
td.num{text-align:right}
code{font-size:12px;word-break:break-all}
small{color:var(--muted)}
.status{display:inline-block;padding:0 .5em;border-radius:3px;background:#eee;white-space:nowrap}
.s-open{background:#fde2e1}.s-revoked,.s-rotated{background:#dff3e3}.s-accepted-risk{background:#fff3cd}.s-false-positive{background:#e8e8e8}
ul.locs{margin:.3em 0 0;padding-left:1.2em}
.locs li{word-break:break-all}
.repo{font-weight:600}.commit,.date,.author{color:var(--muted)}
[hidden]{display:none!important}
`

// htmlScript filters, groups and sorts the rows. It reads only the page's
// own DOM and data attributes and writes only textContent and attributes.
const htmlScript = `(function(){
"use strict";
var $=function(id){return document.getElementById(id);};
var views=document.querySelectorAll("table.view");
var search=$("search"),fp=$("f-provider"),fs=$("f-status"),fv=$("f-verify"),group=$("group");
function visible(tr){
  var q=search.value.trim().toLowerCase();
  if(fp.value&&tr.dataset.provider!==fp.value)return false;
  if(fs.value&&tr.dataset.status!==fs.value)return false;
  if(fv.value&&tr.dataset.verify!==fv.value)return false;
  if(q&&tr.dataset.text.indexOf(q)<0&&tr.dataset.rule.toLowerCase().indexOf(q)<0)return false;
  return true;
}
function apply(){
  var shown={};
  views.forEach(function(t){
    t.hidden=t.dataset.view!==group.value;
    t.querySelectorAll("tbody.group").forEach(function(tb){
      var n=0;
      tb.querySelectorAll("tr.finding").forEach(function(tr){
        var ok=visible(tr);tr.hidden=!ok;
        if(ok){n++;shown[tr.dataset.id]=true;}
      });
      tb.hidden=n===0;
      var c=tb.querySelector(".gcount");if(c)c.textContent="("+n+")";
    });
  });
  var total=document.querySelectorAll("#view-secret tr.finding").length;
  var n=Object.keys(shown).length;
  $("shown").textContent=n+" of "+total+" findings shown";
  $("empty").hidden=n!==0;
}
function sortBy(th){
  var table=th.closest("table"),key=th.dataset.sort,num=th.dataset.type==="num";
  var dir=th.getAttribute("aria-sort")==="ascending"?"descending":"ascending";
  table.querySelectorAll("thead th").forEach(function(h){h.removeAttribute("aria-sort");});
  th.setAttribute("aria-sort",dir);
  var sign=dir==="ascending"?1:-1;
  table.querySelectorAll("tbody.group").forEach(function(tb){
    var rows=Array.prototype.slice.call(tb.querySelectorAll("tr.finding"));
    rows.sort(function(a,b){
      var x=a.dataset[key]||"",y=b.dataset[key]||"";
      if(num){x=+x;y=+y;}
      if(x<y)return -sign;if(x>y)return sign;
      return (+a.dataset.id)-(+b.dataset.id);
    });
    rows.forEach(function(r){tb.appendChild(r);});
  });
}
document.querySelectorAll("thead th[data-sort]").forEach(function(th){
  th.addEventListener("click",function(){sortBy(th);});
});
[search,fp,fs,fv,group].forEach(function(el){el.addEventListener("input",apply);el.addEventListener("change",apply);});
apply();
})();`
