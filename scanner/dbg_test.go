package scanner
import ("testing"; "time"; "sort"; "fmt"; "github.com/scour-dev/scour/rules")
func TestDbgRuleCost(t *testing.T) {
	s, _ := builtinScanner(t, 0)
	data := benchCorpus()
	sc := &scratch{}
	type st struct{ id string; bytes, wins int; d time.Duration }
	cost := map[int]*st{}
	for a := 0; a < len(data); a += s.chunkSize {
		chunk := data[a:min(a+s.chunkSize, len(data))]
		s.keywordHits(sc, chunk)
		for _, ri := range sc.touched {
			spans := sc.spans[ri]
			if cost[ri] == nil { cost[ri] = &st{id: s.entries[ri].id} }
			c := cost[ri]
			t0 := time.Now()
			for _, sp := range spans { c.bytes += sp.hi-sp.lo; c.wins++; s.entries[ri].find.Find(chunk, sp.lo, sp.hi, func(rules.Match){}, nil) }
			c.d += time.Since(t0)
		}
	}
	var l []*st
	for _, c := range cost { l = append(l, c) }
	sort.Slice(l, func(i, j int) bool { return l[i].d > l[j].d })
	for _, c := range l[:min(15, len(l))] { fmt.Printf("%-40s wins=%6d bytes=%9d %v\n", c.id, c.wins, c.bytes, c.d) }
}
