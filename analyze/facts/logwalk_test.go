package facts

import (
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/analyze/logwork"
)

func walkNode() *Node {
	n := &Node{Logs: map[string]*LogFile{}}
	for _, p := range []string{"journal/b.jsonl", "journal/a.jsonl", "logs/pods/ns/p/c/0.log", "journal/c.jsonl"} {
		lf := &LogFile{Path: p}
		for i := 1; i <= 4; i++ {
			lf.Records = append(lf.Records, LogRecord{Line: i, Message: strings.Repeat("x", 15)})
		}
		n.Logs[p] = lf
	}
	return n
}

func TestWalkLogsOrderAndStop(t *testing.T) {
	n := walkNode()
	journal := func(p string) bool { return strings.HasPrefix(p, "journal/") }
	one := func(LogRecord) int64 { return 1 }
	var seen []string
	if !WalkLogs(n, nil, "r", journal, one, func(p string, r LogRecord) bool { seen = append(seen, p); return true }) || len(seen) != 12 ||
		seen[0] != "journal/a.jsonl" || seen[11] != "journal/c.jsonl" {
		t.Fatalf("unbounded walk: %v", seen)
	}
	// 5 units: a.jsonl's 4 records and b.jsonl's first; the walk stops at
	// b.jsonl line 2 with 3 records of it and c.jsonl's 4 not read.
	b := logwork.New(5)
	read := 0
	if WalkLogs(n, b, "RT9999-x", journal, one, func(string, LogRecord) bool { read++; return true }) || read != 5 {
		t.Fatalf("bounded walk read %d records", read)
	}
	st := b.Stops()
	if len(st) != 1 || st[0] != (logwork.Stop{Reader: "RT9999-x", Path: "journal/b.jsonl", Line: 2, Left: 3, Later: 4}) {
		t.Fatalf("stop %+v", st)
	}
	// fn's own refusal stops the walk at that record too.
	b = logwork.New(100)
	WalkLogs(n, b, "RT9999-y", journal, one, func(p string, r LogRecord) bool { return !(p == "journal/c.jsonl" && r.Line == 3) || b.Pay(1000) })
	if st := b.Stops(); len(st) != 1 || st[0].Path != "journal/c.jsonl" || st[0].Line != 3 || st[0].Left != 2 || st[0].Later != 0 {
		t.Fatalf("fn's refusal: %+v", st)
	}
}
