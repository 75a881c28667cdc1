// Command planted generates, at run time, a small realistic repository with
// fake credentials planted in it (each recorded with its file and lines in a
// truth list) and at least as many lookalikes (placeholders, environment
// lookups, CI references, hashes, public keys, published samples, i18n
// strings), then scores scour and, when given, gitleaks, Betterleaks and
// TruffleHog on it: planted found / total per family and false alarms per
// lookalike class. Every credential is random (seeded), shaped as its vendor
// issues it, checksum included where the vendor has one, so no tool can have
// seen it before. Run by bench/planted.sh.
package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/scour-dev/scour/bench/internal/peer"
)

type options struct {
	scour, gitleaks, betterleaks, trufflehog string
	seed                                     uint64
	keep                                     string
	verbose                                  bool
}

func main() {
	var o options
	flag.StringVar(&o.scour, "scour", "scour", "scour binary")
	flag.StringVar(&o.gitleaks, "gitleaks-bin", "", "gitleaks binary (optional)")
	flag.StringVar(&o.betterleaks, "betterleaks-bin", "", "betterleaks binary (optional)")
	flag.StringVar(&o.trufflehog, "trufflehog-bin", "", "trufflehog binary (optional)")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the generated credentials")
	flag.StringVar(&o.keep, "dir", "", "generate into this directory (kept) instead of a temporary one")
	flag.BoolVar(&o.verbose, "v", false, "list every miss and false alarm")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "planted:", err)
		os.Exit(1)
	}
}

// item is one truth-list entry: a planted credential (family) or a
// lookalike (class), on lines first..last of file.
type item struct {
	family      string
	lookalike   bool
	file        string
	first, last int
	text        string
}

type corpus struct {
	r     *mrand.Rand
	files map[string][]string
	order []string
	items []item
}

// add appends text (one or more lines) to file and returns its line span.
func (c *corpus) add(file, text string) (int, int) {
	if _, ok := c.files[file]; !ok {
		c.order = append(c.order, file)
	}
	ls := strings.Split(text, "\n")
	first := len(c.files[file]) + 1
	c.files[file] = append(c.files[file], ls...)
	return first, first + len(ls) - 1
}

func (c *corpus) plant(family, file, text string) {
	f, l := c.add(file, text)
	c.items = append(c.items, item{family: family, file: file, first: f, last: l, text: text})
}

func (c *corpus) look(class, file, text string) {
	f, l := c.add(file, text)
	c.items = append(c.items, item{family: class, lookalike: true, file: file, first: f, last: l, text: text})
}

const (
	digits  = "0123456789"
	hexd    = "0123456789abcdef"
	upper   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lower   = "abcdefghijklmnopqrstuvwxyz"
	alnum   = digits + upper + lower
	b64a    = alnum + "+/"
	urlsafe = alnum + "-_"
)

func (c *corpus) s(alpha string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alpha[c.r.IntN(len(alpha))]
	}
	return string(b)
}

func (c *corpus) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(c.r.IntN(256))
	}
	return b
}

func (c *corpus) uuid() string {
	h := c.s(hexd, 32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

// password is a human-chosen-looking strong password.
func (c *corpus) password() string {
	return c.s(upper, 1) + c.s(lower, 5) + c.s(digits, 3) + c.s("!#%*-_.", 1) + c.s(alnum, 6)
}

// github returns a classic-format token: base62 CRC32 of the body as its
// last 6 characters (GitHub's and npm's published format).
func (c *corpus) github(prefix string) string {
	body := c.s(alnum, 30)
	v := crc32.ChecksumIEEE([]byte(body))
	var check string
	for range 6 {
		check = string(alnum[v%62]) + check
		v /= 62
	}
	return prefix + body + check
}

// gitlab returns a routable glpat- token (random, routing payload, length
// in base36, CRC32 in base36).
func (c *corpus) gitlab() string {
	random := []byte(c.s(alnum, 16))
	routing := "o:" + strconv.FormatInt(c.r.Int64N(1<<30), 36) + "\nu:" + strconv.FormatInt(c.r.Int64N(1<<30), 36)
	payload := append(append(append([]byte{}, random...), routing...), byte(len(routing)))
	b64 := base64.RawURLEncoding.EncodeToString(payload)
	head := "glpat-" + b64 + ".01." + fmt.Sprintf("%02s", strconv.FormatInt(int64(len(b64)), 36))
	return head + fmt.Sprintf("%07s", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(head))), 36))
}

