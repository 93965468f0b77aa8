package render

import (
	"github.com/rtsnap/rtsnap/internal/safetext"

	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/timeline"
)

//go:embed report.html.tmpl
var reportTemplate string

// maxTableEvents bounds the event table in the HTML report; events a
// finding's evidence points at are always in it.
const maxTableEvents = 500

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"upper":    strings.ToUpper,
	"ts":       ts,
	"stamp":    stamp,
	"clock":    func(t time.Time) string { return t.UTC().Format("15:04:05.000") },
	"dur":      dur,
	"size":     Size,
	"dash":     orDash,
	"counts":   countsLine,
	"cut":      finding.Cut,
	"f1":       func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"diffLine": diffLineClass,
	"lines":    func(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") },
	"prose":    codeSpans,
	"phase":    phaseLabel,
	"show":     ShowCommand,
	"oneline":  func(s string, n int) string { return finding.Cut(strings.Join(strings.Fields(s), " "), n) },
}).Parse(reportTemplate))

// htmlData is the report laid out for the page: the verdict and what is
// broken first, each finding numbered for its anchor (#f-N), each piece of
// evidence tied to its moment on the timeline (#ev-N).
type htmlData struct {
	ReportDoc
	Verdict      verdict
	Top          []htmlFinding
	All          []htmlFinding
	Chart        chart
	ChartClasses []chartClass
	Legend       []timeline.LegendEntry
	TableEvents  []tableEvent
	MoreEvents   int
	Shown        int // events in the chart; the table holds up to maxTableEvents of them
	Hidden       int // the collector's own events left out (not pointed at by evidence)
}

// verdict is the report's first line: how bad, in words and a class.
type verdict struct {
	Class    string // bad, warn, ok: the banner's colour
	Headline string
	Detail   string
}

type htmlFinding struct {
	finding.Finding
	N        int
	Evidence []htmlEvidence
	// At is the finding's latest moment on the timeline (zero: none).
	// (Not "When": the diagnosis work gives finding.Finding a When.)
	At    time.Time
	Event int
}

type htmlEvidence struct {
	finding.Evidence
	// Event is the timeline event (1-based, #ev-N) this evidence is, or
	// the one nearest its time; 0 when neither exists.
	Event int
	At    time.Time
}

type tableEvent struct {
	timeline.Event
	N        int
	Findings []int // the findings whose evidence this event is
	Main     []int // those of them whose latest moment it is: the chart labels these
}

func diffLineClass(s string) string {
	switch {
	case strings.HasPrefix(s, "@@"):
		return "hunk"
	case strings.HasPrefix(s, "+++"), strings.HasPrefix(s, "---"):
		return "hdr"
	case strings.HasPrefix(s, "+"):
		return "add"
	case strings.HasPrefix(s, "-"):
		return "del"
	}
	return ""
}

// HTML writes one self-contained file: inline CSS and JS, inline SVG, a
// Content-Security-Policy that forbids any fetch. html/template escapes
// every value taken from the bundle; bidi and C1 controls, which it leaves
// raw, are written as visible \uXXXX text (safetext.Writer) and the CSS
// isolates each text element's direction.
func HTML(w io.Writer, d ReportDoc) error {
	sw := safetext.NewWriter(w)
	defer sw.Flush()
	w = sw
	data := htmlData{ReportDoc: d, Verdict: verdictOf(d), ChartClasses: chartClasses}
	var pinned map[int][]int
	data.All, pinned = linkFindings(d)
	data.Top = topFindings(data.All)
	var shown []tableEvent
	shown, data.Hidden = shownEvents(d.Timeline.Events, pinned)
	main := map[int][]int{}
	for _, f := range data.All {
		if f.Event > 0 {
			main[f.Event] = append(main[f.Event], f.N)
		}
	}
	for i := range shown {
		shown[i].Main = main[shown[i].N]
	}
	data.Shown = len(shown)
	data.Chart = buildChart(shown)
	plain := make([]timeline.Event, len(shown))
	for i, e := range shown {
		plain[i] = e.Event
	}
	data.Legend = timeline.Legend(plain)
	data.TableEvents, data.MoreEvents = tableSample(shown, maxTableEvents)
	return reportTmpl.Execute(w, data)
}

// linkFindings numbers the findings (F1 is the worst) and ties each piece
// of evidence to its timeline event; pinned maps an event's index to the
// findings pointing at it.
func linkFindings(d ReportDoc) (all []htmlFinding, pinned map[int][]int) {
	ev := d.Timeline.Events
	idx := newEventIndex(ev)
	pinned = map[int][]int{}
	for i, f := range d.Findings {
		hf := htmlFinding{Finding: f, N: i + 1}
		for _, e := range f.Evidence {
			he := htmlEvidence{Evidence: e, At: e.Time}
			if j, ok := idx.find(e); ok {
				he.Event, he.At = j+1, ev[j].Time
				if !hf.At.After(he.At) {
					hf.At, hf.Event = he.At, he.Event
				}
				if n := pinned[j]; len(n) == 0 || n[len(n)-1] != hf.N {
					pinned[j] = append(n, hf.N)
				}
			}
			hf.Evidence = append(hf.Evidence, he)
		}
		all = append(all, hf)
	}
	return all, pinned
}

