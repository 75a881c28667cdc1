package scanner

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/scour-dev/scour/internal/cputime"
)

// Benchmarks (not timed tests): go test -run '^$' -bench . -cpu 1 ./scanner/
// Every benchmark here runs on one goroutine, so MB/s is per core; the
// cpu-MB/s metric divides by the process's CPU time instead of wall time,
// which keeps the per-core figure honest on a busy machine. The Floor*
// benchmarks run over the same corpus in the same invocation as the
// reference: bytes.Count is memory speed, ASCIILower is one simple pass
// over every byte (what lower-casing each chunk for the automaton cost
// before the prefilter). The *FullPass benchmarks are the engine without
// the prefilter (and, for Scan, without window needs), measured in the
// same run.

var benchCorpus = sync.OnceValue(func() []byte { return genCorpus(8 << 20) })

var benchWords = []string{"config", "client", "server", "handler", "request", "response", "user", "name",
	"value", "data", "items", "result", "error", "context", "buffer", "reader", "writer", "path", "file",
	"index", "count", "total", "options", "settings", "logger", "cache", "store", "query", "params",
	"session", "status", "message", "event", "timeout", "retry", "limit", "offset", "parse", "render",
	"update", "delete", "create", "fetch", "build", "deploy", "service", "module", "package", "version",
	"release", "source", "target", "output", "input", "secret", "token", "password", "key", "auth",
	"script", "opt", "access", "login", "webhook", "registry", "alias", "security", "api"}

// benchMentions are lines naming vendors whose names are rule keywords;
// one lands every few KiB, as in a repo with CI and deploy config.
var benchMentions = []string{
	"# Deploy: push to heroku after the github workflow passes (see docs/deploy.md)\n",
	"// Mirror of the repo on gitee for users in China.\n",
	"  - run: npm publish --access public  # uses the npm_token secret from CI\n",
	"# sonar.projectKey and sonar.organization are set in sonar-project.properties\n",
	"    vault_token: ${{ secrets.VAULT_TOKEN }}\n",
	"SENTRY_DSN = os.environ.get(\"SENTRY_DSN\")  # sentry_auth_token lives in CI\n",
	"  image: docker.io/library/python:3.12-slim  # login with dckr_pat_ from the vault\n",
	"# Azure DevOps pipeline: dev.azure.com/org/project, auth via System.AccessToken\n",
	"      script: ./ci/run-tests.sh --opt-in-telemetry=false\n",
}

func word(r *rand.Rand) string {
	a := benchWords[r.IntN(len(benchWords))]
	switch r.IntN(5) {
	case 0:
		return a
	case 1:
		b := benchWords[r.IntN(len(benchWords))]
		return a + string(b[0]-'a'+'A') + b[1:]
	case 2:
		return a + "_" + benchWords[r.IntN(len(benchWords))]
	case 3:
		return a + "-" + benchWords[r.IntN(len(benchWords))]
	}
	return fmt.Sprint(a, r.IntN(100))
}

func alnum(r *rand.Rand, n int) string {
	const cs = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = cs[r.IntN(len(cs))]
	}
	return string(b)
}

