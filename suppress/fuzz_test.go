package suppress

import (
	"bytes"
	"testing"
)

// Arbitrary bytes never panic the ignore file parser, and whatever it
// accepts round-trips through the entries' String form.
func FuzzParseIgnore(f *testing.F) {
	f.Add([]byte(fingerprint("a") + "  # c\n" + fingerprint("b") + ":github-pat\n"))
	f.Add([]byte("# only a comment\n\n"))
	f.Add([]byte("nope\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseIgnore("fuzz", bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		for _, e := range l.Entries {
			buf.WriteString(e.String() + "\n")
		}
		again, err := ParseIgnore("again", &buf)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", buf.String(), err)
		}
		if len(again.Entries) != len(l.Entries) {
			t.Fatalf("%d entries, then %d", len(l.Entries), len(again.Entries))
		}
		for i := range l.Entries {
			if again.Entries[i].Fingerprint != l.Entries[i].Fingerprint || again.Entries[i].RuleID != l.Entries[i].RuleID {
				t.Fatalf("entry %d changed: %+v -> %+v", i, l.Entries[i], again.Entries[i])
			}
		}
	})
}

// Arbitrary bytes never panic the baseline reader.
func FuzzReadBaseline(f *testing.F) {
	f.Add([]byte(`{"scour_baseline": 1, "findings": [{"rule_id": "r", "fingerprint": "` + fingerprint("x") + `"}]}`))
	f.Add([]byte(`{"schema_version": 1, "findings": []}`))
	f.Add([]byte(`{"rule_id": "r", "fingerprint": "` + fingerprint("y") + `"}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ReadBaseline("fuzz", bytes.NewReader(data))
	})
}
