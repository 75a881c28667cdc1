package scanner

import "testing"

func BenchmarkZZEmptySet(b *testing.B) {
	s, _ := builtinScanner(b, 0)
	pf := *s.pf
	pf.set = [len(pf.set)]uint64{}
	data := benchCorpus()
	var spans []span
	perCPU(b, len(data), func() { spans = pf.candidates(data, spans[:0]) })
}
func BenchmarkZZFull(b *testing.B) {
	s, _ := builtinScanner(b, 0)
	data := benchCorpus()
	var spans []span
	perCPU(b, len(data), func() { spans = s.pf.candidates(data, spans[:0]) })
}
