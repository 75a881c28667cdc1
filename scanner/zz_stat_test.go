package scanner

import (
	"fmt"
	"sort"
	"testing"
)

func TestPFStat(t *testing.T) {
	s, _ := builtinScanner(t, 0)
	data := benchCorpus()
	cnt := map[string]int{}
	for _, sp := range s.pf.candidates(data, nil) {
		cnt[string(data[sp.lo:sp.hi])]++
	}
	type kv struct{ k string; n int }
	var o []kv
	for k, v := range cnt { o = append(o, kv{k, v}) }
	sort.Slice(o, func(i, j int) bool { return o[i].n > o[j].n })
	for i := 0; i < len(o) && i < 30; i++ { fmt.Printf("%q %d\n", o[i].k, o[i].n) }
}

func TestCosts(t *testing.T) {
	for _, kw := range []string{"vault login", "sonartoken", "gitee", "sec0", "pt-"} {
		for k := 0; k+3 <= len(kw); k++ {
			fmt.Printf("%q=%.0f ", kw[k:k+3], trigramCost([]byte(kw[k:])))
		}
		fmt.Println()
	}
}
