package scanner

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/sourcegraph/conc"

	"github.com/scour-dev/scour/source"
)

// shuffledSource hands its items to the sink from concurrent goroutines,
// started in an order the seed picks: items finish in a different order on
// every run, as files and blobs do in real scans.
func shuffledSource(its []source.Item, seed uint64) source.Source {
	return sourceFunc(func(ctx context.Context, sink source.Sink) error {
		order := rand.New(rand.NewPCG(seed, seed)).Perm(len(its))
		var wg conc.WaitGroup
		for _, i := range order {
			wg.Go(func() {
				_ = sink.Item(ctx, its[i])
				if i%7 == 0 {
					sink.Skipped(source.Skipped{Path: "same", Reason: fmt.Sprintf("reason %d", i)})
				}
			})
		}
		wg.Wait()
		return nil
	})
}

// TestReportIsTheSameWhicheverFileFinishesFirst: one secret in many files,
// each pairing it with a different key id (a context group). The finding's
// context must not depend on which file the scan finished first: it is the
// one at the finding's first location, on every run.
func TestReportIsTheSameWhicheverFileFinishesFirst(t *testing.T) {
	t.Parallel()
	r := testRule{id: "paired", keywords: []string{"TOK_"}, f: &fakeRule{
		re: regexpMust(`(?:id=(?P<keyid>K[0-9]{3}) )?(?P<secret>tok_[A-Za-z0-9]{20})`), window: 40}}
	s := newTestScanner(t, 0, nil, r)
	shared := tok("SharedAcrossFiles")
	var its []source.Item
	for i := range 200 {
		its = append(its, memItem(fmt.Sprintf("f%03d", i), []byte(fmt.Sprintf("id=K%03d %s\n", 999-i, shared))))
	}
	var first *Result
	for run := range 8 {
		res, err := s.Run(context.Background(), shuffledSource(its, uint64(run)))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) != 1 || len(res.Findings[0].Locations) != 200 {
			t.Fatalf("run %d: findings %+v", run, res.Findings)
		}
		if got := res.Findings[0].Context["keyid"]; got != "K999" {
			t.Fatalf("run %d: context keyid %q, want K999 (the one at f000, the first location)", run, got)
		}
		if first == nil {
			first = res
			continue
		}
		if !reflect.DeepEqual(first, res) {
			t.Fatalf("run %d differs from run 0:\n%+v\n%+v", run, first, res)
		}
	}
	if len(first.Skipped) != 29 || !strings.HasPrefix(first.Skipped[0].Reason, "reason 0") {
		t.Fatalf("skipped %+v", first.Skipped)
	}
}

// TestDroppedCandidatesAreCounted: the summary says how many candidates a
// filter dropped, each distinct secret once, whether or not --verbose is on.
func TestDroppedCandidatesAreCounted(t *testing.T) {
	t.Parallel()
	r := tokRule(20)
	r.f.drop = func(secret string) string {
		switch {
		case strings.HasSuffix(secret, "0"):
			return "checksum crc32 failed"
		case strings.HasSuffix(secret, "X"):
			return "placeholder (contains EXAMPLE)"
		}
		return ""
	}
	s := newTestScanner(t, 0, nil, r)
	bad, bad2, ph := tok("Bad"), tok("Worse"), tok("ExampleXXXXXXXXXXXXX")
	res := run(t, s, items{
		memItem("a", []byte("k="+bad+"\nk="+bad+"\n")),
		memItem("b", []byte("k="+bad+" "+bad2+" "+ph+"\n")),
	})
	want := Dropped{Checksum: 2, Placeholder: 1}
	if res.Stats.Dropped != want || res.Stats.Dropped.Total() != 3 {
		t.Fatalf("dropped %+v, want %+v", res.Stats.Dropped, want)
	}
}
