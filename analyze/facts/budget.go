package facts

import (
	"bytes"
	"fmt"
)

// Cut is something the analyzer left out of one bundle because of its
// memory limit: a file not held or not decoded, or log records not kept.
// Rules report cuts (RT1511), so an analysis over its limits says what it
// did not look at instead of crashing or silently missing it.
type Cut struct {
	Path   string `json:"path"`
	What   string `json:"what"`
	Reason string `json:"reason"`
}

// Global caps on log records for one bundle, on top of the per-file ones:
// 460 MB of log lines fit a 1.7 MB bundle (issue #15).
const (
	MaxLogRecords = 200_000
	// MaxLogLineBytes: a longer JSON line is a bad line, not decoded
	// (decoding costs a few times the line).
	MaxLogLineBytes = 1 << 20
	// recordOverhead approximates a LogRecord and its slice slot.
	recordOverhead = 96
)

// Decode cost estimates: what encoding/json allocates per value beyond the
// input bytes. Measured on amd64 with Go 1.26 (TestDecodeCostIsConservative
// logs the figures): a []map[string]any element of one key keeps about 336
// bytes for the 7 of `{"":0},` (48x), a typed struct per `{}` about 126
// bytes for 3 (`{},`; 189 with the slice's spare capacity), a string in
// []any about 38 bytes for 13. The estimate stays
// above each within a small factor: far above, and a healthy 100,000-pod
// bundle would be cut.
const (
	costPerObject    = 192 // an object or array decoded into a struct or slice
	costPerMapObject = 400 // an object decoded into map[string]any (docker's raw JSON)
	costPerValue     = 16  // a scalar in a struct field: a string header at most
	costPerAnyValue  = 32  // a scalar in an interface: the box and the header
)

// budget is one bundle's allowance for decoded facts, in estimated bytes.
// limit <= 0 means unbounded (tests and tools that build nodes directly).
type budget struct {
	limit, used int64
	records     int
}

// charge takes cost from the budget; false (nothing taken) when it does not fit.
func (b *budget) charge(cost int64) bool {
	if b == nil || b.limit <= 0 {
		return true
	}
	if cost > b.limit-b.used {
		return false
	}
	b.used += cost
	return true
}

func (b *budget) String() string {
	return fmt.Sprintf("%d MiB used of the %d MiB decode budget", b.used>>20, b.limit>>20)
}

// decodeCost estimates the memory a JSON document takes once decoded, in
// one linear pass that counts containers and scalars outside strings.
func decodeCost(data []byte, intoMaps bool) int64 {
	containers, values := jsonShape(data)
	per, val := int64(costPerObject), int64(costPerValue)
	if intoMaps {
		per, val = costPerMapObject, costPerAnyValue
	}
	return int64(len(data)) + containers*per + values*val
}

// decodesIntoMaps: v is one of the untyped targets (docker's files).
func decodesIntoMaps(v any) bool {
	switch v.(type) {
	case *map[string]any, *[]map[string]any, *any, *[]any:
		return true
	}
	return false
}

// jsonShape counts objects and arrays, and scalars (approximately: one per
// ':' or ',' outside strings, plus one). It does not validate: the decoder
// does that afterwards; bad JSON only gets a rough estimate. Strings, most
// of a document's bytes, are skipped with bytes.IndexByte to their closing
// quote (one not escaped: preceded by an even run of backslashes), which
// is linear (each run of backslashes is counted once, for the quote after
// it) and several times faster than a state machine per byte.
func jsonShape(data []byte) (containers, values int64) {
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			end := stringEnd(data, i+1)
			if end < 0 {
				return containers, values + 1 // unterminated: the rest is the string
			}
			i = end
		case '{', '[':
			containers++
		case ',', ':':
			values++
		}
	}
	return containers, values + 1
}

// stringEnd is the index of the quote that closes a string whose contents
// start at from, or -1.
func stringEnd(data []byte, from int) int {
	for j := from; ; j++ {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		backslashes := 0
		for b := j - 1; b >= from && data[b] == '\\'; b-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return j
		}
	}
}

// maxCuts bounds Node.Cuts; CutsMore counts the rest.
const maxCuts = 100

// cut records something left out.
func (n *Node) cut(path, what, reason string) {
	if len(n.Cuts) >= maxCuts {
		n.CutsMore++
		return
	}
	n.Cuts = append(n.Cuts, Cut{Path: path, What: what, Reason: reason})
}

// keepRecord charges one log record to the global caps; false means the
// record (and the rest of the file) is not kept, and the file is cut once.
func (n *Node) keepRecord(lf *LogFile, rec LogRecord) bool {
	b := n.budget
	over := ""
	switch {
	case b != nil && b.records >= MaxLogRecords:
		over = fmt.Sprintf("the bundle's %d log records are kept", MaxLogRecords)
	case !b.charge(int64(recordOverhead + len(rec.Message) + len(rec.Unit) + len(rec.PID))):
		over = "the analyzer's memory limit is reached (" + b.String() + ")"
	}
	if over != "" {
		if !lf.Truncated || !lf.cutByBudget {
			n.cut(lf.Path, fmt.Sprintf("log records from line %d on", rec.Line), over)
		}
		lf.Truncated, lf.cutByBudget = true, true
		return false
	}
	if b != nil {
		b.records++
	}
	return true
}
