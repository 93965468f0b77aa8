package timeline

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func kinds(tl Timeline) string {
	var k []string
	for _, e := range tl.Events {
		k = append(k, e.Kind)
	}
	return strings.Join(k, ",")
}

func TestSelectHidesCollectorByDefault(t *testing.T) {
	tl := Build(testNode(), DefaultExtractors(), Filter{})
	got, om := Select{}.Apply(tl)
	if kinds(got) != "log,log" || om.Collector != 4 || om.Other != 0 {
		t.Fatalf("default select kept %s, omitted %+v", kinds(got), om)
	}
	got, om = Select{Collector: true}.Apply(tl)
	if len(got.Events) != len(tl.Events) || om != (Omitted{}) {
		t.Fatalf("--collector kept %d of %d, omitted %+v", len(got.Events), len(tl.Events), om)
	}
	// Asking for the collector's source by name shows it too.
	got, om = Select{Sources: []string{CollectorSource}}.Apply(tl)
	if len(got.Events) != 4 || om.Other != 2 {
		t.Fatalf("--source rtsnap kept %s, omitted %+v", kinds(got), om)
	}
}

func TestSelectWindowIsInclusive(t *testing.T) {
	tl := Build(testNode(), DefaultExtractors(), Filter{})
	// The collection starts at t0; the journal lines are at t0-1s and t0+0.5s.
	got, om := Select{Since: t0, Until: t0.Add(500 * time.Millisecond), Collector: true}.Apply(tl)
	if kinds(got) != "collection-started,source-started,log" || om.Other != 1 || om.Collector != 2 {
		t.Fatalf("window kept %s, omitted %+v", kinds(got), om)
	}
	// An empty window (until before since) keeps nothing and does not panic.
	got, om = Select{Since: t0.Add(time.Hour), Until: t0}.Apply(tl)
	if len(got.Events) != 0 || om.Other+om.Collector != len(tl.Events) {
		t.Fatalf("inverted window kept %d, omitted %+v", len(got.Events), om)
	}
}

func TestSelectSourceAndGrep(t *testing.T) {
	tl := Build(testNode(), DefaultExtractors(), Filter{})
	got, _ := Select{Grep: regexp.MustCompile(`restarted`)}.Apply(tl)
	if len(got.Events) != 1 || !strings.Contains(got.Events[0].Message, "restarted") {
		t.Fatalf("grep kept %+v", got.Events)
	}
	// The subject (unit) is searched too, not only the message.
	if got, _ := (Select{Grep: regexp.MustCompile(`^source=kubelet`)}).Apply(tl); len(got.Events) != 2 {
		t.Fatalf("grep on subject kept %d", len(got.Events))
	}
	if got, om := (Select{Sources: []string{"cri"}}).Apply(tl); len(got.Events) != 0 || om.Other != 2 {
		t.Fatalf("--source cri kept %d, omitted %+v", len(got.Events), om)
	}
	if got, _ := (Select{Sources: []string{"journal", "cri"}}).Apply(tl); len(got.Events) != 2 {
		t.Fatalf("--source journal,cri kept %d", len(got.Events))
	}
}

// TestSelectHostileSize: a timeline at its event cap with megabyte messages
// and a pattern that backtracks exponentially in PCRE stays linear (RE2).
func TestSelectHostileSize(t *testing.T) {
	big := strings.Repeat("a", 1<<20) + "!"
	ev := make([]Event, MaxEvents)
	for i := range ev {
		ev[i] = Event{Time: t0.Add(time.Duration(i) * time.Millisecond), Source: "journal", Kind: "log", Message: "x"}
	}
	for i := 0; i < 20; i++ {
		ev[i*1000].Message = big
	}
	start := time.Now()
	got, _ := Select{Grep: regexp.MustCompile(`(a+)+$`), Since: t0.Add(time.Second)}.Apply(Timeline{Events: ev})
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("select took %v", d)
	}
	if len(got.Events) != 0 {
		t.Fatalf("kept %d events that do not end in a", len(got.Events))
	}
}

func TestLegend(t *testing.T) {
	tl := Build(testNode(), DefaultExtractors(), Filter{})
	l := Legend(tl.Events)
	if len(l) != 2 || l[0].Source != CollectorSource || l[0].Events != 4 || l[1].Source != "journal" || l[1].Clock != ClockJournal || l[1].Events != 2 {
		t.Fatalf("legend = %+v", l)
	}
	if l := Legend([]Event{{Source: "crio"}}); !strings.Contains(l[0].Meaning, "crio/") {
		t.Fatalf("unknown source meaning = %q", l[0].Meaning)
	}
	mixed := Legend([]Event{{Source: "journal", Clock: ClockJournal}, {Source: "journal", Clock: ClockRuntime}, {Source: "journal", Clock: ClockJournal}})
	if len(mixed) != 1 || mixed[0].Clock != ClockJournal+", "+ClockRuntime || mixed[0].Events != 3 {
		t.Fatalf("mixed clocks legend = %+v", mixed)
	}
	if len(Legend(nil)) != 0 {
		t.Fatal("legend of nothing is not empty")
	}
}
