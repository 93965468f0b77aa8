// Package rules holds the analyzer's rules: small pure functions over a
// facts.Node that return findings with evidence, one file per family, and
// the registry that runs them in a fixed order.
package rules

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/logwork"
)

// Rule is one check. Check must not mutate the node and must not panic on
// odd facts; the registry recovers anyway so one bad rule cannot hide the rest.
type Rule struct {
	// ID is stable: "RT<family><nn>-<slug>", e.g. "RT1501-source-timed-out".
	ID     string
	Family int
	Title  string
	// Reads names the bundle files (or manifest fields) the rule looks at, for docs.
	Reads []string
	Check func(n *facts.Node) []finding.Finding
	// CheckWork, instead of Check, is a rule that reads log records: it
	// pays that work from the run's shared budget (Work).
	CheckWork func(n *facts.Node, w *Work) []finding.Finding
}

// RuleFailedID marks a rule that panicked: an analyzer bug, reported as data.
const RuleFailedID = "RT0001-rule-failed"

var idPattern = regexp.MustCompile(`^RT[0-9]{4}-[a-z0-9]+(-[a-z0-9]+)*$`)

// Registry is an ordered, id-checked set of rules.
type Registry struct {
	rules []Rule
}

// NewRegistry checks ids (format, uniqueness) and keeps rules sorted by id.
func NewRegistry(rules ...Rule) (*Registry, error) {
	seen := map[string]bool{}
	out := make([]Rule, 0, len(rules))
	for _, r := range rules {
		if !idPattern.MatchString(r.ID) {
			return nil, fmt.Errorf("rule id %q: want RT<4 digits>-<slug>", r.ID)
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("rule id %q registered twice", r.ID)
		}
		if (r.Check == nil) == (r.CheckWork == nil) {
			return nil, fmt.Errorf("rule %s needs one of Check and CheckWork", r.ID)
		}
		seen[r.ID] = true
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	// The report of the log work not done sees every reader's stop only
	// when it runs after all of them.
	if seen[LogWorkStoppedID] {
		for _, r := range out {
			if r.CheckWork != nil && r.ID > LogWorkStoppedID {
				return nil, fmt.Errorf("rule %s reads logs but sorts after %s, which reports the log work not done", r.ID, LogWorkStoppedID)
			}
		}
	}
	return &Registry{rules: out}, nil
}

// Default is every rule the analyzer ships.
func Default() *Registry {
	var all []Rule
	all = append(all, runtimeDown()...)
	all = append(all, desync()...)
	all = append(all, frozen()...)
	all = append(all, podStatus()...)
	all = append(all, podVerdicts()...)
	all = append(all, exitRules()...)
	all = append(all, nodeConfig()...)
	all = append(all, pidsRules()...)
	all = append(all, storage()...)
	all = append(all, oomKills()...)
	all = append(all, logSignatures()...)
	all = append(all, versionRules()...)
	all = append(all, collectionHealth()...)
	all = append(all, logWorkRules()...)
	r, err := NewRegistry(all...)
	if err != nil {
		panic(err) // a programming error caught by TestDefaultRegistry
	}
	return r
}

// Rules lists the registered rules in id order.
func (r *Registry) Rules() []Rule { return append([]Rule(nil), r.rules...) }

// Run applies every rule to n and returns the findings sorted worst first.
// Findings get the rule's id when they leave it empty and the node's name.
//
// Rules run one after another. Side by side (internal/fanout, session 8)
// they took 0.07 s off inspect of the 2,000-container bundle, but the two
// hyperthreads of this kind of machine charge more CPU for the same work:
// report --markdown --against on the hostile 100,000-pod bundle went over
// the suite's 10 s CPU bound (10.37 s) on a fresh-clone CI run. Each rule's
// findings are gathered in registry order all the same.
//
// The rules get what the log decoders left of the bundle's log work
// budget (facts.Node.LogWorkSpent).
func (r *Registry) Run(n *facts.Node) []finding.Finding {
	return r.RunWithin(n, logwork.New(logwork.DefaultUnits-n.LogWorkSpent))
}

// RunWithin is Run with the log readers paying from budget (nil: no
// bound). Rules run in id order, so the budget is spent in the same order
// on every run of the same bundle.
func (r *Registry) RunWithin(n *facts.Node, budget *logwork.Budget) []finding.Finding {
	w := &Work{Budget: budget}
	per := make([][]finding.Finding, len(r.rules))
	for i := range r.rules {
		w.reader = r.rules[i].ID
		per[i] = runRule(r.rules[i], n, w)
	}
	var out []finding.Finding
	for i, rule := range r.rules {
		for _, f := range per[i] {
			if f.ID == "" {
				f.ID = rule.ID
			}
			if f.Title == "" {
				f.Title = rule.Title
			}
			if f.Subject.Node == "" {
				f.Subject.Node = n.Hostname()
			}
			out = append(out, f)
		}
	}
	out = mergeSamePull(out)
	finding.Sort(out)
	return out
}

func runRule(rule Rule, n *facts.Node, w *Work) (fs []finding.Finding) {
	defer func() {
		if p := recover(); p != nil {
			fs = []finding.Finding{{
				ID: RuleFailedID, Severity: finding.Warning, Title: "An analyzer rule failed",
				Explanation: fmt.Sprintf("Rule %s panicked on this bundle (%v); its conclusions are missing. This is an analyzer bug: please report it with the bundle's manifest.", rule.ID, p),
				Evidence:    []finding.Evidence{{Path: "manifest.json"}},
				Subject:     finding.Subject{Node: n.Hostname()},
			}}
		}
	}()
	if rule.CheckWork != nil {
		return rule.CheckWork(n, w)
	}
	return rule.Check(n)
}