func (c *corpus) jwt(header, claims string, sigLen int) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(header))
	p := base64.RawURLEncoding.EncodeToString([]byte(claims))
	if sigLen == 0 {
		m := hmac.New(sha256.New, c.bytes(32))
		m.Write([]byte(h + "." + p))
		return h + "." + p + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	return h + "." + p + "." + base64.RawURLEncoding.EncodeToString(c.bytes(sigLen))
}

func (c *corpus) rsaPEM() string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})))
}

func (c *corpus) publicPEM() string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// published holds sample values vendors print in their documentation; they
// are assembled here so that this source file holds no credential-shaped
// literal of its own.
func published() (awsID, awsSecret, jwtIO, stripeTest string) {
	return "AKIA" + "IOSFODNN7EXAMPLE",
		"wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ" + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
		"sk_" + "test_" + "4eC39HqLyjWDarjtT1zdp7dc"
}

func generate(seed uint64) *corpus {
	c := &corpus{r: mrand.New(mrand.NewPCG(seed, 9)), files: map[string][]string{}}
	P, L := c.plant, c.look

	// ---- commit 1: the application skeleton ----
	c.add("README.md", "# orders-service\n\nInternal order processing service.\n\n## Setup\n")
	L("placeholder", "README.md", "Copy `.env.example` to `.env` and set `STRIPE_SECRET_KEY=sk_live_your_key_here`.")
	awsID, awsSecret, jwtIO, stripeTest := published()
	L("published-sample", "README.md", "For local tests use the AWS sample keys `"+awsID+"` / `"+awsSecret+"`.")
	L("published-sample", "README.md", "Example bearer token: `"+jwtIO+"`")
	L("published-sample", "README.md", "Stripe's test key from their docs: `"+stripeTest+"`")

	L("placeholder", ".env.example", "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx")
	L("placeholder", ".env.example", "GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
	L("placeholder", ".env.example", "OPENAI_API_KEY=sk-proj-<your-openai-key>")
	L("placeholder", ".env.example", "DATABASE_URL=postgres://user:password@localhost:5432/orders")
	L("placeholder", ".env.example", "SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")

	c.add("src/settings.py", "import os\n\nDEBUG = False")
	L("env-lookup", "src/settings.py", `SENDGRID_API_KEY = os.environ["SENDGRID_API_KEY"]`)
	L("env-lookup", "src/settings.py", `DB_PASSWORD = os.getenv("DB_PASSWORD", "")`)
	L("env-lookup", "src/settings.py", `AZURE_STORAGE_CONNECTION_STRING = os.environ.get("AZURE_STORAGE_CONNECTION_STRING")`)
	L("hash", "src/settings.py", `STATIC_MANIFEST_SHA256 = "`+c.s(hexd, 64)+`"`)
	L("hash", "src/settings.py", `PASSWORD_HASHERS_SALT_DIGEST = "`+c.s(hexd, 40)+`"`)

	c.add("locales/en.json", "{")
	L("i18n", "locales/en.json", `  "password": "Password",`)
	L("i18n", "locales/en.json", `  "password_reset_token_expired": "Your password reset token has expired",`)
	L("i18n", "locales/en.json", `  "api_key_label": "API key",`)
	c.add("locales/en.json", `  "done": "Done"`+"\n}")
	c.add("locales/fr.json", "{")
	L("i18n", "locales/fr.json", `  "password": "Mot de passe",`)
	L("i18n", "locales/fr.json", `  "secret_question": "Question secrète",`)
	c.add("locales/fr.json", `  "done": "Terminé"`+"\n}")

	c.add("go.sum", "")
	L("hash", "go.sum", "github.com/stripe/stripe-go/v76 v76.8.0 h1:"+base64.StdEncoding.EncodeToString(c.bytes(32)))
	L("hash", "package-lock.json", `      "integrity": "sha512-`+base64.StdEncoding.EncodeToString(c.bytes(64))+`",`)
	L("public-key", "deploy/authorized_keys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"+base64.StdEncoding.EncodeToString(c.bytes(32))[:43]+" deploy@ci")
	L("public-key", "deploy/jwt-public.pem", c.publicPEM())
	L("hash", "CHANGELOG.md", "- Fix token refresh (commit "+c.s(hexd, 40)+")")
	L("hash", "deploy/k8s/deployment.yaml", "        image: registry.prod.internal:5000/orders@sha256:"+c.s(hexd, 64))
	L("identifier", "deploy/k8s/deployment.yaml", "        # azure tenant_id: "+c.uuid())
	L("identifier", "src/log_sample.json", `{"request_id": "`+c.uuid()+`", "trace_id": "`+c.s(hexd, 32)+`"}`)
	L("placeholder", "config/app.example.yaml", "password: ********")
	L("placeholder", "config/app.example.yaml", "api_key: <REPLACE_ME>")
	L("placeholder", "config/app.example.yaml", "client_secret: TODO")
	L("env-lookup", "src/ai.js", "const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });")
	L("env-lookup", "src/gh.go", `package gh

var token = os.Getenv("GITHUB_TOKEN")`)
	L("env-lookup", "deploy/k8s/deployment.yaml", "        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef: {name: orders, key: db-password}")
	L("ci-reference", ".github/workflows/deploy.yml", "          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}")
	L("i18n", "locales/fr.json", `  "token": "Jeton",`)
	L("i18n", "locales/en.json", `  "invalid_api_key": "Invalid API key. Check your settings.",`)
	L("public-key", "src/keys.go", "package keys\n\n// verifyKey checks webhook signatures.\nconst verifyKey = `"+c.publicPEM()+"`")

	// ---- commit 2: configuration ----
	pw := c.password()
	c.add("config/database.yml", "production:\n  adapter: postgresql\n  host: db.prod.internal\n  username: orders")
	P("generic-password", "config/database.yml", "  password: "+pw)
	c.add("config/database.yml", "development:\n  adapter: postgresql")
	L("env-lookup", "config/database.yml", "  password: <%= ENV['DB_PASSWORD'] %>")

	P("generic-connection-string", ".env", "DATABASE_URL=postgres://orders:"+c.password()+"@db.prod.internal:5432/orders")
	P("stripe", ".env", "STRIPE_SECRET_KEY=sk_live_51"+c.s(alnum, 97))
	P("openai", ".env", "OPENAI_API_KEY=sk-proj-"+c.s(urlsafe, 74)+"T3BlbkFJ"+c.s(urlsafe, 74))
	P("anthropic", ".env", "ANTHROPIC_API_KEY=sk-ant-api03-"+c.s(urlsafe, 93)+"AA")
	L("public-key", ".env", "STRIPE_PUBLISHABLE_KEY=pk_live_51"+c.s(alnum, 97))
	P("sendgrid", ".env", "SENDGRID_API_KEY=SG."+c.s(urlsafe, 22)+"."+c.s(urlsafe, 43))

	P("aws-session-token", "deploy/aws-credentials", fmt.Sprintf("[default]\naws_access_key_id = ASIA%s\naws_secret_access_key = %s\naws_session_token = IQoJb3JpZ2luX2VjE%s==",
		c.s(upper+"234567", 16), c.s(b64a, 40), c.s(b64a, 620)))

	azKey := base64.StdEncoding.EncodeToString(c.bytes(64))
	P("azure-storage", "src/storage.py", `CONN = "DefaultEndpointsProtocol=https;AccountName=ordersprod`+c.s(digits, 3)+`;AccountKey=`+azKey+`;EndpointSuffix=core.windows.net"`)
	P("azure-ad-client-secret", "src/storage.py", `AZURE_CLIENT_SECRET = "`+c.s(alnum, 3)+c.s(digits, 1)+"Q~"+c.s(alnum+"_~.-", 34)+`"`)
	P("twilio", "src/notify.py", `TWILIO_API_KEY = "SK`+c.s(hexd, 32)+`"`+"\n"+`TWILIO_API_SECRET = "`+c.s(alnum, 32)+`"`)
	L("env-lookup", "src/notify.py", `TWILIO_AUTH_TOKEN = os.environ["TWILIO_AUTH_TOKEN"]`)

	gsecret := "GOCSPX-" + c.s(urlsafe, 28)
	P("google-oauth-client-secret", "client_secret.json", `{"installed":{"client_id":"`+c.s(digits, 12)+`-`+c.s(digits+lower, 32)+`.apps.googleusercontent.com","project_id":"orders-prod","client_secret":"`+gsecret+`","redirect_uris":["http://localhost"]}}`)
	P("google-oauth-client-secret", "src/main/resources/application.properties", "spring.security.oauth2.client.registration.google.client-secret=GOCSPX-"+c.s(urlsafe, 28))
	P("generic-password", "src/main/resources/application.properties", "spring.datasource.password="+c.password())
	L("env-lookup", "src/main/resources/application.properties", "spring.mail.password=${MAIL_PASSWORD}")

	saToken := c.jwt(`{"alg":"RS256","kid":"`+c.s(urlsafe, 43)+`"}`,
		`{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"ci","kubernetes.io/serviceaccount/secret.name":"deployer-token-`+c.s(lower+digits, 5)+`","kubernetes.io/serviceaccount/service-account.name":"deployer","kubernetes.io/serviceaccount/service-account.uid":"`+c.uuid()+`","sub":"system:serviceaccount:ci:deployer"}`, 256)
	c.add("deploy/kubeconfig", "apiVersion: v1\nkind: Config\nusers:\n- name: deployer\n  user:")
	P("kubernetes-sa-token", "deploy/kubeconfig", "    token: "+saToken)

	c.add("deploy/k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: orders\ntype: Opaque\ndata:")
	P("k8s-secret-data", "deploy/k8s/secret.yaml", "  db-password: "+b64(c.password()))
	P("k8s-secret-data", "deploy/k8s/secret.yaml", "  github-token: "+b64(c.github("ghp_")))
	L("placeholder", "deploy/k8s/secret.yaml", "  api-key: "+b64("changeme"))

	P("docker-auth", ".docker/config.json", `{"auths":{"registry.prod.internal:5000":{"auth":"`+b64("deploy:"+c.password())+`"}}}`)
	L("placeholder", "deploy/docker-config.example.json", `{"auths":{"registry.example.com":{"auth":"`+b64("username:password")+`"}}}`)

	// ---- commit 3: CI, infrastructure and scripts ----
	c.add(".github/workflows/deploy.yml", "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make deploy\n        env:")
	L("ci-reference", ".github/workflows/deploy.yml", "          DATADOG_API_KEY: ${{ secrets.DATADOG_API_KEY }}")
	L("ci-reference", ".github/workflows/deploy.yml", "          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}")
	L("ci-reference", ".gitlab-ci.yml", "  script: docker login -u gitlab-ci-token -p $CI_JOB_TOKEN $CI_REGISTRY")
	L("ci-reference", "Jenkinsfile", "withCredentials([string(credentialsId: 'snyk-token', variable: 'SNYK_TOKEN')]) { sh 'snyk test' }")

	c.add("terraform/main.tf", `provider "datadog" {`)
	P("datadog", "terraform/main.tf", `  api_key = "`+c.s(hexd, 32)+`"`)
	P("datadog", "terraform/main.tf", `  app_key = "`+c.s(hexd, 40)+`"`)
	c.add("terraform/main.tf", "}\n"+`provider "cloudflare" {`)
	P("cloudflare", "terraform/main.tf", `  api_token = "`+c.s(urlsafe, 40)+`"`)
	c.add("terraform/main.tf", "}\n"+`provider "digitalocean" {`)
	P("digitalocean", "terraform/main.tf", `  token = "dop_v1_`+c.s(hexd, 64)+`"`)
	c.add("terraform/main.tf", "}\n"+`provider "okta" {`+"\n  org_name = \"orders\"\n  base_url = \"okta.com\"")
	P("okta", "terraform/main.tf", `  api_token = "00`+c.s(urlsafe, 40)+`"`)
	c.add("terraform/main.tf", "}\n"+`provider "newrelic" {`)
	P("newrelic", "terraform/main.tf", `  api_key = "NRAK-`+c.s(upper+digits, 27)+`"`)
	c.add("terraform/main.tf", "}")
	L("env-lookup", "terraform/variables.tf", `variable "cloudflare_api_token" { default = var.cf_token }`)
	P("newrelic", "newrelic.yml", "common: &default_settings\n  license_key: '"+c.s(hexd, 36)+"NRAL'")

	P("jenkins", "scripts/trigger-build.sh", "curl -X POST -u ci-bot:11"+c.s(hexd, 32)+" https://jenkins.prod.internal/job/orders/build")
	P("sourcegraph", "scripts/search.sh", "export SRC_ACCESS_TOKEN=sgp_"+c.s(hexd, 16)+"_"+c.s(hexd, 40))
	P("databricks", "scripts/search.sh", "export DATABRICKS_TOKEN=dapi"+c.s(hexd, 32))
	P("snyk", "scripts/search.sh", "export SNYK_TOKEN="+c.uuid())
	P("telegram", "src/bot.js", `const bot = new TelegramBot("`+c.s(digits[1:], 1)+c.s(digits, 9)+`:AA`+c.s(urlsafe, 33)+`");`)
	P("discord-webhook", "src/bot.js", `const hook = "https://discord.com/api/webhooks/1`+c.s(digits, 18)+`/`+c.s(urlsafe, 68)+`";`)
	P("teams-webhook", "src/bot.js", `const teams = "https://contoso.webhook.office.com/webhookb2/`+c.uuid()+`@`+c.uuid()+`/IncomingWebhook/`+c.s(hexd, 32)+`/`+c.uuid()+`";`)
	L("env-lookup", "src/bot.js", `const token = process.env.TELEGRAM_BOT_TOKEN;`)
	P("jwt", "src/api.test.js", `const session = "`+c.jwt(`{"alg":"HS256","typ":"JWT"}`, `{"sub":"`+c.uuid()+`","role":"admin","iat":`+strconv.Itoa(1700000000+c.r.IntN(9999999))+`}`, 0)+`";`)
	P("github", ".git-credentials", "https://orders-bot:"+c.github("ghp_")+"@github.com")
	P("gitlab", "scripts/mirror.sh", "git push https://oauth2:"+c.gitlab()+"@gitlab.com/orders/orders.git")
	P("npm", ".npmrc", "//registry.npmjs.org/:_authToken="+c.github("npm_"))
	P("yunxiao", "scripts/mirror.sh", "export YUNXIAO_TOKEN=pt-"+c.s(alnum, 24)+"_"+c.uuid())
	P("generic-credential-file", "deploy/.pgpass", "db.prod.internal:5432:orders:orders:"+c.password())
	P("generic-credential-file", "deploy/.netrc", "machine api.prod.internal login deploy password "+c.password())
	P("private-key", "deploy/id_rsa", c.rsaPEM())

	// ---- commit 4: encoded and assembled secrets ----
	P("encoded-base64", "config/app.yaml", "github_token_b64: "+b64(c.github("ghp_")))
	P("encoded-base64url", "config/app.json", `{"registry_token": "`+base64.URLEncoding.EncodeToString([]byte(c.gitlab()))+`"}`)
	P("encoded-url", "config/app.yaml", "amqp_url: amqp://orders:"+url.QueryEscape(c.password()+"@/%")+"@rabbit.prod.internal:5672/")
	P("encoded-json-escaped", "config/app.json", `{"payload": "{\"sendgrid_key\":\"SG.`+c.s(urlsafe, 22)+"."+c.s(urlsafe, 43)+`\"}"}`)
	sk := "sk_live_51" + c.s(alnum, 97)
	P("concatenated-literal", "src/billing.go", "package billing\n\nconst stripeKey = \""+sk[:20]+"\" +\n\t\""+sk[20:70]+"\" +\n\t\""+sk[70:]+"\"")
	var split strings.Builder
	split.WriteString("package tls\n\nvar serverKey = ")
	for i, l := range strings.Split(c.rsaPEM(), "\n") {
		if i > 0 {
			split.WriteString(" +\n\t")
		}
		split.WriteString(strconv.Quote(l + "\n"))
	}
	c.add("src/tls.go", "")
	P("pem-split-literals", "src/tls.go", split.String())
	return c
}

// ---- running the tools ----

type hit struct {
	file string
	line int
}

func scourHits(bin, dir, report string) ([]hit, error) {
	cmd := exec.Command(bin, "scan", dir, "--no-history", "--format", "json", "--report", report, "--exclude", ".git/")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			return nil, fmt.Errorf("%s: %w", bin, err)
		}
	}
	var doc struct {
		Findings []struct {
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
	var out []hit
	for _, f := range doc.Findings {
		for _, l := range f.Locations {
			out = append(out, hit{peer.Rel(dir, l.Path), l.Line})
		}
	}
	return out, nil
}

// gitleaksHits runs gitleaks or Betterleaks.
func gitleaksHits(bin, dir, report string) ([]hit, error) {
	hs, err := peer.Gitleaks(bin, dir, report)
	if err != nil {
		return nil, err
	}
	out := make([]hit, 0, len(hs))
	for _, h := range hs {
		out = append(out, hit{h.File, h.Line})
	}
	return out, nil
}

func trufflehogHits(bin, dir string) ([]hit, error) {
	cmd := exec.Command(bin, "filesystem", dir, "--json", "--no-verification", "--no-update")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return nil, fmt.Errorf("%s: %w", bin, err)
		}
	}
	var out []hit
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r struct {
			SourceMetadata struct {
				Data struct {
					Filesystem struct {
						File string `json:"file"`
						Line int    `json:"line"`
					} `json:"Filesystem"`
				} `json:"Data"`
			} `json:"SourceMetadata"`
		}
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.SourceMetadata.Data.Filesystem.File != "" {
			out = append(out, hit{peer.Rel(dir, r.SourceMetadata.Data.Filesystem.File), r.SourceMetadata.Data.Filesystem.Line})
		}
	}
	return out, sc.Err()
}

