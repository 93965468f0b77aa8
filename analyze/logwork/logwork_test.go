package logwork

import "testing"

func TestPayRefusesOnceAndForAll(t *testing.T) {
	b := New(10)
	if !b.Pay(4) || !b.Pay(6) || b.Spent() != 10 || b.Exhausted() {
		t.Fatalf("paying the budget exactly: spent %d, exhausted %v", b.Spent(), b.Exhausted())
	}
	if b.Pay(1) || !b.Exhausted() || b.Spent() != 10 {
		t.Fatalf("over the budget: spent %d, exhausted %v", b.Spent(), b.Exhausted())
	}
	// A refused budget refuses even what costs nothing: where the work
	// stopped must not depend on what comes after.
	if b.Pay(0) {
		t.Fatal("an exhausted budget paid for a later charge")
	}
	big := New(100)
	if big.Pay(101) || big.Pay(1) || big.Spent() != 0 {
		t.Fatalf("a refused charge is not paid, nor anything after it: spent %d", big.Spent())
	}
}

func TestNilBudgetHasNoBound(t *testing.T) {
	var b *Budget
	if !b.Pay(1<<62) || b.Exhausted() || b.Spent() != 0 || b.Stops() != nil {
		t.Fatal("a nil budget must pay everything and record nothing")
	}
	b.Stopped(Stop{Reader: "x"}) // must not panic
}

func TestStoppedKeepsEachReadersFirstStop(t *testing.T) {
	b := New(0)
	b.Stopped(Stop{Reader: "RT0402", Path: "journal/a.jsonl", Line: 3})
	b.Stopped(Stop{Reader: "RT0402", Path: "journal/b.jsonl", Line: 9})
	b.Stopped(Stop{Reader: "RT0903", Path: "journal/a.jsonl", Line: 1})
	got := b.Stops()
	if len(got) != 2 || got[0].Line != 3 || got[1].Reader != "RT0903" {
		t.Fatalf("stops %+v", got)
	}
	for i := 0; i < 2*maxStops; i++ {
		b.Stopped(Stop{Reader: string(rune('a' + i))})
	}
	if len(b.Stops()) != maxStops {
		t.Fatalf("%d stops kept, bound %d", len(b.Stops()), maxStops)
	}
}

func TestCosts(t *testing.T) {
	// A literal scan is charged at a fraction of a regexp pass, and every
	// record at least one unit (200,000 empty records are not free).
	if Scan(0) < 1 || Read(0) < 1 || Scan(4096) >= Read(4096) || Scan(4096) < Read(4096)/64 {
		t.Fatalf("Scan(4096) %d, Read(4096) %d", Scan(4096), Read(4096))
	}
}
