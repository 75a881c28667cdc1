// Command accuracy scores secret scanners on public truth data: the risk
// lines of Plazmaz/leaky-repo's truth table (.leaky-meta/secrets.csv) and
// the examples gitleaks, Betterleaks, Nosey Parker and Kingfisher publish
// with their rules, for the providers scour covers. It prints recall and
// false alarms per corpus and per provider, for scour and for gitleaks and
// Betterleaks when their binaries are given. Nothing is vendored: every
// corpus is a local checkout passed as a flag (bench/accuracy.sh).
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/scour-dev/scour/bench/internal/peer"
)

type options struct {
	scour, gitleaksBin, betterleaksBin string
	leaky                              string
	gitleaksSrc, betterleaksSrc        string
	noseyparkerSrc, kingfisherSrc      string
	verbose                            bool
}

func main() {
	var o options
	flag.StringVar(&o.scour, "scour", "scour", "scour binary")
	flag.StringVar(&o.gitleaksBin, "gitleaks-bin", "", "gitleaks binary to score beside scour (optional)")
	flag.StringVar(&o.betterleaksBin, "betterleaks-bin", "", "betterleaks binary to score beside scour (optional)")
	flag.StringVar(&o.leaky, "leaky-repo", "", "checkout of github.com/Plazmaz/leaky-repo")
	flag.StringVar(&o.gitleaksSrc, "gitleaks", "", "checkout of github.com/gitleaks/gitleaks (rule examples)")
	flag.StringVar(&o.betterleaksSrc, "betterleaks", "", "checkout of github.com/betterleaks/betterleaks (rule examples)")
	flag.StringVar(&o.noseyparkerSrc, "noseyparker", "", "checkout of github.com/praetorian-inc/noseyparker (rule examples)")
	flag.StringVar(&o.kingfisherSrc, "kingfisher", "", "checkout of github.com/mongodb/kingfisher (rule examples)")
	flag.BoolVar(&o.verbose, "v", false, "list every missed example and false alarm")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "accuracy:", err)
		os.Exit(2)
	}
}

// tool is one scanner under test.
type tool struct {
	name string
	scan func(dir, report string) (map[string][]hit, error) // path relative to dir -> hits
}

type hit struct {
	line     int
	provider string // "" when the tool does not say in scour's terms
	// dropped is set for a candidate scour dropped as made up: "checksum"
	// (it fails the vendor's checksum) or "placeholder" (a placeholder,
	// hand-typed sequence or published sample). Such examples are not
	// real-looking and are counted apart.
	dropped string
}

func tools(o options) []tool {
	ts := []tool{{"scour", func(dir, report string) (map[string][]hit, error) { return scanScour(o.scour, dir, report) }}}
	for _, t := range []struct{ name, bin string }{{"gitleaks", o.gitleaksBin}, {"betterleaks", o.betterleaksBin}} {
		if t.bin == "" {
			continue
		}
		bin := t.bin
		ts = append(ts, tool{t.name, func(dir, report string) (map[string][]hit, error) { return scanGitleaks(bin, dir, report) }})
	}
	return ts
}

