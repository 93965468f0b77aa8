package journal

import "errors"

// Bounds of one stream (a unit's entries from one journal). The byte bound is
// applied again, exactly, when the file is written; here it stops reading.
const (
	// PerUnitBytes is also what the analyzer's catalog budget is sized
	// against (analyze/logwork.DefaultUnits).
	PerUnitBytes      = 4 << 20
	maxEntriesPerUnit = 50000
	// maxScannedPerUnit bounds entries read and dropped by a message filter
	// (kernel messages that are not about OOM kills).
	maxScannedPerUnit = 200000
	// entryOverhead approximates an entry's JSON size besides its message.
	entryOverhead = 400
)

// streamBound counts what one stream has read.
type streamBound struct{ entries, bytes, scanned int }

func (b *streamBound) add(e Entry) {
	b.entries++
	b.bytes += len(e.Message) + entryOverhead
}

func (b *streamBound) full() bool {
	return b.entries >= maxEntriesPerUnit || b.bytes >= PerUnitBytes || b.scanned >= maxScannedPerUnit
}

// streamResult is one stream's entries, oldest first; truncated when a bound
// stopped the reader before it reached --since.
type streamResult struct {
	entries   []Entry
	truncated bool
}

// errOpen marks a journal a reader could not open (no files, an unknown
// format, libsystemd missing): the caller tries the next reader.
var errOpen = errors.New("cannot open the journal")

func reverse(es []Entry) []Entry {
	for i, k := 0, len(es)-1; i < k; i, k = i+1, k-1 {
		es[i], es[k] = es[k], es[i]
	}
	return es
}