// shownEvents are the events a report shows, numbered as in the whole
// timeline (#ev-N): the collector's own are left out (as the timeline
// command does) unless a finding points at one; hidden counts those.
func shownEvents(ev []timeline.Event, pinned map[int][]int) (shown []tableEvent, hidden int) {
	for i, e := range ev {
		if e.Source == timeline.CollectorSource && pinned[i] == nil {
			hidden++
			continue
		}
		shown = append(shown, tableEvent{Event: e, N: i + 1, Findings: pinned[i]})
	}
	return shown, hidden
}

// topFindings are what is broken now: the worst findings at warning or
// above that are current or recent (not only in older logs), at most
// TopFindings. all is sorted by phase, then worst first.
func topFindings(all []htmlFinding) []htmlFinding {
	var top []htmlFinding
	for _, f := range all {
		if len(top) == TopFindings {
			break
		}
		if f.Severity >= finding.Warning && f.When != finding.History {
			top = append(top, f)
		}
	}
	return top
}

// phaseLabel names a finding's place in time for people: broken now,
// recently, or only in older logs.
func phaseLabel(w finding.When) string {
	switch w {
	case finding.Recent:
		return "recent"
	case finding.History:
		return "history"
	}
	return "now"
}

// tableSample keeps the last max events (the ones nearest the collection,
// when what is broken now happened), but never drops one a finding points
// at: those take the place of the earliest unpinned ones. Order is kept.
func tableSample(ev []tableEvent, max int) ([]tableEvent, int) {
	if len(ev) <= max {
		return ev, 0
	}
	pinned := 0
	for _, e := range ev {
		if e.Findings != nil {
			pinned++
		}
	}
	free := max - min(pinned, max)
	keep := make([]bool, len(ev))
	kept := 0
	for i := len(ev) - 1; i >= 0 && kept < max; i-- {
		if ev[i].Findings != nil || free > 0 {
			if ev[i].Findings == nil {
				free--
			}
			keep[i] = true
			kept++
		}
	}
	out := make([]tableEvent, 0, kept)
	for i, e := range ev {
		if keep[i] {
			out = append(out, e)
		}
	}
	return out, len(ev) - len(out)
}

// verdictOf judges what is broken now: findings only in older logs
// (history) are counted apart and do not make the headline.
func verdictOf(d ReportDoc) verdict {
	var now []finding.Finding
	history := 0
	for _, f := range d.Findings {
		if f.When == finding.History {
			history++
		} else {
			now = append(now, f)
		}
	}
	c := finding.Counts(now)
	bad := c[finding.Critical.String()] + c[finding.Error.String()]
	var v verdict
	switch {
	case bad > 0:
		v = verdict{Class: "bad", Headline: fmt.Sprintf("Action needed: %d finding(s) at error or above", bad)}
	case c[finding.Warning.String()] > 0:
		v = verdict{Class: "warn", Headline: fmt.Sprintf("Degraded: %d warning(s), nothing at error", c[finding.Warning.String()])}
	default:
		v = verdict{Class: "ok", Headline: "No problem found now: nothing at warning or above"}
	}
	parts := []string{"now and recently: " + countsLine(c)}
	if history > 0 {
		parts = append(parts, fmt.Sprintf("%d more only in older logs", history))
	}
	failed := 0
	for _, s := range d.Inspect.Sources {
		if s.Status != "ok" {
			failed++
		}
	}
	parts = append(parts, fmt.Sprintf("%d of %d sources collected in full", len(d.Inspect.Sources)-failed, len(d.Inspect.Sources)))
	if dd := d.Diff; dd != nil {
		parts = append(parts, fmt.Sprintf("since %s: %d finding(s) appeared, %d cleared", dd.A.Bundle, len(dd.Findings.Appeared), len(dd.Findings.Cleared)))
	}
	v.Detail = strings.Join(parts, " · ")
	return v
}

// eventIndex finds the timeline event a piece of evidence is: the same
// file and JSON pointer or line (a runtime record's latest event, a log
// line's own), else the event nearest the evidence's time.
type eventIndex struct {
	events []timeline.Event
	byRef  map[string]int
}

func refKey(e finding.Evidence) string {
	return fmt.Sprintf("%s#%s:%d", e.Path, e.Pointer, e.LineStart)
}

func newEventIndex(ev []timeline.Event) eventIndex {
	x := eventIndex{events: ev, byRef: make(map[string]int, len(ev))}
	for i, e := range ev {
		if e.Evidence.Path != "" {
			x.byRef[refKey(e.Evidence)] = i // later events win: the latest moment
		}
	}
	return x
}

func (x eventIndex) find(e finding.Evidence) (int, bool) {
	if i, ok := x.byRef[refKey(e)]; ok {
		return i, true
	}
	if e.Time.IsZero() || len(x.events) == 0 {
		return 0, false
	}
	i := sort.Search(len(x.events), func(i int) bool { return !x.events[i].Time.Before(e.Time) })
	if i == len(x.events) || (i > 0 && e.Time.Sub(x.events[i-1].Time) < x.events[i].Time.Sub(e.Time)) {
		i--
	}
	return i, true
}
