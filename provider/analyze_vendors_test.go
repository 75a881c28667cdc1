package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scour-dev/scour/access"
	"github.com/scour-dev/scour/scanner"
)

// This file replays, per provider added for issue 11, each documented
// answer shape of the read-only analysis calls: full and partial rights
// (403 on the reach or scopes call), rate limits, invalid tokens. Every
// case checks the exact flags, a golden report, and that no request left
// the provider's method+path allowlist (the documented read-only calls).

// method answers h only to the given HTTP method; any other is a test
// failure (the analysis must send exactly the documented request).
func method(t *testing.T, m string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != m {
			t.Errorf("%s %s: want %s", r.Method, r.URL.Path, m)
			http.Error(w, "method", http.StatusMethodNotAllowed)
			return
		}
		h(w, r)
	}
}

// analyzeAllow is the allowlist of read-only requests per rule: the
// verification call and the documented analysis calls, METHOD /path.
var analyzeAllow = map[string][]string{
	"heroku-api-key-v2":             {"GET /account", "GET /oauth/authorizations"},
	"heroku-api-key":                {"GET /account", "GET /oauth/authorizations"},
	"okta-api-token":                {"GET /api/v1/users/me", "GET /api/v1/users/00u1okta/roles"},
	"twilio-auth-token":             {"GET /2010-04-01/Accounts/" + twilioSID + ".json"},
	"telegram-bot-token":            {"GET /bot" + telegramToken + "/getMe"},
	"anthropic-api-key":             {"GET /v1/models"},
	"anthropic-admin-key":           {"GET /v1/organizations/me", "GET /v1/organizations/workspaces", "GET /v1/organizations/users"},
	"openai-api-key":                {"GET /v1/models"},
	"openai-admin-key":              {"GET /v1/organization/projects", "GET /v1/organization/users"},
	"groq-api-key":                  {"GET /openai/v1/models"},
	"grafana-service-account-token": {"GET /api/access-control/user/permissions", "GET /api/org"},
	"newrelic-user-api-key":         {"POST /graphql"},
	"sourcegraph-access-token":      {"POST /.api/graphql"},
	"postman-api-key":               {"GET /me"},
	"terraform-cloud-api-token":     {"GET /api/v2/account/details", "GET /api/v2/organizations"},
	"rubygems-api-key":              {"GET /api/v1/gems.json"},
	"mailgun-private-key":           {"GET /v3/domains"},
	"dynatrace-api-token":           {"POST /api/v2/apiTokens/lookup"},
	"github-legacy-token":           {"GET /user", "GET /user/orgs", "GET /user/repos"},
	"bitbucket-app-password":        {"GET /2.0/user", "GET /2.0/user/permissions/workspaces"},
	"brevo-api-key":                 {"GET /v3/account"},
	"discord-bot-token":             {"GET /api/v10/users/@me", "GET /api/v10/users/@me/guilds"},
	"gcp-oauth-access-token":        {"GET /tokeninfo"},
	"prefect-api-key":               {"GET /api/me/", "GET /api/me/workspaces"},
	"sonarqube-user-token":          {"GET /api/authentication/validate", "GET /api/users/current"},
	"sonarqube-analysis-token":      {"GET /api/authentication/validate"},
	"npm-legacy-token":              {"GET /-/whoami"},
	"openrouter-api-key":            {"GET /api/v1/key"},
	"xai-api-key":                   {"GET /v1/api-key"},
	"replicate-api-token":           {"GET /v1/account"},
	"deepgram-api-key":              {"GET /v1/projects"},
	"aiven-api-token":               {"GET /v1/me"},
	"langsmith-api-key":             {"GET /api/v1/workspaces"},
	"tailscale-api-key":             {"GET /api/v2/tailnet/-/devices"},
	"elevenlabs-api-key":            {"GET /v1/user"},
	"cohere-api-key":                {"GET /v1/models"},
	"mistral-api-key":               {"GET /v1/models"},
	"together-api-key":              {"GET /v1/models"},
	"cerebras-api-key":              {"GET /v1/models"},
}

const (
	twilioSID     = "AC4533e6100de173922e958f220eb8d93d"
	telegramToken = "123456789:AAFk0Fk0Fk0Fk0Fk0Fk0Fk0Fk0Fk0Fk0Fk0"
)

var (
	herokuSecret    = "HRKU-AA" + strings.Repeat("Fk0", 20)[:58]
	oktaSecret      = "00" + strings.Repeat("Fk0", 14)[:40]
	anthropicKey    = "sk-ant-api03-" + strings.Repeat("Fk0", 31) + "AA"
	anthropicAdmin  = "sk-ant-admin01-" + strings.Repeat("Fk0", 31) + "AA"
	openaiProject   = "sk-proj-" + strings.Repeat("Fk0", 8) + "T3BlbkFJ" + strings.Repeat("Fk0", 8)
	openaiAdmin     = "sk-admin-" + strings.Repeat("Fk0", 8) + "T3BlbkFJ" + strings.Repeat("Fk0", 8)
	dynatraceSecret = "dt0c01.FK0FK0FK0FK0FK0FK0FK0FK0FK." + strings.Repeat("FK0", 22)[:64]
)