func run(o options) error {
	tmp, err := os.MkdirTemp("", "scour-accuracy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ts := tools(o)
	if o.leaky != "" {
		if err := scoreLeaky(o, ts, tmp); err != nil {
			return fmt.Errorf("leaky-repo: %w", err)
		}
	}
	var exs []example
	for _, src := range []struct {
		peer, dir string
		load      func(peer, dir string) ([]example, error)
	}{
		{"gitleaks", o.gitleaksSrc, goExamples},
		{"betterleaks", o.betterleaksSrc, goExamples},
		{"noseyparker", o.noseyparkerSrc, yamlExamples},
		{"kingfisher", o.kingfisherSrc, yamlExamples},
	} {
		if src.dir == "" {
			continue
		}
		e, err := src.load(src.peer, src.dir)
		if err != nil {
			return fmt.Errorf("%s examples: %w", src.peer, err)
		}
		exs = append(exs, e...)
	}
	if len(exs) > 0 {
		return scoreExamples(o, ts, exs, tmp)
	}
	return nil
}

// ---- scanners ----

// scanScour scans the files on disk only (--no-history), as gitleaks and
// Betterleaks are run (their `dir` mode): the truth table describes the
// checked-out files, and a secret that history first introduced at another
// line would otherwise be scored at that older line.
func scanScour(bin, dir, report string) (map[string][]hit, error) {
	cmd := exec.Command(bin, "scan", dir, "--no-history", "--format", "json", "--report", report, "--max-file-size", "0", "-v", "--exclude", ".leaky-meta/", "--exclude", ".git/")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			return nil, fmt.Errorf("%s: %w\n%s", bin, err, stderr.String())
		}
	}
	var doc struct {
		Findings []struct {
			Provider  string `json:"provider"`
			Locations []struct {
				Path string `json:"path"`
				Line int    `json:"line"`
			} `json:"locations"`
		} `json:"findings"`
	}
	data, err := os.ReadFile(report)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	out := map[string][]hit{}
	for _, f := range doc.Findings {
		for _, l := range f.Locations {
			rel, err := filepath.Rel(dir, l.Path)
			if err != nil {
				rel = l.Path
			}
			out[filepath.ToSlash(rel)] = append(out[filepath.ToSlash(rel)], hit{line: l.Line, provider: f.Provider})
		}
	}
	// --verbose lists dropped candidates: "scanner: PATH: dropped RULE
	// candidate X: checksum ALGO failed".
	for _, l := range strings.Split(stderr.String(), "\n") {
		m := madeUpDrop.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		why := "placeholder"
		if strings.HasPrefix(m[2], "checksum") {
			why = "checksum"
		}
		rel := m[1] // relative to the scan root, or absolute
		if filepath.IsAbs(rel) {
			if r, err := filepath.Rel(dir, rel); err == nil {
				rel = r
			}
		}
		out[filepath.ToSlash(rel)] = append(out[filepath.ToSlash(rel)], hit{dropped: why})
	}
	return out, nil
}

var madeUpDrop = regexp.MustCompile(`scanner: (.+?): dropped \S+ candidate .*?: (checksum \S+ failed|placeholder \(|published sample credential \()`)

// real drops the made-up markers.
func real(hs []hit) []hit {
	return slices.DeleteFunc(slices.Clone(hs), func(h hit) bool { return h.dropped != "" })
}

// madeUp says why scour judged an example made up ("" if it did not).
func madeUp(hs []hit) string {
	for _, h := range hs {
		if h.dropped == "checksum" {
			return "checksum"
		}
	}
	for _, h := range hs {
		if h.dropped != "" {
			return h.dropped
		}
	}
	return ""
}

// scanGitleaks runs gitleaks or Betterleaks, hits grouped by file.
func scanGitleaks(bin, dir, report string) (map[string][]hit, error) {
	hs, err := peer.Gitleaks(bin, dir, report, "--max-target-megabytes", "100")
	if err != nil {
		return nil, err
	}
	out := map[string][]hit{}
	for _, h := range hs {
		out[h.File] = append(out[h.File], hit{line: h.Line})
	}
	return out, nil
}

// ---- leaky-repo ----

type truth struct{ risk, info int }

func readTruth(path string) (map[string]truth, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var rows []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		rows = append(rows, l)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.Join(rows, "\n"))).ReadAll()
	if err != nil {
		return nil, 0, err
	}
	out := map[string]truth{}
	total := 0
	for _, r := range recs {
		if len(r) < 3 {
			continue
		}
		risk, err1 := strconv.Atoi(strings.TrimSpace(r[1]))
		info, err2 := strconv.Atoi(strings.TrimSpace(r[2]))
		if err1 != nil || err2 != nil {
			continue
		}
		out[strings.TrimSpace(r[0])] = truth{risk, info}
		total += risk
	}
	return out, total, sc.Err()
}

