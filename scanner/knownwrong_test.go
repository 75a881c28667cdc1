package scanner

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestIssueKnownWrongAnswers runs, through the whole engine (catalogue,
// generic layer, decoding), each credential that issue 9 lists as a wrong
// answer scour once gave: a miss, a double report, a lookalike reported, a
// published sample reported. Each case names exactly the findings it
// wants, by rule and secret. The fake tokens are assembled at run time so
// that a scan of this repository does not report them.
func TestIssueKnownWrongAnswers(t *testing.T) {
	t.Parallel()
	s, _ := builtinScanner(t, 0)
	type want struct{ rule, secret string }
	slackCfg := "xoxe." + "xoxp-1-Mi0yLTQ1NjY3ODkxMjM0NS02NzE4MjQ3MDUzNjUtNzI0NTU4MzgxNzE0MC03MjQ1NTgzOTUzNzk4LWU5YjM0YTg2ZDY1YmE0OTYxNGY2Nzk3YTdmMTIzNDU2Nzg5MGFiY2RlZjEyMzQ1Njc4OTBhYmNkZWY"
	slackRefresh := "xoxe" + "-1-My0xLTQ1NjY3ODkxMjM0NS03MjQ1NTgzODE3MTQwLTcyNDU1ODM5NTM3OTgtMWY2YjM0YjcwZGE1NmU3ZTBkOTkwYjQ1YTc4MmE5YjEzNGZlODRhNWFiMGI3ZGNmMGE3NjJmYjA5NTI3ODhlMA"
	slackShort := "xox" + "s-3206092176-3204538295-3743137181-83eb042d20"
	atl := "Hq7zK2mNpR4s" + "T8vW1xY3bC5d"
	hvr := "hvr." + "AAAAAQJ2pGmnL9dx0wZBfQt7uK3eYs5vRc8Ma1bHyNoT4ijDgWkEVSxPq6r"
	vr := "r." + "6NvQb2YgWmRt7XkLpZs3HdJc"
	hvs := "hvs." + "Qf7mK2xN9pR4tV8wY3zB6cD1"
	sonar := "3f9c2b7e8a1d4c6f" + "0b5e9a2d7c4f1e8b3a6d9c2e"
	akid, aws := "AKIA"+"Q4WYLNRT7XJ2M5PE", "Kq8vT3nWz5Yb1Xc7"+"Dp2Rf9Gh4Jm6Ls0Nt3Vw8Ey5"
	akid2, aws2 := "AKIA"+"R7JK2QWMTN5LXV3P", "Zp5Tq2Wn8Xc4Vb7M"+"k1Lj9Hg3Fd6Sa0Ry2Eu5It8O"
	hub := "7c3e9a1f5b2d8e4a" + "6c0f9b3d7e1a5c8f2b4d6e9a"
	glc := "glc_" + "eyJvIjoiOTg3NjU0IiwibiI6InN0YWNrLTEyMzQ1Ni1pbnRlZ3JhdGlvbi1wdXNoIiwiayI6Ijd4UTJtOUxwNFJ2OFp3M0tiNlRuMUhjNSIsIm0iOnsiciI6InByb2QtdXMtZWFzdC0wIn19"
	// AWS's documentation pair, whole: published samples, never reported.
	awsSampleID, awsSampleSecret := "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	cases := []struct {
		name, path, text string
		want             []want
	}{
		{"slack configuration token", ".env", "SLACK_CONFIG_TOKEN=" + slackCfg + "\n", []want{{"slack-config-token", slackCfg}}},
		{"slack configuration refresh token", ".env", "SLACK_CONFIG_REFRESH=" + slackRefresh + "\n", []want{{"slack-config-refresh-token", slackRefresh}}},
		{"short legacy xoxs", "config.json", `{"access_token": "` + slackShort + `"}` + "\n", []want{{"slack-legacy-token", slackShort}}},
		{"24-character Atlassian token beside Jira", ".env", "JIRA_API_TOKEN=" + atl + "\n", []want{{"atlassian-legacy-api-token", atl}}},
		{"24-character Atlassian token beside Confluence", "settings.yml", "confluence:\n  api_token: \"" + atl + "\"\n", []want{{"atlassian-legacy-api-token", atl}}},
		{"vault recovery token", ".env", "VAULT_RECOVERY_TOKEN=" + hvr + "\n", []want{{"vault-recovery-token", hvr}}},
		{"vault legacy r. token", "vault.yml", "vault_recovery_token: " + vr + "\n", []want{{"vault-legacy-token", vr}}},
		{"vault 24-character dev token", ".env", "VAULT_TOKEN=" + hvs + "\n", []want{{"vault-service-token", hvs}}},
		{"sonar.login tuple", "build.py", "props = [('sonar.login', '" + sonar + "')]\n", []want{{"sonar-legacy-token", sonar}}},
		{"aws.secretkey", "app.properties", "aws.accesskey=" + akid + "\naws.secretkey=" + aws + "\n", []want{{"aws-access-key-id", akid}, {"aws-secret-access-key", aws}}},
		{"AWS keys in escaped JSON", "event.json", `{"body": "{\"aws_access_key_id\":\"` + akid2 + `\",\"aws_secret_access_key\":\"` + aws2 + `\"}"}` + "\n", []want{{"aws-access-key-id", akid2}, {"aws-secret-access-key", aws2}}},
		{"legacy GitHub token in a hub config", ".config/hub", "github.com:\n- user: octo-dev\n  oauth_token: " + hub + "\n  protocol: https\n", []want{{"github-legacy-token", hub}}},
		{"glc_ reported once", ".env", "GRAFANA_CLOUD_TOKEN=" + glc + "\n", []want{{"grafana-cloud-token", glc}}},
		{"Power BI link is not a Grafana key", "README.md", "Dashboard: https://app.powerbi.com/view?r=eyJrIjoiNzQ2YTFiM2QtOWU4Mi00ZjJiLWE5NzEtM2I1YzdkOGU5ZjAxIiwidCI6IjcyZjk4OGJmLTg2ZjEtNDFhZi05MWFiLTJkN2NkMDExZGI0NyIsImMiOjV9\n", nil},
		{"Slack documentation token", "README.md", "SLACK_BOT_TOKEN=" + "xoxb-" + "17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy\n", nil},
		{"AWS EXAMPLE keys", ".aws/credentials", "[default]\naws_access_key_id = " + awsSampleID + "\naws_secret_access_key = " + awsSampleSecret + "\n", nil},
		{"Mailgun, Telegram and Cloudflare documentation samples", ".env", "MAILGUN_API_KEY=key-" + "3ax6xnjp29jd6fds4gc373sgvjxteol0\nTELEGRAM_BOT_TOKEN=110201543:" + "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw\nCLOUDFLARE_API_TOKEN=YQSn-" + "xWAQiiEh9qM58wZNnyQS7FUdoqGIUAbrh7T\n", nil},
		{"Firebase SDK sample key", "firebase.js", "const firebaseConfig = {\n  apiKey: \"AIza" + "SyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU\",\n};\n", nil},
	}
	for _, c := range cases {
		res, err := s.Run(context.Background(), items{memItem(c.path, []byte(c.text))})
		if err != nil {
			t.Fatal(err)
		}
		var got []want
		for _, f := range res.Findings {
			got = append(got, want{f.RuleID, f.Secret})
		}
		slices.SortFunc(got, func(a, b want) int { return strings.Compare(a.rule, b.rule) })
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
