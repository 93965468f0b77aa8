package journal

// Bounds of one stream (a unit's entries from one journal). The byte bound is
// applied again, exactly, when the file is written; here it stops reading.
const (
	perUnitBytes      = 4 << 20
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
	return b.entries >= maxEntriesPerUnit || b.bytes >= perUnitBytes || b.scanned >= maxScannedPerUnit
}

// streamResult is one stream's entries, oldest first; truncated when a bound
// stopped the reader before it reached --since.
type streamResult struct {
	entries   []Entry
	truncated bool
}