// ---- the corpus on disk ----

func write(c *corpus, dir string) error {
	git := func(args ...string) error {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Dev", "GIT_AUTHOR_EMAIL=dev@orders.internal",
			"GIT_COMMITTER_NAME=Dev", "GIT_COMMITTER_EMAIL=dev@orders.internal",
			"GIT_AUTHOR_DATE=2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2025-01-01T00:00:00Z", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := git("init", "-q", "-b", "main"); err != nil {
		return err
	}
	// Files are committed in four batches, in the order they were first written.
	per := (len(c.order) + 3) / 4
	for i := 0; i < len(c.order); i += per {
		for _, f := range c.order[i:min(i+per, len(c.order))] {
			p := filepath.Join(dir, filepath.FromSlash(f))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(strings.Join(c.files[f], "\n")+"\n"), 0o644); err != nil {
				return err
			}
			if err := git("add", "--", f); err != nil {
				return err
			}
		}
		if err := git("commit", "-q", "-m", fmt.Sprintf("batch %d", i/per+1)); err != nil {
			return err
		}
	}
	return nil
}

// ---- scoring ----

type result struct {
	name string
	hits []hit
}

func run(o options) error {
	dir := o.keep
	if dir == "" {
		d, err := os.MkdirTemp("", "planted")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	repo := filepath.Join(dir, "orders-service")
	reports := filepath.Join(dir, "reports")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(reports, 0o755); err != nil {
		return err
	}
	c := generate(o.seed)
	if err := write(c, repo); err != nil {
		return err
	}
	var rs []result
	h, err := scourHits(o.scour, repo, filepath.Join(reports, "scour.json"))
	if err != nil {
		return err
	}
	rs = append(rs, result{"scour", h})
	for _, t := range []struct{ name, bin string }{{"gitleaks", o.gitleaks}, {"betterleaks", o.betterleaks}} {
		if t.bin == "" {
			continue
		}
		h, err := gitleaksHits(t.bin, repo, filepath.Join(reports, t.name+".json"))
		if err != nil {
			return err
		}
		rs = append(rs, result{t.name, h})
	}
	if o.trufflehog != "" {
		h, err := trufflehogHits(o.trufflehog, repo)
		if err != nil {
			return err
		}
		rs = append(rs, result{"trufflehog", h})
	}
	score(o, c, rs)
	return nil
}

func (it item) covers(h hit) bool {
	return h.file == it.file && h.line >= it.first && h.line <= it.last
}

func score(o options, c *corpus, rs []result) {
	type row struct {
		family string
		total  int
		got    []int
	}
	rows := map[string]*row{}
	var fams, classes []string
	tot := map[bool][]int{false: make([]int, len(rs)), true: make([]int, len(rs))}
	n := map[bool]int{}
	var notes []string
	for _, it := range c.items {
		r := rows[it.family]
		if r == nil {
			r = &row{family: it.family, got: make([]int, len(rs))}
			rows[it.family] = r
			if it.lookalike {
				classes = append(classes, it.family)
			} else {
				fams = append(fams, it.family)
			}
		}
		r.total++
		n[it.lookalike]++
		for i, res := range rs {
			if slices.ContainsFunc(res.hits, it.covers) {
				r.got[i]++
				tot[it.lookalike][i]++
				if it.lookalike {
					notes = append(notes, fmt.Sprintf("%s: false alarm (%s) %s:%d", res.name, it.family, it.file, it.first))
				}
			} else if !it.lookalike {
				notes = append(notes, fmt.Sprintf("%s: missed (%s) %s:%d", res.name, it.family, it.file, it.first))
			}
		}
	}
	// Findings on no listed line (neither planted nor lookalike).
	other := make([]int, len(rs))
	for i, res := range rs {
		for _, h := range res.hits {
			if !slices.ContainsFunc(c.items, func(it item) bool { return it.covers(h) }) {
				other[i]++
				notes = append(notes, fmt.Sprintf("%s: unlisted finding %s:%d", res.name, h.file, h.line))
			}
		}
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	head := "planted family\ttotal"
	for _, r := range rs {
		head += "\t" + r.name
	}
	fmt.Fprintln(w, head)
	for _, f := range fams {
		r := rows[f]
		line := fmt.Sprintf("%s\t%d", f, r.total)
		for _, g := range r.got {
			line += fmt.Sprintf("\t%d", g)
		}
		fmt.Fprintln(w, line)
	}
	line := fmt.Sprintf("ALL PLANTED\t%d", n[false])
	for _, g := range tot[false] {
		line += fmt.Sprintf("\t%d", g)
	}
	fmt.Fprintln(w, line)
	fmt.Fprintln(w, "\t\t")
	fmt.Fprintln(w, strings.Replace(head, "planted family", "lookalike class (false alarms)", 1))
	for _, f := range classes {
		r := rows[f]
		line := fmt.Sprintf("%s\t%d", f, r.total)
		for _, g := range r.got {
			line += fmt.Sprintf("\t%d", g)
		}
		fmt.Fprintln(w, line)
	}
	line = fmt.Sprintf("ALL LOOKALIKES\t%d", n[true])
	for _, g := range tot[true] {
		line += fmt.Sprintf("\t%d", g)
	}
	fmt.Fprintln(w, line)
	line = "findings on unlisted lines\t"
	for _, g := range other {
		line += fmt.Sprintf("\t%d", g)
	}
	fmt.Fprintln(w, line)
	w.Flush()
	if o.verbose {
		sort.Strings(notes)
		fmt.Println()
		for _, n := range notes {
			fmt.Println(n)
		}
	}
}
