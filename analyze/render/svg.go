package render

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze/timeline"
)

// Chart bounds: an HTML file people open must stay light whatever the bundle.
const (
	chartWidth    = 1000
	chartLeft     = 200
	markCharWidth = 6.5 // a mark label's character width in chart units (10px bold)
	laneHeight    = 22
	maxChartDots  = 2000
	maxChartLanes = 30
)

// chart is a timeline laid out for inline SVG; html/template escapes every
// string placed in it.
type chart struct {
	Width, Height int
	Left          int
	Lanes         []chartLane
	Dots          []chartDot
	Ticks         []chartTick
	Note          string
	Start, End    time.Time
}

type chartLane struct {
	Y    int
	Name string
}

type chartDot struct {
	X, Y  float64
	Class string
	Title string
	N     int    // the event's number: the dot links to its table row #ev-N
	Ring  bool   // a finding's evidence
	Mark  string // "F1 F3": the findings whose latest moment this is, when the label has room
}

type chartTick struct {
	X      float64
	Label  string
	Anchor string // SVG text-anchor: the last label ends at its tick, inside the chart
}

// chartClass is one colour of dot and what it means, for the legend.
type chartClass struct {
	Class, Meaning string
}

// chartClasses are every dot colour, in legend order.
var chartClasses = []chartClass{
	{"bad", "a source failed or timed out, or a container exited non-zero"},
	{"warn", "a source was partial or skipped"},
	{"ok", "runtime state: created, started, updated"},
	{"end", "a container or task finished"},
	{"log", "a log or journal line"},
}

// laneOf groups events: logs by unit, runtime records by layer, the
// collector's own events in one lane.
func laneOf(e timeline.Event) string {
	if e.Subject.Source != "" && e.Source != timeline.CollectorSource {
		return e.Source + ": " + e.Subject.Source
	}
	return e.Source
}

func classOf(e timeline.Event) string {
	switch e.Kind {
	case "source-timeout", "source-error":
		return "bad"
	case "source-partial", "source-skipped":
		return "warn"
	case "log":
		return "log"
	case "cri-finished", "task-exited":
		if strings.Contains(e.Message, "exit code 0 ") || strings.HasSuffix(e.Message, "status 0") {
			return "end"
		}
		return "bad"
	}
	return "ok"
}

// tickLayout picks a tick label format that names what changes across the span.
func tickLayout(span time.Duration) string {
	switch {
	case span >= 48*time.Hour:
		return "Jan 2 15:04"
	case span >= time.Hour:
		return "15:04"
	case span >= time.Minute:
		return "15:04:05"
	}
	return "15:04:05.000"
}

func buildChart(events []tableEvent) chart {
	c := chart{Width: chartWidth, Left: chartLeft}
	if len(events) == 0 {
		return c
	}
	if len(events) > maxChartDots {
		// Even sampling keeps the shape of the stream, and every event a
		// finding points at stays; the table and JSON keep all.
		step := float64(len(events)) / maxChartDots
		sampled := make([]tableEvent, 0, maxChartDots+maxChartDots/4)
		next := 0.0
		for i, e := range events {
			if float64(i) >= next || e.Findings != nil {
				sampled = append(sampled, e)
			}
			for float64(i) >= next {
				next += step
			}
		}
		c.Note = fmt.Sprintf("showing %d of %d events", len(sampled), len(events))
		events = sampled
	}
	laneIdx := map[string]int{}
	var names []string
	for _, e := range events {
		if _, ok := laneIdx[laneOf(e.Event)]; !ok {
			laneIdx[laneOf(e.Event)] = 0
			names = append(names, laneOf(e.Event))
		}
	}
	sort.Strings(names)
	if len(names) > maxChartLanes {
		names = names[:maxChartLanes]
		c.Note = strings.TrimPrefix(c.Note+"; ", "; ") + fmt.Sprintf("first %d lanes shown", maxChartLanes)
	}
	for i, n := range names {
		laneIdx[n] = i + 1
		c.Lanes = append(c.Lanes, chartLane{Y: 30 + i*laneHeight, Name: n})
	}
	c.Height = 40 + len(names)*laneHeight
	t0, t1 := events[0].Time, events[len(events)-1].Time
	c.Start, c.End = t0, t1
	span := t1.Sub(t0)
	if span <= 0 {
		span = time.Second
	}
	plot := float64(chartWidth - chartLeft - 20)
	x := func(t time.Time) float64 { return float64(chartLeft) + plot*float64(t.Sub(t0))/float64(span) }
	layout := tickLayout(span)
	for i := 0; i <= 4; i++ {
		t := t0.Add(span * time.Duration(i) / 4)
		anchor := "middle"
		if i == 4 {
			anchor = "end"
		}
		c.Ticks = append(c.Ticks, chartTick{X: x(t), Label: t.UTC().Format(layout), Anchor: anchor})
	}
	lastLabel := map[int]float64{} // lane → right edge of its last label
	for _, e := range events {
		li := laneIdx[laneOf(e.Event)]
		if li == 0 {
			continue
		}
		d := chartDot{X: x(e.Time), Y: float64(30 + (li-1)*laneHeight), Class: classOf(e.Event), N: e.N, Ring: e.Findings != nil,
			Title: e.Time.UTC().Format(time.RFC3339Nano) + " " + e.Kind + ": " + line(e.Message)}
		var label []string
		for _, n := range e.Main {
			label = append(label, fmt.Sprintf("F%d", n))
		}
		// A label that would run into the lane's previous one is left out:
		// the ring stays, and the table row names the finding.
		if l := strings.Join(label, " "); l != "" {
			half := float64(len(l)) * markCharWidth / 2
			if last, ok := lastLabel[li]; !ok || d.X-half > last+2 {
				d.Mark, lastLabel[li] = l, d.X+half
			}
		}
		c.Dots = append(c.Dots, d)
	}
	// Ringed dots last, so their rings and labels draw over the others.
	sort.SliceStable(c.Dots, func(i, j int) bool { return !c.Dots[i].Ring && c.Dots[j].Ring })
	return c
}
