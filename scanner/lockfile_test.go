package scanner

import (
	"context"
	"testing"
)

// TestGenericSkipsLockFiles: a go.sum line whose module path ends in a
// credential word ("modernc.org/token") is not a generic secret, while the
// same text in an ordinary file still goes through the generic layer.
func TestGenericSkipsLockFiles(t *testing.T) {
	t.Parallel()
	s, _ := builtinScanner(t, 0)
	line := []byte("modernc.org/token v1.1.0/go.mod h1:UGzOrNV1mAFSEB63lOFHIpNRUVMvYTc6yu1SMY/XTDM=\n")
	for _, p := range []string{"go.sum", "sub/dir/go.sum", "web/package-lock.json"} {
		res, err := s.Run(context.Background(), items{memItem(p, line)})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			t.Errorf("%s: reported %s (%s)", p, f.RuleID, f.Confidence)
		}
	}
	if !lockPath("a/Cargo.lock") || lockPath("go.summary") || lockPath("") {
		t.Error("lockPath: wrong answer for Cargo.lock, go.summary or the empty path")
	}
}
