package catalog

import (
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/analyze/logrec"
	"github.com/rtsnap/rtsnap/analyze/logwork"
)

// exampleText is every class's example lines, joined: text holding every
// literal of the catalog.
func exampleText(c *Catalog) string {
	var b strings.Builder
	for _, cl := range c.Classes {
		for _, e := range cl.Examples {
			b.WriteString(e.Line)
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func TestBudgetStopsClassification(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	line := c.Classes[0].Examples[0].Line
	r := logrec.ParseText(line)
	want := c.Classify(r)
	if want == nil {
		t.Fatalf("example not classified: %s", line)
	}
	// Unbounded (nil) and ample budgets give Classify's answer and count.
	if m, ok := c.ClassifyWithin(r, nil); !ok || m == nil || m.Class != want.Class {
		t.Fatalf("nil budget: %v %v", m, ok)
	}
	b := logwork.New(1 << 20)
	if m, ok := c.ClassifyWithin(r, b); !ok || m == nil || m.Class != want.Class || b.Spent() < logwork.Read(len(r.Text)) || b.Exhausted() {
		t.Fatalf("ample budget: %v %v spent %d", m, ok, b.Spent())
	}
	// A budget smaller than one run stops at once, stays stopped, and
	// refuses a record it could have paid for after that.
	small := logwork.New(int64(len(r.Text)) - 1)
	if m, ok := c.ClassifyWithin(r, small); ok || m != nil || !small.Exhausted() || small.Spent() != 0 {
		t.Fatalf("small budget: %v %v exhausted %v spent %d", m, ok, small.Exhausted(), small.Spent())
	}
	if _, ok := c.ClassifyWithin(logrec.ParseText("x"), small); ok {
		t.Fatal("an exhausted budget paid for a later record")
	}
	// A record that runs no pattern costs nothing.
	quiet := logwork.New(0)
	if m, ok := c.ClassifyWithin(logrec.ParseText("level=info msg=\"all good\""), quiet); !ok || m != nil || quiet.Spent() != 0 {
		t.Fatalf("quiet line: %v %v spent %d", m, ok, quiet.Spent())
	}
}

// A record packed with every class's literals is what the budget is for:
// it costs many times its own length (every class a candidate), while a
// real failure line costs about twice its length.
func TestPackedRecordCostsManyRuns(t *testing.T) {
	c, _ := Load()
	all := exampleText(c)
	packed := logwork.New(1 << 40)
	c.ClassifyWithin(logrec.ParseText(all[:4000]), packed)
	real := logwork.New(1 << 40)
	text := 0
	for _, cl := range c.Classes {
		for _, e := range cl.Examples {
			r := logrec.ParseText(e.Line)
			text += len(r.Text)
			c.ClassifyWithin(r, real)
		}
	}
	runsPacked := float64(packed.Spent()) / 4000
	runsReal := float64(real.Spent()) / float64(text)
	t.Logf("packed 4 KB record: %.1f pattern runs; real example lines: %.2f runs per byte of text", runsPacked, runsReal)
	if runsPacked < 4*runsReal {
		t.Fatalf("packed record %.1f runs, real lines %.2f: the flood no longer costs more than real lines", runsPacked, runsReal)
	}
}
