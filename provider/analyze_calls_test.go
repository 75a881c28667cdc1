package provider

import (
	"slices"
	"strings"
	"testing"
)

// documentedAnalyzeCalls is the reviewed list of every read-only request
// the built-in analyze blocks may send, per rule, as METHOD and path
// template (the query string dropped): each one is a call the vendor
// documents as a read (docs/providers.md §9). A new or changed call fails
// TestAnalyzeCallsAreDocumented until it is reviewed here. The coded cloud
// analyzers (AWS IAM, Alibaba Cloud RAM) list their actions in their own
// packages' tests.
var documentedAnalyzeCalls = map[string][]string{
	"anthropic-api-key":             {"GET /v1/models"},
	"anthropic-admin-key":           {"GET /v1/organizations/me", "GET /v1/organizations/workspaces", "GET /v1/organizations/users"},
	"bitbucket-app-password":        {"GET /2.0/user", "GET /2.0/user/permissions/workspaces"},
	"azure-devops-pat":              {"GET /${org}/_apis/connectionData", "GET /${org}/_apis/projects"},
	"azure-devops-pat-legacy":       {"GET /${org}/_apis/connectionData", "GET /${org}/_apis/projects"},
	"azure-devops-pat-url":          {"GET /${org}/_apis/connectionData", "GET /${org}/_apis/projects"},
	"brevo-api-key":                 {"GET /v3/account"},
	"buildkite-api-token":           {"GET /v2/access-token", "GET /v2/organizations"},
	"circleci-personal-token":       {"GET /api/v2/me", "GET /api/v2/me/collaborations"},
	"circleci-legacy-token":         {"GET /api/v2/me", "GET /api/v2/me/collaborations"},
	"cloudflare-api-token":          {"GET /client/v4/user/tokens/verify"},
	"databricks-token":              {"GET /api/2.0/preview/scim/v2/Me"},
	"digitalocean-token":            {"GET /v2/account"},
	"discord-bot-token":             {"GET /api/v10/users/@me", "GET /api/v10/users/@me/guilds"},
	"doppler-token":                 {"GET /v3/me"},
	"dynatrace-api-token":           {"POST /api/v2/apiTokens/lookup"},
	"gcp-oauth-access-token":        {"GET /tokeninfo"},
	"github-pat":                    {"GET /user", "GET /user/orgs", "GET /user/repos"},
	"github-oauth":                  {"GET /user", "GET /user/orgs", "GET /user/repos"},
	"github-user-to-server":         {"GET /user", "GET /user/orgs", "GET /user/repos"},
	"github-app-installation":       {"GET /installation/repositories"},
	"github-fine-grained-pat":       {"GET /user", "GET /user/repos"},
	"github-legacy-token":           {"GET /user", "GET /user/orgs", "GET /user/repos"},
	"github-legacy-token-setting":   {"GET /user", "GET /user/orgs", "GET /user/repos"},
	"github-legacy-token-pat":       {"GET /user", "GET /user/orgs", "GET /user/repos"},
	"gitlab-pat-routable":           {"GET /api/v4/personal_access_tokens/self", "GET /api/v4/user", "GET /api/v4/projects"},
	"gitlab-pat":                    {"GET /api/v4/personal_access_tokens/self", "GET /api/v4/user", "GET /api/v4/projects"},
	"grafana-service-account-token": {"GET /api/org", "GET /api/access-control/user/permissions"},
	"grafana-api-key":               {"GET /api/org", "GET /api/access-control/user/permissions"},
	"groq-api-key":                  {"GET /openai/v1/models"},
	"heroku-api-key-v2":             {"GET /account", "GET /oauth/authorizations"},
	"heroku-api-key":                {"GET /account", "GET /oauth/authorizations"},
	"huggingface-access-token":      {"GET /api/whoami-v2"},
	"huggingface-org-token":         {"GET /api/whoami-v2"},
	"mailgun-api-key":               {"GET /v3/domains"},
	"mailgun-private-key":           {"GET /v3/domains"},
	"newrelic-user-api-key":         {"POST /graphql"},
	"npm-access-token":              {"GET /-/whoami", "GET /-/npm/v1/tokens"},
	"npm-legacy-token":              {"GET /-/whoami"},
	"okta-api-token":                {"GET /api/v1/users/me", "GET /api/v1/users/${user_id}/roles"},
	"openai-api-key":                {"GET /v1/models"},
	"openai-admin-key":              {"GET /v1/organization/projects", "GET /v1/organization/users"},
	"postman-api-key":               {"GET /me"},
	"prefect-api-key":               {"GET /api/me/", "GET /api/me/workspaces"},
	"pulumi-access-token":           {"GET /api/user"},
	"rubygems-api-key":              {"GET /api/v1/gems.json"},
	"sendgrid-api-key":              {"GET /v3/scopes"},
	"sentry-user-token":             {"GET /api/0/"},
	"sentry-org-token":              {"GET /api/0/"},
	"sentry-legacy-auth-token":      {"GET /api/0/"},
	"slack-bot-token":               {"POST /api/auth.test"},
	"slack-user-token":              {"POST /api/auth.test"},
	"slack-legacy-token":            {"POST /api/auth.test"},
	"snyk-api-token":                {"GET /v1/user/me"},
	"sonarqube-user-token":          {"GET /api/users/current"},
	"sonar-legacy-token":            {"GET /api/users/current"},
	"sourcegraph-access-token":      {"POST /.api/graphql"},
	"stripe-secret-key":             {"GET /v1/account"},
	"telegram-bot-token":            {"GET /bot${secret}/getMe"},
	"terraform-cloud-api-token":     {"GET /api/v2/account/details", "GET /api/v2/organizations"},
	"twilio-auth-token":             {"GET /2010-04-01/Accounts/${id}.json"},
	"vault-service-token":           {"GET /v1/auth/token/lookup-self"},
	"vault-batch-token":             {"GET /v1/auth/token/lookup-self"},
	"vault-legacy-token":            {"GET /v1/auth/token/lookup-self"},
	"yunxiao-pat":                   {"GET /oapi/v1/platform/user", "GET /oapi/v1/platform/organizations", "GET /oapi/v1/codeup/organizations/${org}/repositories", "GET /oapi/v1/flow/organizations/${org}/pipelines"},
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

func TestAnalyzeCallsAreDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range builtin(t).Rules() {
		if r.Analyze == nil || len(r.Analyze.Calls) == 0 {
			continue
		}
		seen[r.ID] = true
		want, ok := documentedAnalyzeCalls[r.ID]
		if !ok {
			t.Errorf("%s: analyze calls not reviewed (add them to documentedAnalyzeCalls)", r.ID)
			continue
		}
		var got []string
		for _, c := range r.Analyze.Calls {
			if c.Method != "GET" && c.Method != "HEAD" && strings.TrimSpace(c.ReadOnly) == "" {
				t.Errorf("%s: %s %s without a read_only reason", r.ID, c.Method, c.Name)
			}
			u := strings.TrimPrefix(c.URL, "${base_url}")
			u, _, _ = strings.Cut(u, "?")
			got = append(got, c.Method+" "+u)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: analyze calls %q, reviewed %q", r.ID, got, want)
		}
	}
	for id := range documentedAnalyzeCalls {
		if !seen[id] {
			t.Errorf("%s: reviewed calls for a rule without analyze calls", id)
		}
	}
}
