package sweep

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/scour-dev/scour/store"
)

// Shard is "K/N": this process sweeps the repositories whose stable hash
// modulo N is K (0-based). The zero value (N 0) means everything.
type Shard struct {
	K, N int
}

// ParseShard parses "K/N" with 0 <= K < N.
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 0 || ki >= ni {
		return Shard{}, fmt.Errorf("--shard %q: want K/N with 0 <= K < N (e.g. 0/4)", s)
	}
	return Shard{K: ki, N: ni}, nil
}

func (s Shard) String() string {
	if s.N == 0 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// Has reports whether the repository at cloneURL belongs to this shard.
func (s Shard) Has(cloneURL string) bool {
	return s.N <= 1 || ShardOf(cloneURL, s.N) == s.K
}

// ShardOf is the shard of a repository: the first 8 bytes of SHA-256 of
// its credential-free URL, big-endian, modulo n. It depends on nothing
// but the URL, so every machine and every run agrees.
func ShardOf(cloneURL string, n int) int {
	sum := sha256.Sum256([]byte(store.CleanURL(cloneURL)))
	return int(binary.BigEndian.Uint64(sum[:8]) % uint64(n))
}