// herokuAuths is Heroku's authorization list: this token, granted scopes,
// and another authorization (whose token must not be picked).
func herokuAuths(scope string, expiresIn string) string {
	return `[{"id":"a1","description":"deploy","scope":[` + scope + `],"created_at":"2024-01-15T10:00:00Z",` +
		`"access_token":{"id":"t1","token":"` + herokuSecret + `","expires_in":` + expiresIn + `}},` +
		`{"id":"a2","description":"Heroku CLI","scope":["global"],"created_at":"2026-05-01T00:00:00Z",` +
		`"access_token":{"id":"t2","token":"HRKU-AAzzzzzzzzzzzzzzzzzzzzzzzzzz","expires_in":28800}}]`
}

type analyzeCase struct {
	name, rule, provider, secret string
	ctx                          map[string]string
	maxAge                       time.Duration
	routes                       routes
	flags                        []string
	check                        func(t *testing.T, rep *access.Report)
}

func analyzeCases(t *testing.T) []analyzeCase {
	herokuAccount := reply(200, `{"email":"dev@example.com","id":"u-1","two_factor_authentication":true}`)
	grafanaPerms := func(body string) routes {
		return routes{
			"/api/access-control/user/permissions": method(t, "GET", authed("Authorization", "Bearer glsa_"+strings.Repeat("Fk0", 11)[:32]+"_0a1b2c3d", reply(200, body))),
			"/api/org":                             method(t, "GET", reply(200, `{"id":1,"name":"Main Org."}`)),
		}
	}
	oktaMe := method(t, "GET", authed("Authorization", "SSWS "+oktaSecret, reply(200, `{"id":"00u1okta","status":"ACTIVE","profile":{"login":"svc-ci@example.com","email":"svc-ci@example.com"}}`)))
	nr := func(body string) http.HandlerFunc {
		return method(t, "POST", func(w http.ResponseWriter, r *http.Request) {
			var q struct{ Query string }
			if err := json.NewDecoder(r.Body).Decode(&q); err != nil || strings.Contains(q.Query, "mutation") {
				t.Errorf("not a read-only query: %v %q", err, q.Query)
			}
			reply(200, body)(w, r)
		})
	}
	return []analyzeCase{
		{name: "heroku-global", rule: "heroku-api-key-v2", provider: "heroku", secret: herokuSecret, maxAge: 90 * 24 * time.Hour,
			routes: routes{
				"/account":              method(t, "GET", authed("Authorization", "Bearer "+herokuSecret, herokuAccount)),
				"/oauth/authorizations": method(t, "GET", reply(200, herokuAuths(`"global"`, "null"))),
			},
			flags: []string{"admin-scope", "no-expiry", "older-than-max-age", "org-wide"}},
		{name: "heroku-read", rule: "heroku-api-key-v2", provider: "heroku", secret: herokuSecret,
			routes: routes{
				"/account":              method(t, "GET", herokuAccount),
				"/oauth/authorizations": method(t, "GET", reply(200, herokuAuths(`"identity","read"`, "3600"))),
			},
			check: func(t *testing.T, rep *access.Report) {
				if rep.ExpiresAt == nil || !rep.ExpiresAt.Equal(analyzeNow.Add(time.Hour)) {
					t.Errorf("expires %v", rep.ExpiresAt)
				}
			}},
		{name: "heroku-account-key", rule: "heroku-api-key", provider: "heroku", secret: "01234567-89ab-cdef-0123-456789abcdef",
			routes: routes{
				"/account":              method(t, "GET", herokuAccount),
				"/oauth/authorizations": method(t, "GET", reply(200, herokuAuths(`"global"`, "null"))),
			},
			check: func(t *testing.T, rep *access.Report) {
				if rep.ScopesKnown || !strings.Contains(rep.ScopesNote, "0 of 2") {
					t.Errorf("scopes %v %q", rep.Scopes, rep.ScopesNote)
				}
			}},
		{name: "okta-super-admin", rule: "okta-api-token", provider: "okta", secret: oktaSecret,
			routes: routes{
				"/api/v1/users/me":             oktaMe,
				"/api/v1/users/00u1okta/roles": method(t, "GET", reply(200, `[{"id":"ra1","label":"Super Organization Administrator","type":"SUPER_ADMIN","status":"ACTIVE","assignmentType":"USER"}]`)),
			},
			flags: []string{"admin-scope", "org-wide"},
			check: func(t *testing.T, rep *access.Report) {
				if rep.NoExpiry || !strings.Contains(rep.ExpiryNote, "30 days") {
					t.Errorf("expiry %+v", rep)
				}
			}},
		{name: "okta-roles-refused", rule: "okta-api-token", provider: "okta", secret: oktaSecret,
			routes: routes{
				"/api/v1/users/me":             oktaMe,
				"/api/v1/users/00u1okta/roles": method(t, "GET", reply(403, `{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action"}`)),
			},
			check: func(t *testing.T, rep *access.Report) {
				if rep.ScopesKnown || !strings.Contains(rep.ScopesNote, "HTTP 403") {
					t.Errorf("scopes %+v", rep)
				}
			}},
		{name: "okta-rate-limited", rule: "okta-api-token", provider: "okta", secret: oktaSecret,
			routes: routes{
				"/api/v1/users/me":             oktaMe,
				"/api/v1/users/00u1okta/roles": method(t, "GET", reply(429, `{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}`, "Retry-After", "3600")),
			},
			check: func(t *testing.T, rep *access.Report) {
				if rep.ScopesKnown || !strings.Contains(rep.ScopesNote, "rate limited") {
					t.Errorf("scopes %+v", rep)
				}
			}},
		{name: "twilio", rule: "twilio-auth-token", provider: "twilio", secret: strings.Repeat("0f1e", 8), ctx: map[string]string{"id": twilioSID},
			routes: routes{"/2010-04-01/Accounts/" + twilioSID + ".json": method(t, "GET", reply(200,
				`{"sid":"`+twilioSID+`","friendly_name":"Acme prod","owner_account_sid":"`+twilioSID+`","status":"active","type":"Full","date_created":"Thu, 30 Jul 2015 20:00:00 +0000"}`))},
			flags: []string{"admin-scope", "org-wide"},
			check: func(t *testing.T, rep *access.Report) {
				if rep.CreatedAt == nil || rep.CreatedAt.Year() != 2015 {
					t.Errorf("created %v", rep.CreatedAt)
				}
			}},
		{name: "telegram", rule: "telegram-bot-token", provider: "telegram", secret: telegramToken,
			routes: routes{"/bot" + telegramToken + "/getMe": method(t, "GET", reply(200,
				`{"ok":true,"result":{"id":123456789,"is_bot":true,"first_name":"Deploy","username":"acme_deploy_bot","can_join_groups":true,"can_read_all_group_messages":false,"supports_inline_queries":false}}`))},
			check: func(t *testing.T, rep *access.Report) {
				if rep.Identity["bot"] != "acme_deploy_bot" || !slices.Contains(rep.Requests, "GET /bot[REDACTED]/getMe -> 200") {
					t.Errorf("%+v", rep)
				}
			}},
		{name: "anthropic", rule: "anthropic-api-key", provider: "anthropic", secret: anthropicKey,
			routes: routes{"/v1/models": method(t, "GET", authed("X-Api-Key", anthropicKey, reply(200,
				`{"data":[{"type":"model","id":"claude-sonnet-4-5","display_name":"Claude Sonnet 4.5"},{"type":"model","id":"claude-haiku-4-5","display_name":"Claude Haiku 4.5"}],"has_more":false,"first_id":"claude-sonnet-4-5","last_id":"claude-haiku-4-5"}`)))},
			check: func(t *testing.T, rep *access.Report) {
				if rep.Reach[0].Count != 2 {
					t.Errorf("reach %+v", rep.Reach)
				}
			}},
		{name: "anthropic-admin", rule: "anthropic-admin-key", provider: "anthropic", secret: anthropicAdmin,
			routes: routes{
				"/v1/organizations/me":         method(t, "GET", authed("X-Api-Key", anthropicAdmin, reply(200, `{"id":"12345678-1234-5678-1234-567812345678","name":"Acme","type":"organization"}`))),
				"/v1/organizations/workspaces": method(t, "GET", reply(200, `{"data":[{"id":"wrkspc_01","name":"prod","type":"workspace"}],"has_more":false}`)),
				"/v1/organizations/users":      method(t, "GET", reply(403, `{"type":"error","error":{"type":"permission_error","message":"forbidden"}}`)),
			},
			flags: []string{"admin-scope", "org-wide"},
			check: func(t *testing.T, rep *access.Report) {
				if len(rep.Reach) != 2 || rep.Reach[0].Count != 1 || rep.Reach[1].Known {
					t.Errorf("reach %+v", rep.Reach)
				}
			}},
		{name: "openai-project", rule: "openai-api-key", provider: "openai", secret: openaiProject,
			routes: routes{"/v1/models": method(t, "GET", authed("Authorization", "Bearer "+openaiProject, reply(200,
				`{"object":"list","data":[{"id":"gpt-4o","object":"model","owned_by":"system"}]}`)))},
			check: func(t *testing.T, rep *access.Report) {
				if rep.ScopesKnown || len(rep.Reach) != 1 {
					t.Errorf("%+v", rep)
				}
			}},
		{name: "openai-admin", rule: "openai-admin-key", provider: "openai", secret: openaiAdmin,
			routes: routes{
				// Two cursor pages: has_more and last_id, then after=proj_2.
				"/v1/organization/projects": method(t, "GET", func(w http.ResponseWriter, r *http.Request) {
					switch r.URL.Query().Get("after") {
					case "":
						reply(200, `{"object":"list","data":[{"id":"proj_1","object":"organization.project","name":"Default project","status":"active"},{"id":"proj_2","object":"organization.project","name":"prod","status":"active"}],"first_id":"proj_1","last_id":"proj_2","has_more":true}`)(w, r)
					case "proj_2":
						reply(200, `{"object":"list","data":[{"id":"proj_3","object":"organization.project","name":"staging","status":"active"}],"first_id":"proj_3","last_id":"proj_3","has_more":false}`)(w, r)
					default:
						t.Errorf("projects cursor %q", r.URL.RawQuery)
						reply(400, `{}`)(w, r)
					}
				}),
				"/v1/organization/users": method(t, "GET", reply(200, `{"object":"list","data":[{"object":"organization.user","id":"user_1","name":"Dev","email":"dev@example.com","role":"owner"}],"has_more":false}`)),
			},
			flags: []string{"admin-scope", "org-wide"},
			check: func(t *testing.T, rep *access.Report) {
				if len(rep.Reach) != 2 || rep.Reach[0].Kind != "projects" || rep.Reach[0].Count != 3 || rep.Reach[0].AtLeast || len(rep.Reach[0].Sample) != 3 || slices.Contains(rep.Requests, "GET /v1/models -> 200") {
					t.Errorf("reach %+v", rep.Reach)
				}
			}},
		{name: "groq", rule: "groq-api-key", provider: "groq", secret: fakeSecret("gsk_", 52),
			routes: routes{"/openai/v1/models": method(t, "GET", reply(200, `{"object":"list","data":[{"id":"llama-3.3-70b-versatile","object":"model"}]}`))}},
		{name: "grafana-admin", rule: "grafana-service-account-token", provider: "grafana", secret: "glsa_" + strings.Repeat("Fk0", 11)[:32] + "_0a1b2c3d",
			routes: grafanaPerms(`{"dashboards:read":["dashboards:*"],"dashboards:write":["dashboards:*"],"orgs:create":[""],"users:create":[""]}`),
			flags:  []string{"admin-scope", "org-wide", "write-scope"}},
		{name: "grafana-viewer", rule: "grafana-service-account-token", provider: "grafana", secret: "glsa_" + strings.Repeat("Fk0", 11)[:32] + "_0a1b2c3d",
			routes: grafanaPerms(`{"dashboards:read":["dashboards:*"],"folders:read":["folders:*"]}`)},
		{name: "newrelic", rule: "newrelic-user-api-key", provider: "newrelic", secret: "NRAK-" + strings.Repeat("FK0", 9)[:27],
			routes: routes{"/graphql": nr(`{"data":{"actor":{"user":{"email":"ops@example.com","id":1001,"name":"Ops"},"accounts":[{"id":1,"name":"Acme prod"},{"id":2,"name":"Acme staging"}]}}}`)},
			check: func(t *testing.T, rep *access.Report) {
				if rep.Reach[0].Count != 2 || rep.Identity["email"] != "ops@example.com" {
					t.Errorf("%+v", rep)
				}
			}},
		{name: "sourcegraph-site-admin", rule: "sourcegraph-access-token", provider: "sourcegraph", secret: "sgp_" + strings.Repeat("0a1b", 10),
			routes: routes{"/.api/graphql": method(t, "POST", reply(200, `{"data":{"currentUser":{"username":"admin","email":"admin@example.com","siteAdmin":true,"organizations":{"totalCount":3,"nodes":[{"name":"acme"},{"name":"acme-labs"}]}}}}`))},
			flags:  []string{"org-wide"}},
		{name: "postman-admin", rule: "postman-api-key", provider: "postman", secret: "PMAK-" + strings.Repeat("0a1b", 6) + "-" + strings.Repeat("0a1b", 8) + "0a",
			routes: routes{"/me": method(t, "GET", reply(200, `{"user":{"id":12345678,"username":"taylor-lee","email":"taylor.lee@example.com","fullName":"Taylor Lee","teamId":123,"teamName":"Test Team","teamDomain":"test-team","roles":["user","admin"]},"operations":[{"name":"api_usage","limit":1000,"usage":8,"overage":0}]}`))},
			flags:  []string{"admin-scope", "org-wide"}},
		{name: "terraform", rule: "terraform-cloud-api-token", provider: "terraform", secret: strings.Repeat("Fk0", 5)[:14] + ".atlasv1." + strings.Repeat("Fk0", 23)[:67],
			routes: routes{
				"/api/v2/account/details": method(t, "GET", reply(200, `{"data":{"id":"user-V3R563qtJNcExAkN","type":"users","attributes":{"username":"admin","email":"admin@example.com","is-service-account":false}}}`)),
				"/api/v2/organizations": method(t, "GET", func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Query().Get("page[size]") != "100" {
						t.Errorf("organizations query %q", r.URL.RawQuery)
					}
					reply(200, `{"data":[{"id":"acme","type":"organizations","attributes":{"name":"acme"}},{"id":"acme-labs","type":"organizations","attributes":{"name":"acme-labs"}}],"meta":{"pagination":{"current-page":1,"page-size":100,"total-pages":1,"total-count":2}}}`)(w, r)
				}),
			}},
		{name: "rubygems-no-index-scope", rule: "rubygems-api-key", provider: "rubygems", secret: "rubygems_" + strings.Repeat("0a1b", 12),
			routes: routes{"/api/v1/gems.json": method(t, "GET", reply(403, `The API key doesn't have access`))},
			check: func(t *testing.T, rep *access.Report) {
				if len(rep.Reach) != 1 || rep.Reach[0].Known || rep.Reach[0].Note != "unknown (HTTP 403)" {
					t.Errorf("reach %+v", rep.Reach)
				}
			}},
		{name: "rubygems", rule: "rubygems-api-key", provider: "rubygems", secret: "rubygems_" + strings.Repeat("0a1b", 12),
			routes: routes{"/api/v1/gems.json": method(t, "GET", reply(200, `[{"name":"acme-cli","downloads":12},{"name":"acme-core","downloads":40}]`))}},
		{name: "mailgun", rule: "mailgun-private-key", provider: "mailgun", secret: strings.Repeat("0f1e", 8) + "-0f1e0f1e-0f1e0f1e",
			routes: routes{"/v3/domains": method(t, "GET", reply(200, `{"total_count":12,"items":[{"name":"mg.acme.example","state":"active"}]}`))},
			check: func(t *testing.T, rep *access.Report) {
				if rep.Reach[0].Count != 12 {
					t.Errorf("reach %+v", rep.Reach)
				}
			}},
		{name: "dynatrace-admin", rule: "dynatrace-api-token", provider: "dynatrace", secret: dynatraceSecret,
			routes: routes{"/api/v2/apiTokens/lookup": method(t, "POST", func(w http.ResponseWriter, r *http.Request) {
				var b struct{ Token string }
				if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.Token != dynatraceSecret {
					reply(400, `{"error":{"code":400,"message":"invalid token"}}`)(w, r)
					return
				}
				reply(200, `{"id":"dt0c01.FK0FK0FK0FK0FK0FK0FK0FK0FK","name":"ops","enabled":true,"personalAccessToken":false,"owner":"ops@example.com",`+
					`"creationDate":"2025-01-10T08:00:00.000Z","lastUsedDate":"2026-05-30T09:15:00.000Z","scopes":["apiTokens.write","metrics.read","settings.write"]}`)(w, r)
			})},
			flags: []string{"admin-scope", "no-expiry", "write-scope"}},
		{name: "dynatrace-read", rule: "dynatrace-api-token", provider: "dynatrace", secret: dynatraceSecret,
			routes: routes{"/api/v2/apiTokens/lookup": method(t, "POST", reply(200, `{"id":"dt0c01.FK0FK0FK0FK0FK0FK0FK0FK0FK","name":"dash","enabled":true,"personalAccessToken":true,"owner":"dev@example.com",`+
				`"creationDate":"2026-05-01T00:00:00.000Z","expirationDate":"2026-08-01T00:00:00.000Z","scopes":["metrics.read","entities.read"]}`))}},
		{name: "github-legacy", rule: "github-legacy-token", provider: "github", secret: strings.Repeat("0f1e", 10),
			routes: routes{
				"/user":       method(t, "GET", reply(200, `{"login":"octocat","id":1,"type":"User"}`, "X-OAuth-Scopes", "read:org, public_repo")),
				"/user/orgs":  method(t, "GET", reply(200, `[{"login":"acme"}]`)),
				"/user/repos": method(t, "GET", reply(200, `[{"full_name":"octocat/hello"}]`)),
			},
			flags: []string{"no-expiry", "write-scope"}},
		{name: "bitbucket", rule: "bitbucket-app-password", provider: "atlassian", secret: "ATBB" + strings.Repeat("0f1E", 8), ctx: map[string]string{"user": "dev"},
			routes: routes{
				"/2.0/user":                        method(t, "GET", reply(200, `{"username":"dev","display_name":"Dev","account_id":"557058:1","type":"user"}`, "X-OAuth-Scopes", "account, repository:write, pullrequest")),
				"/2.0/user/permissions/workspaces": method(t, "GET", reply(200, `{"pagelen":100,"size":2,"page":1,"values":[{"permission":"member","workspace":{"slug":"acme","name":"Acme"}},{"permission":"owner","workspace":{"slug":"dev","name":"Dev"}}]}`)),
			},
			flags: []string{"write-scope"}},
		{name: "bitbucket-no-account-scope", rule: "bitbucket-app-password", provider: "atlassian", secret: "ATBB" + strings.Repeat("0f1E", 8), ctx: map[string]string{"user": "dev"},
			routes: routes{
				"/2.0/user":                        method(t, "GET", reply(403, `{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes."}}`)),
				"/2.0/user/permissions/workspaces": method(t, "GET", reply(403, `{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes."}}`)),
			},
			check: func(t *testing.T, rep *access.Report) {
				if rep.ScopesKnown || len(rep.Reach) != 1 || rep.Reach[0].Known {
					t.Errorf("%+v", rep)
				}
			}},
		{name: "brevo", rule: "brevo-api-key", provider: "brevo", secret: "xkeysib-" + strings.Repeat("0f1e", 16) + "-" + strings.Repeat("Fk0", 6)[:16],
			routes: routes{"/v3/account": method(t, "GET", reply(200, `{"email":"ops@example.com","firstName":"Ops","companyName":"Acme","plan":[{"type":"free","credits":300}]}`))}},
		{name: "discord-bot", rule: "discord-bot-token", provider: "discord", secret: "MTA" + strings.Repeat("Fk0", 8)[:21] + "." + "GFk0Fk" + "." + strings.Repeat("Fk0", 13)[:38],
			routes: routes{
				"/api/v10/users/@me":        method(t, "GET", reply(200, `{"id":"1000","username":"deploy-bot","bot":true}`)),
				"/api/v10/users/@me/guilds": method(t, "GET", reply(200, `[{"id":"1","name":"Acme","owner":false,"permissions":"8"},{"id":"2","name":"Acme Labs","owner":false,"permissions":"2048"}]`)),
			},
			check: func(t *testing.T, rep *access.Report) {
				if rep.Reach[0].Count != 2 || rep.Reach[0].AtLeast {
					t.Errorf("reach %+v", rep.Reach)
				}
			}},
		{name: "discord-bot-200-servers", rule: "discord-bot-token", provider: "discord", secret: "MTA" + strings.Repeat("Fk0", 8)[:21] + "." + "GFk0Fk" + "." + strings.Repeat("Fk0", 13)[:38],
			routes: routes{
				"/api/v10/users/@me": method(t, "GET", reply(200, `{"id":"1000","username":"deploy-bot","bot":true}`)),
				"/api/v10/users/@me/guilds": method(t, "GET", func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Query().Get("limit") != "200" {
						t.Errorf("guilds query %q", r.URL.RawQuery)
					}
					var gs []string
					for i := range 200 {
						gs = append(gs, fmt.Sprintf(`{"id":"%d","name":"server-%d","permissions":"0"}`, i+1, i+1))
					}
					reply(200, "["+strings.Join(gs, ",")+"]")(w, r)
				}),
			},
			check: func(t *testing.T, rep *access.Report) {
				if re := rep.Reach[0]; re.Count != 200 || !re.AtLeast || len(re.Sample) != 10 {
					t.Errorf("reach %+v", re)
				}
			}},
		{name: "gcp-cloud-platform", rule: "gcp-oauth-access-token", provider: "gcp", secret: "ya29." + strings.Repeat("Fk0", 40),
			routes: routes{"/tokeninfo": method(t, "GET", reply(200, `{"azp":"32555940559.apps.googleusercontent.com","aud":"32555940559.apps.googleusercontent.com","scope":"https://www.googleapis.com/auth/cloud-platform openid https://www.googleapis.com/auth/userinfo.email","exp":"1780318800","expires_in":"1799","email":"dev@example.com","email_verified":"true"}`))},
			flags:  []string{"admin-scope", "org-wide"},
			check: func(t *testing.T, rep *access.Report) {
				if rep.ExpiresAt == nil || !rep.ExpiresAt.Equal(analyzeNow.Add(1799*time.Second)) {
					t.Errorf("expires %v", rep.ExpiresAt)
				}
			}},
		{name: "prefect", rule: "prefect-api-key", provider: "prefect", secret: "pnu_" + strings.Repeat("Fk0", 12)[:36],
			routes: routes{
				"/api/me/":           method(t, "GET", reply(200, `{"id":"u1","handle":"dev","email":"dev@example.com"}`)),
				"/api/me/workspaces": method(t, "GET", reply(200, `[{"account_id":"a1","account_handle":"acme","workspace_id":"w1","workspace_handle":"prod"},{"account_id":"a1","account_handle":"acme","workspace_id":"w2","workspace_handle":"staging"}]`)),
			}},
		{name: "sonarqube-admin", rule: "sonarqube-user-token", provider: "sonar", secret: "squ_" + strings.Repeat("0f1e", 10),
			routes: routes{
				"/api/authentication/validate": method(t, "GET", reply(200, `{"valid":true}`)),
				"/api/users/current":           method(t, "GET", reply(200, `{"isLoggedIn":true,"login":"admin","name":"Administrator","permissions":{"global":["admin","scan","provisioning"]}}`)),
			},
			flags: []string{"admin-scope", "org-wide", "write-scope"}},
		{name: "sonarqube-global-analysis", rule: "sonarqube-analysis-token", provider: "sonar", secret: "sqa_" + strings.Repeat("0f1e", 10),
			routes: routes{"/api/authentication/validate": method(t, "GET", reply(200, `{"valid":true}`))},
			flags:  []string{"org-wide", "write-scope"}},
		{name: "sonarqube-project-analysis", rule: "sonarqube-analysis-token", provider: "sonar", secret: "sqp_" + strings.Repeat("0f1e", 10),
			routes: routes{"/api/authentication/validate": method(t, "GET", reply(200, `{"valid":true}`))},
			flags:  []string{"write-scope"}},
		{name: "npm-legacy", rule: "npm-legacy-token", provider: "npm", secret: "0f1e0f1e-0f1e-0f1e-0f1e-0f1e0f1e0f1e",
			routes: routes{"/-/whoami": method(t, "GET", reply(200, `{"username":"dev"}`))}},
		{name: "openrouter-management", rule: "openrouter-api-key", provider: "openrouter", secret: "sk-or-v1-" + strings.Repeat("0f1e", 16),
			routes: routes{"/api/v1/key": method(t, "GET", reply(200, `{"data":{"label":"sk-or-v1-0f1...f1e","creator_user_id":"user_2dHF","limit":null,"limit_remaining":null,"usage":25.5,"is_free_tier":false,"is_management_key":true,"is_provisioning_key":true,"expires_at":"2027-12-31T23:59:59Z"}}`))},
			flags:  []string{"admin-scope", "org-wide"}},
		{name: "openrouter-inference", rule: "openrouter-api-key", provider: "openrouter", secret: "sk-or-v1-" + strings.Repeat("0f1e", 16),
			routes: routes{"/api/v1/key": method(t, "GET", reply(200, `{"data":{"label":"ci","limit":100,"limit_remaining":74.5,"usage":25.5,"is_free_tier":false,"is_management_key":false,"is_provisioning_key":false}}`))},
			check: func(t *testing.T, rep *access.Report) {
				if !slices.Equal(rep.Scopes, []string{"inference"}) || rep.ExpiresAt != nil || rep.NoExpiry {
					t.Errorf("%+v", rep)
				}
			}},
		{name: "xai", rule: "xai-api-key", provider: "xai", secret: "xai-" + strings.Repeat("Fk0", 27)[:80],
			routes: routes{"/v1/api-key": method(t, "GET", reply(200, `{"redacted_api_key":"xai-...b14o","user_id":"59fbe5f2","name":"My API Key","create_time":"2024-01-01T12:55:18.139305Z","modify_time":"2024-08-28T17:20:12.343321Z","modified_by":"3d38b4dc","team_id":"5ea6f6bd","acls":["api-key:model:*","api-key:endpoint:*"],"api_key_id":"ae1e1841","team_blocked":false,"api_key_blocked":false,"api_key_disabled":false}`))}},
		{name: "replicate", rule: "replicate-api-token", provider: "replicate", secret: "r8_" + strings.Repeat("Fk0", 13)[:37],
			routes: routes{"/v1/account": method(t, "GET", reply(200, `{"type":"organization","username":"acme","name":"Acme","github_url":"https://github.com/acme"}`))}},
		{name: "deepgram", rule: "deepgram-api-key", provider: "deepgram", secret: strings.Repeat("0f1e", 10),
			routes: routes{"/v1/projects": method(t, "GET", reply(200, `{"projects":[{"project_id":"p1","name":"prod"},{"project_id":"p2","name":"staging"}]}`))}},
		{name: "aiven", rule: "aiven-api-token", provider: "aiven", secret: strings.Repeat("Fk0/", 93),
			routes: routes{"/v1/me": method(t, "GET", reply(200, `{"user":{"user":"ops@example.com","real_name":"Ops","user_id":"u1","state":"active","projects":["acme-prod","acme-dev","acme-test"]}}`))},
			check: func(t *testing.T, rep *access.Report) {
				if rep.Reach[0].Count != 3 {
					t.Errorf("reach %+v", rep.Reach)
				}
			}},
		{name: "langsmith-service-key", rule: "langsmith-api-key", provider: "langsmith", secret: "lsv2_sk_" + strings.Repeat("0f1e", 8) + "_0f1e0f1e0f",
			routes: routes{"/api/v1/workspaces": method(t, "GET", reply(200, `[{"id":"w1","display_name":"Production"},{"id":"w2","display_name":"Research"}]`))}},
		{name: "tailscale", rule: "tailscale-api-key", provider: "tailscale", secret: "tskey-api-" + strings.Repeat("Fk0", 4) + "-" + strings.Repeat("Fk0", 10),
			routes: routes{"/api/v2/tailnet/-/devices": method(t, "GET", reply(200, `{"devices":[{"id":"d1","name":"web-1.tail0000.ts.net"},{"id":"d2","name":"db-1.tail0000.ts.net"}]}`))}},
		{name: "elevenlabs", rule: "elevenlabs-api-key", provider: "elevenlabs", secret: "sk_" + strings.Repeat("0f1e", 12),
			routes: routes{"/v1/user": method(t, "GET", reply(200, `{"user_id":"u-1","subscription":{"tier":"creator","character_count":1200,"character_limit":100000},"is_new_user":false}`))}},
		{name: "cohere", rule: "cohere-api-key", provider: "cohere", secret: strings.Repeat("Fk0", 14)[:40],
			routes: routes{"/v1/models": method(t, "GET", reply(200, `{"models":[{"name":"command-r-plus"},{"name":"embed-english-v3.0"}],"next_page_token":""}`))}},
		{name: "mistral", rule: "mistral-api-key", provider: "mistral", secret: strings.Repeat("Fk0", 11)[:32],
			routes: routes{"/v1/models": method(t, "GET", reply(200, `{"object":"list","data":[{"id":"mistral-large-latest","object":"model"}]}`))}},
		{name: "together", rule: "together-api-key", provider: "together", secret: "tgp_v1_" + strings.Repeat("Fk0", 15)[:43],
			routes: routes{"/v1/models": method(t, "GET", reply(200, `[{"id":"meta-llama/Llama-3.3-70B-Instruct-Turbo","object":"model"}]`))}},
		{name: "cerebras", rule: "cerebras-api-key", provider: "cerebras", secret: "csk-" + strings.Repeat("0f1e", 12),
			routes: routes{"/v1/models": method(t, "GET", reply(200, `{"object":"list","data":[{"id":"llama3.1-8b","object":"model"}]}`))}},
	}
}

