package rules

import (
	"fmt"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// TestRunOrderDoesNotDependOnTiming: Run checks rules side by side; rules
// that finish in the reverse of their order, with findings Sort cannot
// tell apart (same id, severity and subject), come out in registry order,
// each rule's in its own order, as when they ran one after another; a rule
// that panics is still one RuleFailedID finding.
func TestRunOrderDoesNotDependOnTiming(t *testing.T) {
	const n = 12
	var rs []Rule
	for i := range n {
		rs = append(rs, Rule{ID: fmt.Sprintf("RT99%02d-order", i), Title: "t", Check: func(*facts.Node) []finding.Finding {
			time.Sleep(time.Duration(n-i) * 2 * time.Millisecond)
			if i == 5 {
				panic("boom")
			}
			// One id for all, so only the registry's order separates them.
			return []finding.Finding{
				{ID: "RT9999-same", Severity: finding.Info, Explanation: fmt.Sprintf("%d.a", i)},
				{ID: "RT9999-same", Severity: finding.Info, Explanation: fmt.Sprintf("%d.b", i)},
			}
		}})
	}
	reg, err := NewRegistry(rs...)
	if err != nil {
		t.Fatal(err)
	}
	nd := node(healthy(), nil)
	for round := range 3 {
		got := reg.Run(nd)
		var want []string
		for i := range n {
			if i != 5 {
				want = append(want, fmt.Sprintf("%d.a", i), fmt.Sprintf("%d.b", i))
			}
		}
		var order []string
		failed := 0
		for _, f := range got {
			if f.ID == RuleFailedID {
				failed++
				continue
			}
			order = append(order, f.Explanation)
		}
		if failed != 1 || fmt.Sprint(order) != fmt.Sprint(want) {
			t.Fatalf("round %d: %d failed, order %v, want %v", round, failed, order, want)
		}
	}
}
