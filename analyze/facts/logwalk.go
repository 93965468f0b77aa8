package facts

import "github.com/rtsnap/rtsnap/analyze/logwork"

// WalkLogs calls fn on every record of the log files keep accepts, in path
// then line order, paying scan(r) from b before each; fn pays from b for
// whatever more it does to a record, before it does it, and returns false
// only when b refused that. When a charge is refused the walk stops and
// records where (b.Stopped, as reader) and returns false: what was not read
// is named, never silently skipped. The order is the one every reader
// uses, so a bundle's findings do not depend on map order or timing.
func WalkLogs(n *Node, b *logwork.Budget, reader string, keep func(path string) bool, scan func(r LogRecord) int64,
	fn func(path string, r LogRecord) bool) bool {
	var paths []string
	for _, p := range SortedKeys(n.Logs) {
		if keep(p) {
			paths = append(paths, p)
		}
	}
	for pi, p := range paths {
		recs := n.Logs[p].Records
		for i, r := range recs {
			if b.Pay(scan(r)) && fn(p, r) {
				continue
			}
			later := 0
			for _, q := range paths[pi+1:] {
				later += len(n.Logs[q].Records)
			}
			b.Stopped(logwork.Stop{Reader: reader, Path: p, Line: r.Line, Left: len(recs) - i, Later: later})
			return false
		}
	}
	return true
}

// ScanMessage is the usual scan cost of a record: a literal search of its message.
func ScanMessage(r LogRecord) int64 { return logwork.Scan(len(r.Message)) }
