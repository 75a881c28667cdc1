package suppress

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/scour-dev/scour/internal/fixture"
	"github.com/scour-dev/scour/scanner"
)

// A checksum-valid fake GitHub token built at test time (internal/fixture).
func fakePAT(seed string) string { return fixture.GitHubPAT(seed) }

func fingerprint(secret string) string {
	s := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(s[:])
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// secrets lists the secrets of res's findings.
func secrets(res *scanner.Result) []string {
	var s []string
	for _, f := range res.Findings {
		s = append(s, f.Secret)
	}
	return s
}