// TestAnalyzeProviders runs every case: exact flags, the documented
// calls only, no secret in the output, a golden report.
func TestAnalyzeProviders(t *testing.T) {
	for _, c := range analyzeCases(t) {
		t.Run(c.name, func(t *testing.T) {
			v := newVendor(t, c.routes.handler(t))
			h := newHarness(envBase(c.provider, v.URL()))
			h.opts.MaxAge = c.maxAge
			st := analyzeRule(t, h, c.rule, c.secret, c.ctx)
			rep := st.Analysis
			if !rep.Available {
				t.Fatalf("not available: %s", rep.Note)
			}
			var got []string
			if len(rep.Flags) > 0 {
				got = flagIDs(rep)
			}
			if !slices.Equal(got, c.flags) {
				t.Errorf("flags %v, want %v", got, c.flags)
			}
			allow := analyzeAllow[c.rule]
			if allow == nil {
				t.Fatalf("no allowlist for %s", c.rule)
			}
			for _, q := range v.requests() {
				if !slices.Contains(allow, q.Method+" "+q.Path) {
					t.Errorf("request outside the documented read-only calls: %s %s", q.Method, q.Path)
				}
			}
			if c.check != nil {
				c.check(t, rep)
			}
			golden(t, c.name, rep)
		})
	}
}

