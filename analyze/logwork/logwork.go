// Package logwork is the analyzer's one allowance of work on a bundle's
// log records. Every rule that reads the records (the failure catalog's
// patterns, the pull-failure, pod-status, disk and OOM rules) pays from one
// Budget per bundle, in the registry's fixed order, so the same bundle
// always gets the same findings; when the budget is spent, each reader
// refused says where it stopped (Stop) and the rules report it, instead of
// a crafted bundle holding the analyzer for minutes.
//
// Why a budget and not only linear code: every reader is linear, but a
// bundle may hold 200,000 records (facts.MaxLogRecords) and 128 MiB of log
// text (a quarter of the memory limit), each record packed with every
// signature the rules look for, so that every prefilter passes and every
// costly step runs on every record. Linear work at that size was 16.6 s of
// CPU for analyze.Load on such a flood (session 9), over the hostile
// suite's 10 s bound.
package logwork

// Units: one unit is one byte of text read by one pass of a Go regexp
// (RE2: about UnitsPerSecond for the catalog's (?i) patterns on the
// machine the budget was sized on), the costliest thing done to a record.
// Cheaper passes are charged at their measured fraction of it (Scan,
// Parse).

// UnitsPerSecond is the rate DefaultUnits was sized at: the catalog's
// patterns on packed records, 2-core AMD EPYC, session 9. Machines differ
// (2.5x slower was seen on another of the same name, 2026-12-03), and the
// budget is in units, not seconds, so that a bundle's findings do not
// depend on the machine reading it.
const UnitsPerSecond = 30e6

// DefaultUnits is what the log readers of one bundle may cost together: a
// few seconds of work. A bundle from rtsnap collect stays far below it: a
// journal window (every unit's 4 MiB, collect/journal.PerUnitBytes) of
// nothing but real failure lines costs about half of it
// (TestLogWorkCoversACollectedJournalOfFailures in analyze/rules).
const DefaultUnits = 128 << 20

// Scan is the cost of a literal search over n bytes (strings.Contains,
// strings.ToLower, the catalog's literal automaton): about a sixteenth of
// a regexp pass, plus one unit for the record.
func Scan(n int) int64 { return int64(n)>>4 + 1 }

// Decode is the cost of decoding a JSON log line of n bytes (encoding/json
// into a map of raw values, the message's escapes stripped): about a
// quarter of a regexp pass.
func Decode(n int) int64 { return int64(n)>>2 + 1 }

// Read is the cost of one regexp pass over n bytes.
func Read(n int) int64 { return int64(n) + 1 }

// Budget is what is left of one bundle's log work. A nil *Budget has no
// bound (tools and tests that judge single records).
type Budget struct {
	left, spent int64
	refused     bool
	stops       []Stop
}

// New returns a budget of n units.
func New(n int64) *Budget { return &Budget{left: n} }

// Pay charges cost; false when the budget cannot pay it (nothing is charged
// then). Once a charge is refused every later one is too, whatever its
// size, so where the work stopped does not depend on the sizes of what
// came after.
func (b *Budget) Pay(cost int64) bool {
	if b == nil {
		return true
	}
	if b.refused || b.left < cost {
		b.refused = true
		return false
	}
	b.left -= cost
	b.spent += cost
	return true
}

// Exhausted says a charge was refused: the readers from there on stop.
func (b *Budget) Exhausted() bool { return b != nil && b.refused }

// Spent is the units paid so far.
func (b *Budget) Spent() int64 {
	if b == nil {
		return 0
	}
	return b.spent
}

// Stop is where one reader stopped for want of budget.
type Stop struct {
	// Reader is the rule (or rules) that stopped, e.g. "RT0402-image-pull-failed".
	Reader string
	// Path and Line are the record it did not read (Line 0: the reader
	// stopped before its first record).
	Path string
	Line int
	// Left is the records of Path it did not read, that one included;
	// Later the records of the files after Path it did not read either.
	Left, Later int
}

// maxStops bounds the stops kept (one per reader).
const maxStops = 32

// Stopped records that a reader was refused; the first stop of each
// reader is kept.
func (b *Budget) Stopped(s Stop) {
	if b == nil || len(b.stops) >= maxStops {
		return
	}
	for _, o := range b.stops {
		if o.Reader == s.Reader {
			return
		}
	}
	b.stops = append(b.stops, s)
}

// Stops are the readers refused, in the order they stopped.
func (b *Budget) Stops() []Stop {
	if b == nil {
		return nil
	}
	return append([]Stop(nil), b.stops...)
}