func distinctLines(hs []hit) int {
	seen := map[int]bool{}
	for _, h := range hs {
		seen[h.line] = true
	}
	return len(seen)
}

// scoreLeaky counts, per file of the truth table, the distinct lines with
// a finding, up to the file's risk lines (the table counts lines, not
// secrets); lines beyond risk+informative, and lines in files the table
// does not list, are false alarms.
func scoreLeaky(o options, ts []tool, tmp string) error {
	tr, total, err := readTruth(filepath.Join(o.leaky, ".leaky-meta", "secrets.csv"))
	if err != nil {
		return err
	}
	fmt.Printf("leaky-repo (%s): %d risk lines in %d files\n\n", o.leaky, total, len(tr))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "tool\trisk lines found\trecall\tfalse-alarm lines")
	for _, t := range ts {
		got, err := t.scan(o.leaky, filepath.Join(tmp, t.name+"-leaky.json"))
		if err != nil {
			return err
		}
		found, fa := 0, 0
		var misses, alarms []string
		for file, want := range tr {
			n := distinctLines(real(got[file]))
			found += min(n, want.risk)
			if n < want.risk {
				misses = append(misses, fmt.Sprintf("%s: %d of %d", file, n, want.risk))
			}
			if extra := n - want.risk - want.info; extra > 0 {
				fa += extra
				alarms = append(alarms, fmt.Sprintf("%s: %d lines beyond the table", file, extra))
			}
		}
		for file, hs := range got {
			hs = real(hs)
			if _, ok := tr[file]; !ok && !strings.HasPrefix(file, ".leaky-meta/") && len(hs) > 0 {
				fa += distinctLines(hs)
				alarms = append(alarms, fmt.Sprintf("%s: %d lines (not in the table)", file, distinctLines(hs)))
			}
		}
		fmt.Fprintf(tw, "%s\t%d / %d\t%.0f%%\t%d\n", t.name, found, total, 100*float64(found)/float64(total), fa)
		if o.verbose {
			slices.Sort(misses)
			slices.Sort(alarms)
			defer func(name string) {
				fmt.Printf("\n%s missed: %s\n%s false alarms: %s\n", name, strings.Join(misses, "; "), name, strings.Join(alarms, "; "))
			}(t.name)
		}
	}
	tw.Flush()
	fmt.Println()
	return nil
}

// ---- peers' rule examples ----

type example struct {
	peer, ruleFile, rule, provider, text string
	negative                             bool
}