// TestAnalyzeProvidersInvalidToken: a token every vendor refuses (401;
// Google's tokeninfo 400) is
// dead after the one verification request; nothing is analysed.
func TestAnalyzeProvidersInvalidToken(t *testing.T) {
	set := builtin(t)
	seen := map[string]bool{}
	for _, c := range analyzeCases(t) {
		if seen[c.rule] {
			continue
		}
		seen[c.rule] = true
		t.Run(c.rule, func(t *testing.T) {
			status := 401
			if c.rule == "gcp-oauth-access-token" {
				status = 400 // tokeninfo: {"error": "invalid_token"}
			}
			v := newVendor(t, reply(status, `{"error":"invalid_token","message":"invalid credentials"}`))
			h := newHarness(envBase(c.provider, v.URL()))
			h.opts.Analyze = true
			r := mustRule(t, set, c.rule)
			sts := h.engine().VerifyAll(context.Background(), set.Rule, []scanner.Finding{finding(r, c.secret, c.ctx)})
			if sts[0].State != Dead || sts[0].Analysis != nil || len(v.requests()) != 1 {
				t.Fatalf("%+v, %d requests", sts[0], len(v.requests()))
			}
		})
	}
}

// TestAnalyzeOpenAIProjectKeySkipsAdminCalls: the organisation endpoints
// are sent for Admin API keys only.
func TestAnalyzeOpenAIProjectKeySkipsAdminCalls(t *testing.T) {
	v := newVendor(t, routes{"/v1/models": reply(200, `{"object":"list","data":[]}`)}.handler(t))
	analyzeRule(t, newHarness(envBase("openai", v.URL())), "openai-api-key", openaiProject, nil)
	for _, q := range v.requests() {
		if strings.HasPrefix(q.Path, "/v1/organization/") {
			t.Errorf("a project key was sent to %s", q.Path)
		}
	}
}

// TestAnalyzeUnavailableSaysWhy: providers without a read-only
// introspection endpoint say so, with the vendor's doc.
func TestAnalyzeUnavailableSaysWhy(t *testing.T) {
	set := builtin(t)
	unavailable := []string{
		"docker-hub-pat",
		"docker-hub-org-token",
		"datadog-api-key",
		"grafana-cloud-token",
		"mailchimp-api-key",
		"jenkins-api-token",
		"nuget-api-key",
		"planetscale-token",
	}
	for _, id := range unavailable {
		r := mustRule(t, set, id)
		if r.Analyze == nil || r.Analyze.Unavailable == "" || !strings.Contains(r.Analyze.Unavailable, "https://") {
			t.Errorf("%s: no unavailable reason with a doc link", id)
			continue
		}
		rep := New(Options{}).Analyze(context.Background(), r, finding(r, "secretvalue", nil), Status{State: Live})
		if rep.Available || !strings.HasPrefix(rep.Lines()[0], "analysis not available: ") {
			t.Errorf("%s: %+v", id, rep)
		}
	}
}