// genCorpus builds n bytes of deterministic Go/JS/YAML/Python-looking text
// with a token-shaped string (assembled here, never a literal) every
// 16-48 KiB. Words like token, secret, script-, opt- and a vendor mention
// every few KiB make the keyword windows and rule regexes really run.
func genCorpus(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.Grow(n + 4096)
	next := 0
	for b.Len() < n {
		if b.Len() >= next {
			next = b.Len() + 16<<10 + r.IntN(32<<10)
			switch r.IntN(5) {
			case 0:
				fmt.Fprintf(&b, "\ttoken := %q\n", "gh"+"p_"+alnum(r, 36))
			case 1:
				fmt.Fprintf(&b, "  ALIBABA_CLOUD_ACCESS_KEY_ID: %s\n", "LT"+"AI5t"+alnum(r, 18))
			case 2:
				fmt.Fprintf(&b, "url = \"https://u:%s@codeup.aliyun.com/org/repo.git\"\n", "p"+"t-"+alnum(r, 24)+"_00000000-0000-4000-8000-"+"00000000000a")
			case 3:
				fmt.Fprintf(&b, "SLACK_TOKEN=%s\n", "xo"+"xb-"+fmt.Sprint(r.Int64N(1e12))+"-"+alnum(r, 24))
			case 4:
				fmt.Fprintf(&b, "HEROKU_API_KEY=%s\n", "HR"+"KU-"+alnum(r, 60))
			}
		}
		if r.IntN(16) == 0 {
			b.WriteString(benchMentions[r.IntN(len(benchMentions))])
		}
		switch r.IntN(4) {
		case 0: // Go
			fmt.Fprintf(&b, "// %s returns the %s for %s.\nfunc (s *%s) %s(ctx context.Context, %s string) (*%s, error) {\n",
				word(r), word(r), word(r), word(r), word(r), word(r), word(r))
			for range 3 + r.IntN(6) {
				fmt.Fprintf(&b, "\tif %s, err := s.%s.%s(ctx, %q); err != nil {\n\t\treturn nil, fmt.Errorf(\"%s: %%w\", err)\n\t}\n",
					word(r), word(r), word(r), word(r), word(r))
			}
			b.WriteString("\treturn nil, nil\n}\n\n")
		case 1: // JS
			fmt.Fprintf(&b, "export async function %s(%s, %s) {\n", word(r), word(r), word(r))
			for range 3 + r.IntN(6) {
				fmt.Fprintf(&b, "  const %s = await this.%s.%s({ %s: %d, %s: '%s' });\n",
					word(r), word(r), word(r), word(r), r.IntN(1000), word(r), word(r))
			}
			b.WriteString("  return null;\n}\n\n")
		case 2: // YAML
			fmt.Fprintf(&b, "%s:\n", word(r))
			for range 3 + r.IntN(8) {
				fmt.Fprintf(&b, "  %s: %s\n  %s: %d\n", word(r), word(r), word(r), r.IntN(65536))
			}
			fmt.Fprintf(&b, "  image: registry.example.com/%s/%s:v1.%d.%d\n\n", word(r), word(r), r.IntN(30), r.IntN(10))
		case 3: // Python
			fmt.Fprintf(&b, "def %s(self, %s, %s=None):\n    \"\"\"%s the %s from %s.\"\"\"\n",
				word(r), word(r), word(r), word(r), word(r), word(r))
			for range 3 + r.IntN(6) {
				fmt.Fprintf(&b, "    %s = self.%s.%s(%s, timeout=%d)\n", word(r), word(r), word(r), word(r), r.IntN(60))
			}
			b.WriteString("    return None\n\n")
		}
	}
	return b.Bytes()
}

// perCPU runs the benchmark loop and reports MB per CPU-second.
func perCPU(b *testing.B, bytesPerOp int, body func()) {
	b.SetBytes(int64(bytesPerOp))
	c0, n := cputime.Process(), 0
	for b.Loop() {
		body()
		n++
	}
	if c := cputime.Process() - c0; c > 0 && c0 > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(n)/c.Seconds()/1e6, "cpu-MB/s")
	}
}

func BenchmarkFloorCountNewlines(b *testing.B) {
	data := benchCorpus()
	perCPU(b, len(data), func() { bytes.Count(data, []byte{'\n'}) })
}

func BenchmarkFloorASCIILower(b *testing.B) {
	data := benchCorpus()
	dst := make([]byte, len(data))
	perCPU(b, len(data), func() { lowerInto(dst, data) })
}

// BenchmarkKeywords is the keyword stage as the engine runs it, chunk by
// chunk: the bigram/trigram prefilter, then lower-casing and the automaton
// over the spans it flags. BenchmarkKeywordsFullPass is the same stage
// without the prefilter (lower-casing and the automaton over every byte),
// the baseline the prefilter is measured against.
func BenchmarkKeywords(b *testing.B)         { benchKeywords(b, false) }
func BenchmarkKeywordsFullPass(b *testing.B) { benchKeywords(b, true) }

func benchKeywords(b *testing.B, full bool) {
	s, _ := builtinScanner(b, 0)
	s.noPrefilter = full
	data := benchCorpus()
	sc := &scratch{}
	hits := 0
	perCPU(b, len(data), func() {
		hits = 0
		for a := 0; a < len(data); a += s.chunkSize {
			chunk := data[a:min(a+s.chunkSize, len(data))]
			hits += s.keywordHits(sc, chunk)
		}
	})
	b.ReportMetric(float64(hits)/float64(len(data)>>20), "hits/MiB")
}

// BenchmarkPrefilter is the filter alone over the built-in keywords;
// span-bytes/% is how much of the corpus it hands to the automaton.
func BenchmarkPrefilter(b *testing.B) { benchPrefilter(b, benchCorpus()) }