// providerOf maps a peer's rule file name (without extension) to the scour
// provider (or |-separated providers) that covers it; files of providers
// scour does not cover are not scored.
var providerOf = map[string]string{
	"github": "github", "gitlab": "gitlab", "azure": "azure", "azuredevops": "azure", "azurestorage": "azure",
	"atlassian": "atlassian", "bitbucket": "atlassian", "jira": "atlassian",
	"dockerhub": "docker", "docker": "docker", "npm": "npm", "pypi": "pypi", "rubygems": "rubygems", "nuget": "nuget",
	"artifactory": "jfrog", "jfrog": "jfrog", "hashicorp": "vault|terraform", "hashicorp_vault": "vault", "terraformcloud": "terraform",
	"circleci": "circleci", "buildkite": "buildkite", "sonar": "sonar", "sonarqube": "sonar", "sonarcloud": "sonar",
	"slack": "slack", "huggingface": "huggingface", "doppler": "doppler", "pulumi": "pulumi", "grafana": "grafana",
	"sentry": "sentry", "sentrytoken": "sentry", "heroku": "heroku", "aws": "aws", "gcp": "gcp", "google": "gcp", "googleoauth2": "gcp",
	"alibaba": "alibaba", "pem": "privatekey", "privkey": "privatekey", "privatekey": "privatekey",
	"digitalocean": "digitalocean", "cloudflare": "cloudflare", "databricks": "databricks", "datadog": "datadog",
	"newrelic": "newrelic", "okta": "okta", "snyk": "snyk", "sourcegraph": "sourcegraph", "jenkins": "jenkins",
	"openai": "openai", "anthropic": "anthropic", "stripe": "stripe", "twilio": "twilio", "sendgrid": "sendgrid",
	"telegram": "telegram", "telegrambottoken": "telegram", "discord": "discord", "teams": "msteams",
	"microsoft_teams": "msteams", "microsoftteamswebhook": "msteams", "jwt": "jwt", "kubernetes": "kubernetes|jwt",
	"postman": "postman", "dynatrace": "dynatrace", "mailgun": "mailgun", "mailchimp": "mailchimp", "firefox": "firefox", "sendinblue": "brevo", "brevo": "brevo",
	"planetscale": "planetscale", "prefect": "prefect", "groq": "groq", "wireguard": "wireguard", "age": "age",
	"dependency_track": "dependency-track", "netrc": "", "postgres": "", "mongo": "", "mysql": "",
	// Added with docs/catalogue.md: types two or more peers detect.
	"openrouter": "openrouter", "xai": "xai", "perplexity": "perplexity", "replicate": "replicate", "nvidia": "nvidia",
	"cerebras": "cerebras", "langchain": "langsmith", "togetherai": "together", "elevenlabs": "elevenlabs",
	"deepseek": "deepseek", "mistral": "mistral", "cohere": "cohere", "deepgram": "deepgram", "assemblyai": "assemblyai",
	"harness": "harness", "octopusdeploy": "octopus", "infracost": "infracost", "travisci": "travisci", "droneci": "droneci",
	"codecov": "codecov", "coveralls": "coveralls", "codacy": "codacy", "codeclimate": "codeclimate", "netlify": "netlify",
	"vercel": "vercel", "flyio": "flyio", "scalingo": "scalingo", "launchdarkly": "launchdarkly", "1password": "onepassword",
	"openshift": "openshift", "tailscale": "tailscale", "supabase": "supabase", "clickhouse": "clickhouse",
	"confluent": "confluent", "mongodb": "mongodb|generic", "yandex": "yandex", "fastly": "fastly", "ibm": "ibm", "ngrok": "ngrok",
	"clojars": "clojars", "cratesio": "cratesio", "crates.io": "cratesio", "cloudsmith": "cloudsmith", "packagecloud": "packagecloud",
	"sidekiq": "contribsys", "honeycomb": "honeycomb", "sumologic": "sumologic", "pagerdutyapikey": "pagerduty",
	"opsgenie": "opsgenie", "posthog": "posthog", "airbrake": "airbrake", "auth0": "auth0", "jumpcloud": "jumpcloud",
	"stackhawk": "stackhawk", "linear": "linear", "weightsandbiases": "wandb", "azureopenai": "azure-openai",
	"postmark": "postmark", "messagebird": "messagebird", "telnyx": "telnyx", "gitter": "gitter", "mattermost": "mattermost",
	"mandrill": "mandrill", "aiven": "aiven", "authress": "authress", "endorlabs": "endorlabs", "ionic": "ionic",
	"mergify": "mergify", "ollama": "ollama", "cursor": "cursor", "statuspage": "statuspage", "lark": "lark",
	"sendbird": "sendbird", "onesignal": "onesignal", "definednetworking": "definednet", "truenas": "truenas", "snowflake": "snowflake|generic",
	"sslmate": "sslmate", "anypoint": "anypoint", "azuresearchquery": "azure-search", "azuresearchadminkey": "azure-search",
	"line": "line",
}

// placeholderish marks peer examples that are not real-looking (the issue
// scores only real-looking ones): documentation placeholders and filler,
// and the hand-typed sequences scour's own placeholder filter knows
// (rules/filter.go).
var placeholderish = []string{"xxxxx", "*****", "example", "<your", "your_", "your-", "${", "{{", "placeholder", "redacted", "...", "abcdefghij", "1234567890", "0123456789", "aaaaaaaa", "deadbeef", "12345678", "abcdefgh", "76543210"}

