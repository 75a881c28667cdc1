package store

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
)

// ObjectSet is the set of git object ids scanned in a repository, kept as
// sorted runs of raw ids (20 bytes for SHA-1, 32 for SHA-256): about 20
// bytes an object on disk and in memory, and lookups by binary search.
// Object ids survive repacks and force-pushes, so "scan what is not in
// the set" is exact where tips or pack names are not.
type ObjectSet struct {
	runs []run
}

type run struct {
	width int
	ids   []byte // sorted, len a multiple of width
}

// Has reports whether the hex object id is in the set.
func (s *ObjectSet) Has(id string) bool {
	if s == nil {
		return false
	}
	raw, err := hex.DecodeString(id)
	if err != nil || len(raw) == 0 {
		return false
	}
	return s.hasRaw(raw)
}

// HasRaw reports whether the raw object id (20 or 32 bytes) is in the set.
func (s *ObjectSet) HasRaw(raw []byte) bool {
	if s == nil {
		return false
	}
	return s.hasRaw(raw)
}

func (s *ObjectSet) hasRaw(raw []byte) bool {
	for _, r := range s.runs {
		if r.width == len(raw) && r.has(raw) {
			return true
		}
	}
	return false
}

// Len is the number of ids in the set.
func (s *ObjectSet) Len() int {
	if s == nil {
		return 0
	}
	n := 0
	for _, r := range s.runs {
		n += len(r.ids) / r.width
	}
	return n
}

func (r run) has(id []byte) bool {
	n := len(r.ids) / r.width
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		c := bytes.Compare(r.ids[m*r.width:(m+1)*r.width], id)
		switch {
		case c == 0:
			return true
		case c < 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	return false
}

// encodeIDs turns hex and raw ids into sorted, de-duplicated runs by
// width.
func encodeIDs(ids []string, rawIDs [][]byte) (map[int][]byte, error) {
	byWidth := map[int][][]byte{}
	for _, id := range ids {
		raw, err := hex.DecodeString(id)
		if err != nil || (len(raw) != 20 && len(raw) != 32) {
			return nil, fmt.Errorf("store: not a git object id: %q", truncate(id, 80))
		}
		byWidth[len(raw)] = append(byWidth[len(raw)], raw)
	}
	for _, raw := range rawIDs {
		if len(raw) != 20 && len(raw) != 32 {
			return nil, fmt.Errorf("store: not a git object id: %d bytes", len(raw))
		}
		byWidth[len(raw)] = append(byWidth[len(raw)], raw)
	}
	out := map[int][]byte{}
	for w, list := range byWidth {
		out[w] = packSorted(w, list)
	}
	return out, nil
}

// packSorted sorts and de-duplicates ids of one width into one buffer.
func packSorted(width int, list [][]byte) []byte {
	slices.SortFunc(list, bytes.Compare)
	list = slices.CompactFunc(list, bytes.Equal)
	buf := make([]byte, 0, len(list)*width)
	for _, id := range list {
		buf = append(buf, id...)
	}
	return buf
}

// mergeRuns unions runs of one width into one sorted run.
func mergeRuns(width int, bufs [][]byte) []byte {
	var list [][]byte
	for _, b := range bufs {
		for i := 0; i+width <= len(b); i += width {
			list = append(list, b[i:i+width])
		}
	}
	return packSorted(width, list)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