// BenchmarkPrefilterGoroot: the same over Go's own source, where keywords
// are as rare as they really are and stage one's false hits dominate.
func BenchmarkPrefilterGoroot(b *testing.B) { benchPrefilter(b, gorootCorpus(b, 32<<20)) }

func benchPrefilter(b *testing.B, data []byte) {
	s, _ := builtinScanner(b, 0)
	if s.pf == nil {
		b.Fatal("built-in keywords have no prefilter")
	}
	var spans []span
	perCPU(b, len(data), func() {
		spans = spans[:0]
		for a := 0; a < len(data); a += s.chunkSize {
			spans = s.pf.candidates(data[a:min(a+s.chunkSize, len(data))], spans)
		}
	})
	n := 0
	for _, sp := range spans {
		n += sp.hi - sp.lo
	}
	b.ReportMetric(float64(len(spans))/float64(len(data)>>20), "spans/MiB")
	b.ReportMetric(100*float64(n)/float64(len(data)), "span-bytes/%")
}

// BenchmarkScan is the whole engine over the corpus with the built-in
// catalogue, as one in-memory item, on one goroutine.
// BenchmarkScanFullPass is the engine before the prefilter and the
// window needs: the automaton over every byte and every window handed to
// its rule's regex. BenchmarkScanNoNeeds keeps the prefilter only.
func BenchmarkScan(b *testing.B)         { benchScan(b, false, false) }
func BenchmarkScanFullPass(b *testing.B) { benchScan(b, true, true) }
func BenchmarkScanNoNeeds(b *testing.B)  { benchScan(b, false, true) }

func benchScan(b *testing.B, full, noNeeds bool) {
	s, set := builtinScanner(b, 0)
	s.noPrefilter, s.noNeeds = full, noNeeds
	data := benchCorpus()
	// Slow (argon2id) fingerprints cost once per distinct low-entropy
	// secret per process, not per byte: warm them so this measures
	// matching (BenchmarkFingerprint measures them).
	if _, err := s.Run(context.Background(), items{memItem("corpus", data)}); err != nil {
		b.Fatal(err)
	}
	var res *Result
	perCPU(b, len(data), func() {
		var err error
		res, err = s.Run(context.Background(), items{memItem("corpus", data)})
		if err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(len(set.Rules())), "rules")
	b.ReportMetric(float64(len(res.Findings)), "findings")
}

// BenchmarkScanStream is BenchmarkScan through Open (4 MiB chunks, copy
// from the reader included).
func BenchmarkScanStream(b *testing.B) {
	s, _ := builtinScanner(b, 0)
	data := benchCorpus()
	perCPU(b, len(data), func() {
		if _, err := s.Run(context.Background(), items{streamItem("corpus", data, nil)}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkScanGoroot is the whole engine over 32 MiB of $GOROOT/src: real
// code, where credential words (token, secret, password, key) are as
// common as they really are, unlike the generated corpus, which has one on
// almost every line.
func BenchmarkScanGoroot(b *testing.B) { benchScanGoroot(b, Options{}) }

// BenchmarkScanGorootNoGeneric is the same without the generic layer and
// decoding: what they cost, measured in the same run.
func BenchmarkScanGorootNoGeneric(b *testing.B) {
	benchScanGoroot(b, Options{NoDecode: true, noGeneric: true})
}

func benchScanGoroot(b *testing.B, opts Options) {
	s, _ := builtinScannerOpts(b, 0, opts)
	data := gorootCorpus(b, 32<<20)
	var res *Result
	perCPU(b, len(data), func() {
		var err error
		res, err = s.Run(context.Background(), items{memItem("goroot", data)})
		if err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(len(res.Findings)), "findings")
}

// BenchmarkScanNoGeneric is BenchmarkScan without the generic layer and
// decoding, in the same run.
func BenchmarkScanNoGeneric(b *testing.B) {
	s, _ := builtinScannerOpts(b, 0, Options{NoDecode: true, noGeneric: true})
	data := benchCorpus()
	perCPU(b, len(data), func() {
		if _, err := s.Run(context.Background(), items{memItem("corpus", data)}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkScanGorootNoDecode: the generic layer without decoding.
func BenchmarkScanGorootNoDecode(b *testing.B) { benchScanGoroot(b, Options{NoDecode: true}) }