// wordSplit splits an example into the strings that could hold a secret:
// runs between white space, quotes and commas.
var wordSplit = regexp.MustCompile("[^\\s\"'`,]+")

// keyPrefix is a setting name glued to its value (KEY=value, key:value);
// it is cut off when a value of 8 or more follows (base64 padding is not).
var keyPrefix = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*?[=:](.*)$`)

// bareLocation is a host name or a URL with neither user info nor query:
// a location, not a credential.
var bareLocation = regexp.MustCompile(`^(?:[a-z][a-z0-9+.-]*://)?[A-Za-z0-9.-]+\.[a-z]{2,}(?::[0-9]+)?(?:/[A-Za-z0-9._~/-]*)?$`)

// isName: lower-case short words joined by _ . / - (client_x509_cert_url,
// refresh-token): a setting name or phrase, not a secret, whose random
// stretches are longer (a UUID's last group is 12).
func isName(w string) bool {
	if !lowerWords.MatchString(w) {
		return false
	}
	for _, p := range strings.FieldsFunc(w, func(r rune) bool { return strings.ContainsRune("_./-", r) }) {
		if len(p) > 8 {
			return false
		}
	}
	return true
}

var lowerWords = regexp.MustCompile(`^[a-z0-9]+(?:[_./-]+[a-z0-9]+)+$`)

// pemBlock finds a PEM or OpenPGP armoured private key and its body.
var pemBlock = regexp.MustCompile(`-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----((?s:.*?))-----END`)

// notRealLooking says why a positive example is not a real-looking
// credential, or returns "". The tests look at the example, never at
// whether scour finds it. Whole-example tests:
//   - a JWT whose header is not JSON (mangled) or whose algorithm is
//     "none" (unsigned: anyone can make one, it proves nothing);
//   - a private key block whose body is too short to hold any private key
//     (under 64 base64 characters, 100 for OpenPGP, whose smallest secret
//     key packet is larger): a truncated sample.
//
// Otherwise the example is real-looking when at least one string in it is
// secret-sized (16 characters or more once a glued KEY= or key: is
// removed, letters and digits both, not short lower-case words joined by
// _ . / -, not a bare host name or URL) and made
// by no hand: it contains no documentation placeholder or typed sequence
// (placeholderish), is no typed alphabet (A1B2C3..., Xy9aB8cD7...) and
// repeats no chunk of 8+ characters (the same tests as scour's
// placeholder filter, rules/filter.go).
func notRealLooking(s string) string {
	for _, m := range jwtShape.FindAllStringSubmatch(s, -1) {
		hdr, err := base64.RawURLEncoding.DecodeString(m[1])
		var h struct {
			Alg string `json:"alg"`
		}
		if err != nil || json.Unmarshal(hdr, &h) != nil {
			return "JWT header is not JSON"
		}
		if strings.EqualFold(h.Alg, "none") {
			return "unsigned JWT (alg none)"
		}
	}
	for _, m := range pemBlock.FindAllStringSubmatch(s, -1) {
		body := 0
		for _, line := range strings.Split(strings.NewReplacer(`\r`, "\n", `\n`, "\n").Replace(m[2]), "\n") {
			line = strings.Trim(line, " \t\"'+")
			if strings.Contains(line, ":") || strings.HasPrefix(line, "=") {
				continue // armour headers and the OpenPGP checksum
			}
			body += len(line)
		}
		if body < 64 || (strings.Contains(m[1], "PGP") && body < 100) {
			return "truncated key block"
		}
	}
	why := "no string of secret size"
	for _, w := range wordSplit.FindAllString(s, -1) {
		if m := keyPrefix.FindStringSubmatch(w); m != nil && len(m[1]) >= 8 {
			w = m[1]
		}
		w = strings.Trim(w, "()[]{};<>")
		if len(w) < 16 || strings.HasSuffix(w, ":") || strings.HasSuffix(w, "=") && !strings.ContainsAny(w, "0123456789") ||
			!strings.ContainsAny(w, "0123456789") || !strings.ContainsFunc(w, unicode.IsLetter) || bareLocation.MatchString(w) ||
			isName(w) {
			continue
		}
		switch lw := strings.ToLower(w); {
		case slices.ContainsFunc(placeholderish, func(p string) bool { return strings.Contains(lw, p) }):
			why = "placeholder in " + strconv.Quote(clip(w))
		case typedAlphabet(w):
			why = "typed alphabet " + strconv.Quote(clip(w))
		case repeatedChunk(w):
			why = "repeated chunk " + strconv.Quote(clip(w))
		default:
			return ""
		}
	}
	return why
}

// jwtShape: a JWT standing on its own (not inside longer base64).
var jwtShape = regexp.MustCompile(`(?:^|[^A-Za-z0-9+/_=-])(eyJ[A-Za-z0-9_-]+)\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)

// typedAlphabet: eight letters in a row (whatever is between them) that
// ascend by one, case folded.
func typedAlphabet(w string) bool {
	run, prev := 1, rune(0)
	for _, r := range strings.ToLower(w) {
		if r < 'a' || r > 'z' {
			continue
		}
		if r == prev+1 {
			if run++; run >= 8 {
				return true
			}
		} else {
			run = 1
		}
		prev = r
	}
	return false
}

// repeatedChunk: a chunk of 8 to 24 characters, at least 4 distinct,
// immediately repeated, in a string of at most 200.
func repeatedChunk(w string) bool {
	if len(w) > 200 {
		return false
	}
	for n := 8; n <= 24 && 2*n <= len(w); n++ {
		for i := 0; i+2*n <= len(w); i++ {
			c := w[i : i+n]
			if c == w[i+n:i+2*n] && distinct(c) >= 4 {
				return true
			}
		}
	}
	return false
}

func distinct(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

// identifierRule: Kingfisher names its rules; those for identifiers and
// public values (client and app ids, public keys, age recipients) are not
// credentials (Nosey Parker marks the same with its "identifier"
// category). Access key ids are kept: every scanner reports them.
var identifierRule = regexp.MustCompile(`(?i)\b(?:client|app|application|api|organization|product|reporter|bot|account) id\b|\bidentifier\b|\bpublic\b|\brecipient\b`)

// yamlExamples reads Nosey Parker's and Kingfisher's rule files.
func yamlExamples(peer, dir string) ([]example, error) {
	var out []example
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(filepath.ToSlash(p), "/rules/") || (!strings.HasSuffix(p, ".yml") && !strings.HasSuffix(p, ".yaml")) {
			return err
		}
		base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(p), ".yml"), ".yaml")
		prov, ok := providerOf[base]
		if !ok || prov == "" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var doc struct {
			Rules []struct {
				ID         string   `yaml:"id"`
				Name       string   `yaml:"name"`
				Examples   []string `yaml:"examples"`
				Negative   []string `yaml:"negative_examples"`
				Categories []string `yaml:"categories"`
				Visible    *bool    `yaml:"visible"`
			} `yaml:"rules"`
		}
		if yaml.Unmarshal(data, &doc) != nil {
			return nil // not a rules file
		}
		for _, r := range doc.Rules {
			// Not credentials: Kingfisher's invisible helper rules (hosts,
			// ids its validators use) and Nosey Parker's rules that are
			// not categorised as secrets (ARNs, bucket URLs, client ids).
			if r.Visible != nil && !*r.Visible || identifierRule.MatchString(r.Name) {
				continue
			}
			if peer == "noseyparker" && (!slices.Contains(r.Categories, "secret") || slices.Contains(r.Categories, "identifier")) {
				continue
			}
			for _, e := range r.Examples {
				out = append(out, example{peer, base, r.ID, prov, e, false})
			}
			for _, e := range r.Negative {
				out = append(out, example{peer, base, r.ID, prov, e, true})
			}
		}
		return nil
	})
	return out, err
}

// goExamples reads the literal true and false positives of gitleaks'
// (and Betterleaks') rule generators, cmd/generate/config/rules/*.go:
// string literals in tps/fps lists, and the literal secret given to
// utils.GenerateSampleSecrets. Generated random samples are skipped.
func goExamples(peer, dir string) ([]example, error) {
	files, err := filepath.Glob(filepath.Join(dir, "cmd", "generate", "config", "rules", "*.go"))
	if err != nil {
		return nil, err
	}
	var out []example
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".go")
		prov, ok := providerOf[base]
		if !ok || prov == "" {
			continue
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			continue
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					id, ok := lhs.(*ast.Ident)
					if !ok || i >= len(n.Rhs) {
						continue
					}
					neg := strings.HasPrefix(id.Name, "fp") || strings.HasPrefix(id.Name, "false")
					if !neg && !strings.HasPrefix(id.Name, "tp") && !strings.HasPrefix(id.Name, "true") {
						continue
					}
					for _, s := range literals(n.Rhs[i]) {
						out = append(out, example{peer, base, base, prov, s, neg})
					}
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "GenerateSampleSecrets" && len(n.Args) == 2 {
					id, _ := stringLit(n.Args[0])
					if s, ok := stringLit(n.Args[1]); ok {
						out = append(out, example{peer, base, base, prov, id + "_token = \"" + s + "\"", false})
					}
				}
			}
			return true
		})
	}
	return out, nil
}

// literals lists the whole string literals among a list's elements
// (composite literal or append call); concatenations are skipped.
func literals(e ast.Expr) []string {
	var elts []ast.Expr
	switch e := e.(type) {
	case *ast.CompositeLit:
		elts = e.Elts
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "append" && len(e.Args) > 1 {
			elts = e.Args[1:]
		}
	}
	var out []string
	for _, x := range elts {
		if s, ok := stringLit(x); ok {
			out = append(out, s)
		}
	}
	return out
}

func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}

type tally struct{ pos, found, other, neg, alarms, badChecksum, placeholder int }

// scoreExamples writes each real-looking example to its own file, scans
// them all once per tool, and counts per provider: positives found (by a
// rule of that provider, for scour; by any rule for the others), and
// negatives with any finding.
func scoreExamples(o options, ts []tool, exs []example, tmp string) error {
	dir := filepath.Join(tmp, "examples")
	paths := map[string]example{}
	skipped := 0
	var notReal []string
	// A peer's negative example is negative for one rule; when it is a
	// positive example of another of the peer's rules, it is a secret.
	positive := map[string]bool{}
	for _, e := range exs {
		if !e.negative {
			positive[e.peer+"\x00"+strings.TrimSpace(e.text)] = true
		}
	}
	for i, e := range exs {
		if e.negative && positive[e.peer+"\x00"+strings.TrimSpace(e.text)] {
			continue
		}
		if why := notRealLooking(e.text); !e.negative && why != "" {
			skipped++
			notReal = append(notReal, fmt.Sprintf("not scored (%s) %s %s/%s: %q", why, e.peer, e.ruleFile, e.rule, clip(e.text)))
			continue
		}
		kind := "pos"
		if e.negative {
			kind = "neg"
		}
		p := filepath.ToSlash(filepath.Join(e.peer, kind, e.provider, fmt.Sprintf("%d.txt", i)))
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(e.text+"\n"), 0o644); err != nil {
			return err
		}
		paths[p] = e
	}
	fmt.Printf("peers' published rule examples, providers scour covers: %d examples scored (%d positives that are not real-looking left out)\n", len(paths), skipped)
	if o.verbose {
		slices.Sort(notReal)
		for _, n := range notReal {
			fmt.Println("  " + n)
		}
	}
	fmt.Println()
	for _, t := range ts {
		got, err := t.scan(dir, filepath.Join(tmp, t.name+"-examples.json"))
		if err != nil {
			return err
		}
		byProv := map[string]*tally{}
		total := &tally{}
		var notes []string
		for p, e := range paths {
			tl := byProv[e.provider]
			if tl == nil {
				tl = &tally{}
				byProv[e.provider] = tl
			}
			all := got[p]
			hs := real(all)
			if why := madeUp(all); !e.negative && len(hs) == 0 && why != "" {
				// A token failing its vendor's checksum, or one scour's
				// placeholder filter calls hand-made, is not counted as a
				// real-looking positive; both are listed in their columns.
				for _, x := range []*tally{tl, total} {
					if why == "checksum" {
						x.badChecksum++
					} else {
						x.placeholder++
					}
				}
				if o.verbose && t.name == "scour" {
					notes = append(notes, fmt.Sprintf("left out (%s) %s %s/%s: %q", why, e.peer, e.ruleFile, e.rule, clip(e.text)))
				}
				continue
			}
			for _, x := range []*tally{tl, total} {
				if e.negative {
					x.neg++
					if len(hs) > 0 {
						x.alarms++
					}
					continue
				}
				x.pos++
				switch {
				case slices.ContainsFunc(hs, func(h hit) bool { return h.provider == "" || covers(e.provider, h.provider) }):
					x.found++
				case len(hs) > 0:
					x.other++
				}
			}
			if o.verbose && t.name == "scour" {
				switch {
				case e.negative && len(hs) > 0:
					notes = append(notes, fmt.Sprintf("false alarm  %s %s/%s: %q", e.peer, e.ruleFile, e.rule, clip(e.text)))
				case !e.negative && !slices.ContainsFunc(hs, func(h hit) bool { return covers(e.provider, h.provider) }):
					notes = append(notes, fmt.Sprintf("missed       %s %s/%s: %q", e.peer, e.ruleFile, e.rule, clip(e.text)))
				}
			}
		}
		fmt.Printf("%s:\n", t.name)
		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "provider\tfound\trecall\tfound by another provider's rule\tnegatives\tfalse alarms\tleft out: vendor checksum fails\tleft out: placeholder or published sample")
		provs := make([]string, 0, len(byProv))
		for p := range byProv {
			provs = append(provs, p)
		}
		slices.Sort(provs)
		row := func(name string, x *tally) {
			fmt.Fprintf(tw, "%s\t%d / %d\t%s\t%d\t%d\t%d\t%d\t%d\n", name, x.found, x.pos, pct(x.found, x.pos), x.other, x.neg, x.alarms, x.badChecksum, x.placeholder)
		}
		for _, p := range provs {
			row(p, byProv[p])
		}
		row("TOTAL", total)
		tw.Flush()
		// One decimal: a rounded 95% must not hide 94.8%. "Any rule" counts
		// the positives reported under another provider (mostly the generic
		// layer), which a user does see.
		fmt.Printf("%s total: %d / %d (%.1f%%) by the provider's own rule, %d / %d (%.1f%%) reported by any rule\n",
			t.name, total.found, total.pos, 100*float64(total.found)/float64(max(total.pos, 1)),
			total.found+total.other, total.pos, 100*float64(total.found+total.other)/float64(max(total.pos, 1)))
		slices.Sort(notes)
		for _, n := range notes {
			fmt.Println("  " + n)
		}
		fmt.Println()
	}
	return nil
}

// covers reports whether a finding's provider is one the example expects.
func covers(want, got string) bool {
	return slices.Contains(strings.Split(want, "|"), got)
}

func pct(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(a)/float64(b))
}

func clip(s string) string {
	s = strings.ReplaceAll(s, "\n", `\n`)
	if len(s) > 140 {
		return s[:140] + "…"
	}
	return s
}
