package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"sync"
)

// builtinDigest hashes the embedded catalogue once per process.
var builtinDigest = sync.OnceValue(func() string {
	h := sha256.New()
	// fs.WalkDir visits in lexical order: the digest is stable.
	_ = fs.WalkDir(builtinFS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := builtinFS.ReadFile(name)
		if err != nil {
			return err
		}
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write(data)
		h.Write([]byte{0})
		return nil
	})
	h.Write(samplesYAML)
	return hex.EncodeToString(h.Sum(nil))
})

// BuiltinDigest is a SHA-256 of the built-in rule catalogue and sample
// list as embedded in this binary: it changes whenever they do. A sweep
// keys what it may skip on it (docs/sweep.md).
func BuiltinDigest() string { return builtinDigest() }
