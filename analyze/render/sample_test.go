package render

import (
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze/timeline"
)

func events(n int, pinned ...int) []tableEvent {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	ev := make([]tableEvent, n)
	for i := range ev {
		ev[i] = tableEvent{Event: timeline.Event{Time: t0.Add(time.Duration(i) * time.Second), Source: "journal", Kind: "log"}, N: i + 1}
	}
	for _, p := range pinned {
		ev[p].Findings = []int{1}
	}
	return ev
}

func TestTableSampleKeepsLastAndPinned(t *testing.T) {
	got, more := tableSample(events(10, 0, 4), 5)
	var ns []int
	for _, e := range got {
		ns = append(ns, e.N)
	}
	// Pinned 1 and 5, then the last three.
	if more != 5 || len(ns) != 5 || ns[0] != 1 || ns[1] != 5 || ns[2] != 8 || ns[4] != 10 {
		t.Fatalf("kept %v, %d more", ns, more)
	}
	if got, more := tableSample(events(3), 5); len(got) != 3 || more != 0 {
		t.Fatalf("short list cut: %d, %d", len(got), more)
	}
	// More pinned events than room: the last ones, and never over the bound.
	if got, more := tableSample(events(10, 0, 1, 2, 3, 4, 5, 6, 7), 3); len(got) != 3 || more != 7 || got[0].N != 6 {
		t.Fatalf("over-pinned: %+v, %d more", got, more)
	}
}

// TestChartBoundedAndKeepsMarks: a timeline at the event cap draws at most
// about maxChartDots dots in bounded time, and every event a finding
// points at is among them.
func TestChartBoundedAndKeepsMarks(t *testing.T) {
	ev := events(timeline.MaxEvents, 1, 77_777, timeline.MaxEvents-1)
	start := time.Now()
	c := buildChart(ev)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("chart took %v", d)
	}
	if len(c.Dots) > maxChartDots+3 || len(c.Dots) < maxChartDots {
		t.Fatalf("%d dots", len(c.Dots))
	}
	marks := 0
	for _, d := range c.Dots {
		if d.Ring {
			marks++
		}
	}
	if marks != 3 {
		t.Fatalf("%d of 3 marked events drawn", marks)
	}
	if c.Note == "" {
		t.Error("sampling not said")
	}
}

// TestChartLabelsDoNotOverlap: two findings' moments a millisecond apart in
// one lane get one label (both rings stay); far apart, both are labelled.
func TestChartLabelsDoNotOverlap(t *testing.T) {
	for _, c := range []struct {
		second int
		labels int
	}{{1, 1}, {999, 2}} {
		ev := events(1000, 0, c.second)
		ev[0].Main, ev[c.second].Main = []int{1}, []int{2}
		ev[0].Time = ev[c.second].Time.Add(-time.Duration(c.second) * time.Millisecond)
		ch := buildChart(ev)
		labels, rings := 0, 0
		for _, d := range ch.Dots {
			if d.Mark != "" {
				labels++
			}
			if d.Ring {
				rings++
			}
		}
		if labels != c.labels || rings != 2 {
			t.Errorf("moments %d apart: %d labels, %d rings; want %d, 2", c.second, labels, rings, c.labels)
		}
	}
}
