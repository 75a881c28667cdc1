package suppress

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scour-dev/scour/scanner"
)

// An ignore file and a baseline written before low-entropy secrets got
// argon2id fingerprints hold their plain SHA-256: those entries still
// suppress the secret, Apply reports each as an Upgrade with the new form,
// and UpgradeIgnore rewrites exactly those entries, keeping rule ids,
// comments and other lines; afterwards they match in the new form.
func TestLegacyFingerprintsStillMatchAndUpgrade(t *testing.T) {
	t.Parallel()
	const password = "hunter22" // low entropy: argon2id fingerprint
	token := fakePAT("legacy")  // high entropy: fingerprint unchanged
	if !scanner.LowEntropy(password) || scanner.LowEntropy(token) {
		t.Fatal("fixture secrets are not of the expected kinds")
	}
	oldPW, newPW := scanner.LegacyFingerprint(password), scanner.Fingerprint(password)
	if oldPW == newPW || scanner.Fingerprint(token) != scanner.LegacyFingerprint(token) {
		t.Fatal("fingerprint forms")
	}
	pw := scanner.Finding{RuleID: "pw-rule", Secret: password, Fingerprint: newPW}
	tok := scanner.Finding{RuleID: "github-classic-pat", Secret: token, Fingerprint: scanner.Fingerprint(token)}

	dir := t.TempDir()
	ignPath := filepath.Join(dir, IgnoreFileName)
	content := "# header\n" + oldPW + ":pw-rule  # the old form\n" + tok.Fingerprint + "  # a token\n"
	if err := os.WriteFile(ignPath, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	ign, err := LoadIgnore(ignPath)
	if err != nil {
		t.Fatal(err)
	}
	base, err := ReadBaseline("b.json", strings.NewReader(`{"scour_baseline":1,"findings":[{"rule_id":"other","fingerprint":"`+oldPW+`"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	base.Path = "b.json"
	other := scanner.Finding{RuleID: "other", Secret: password, Fingerprint: newPW}

	var ups []Upgrade
	res := &scanner.Result{Findings: []scanner.Finding{pw, tok, other}}
	n := Apply(res, Filters{Ignore: ign, Baseline: base, Upgrade: func(u Upgrade) { ups = append(ups, u) }})
	if n.Ignored != 2 || n.Baselined != 1 || len(res.Findings) != 0 {
		t.Fatalf("counts %+v, left %d", n, len(res.Findings))
	}
	want := []Upgrade{
		{File: ignPath, RuleID: "pw-rule", Old: oldPW, New: newPW},
		{File: "b.json", Baseline: true, RuleID: "other", Old: oldPW, New: newPW},
	}
	if len(ups) != len(want) || ups[0] != want[0] || ups[1] != want[1] {
		t.Fatalf("upgrades %+v, want %+v", ups, want)
	}

	changed, err := UpgradeIgnore(ignPath, map[string]string{oldPW: newPW})
	if err != nil || changed != 1 {
		t.Fatalf("UpgradeIgnore = %d, %v", changed, err)
	}
	got, _ := os.ReadFile(ignPath)
	if wantText := "# header\n" + newPW + ":pw-rule  # the old form\n" + tok.Fingerprint + "  # a token\n"; string(got) != wantText {
		t.Errorf("rewritten file\n%s\nwant\n%s", got, wantText)
	}
	ign, err = LoadIgnore(ignPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, legacy := ign.LegacyMatch(&pw); legacy || !ign.Ignores(&pw) {
		t.Error("after the upgrade the entry should match in the new form")
	}
	if strings.Contains(string(got), oldPW) {
		t.Error("old fingerprint still in the file")
	}
}

// `scour baseline update` over a baseline written with the old form: the
// entry is rewritten, not counted as one finding gone and one new.
func TestBaselineDiffCountsRewrittenEntries(t *testing.T) {
	t.Parallel()
	const password = "hunter22"
	old, err := ReadBaseline("b.json", strings.NewReader(`{"scour_baseline":1,"findings":[`+
		`{"rule_id":"r","fingerprint":"`+scanner.LegacyFingerprint(password)+`"},`+
		`{"rule_id":"r","fingerprint":"`+strings.Repeat("a", 64)+`"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	cur := NewBaseline(&scanner.Result{Findings: []scanner.Finding{
		{RuleID: "r", Secret: password, Fingerprint: scanner.Fingerprint(password)},
		{RuleID: "r", Secret: "other-password", Fingerprint: scanner.Fingerprint("other-password")},
	}})
	added, removed, rewritten := cur.Diff(old)
	if len(added) != 1 || added[0].Fingerprint != scanner.Fingerprint("other-password") ||
		len(removed) != 1 || removed[0].Fingerprint != strings.Repeat("a", 64) ||
		len(rewritten) != 1 || rewritten[0].Fingerprint != scanner.LegacyFingerprint(password) {
		t.Errorf("added %v, removed %v, rewritten %v", added, removed, rewritten)
	}
	var buf strings.Builder
	if err := WriteBaseline(&buf, cur); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), scanner.LegacyFingerprint(password)) {
		t.Error("the written baseline holds the old (unsalted SHA-256) fingerprint")
	}
}
