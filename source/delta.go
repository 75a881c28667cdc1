package source

// Delta-aware matching (docs/design.md §14): a source that builds an item
// from an earlier one (a git blob stored as a delta of another) says which
// bytes it copied, so the sink can match only the new bytes and carry the
// rest of its findings over from the earlier item.

// Memo is where a sink keeps what it learnt from one item (its matches) for
// later items built from it. The source creates one per item that is the
// base of others, hands it over with the item, and passes it back in the
// Delta of each item built from it; it never reads Value. A source hands an
// item and the items built from it to the sink from one goroutine, in that
// order, so Value needs no lock.
type Memo struct {
	Value any
}

// Delta says how an item was built from a base item.
type Delta struct {
	// Base is the Memo handed over with the base item. Its Value is nil
	// when the sink did not scan the base (say, it was met before).
	Base *Memo
	// BaseSize is the base's length in bytes.
	BaseSize int64
	// Copies are the runs copied from the base, in item order, with
	// adjacent runs that continue each other in the base merged; every
	// other byte of the item is new.
	Copies []Copy
}

// Copy is a run of Len bytes at Dst in the item, copied from Src in the
// base.
type Copy struct {
	Dst, Src, Len int64
}
