package render

import (
	"github.com/rtsnap/rtsnap/internal/safetext"

	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/timeline"
)

//go:embed report.html.tmpl
var reportTemplate string

// maxTableEvents bounds the event table in the HTML report.
const maxTableEvents = 500

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"upper":    strings.ToUpper,
	"ts":       ts,
	"dur":      dur,
	"size":     Size,
	"dash":     orDash,
	"counts":   countsLine,
	"cut":      finding.Cut,
	"f1":       func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"diffLine": diffLineClass,
	"lines":    func(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") },
}).Parse(reportTemplate))

type htmlData struct {
	ReportDoc
	Chart       chart
	TableEvents []timeline.Event
	MoreEvents  int
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
	data := htmlData{ReportDoc: d, Chart: buildChart(d.Timeline)}
	ev := d.Timeline.Events
	if len(ev) > maxTableEvents {
		data.TableEvents, data.MoreEvents = ev[:maxTableEvents], len(ev)-maxTableEvents
	} else {
		data.TableEvents = ev
	}
	return reportTmpl.Execute(w, data)
}
