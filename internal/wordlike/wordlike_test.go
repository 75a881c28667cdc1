package wordlike

import (
	"slices"
	"strings"
	"testing"
)

func TestVocabSorted(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(vocab, "\n"), "\n")
	if len(lines) < 10000 {
		t.Fatalf("vocabulary has %d tokens", len(lines))
	}
	if !slices.IsSorted(lines) {
		t.Fatal("vocab.txt is not sorted: lookup needs byte order")
	}
	for _, l := range lines {
		if len(l) < 2 || len(l) > maxToken {
			t.Fatalf("token %q: length outside 2..%d", l, maxToken)
		}
	}
	for _, l := range lines[:50] {
		if ok, _ := lookup(l); !ok {
			t.Errorf("lookup(%q) misses a token", l)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, c := range []struct {
		w             string
		exact, prefix bool
	}{
		{"password", true, true},
		{"connection", true, true},
		{"conn", true, true},
		{"qzxj", false, false},
	} {
		e, p := lookup(c.w)
		if e != c.exact || p != c.prefix {
			t.Errorf("lookup(%q) = %v, %v; want %v, %v", c.w, e, p, c.exact, c.prefix)
		}
	}
}

// TestWordsVersusKeys: identifiers, sentences and paths score as word-like
// (many characters per token), generated credentials do not.
func TestWordsVersusKeys(t *testing.T) {
	wordy := []string{"connectionString", "ThisIsMyDatabaseUser", "production_database_password",
		"Please enter your password", "config/settings/local.yaml", "getAccessTokenFromEnvironment"}
	random := []string{"q8Zr0KfTmW2xLpV9", "hT4kD9sLq2Xv7BnR1cZw", "4f9a1c6e0b7d2e8f3a5c9b1d", "Zm9vYmFyYmF6cXV4"}
	for _, s := range wordy {
		if r := CharsPerToken(s); r < 3 {
			t.Errorf("CharsPerToken(%q) = %.2f, want >= 3 (word-like)", s, r)
		}
	}
	for _, s := range random {
		if r := CharsPerToken(s); r >= 2.2 {
			t.Errorf("CharsPerToken(%q) = %.2f, want < 2.2 (random)", s, r)
		}
	}
}

func TestLongestWord(t *testing.T) {
	if n := LongestWord("mySuperSecretPassword1", 5); n < 8 {
		t.Errorf("LongestWord = %d, want >= 8 (Password)", n)
	}
	if n := LongestWord("q8Zr0KfTmW2xLpV9", 5); n != 0 {
		t.Errorf("LongestWord(random) = %d, want 0", n)
	}
}

func BenchmarkCharsPerToken(b *testing.B) {
	in := []string{"q8Zr0KfTmW2xLpV9hT4kD9sLq2Xv7BnR", "ThisIsMyDatabaseUserPassword", "4f9a1c6e0b7d2e8f3a5c9b1d"}
	for i := 0; b.Loop(); i++ {
		CharsPerToken(in[i%len(in)])
	}
}

// TestPairStart: the generated index agrees with the vocabulary, so every
// token is found from its two-letter range.
func TestPairStart(t *testing.T) {
	if int(pairStart[52*52]) != len(vocab) {
		t.Fatalf("index ends at %d, vocab has %d bytes (regenerate both with internal/vocabgen)", pairStart[52*52], len(vocab))
	}
	for _, l := range strings.Split(strings.TrimSuffix(vocab, "\n"), "\n") {
		if ok, _ := lookup(l); !ok {
			t.Fatalf("lookup(%q) misses a token", l)
		}
	}
}

// FuzzScores: any bytes are scored without a panic.
func FuzzScores(f *testing.F) {
	f.Add("ab-c_d9\xff\x00Zz")
	f.Fuzz(func(t *testing.T, s string) {
		CharsPerToken(s)
		LongestWord(s, 1)
		LongestWord(s, 5)
	})
}

func TestWords(t *testing.T) {
	for s, want := range map[string]bool{"config_client": true, "session-cache": true, "Token": true, "db.password": true,
		"q8Zr0KfT": false, "kqzvxtwl_config": false, "config__x": false, "": false} {
		if got := Words(s); got != want {
			t.Errorf("Words(%q) = %v, want %v", s, got, want)
		}
	}
}
