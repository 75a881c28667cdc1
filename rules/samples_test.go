package rules

import (
	"strings"
	"testing"
)

// TestPublishedSamplesAreNeverReported: every published sample credential,
// written the way documentation shows it, is matched by no built-in rule;
// where a rule's pattern does hit it, the drop names it as a published
// sample (what --verbose prints).
func TestPublishedSamplesAreNeverReported(t *testing.T) {
	t.Parallel()
	set, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	samples, err := loadSamples()
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) == 0 {
		t.Fatal("no published samples loaded")
	}
	namedAsSample := 0
	for secret, source := range samples {
		if got, ok := set.PublishedSample(secret); !ok || got != source {
			t.Errorf("PublishedSample(%q) = %q, %v; want %q, true", secret, got, ok, source)
		}
		text := "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = " + secret + "\nexport TOKEN=\"" + secret + "\"\n"
		data := []byte(text)
		for _, r := range set.Rules() {
			r.Find(data, 0, len(data), func(m Match) {
				t.Errorf("rule %s reported the published sample %q (%s)", r.ID, m.Secret, source)
			}, func(s, why string) {
				if s == secret && strings.HasPrefix(why, "published sample credential (") {
					namedAsSample++
				}
			})
		}
	}
	if namedAsSample == 0 {
		t.Error("no rule dropped a sample as a published sample credential")
	}
	if _, ok := set.PublishedSample("xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgz"); ok {
		t.Error("a token one character away from a sample counts as a sample")
	}
}

// TestPublishedSampleDropIsSpecific: the Slack documentation token is
// dropped with its source, while a token of the same shape is reported.
func TestPublishedSampleDropIsSpecific(t *testing.T) {
	t.Parallel()
	set, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	r := set.Rule("slack-bot-token")
	sample := "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
	other := "xoxb-17653672481-19874698323-qeGAlWfUvF9tl8pPdCsacrhz"
	data := []byte("SLACK_BOT_TOKEN=" + sample + "\nSLACK_BOT_TOKEN=" + other + "\n")
	var found []string
	var why string
	r.Find(data, 0, len(data), func(m Match) { found = append(found, m.Secret) }, func(s, w string) {
		if s == sample {
			why = w
		}
	})
	if len(found) != 1 || found[0] != other {
		t.Errorf("found %q, want only %q", found, other)
	}
	if want := "published sample credential (Slack API documentation (token types))"; why != want {
		t.Errorf("drop reason %q, want %q", why, want)
	}
}
