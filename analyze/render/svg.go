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
	chartLeft     = 160
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
}

type chartLane struct {
	Y    int
	Name string
}

type chartDot struct {
	X, Y  float64
	Class string
	Title string
}

type chartTick struct {
	X     float64
	Label string
}

// laneOf groups events: collector events by source, logs by unit.
func laneOf(e timeline.Event) string {
	if e.Subject.Source != "" {
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
	}
	return "ok"
}

func buildChart(tl TimelineDoc) chart {
	c := chart{Width: chartWidth, Left: chartLeft}
	events := tl.Events
	if len(events) == 0 {
		return c
	}
	if len(events) > maxChartDots {
		// Even sampling keeps the shape of the stream; the table and JSON keep all.
		step := float64(len(events)) / maxChartDots
		sampled := make([]timeline.Event, 0, maxChartDots)
		for i := 0; i < maxChartDots; i++ {
			sampled = append(sampled, events[int(float64(i)*step)])
		}
		c.Note = fmt.Sprintf("showing %d of %d events", maxChartDots, len(events))
		events = sampled
	}
	laneIdx := map[string]int{}
	var names []string
	for _, e := range events {
		if _, ok := laneIdx[laneOf(e)]; !ok {
			laneIdx[laneOf(e)] = 0
			names = append(names, laneOf(e))
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
	span := t1.Sub(t0)
	if span <= 0 {
		span = time.Second
	}
	plot := float64(chartWidth - chartLeft - 20)
	x := func(t time.Time) float64 { return float64(chartLeft) + plot*float64(t.Sub(t0))/float64(span) }
	for i := 0; i <= 4; i++ {
		t := t0.Add(span * time.Duration(i) / 4)
		c.Ticks = append(c.Ticks, chartTick{X: x(t), Label: t.UTC().Format("15:04:05.000")})
	}
	for _, e := range events {
		li := laneIdx[laneOf(e)]
		if li == 0 {
			continue
		}
		c.Dots = append(c.Dots, chartDot{X: x(e.Time), Y: float64(30 + (li-1)*laneHeight), Class: classOf(e),
			Title: e.Time.UTC().Format(time.RFC3339Nano) + " " + e.Kind + ": " + line(e.Message)})
	}
	return c
}
