package scanner

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Options.Allow sees the rule, the secret and the text of the match's
// line, and a true answer drops the match (config line allowlists).
func TestAllowHook(t *testing.T) {
	t.Parallel()
	r := tokRule(20)
	var mu sync.Mutex
	var logs, seen []string
	kept, allowed := tok("Kept"), tok("Allowed")
	opts := Options{
		Debugf: func(f string, a ...any) { mu.Lock(); logs = append(logs, fmt.Sprintf(f, a...)); mu.Unlock() },
		Allow: func(ruleID, secret string, line []byte) bool {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, ruleID+"|"+secret+"|"+string(line))
			return strings.Contains(string(line), "fixture")
		},
	}
	s, err := newScanner(opts, []entry{{id: r.id, provider: "fake", description: r.id, find: r.f, window: r.f.window}}, [][]string{r.keywords})
	if err != nil {
		t.Fatal(err)
	}
	data := "a = 1\nx = " + allowed + " # fixture\nz = " + kept + "\n"
	res := run(t, s, items{memItem("conf", []byte(data))})
	locs := allLocations(res)
	if len(locs) != 1 || locs[kept] == nil {
		t.Fatalf("findings %+v, want only the token on the unmarked line", res.Findings)
	}
	want := "fake-tok|" + allowed + "|x = " + allowed + " # fixture"
	if len(seen) != 2 || seen[0] != want {
		t.Errorf("hook saw %q, want first %q", seen, want)
	}
	joined := strings.Join(logs, "\n")
	if !strings.Contains(joined, "conf:2:5") || !strings.Contains(joined, "allowed by configuration") || strings.Contains(joined, allowed) {
		t.Errorf("debug output:\n%s", joined)
	}
}
