package catalog

// DefaultBudgetBytes is what classifying one bundle's log records may cost,
// in bytes of text read by the catalog's regexps (every pattern that runs
// reads the record's whole text, at about 30 MB/s on this kind of machine).
// A class is a candidate only when a record holds one of its literals, so
// real records cost little: the lab's daemon logs 0.02-0.4x their text,
// real failure lines (testdata/validation.yaml) 2x, and a bundle from
// rtsnap collect holds at most a few tens of MB of daemon and journal text
// (collect/journal keeps 4 MiB per unit). A crafted record packed with
// every class's literals makes every pattern a candidate: 4 KB of it cost
// 68 KB of reading and 2-5 ms, and the 200,000 records a bundle may hold
// (facts.MaxLogRecords) about 25 minutes before this budget. 64 MiB is
// about two seconds of regexp work.
const DefaultBudgetBytes = 64 << 20

// Budget is what is left of a bundle's classification work. The zero value
// (or a nil *Budget) has no bound.
type Budget struct {
	left    int64
	bounded bool
	spent   int64
}

// NewBudget returns a budget of n bytes of regexp reading.
func NewBudget(n int64) *Budget { return &Budget{left: n, bounded: true} }

// pay charges one pattern run over n bytes of text; false when the budget
// cannot pay for it (nothing is charged then).
func (b *Budget) pay(n int) bool {
	if b == nil {
		return true
	}
	if b.bounded && b.left < int64(n) {
		b.left = -1 // exhausted: later small runs must not sneak through
		return false
	}
	b.left -= int64(n)
	b.spent += int64(n)
	return true
}

// Exhausted says a run was refused: classification stopped.
func (b *Budget) Exhausted() bool { return b != nil && b.bounded && b.left < 0 }

// Spent is the bytes of text the catalog's patterns have read so far.
func (b *Budget) Spent() int64 {
	if b == nil {
		return 0
	}
	return b.spent
}
