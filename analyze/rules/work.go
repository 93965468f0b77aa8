package rules

import (
	"fmt"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/logwork"
	"github.com/rtsnap/rtsnap/analyze/podstatus"
)

// Work is what the rules of one Run share: the bundle's log work budget
// (logwork), paid in rule id order, and what several rules derive from the
// logs, computed and paid once (the pod verdicts: three rules read them).
type Work struct {
	Budget *logwork.Budget
	// reader is the rule running: the stops it records name it.
	reader string

	verdicts     []podstatus.Verdict
	haveVerdicts bool
	state        *stateView
}

// unbounded is the Work of a rule called outside a Run (tests, tools).
func unbounded() *Work { return &Work{} }

// podVerdicts are the pods' verdicts (podstatus), made by the first rule
// that asks, which pays for reading the kubelet's lines. Callers must not
// change them: the next rule gets the same slice.
func (w *Work) podVerdicts(n *facts.Node) []podstatus.Verdict {
	if !w.haveVerdicts {
		w.verdicts, w.haveVerdicts = podstatus.VerdictsWithin(n, w.Budget, w.reader+" (the pods' verdicts)"), true
	}
	return w.verdicts
}

// stateView is the bundle's state for placing log findings in time, made
// by the first rule that asks (on 100,000 pods it is a second of work);
// callers must not change it.
func (w *Work) stateView(n *facts.Node) *stateView {
	if w.state == nil {
		w.state = newStateView(n)
	}
	return w.state
}

// scanLogs calls match on every record of the files keep accepts, in path
// then line order, paying a literal scan of each record from the budget,
// and hitCost more (nil: nothing more) for each record match keeps, for
// what the caller does to it next. It stops where the budget runs out (the
// stop is recorded for RT1512) and returns the hits found until then.
func (w *Work) scanLogs(n *facts.Node, keep func(path string) bool, match func(r facts.LogRecord) bool, hitCost func(r facts.LogRecord) int64) []logHit {
	var hits []logHit
	facts.WalkLogs(n, w.Budget, w.reader, keep, facts.ScanMessage, func(p string, r facts.LogRecord) bool {
		if !match(r) {
			return true
		}
		if hitCost != nil && !w.Budget.Pay(hitCost(r)) {
			return false
		}
		hits = append(hits, logHit{p, r})
		return true
	})
	return hits
}

// LogWorkStoppedID is the warning that the log readers' shared budget ran
// out. It sorts after every rule that reads logs (NewRegistry checks), so
// it sees every stop.
const LogWorkStoppedID = "RT1512-log-work-stopped"

func logWorkRules() []Rule {
	return []Rule{{ID: LogWorkStoppedID, Family: 15, Title: "Rules read only part of the logs: the analyzer's log work budget ran out",
		Reads: []string{"journal/*.jsonl", "journal/files/*.log"}, CheckWork: logWorkStopped}}
}

// logWorkStopped names every reader the budget refused and where, but the
// failure catalog's, which RT1300-log-catalog-stopped reports with its own
// counts.
func logWorkStopped(n *facts.Node, w *Work) []finding.Finding {
	var stops []logwork.Stop
	for _, s := range w.Budget.Stops() {
		if s.Reader != LogCatalogID {
			stops = append(stops, s)
		}
	}
	if len(stops) == 0 {
		return nil
	}
	var parts []string
	var ev []finding.Evidence
	for _, s := range stops {
		parts = append(parts, fmt.Sprintf("%s stopped at %s line %d (%d records of it and %d in later files not read)", s.Reader, s.Path, s.Line, s.Left, s.Later))
		if len(ev) < maxEvidence {
			ev = append(ev, finding.Evidence{Path: s.Path, LineStart: s.Line})
		}
	}
	first := stops[0]
	return []finding.Finding{{
		Severity: finding.Warning,
		Title:    fmt.Sprintf("%s read only part of the logs: the log work budget ran out", plural(len(stops), "rule")),
		Subject:  finding.Subject{File: first.Path},
		Explanation: fmt.Sprintf("The rules that read log records share one budget per bundle (logwork.DefaultUnits: %d MiB units, one unit a byte read by a regexp; "+
			"a node's real logs use a fraction of it). It ran out after %d MiB units: %s. Findings these rules would have drawn from the records not read are missing: "+
			"their absence proves nothing. Records crafted to make every rule's costly step run (packed with the signatures the rules look for) are what costs this much.",
			logwork.DefaultUnits>>20, w.Budget.Spent()>>20, strings.Join(parts, "; ")),
		Evidence: ev,
		Remediation: []string{"Read the records not read by hand (rtsnap-analyze show BUNDLE " + first.Path + ").",
			"If the bundle came from rtsnap collect, report its manifest: a real node's logs stay far below the budget."},
	}}
}
