package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
)

type fitDoc struct {
	Records   []fitRecord `json:"records"`
	Truncated bool        `json:"truncated,omitempty"`
}

type fitRecord struct {
	ID       string `json:"id"`
	Image    string `json:"image"`
	Password string `json:"password"`
}

func fitRecords(n int) []fitRecord {
	rs := make([]fitRecord, n)
	for i := range rs {
		rs[i] = fitRecord{ID: fmt.Sprintf("%064x", i), Image: "docker.io/library/busybox:latest", Password: fmt.Sprintf("s3cr3t-%d", i)}
	}
	return rs
}

// runFit collects one source that writes n records through WriteJSONFit
// under budget, and returns the stored document, its status and the k the
// call returned.
func runFit(t *testing.T, n int, budget int64) (fitDoc, bundle.SourceStatus, int, bool) {
	doc, st, k, ok, _ := runFitCounted(t, n, budget)
	return doc, st, k, ok
}

func runFitCounted(t *testing.T, n int, budget int64) (fitDoc, bundle.SourceStatus, int, bool, int) {
	t.Helper()
	recs := fitRecords(n)
	kept := -1
	src := fakeSource{name: "runc", budget: budget, collect: func(ctx context.Context, env *Env, out Output) error {
		k, err := WriteJSONFit(out, "states.json", len(recs), func(k int) any {
			return fitDoc{Records: recs[:k], Truncated: k < len(recs)}
		})
		kept = k
		if k < len(recs) && !errors.Is(err, ErrBudget) {
			t.Errorf("kept %d of %d without ErrBudget: %v", k, len(recs), err)
		}
		return err
	}}
	red := newTestRedactor(t)
	res, err := Run(context.Background(), Options{OutputDir: t.TempDir(), Timeout: 20 * time.Second}, []Source{src}, red)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.OpenFile(res.Path, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	st := statusOf(t, b.Manifest, "runc")
	data, ok := b.File("runc/states.json")
	if !ok {
		return fitDoc{}, st, kept, false, red.Total()
	}
	var doc fitDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("a cut document must still parse: %v\n%s", err, tailOf(data))
	}
	for _, r := range doc.Records {
		if strings.Contains(r.Password, "s3cr3t") {
			t.Fatalf("record %s kept its password", r.ID)
		}
	}
	return doc, st, kept, true, red.Total()
}

func tailOf(b []byte) string {
	if len(b) > 200 {
		b = b[len(b)-200:]
	}
	return string(b)
}

// The runc source at 2,000 containers used to fill its budget and leave
// states.json cut mid-value (issue 19): now the document ends on a record.
func TestWriteJSONFitCutsOnARecordBoundary(t *testing.T) {
	doc, st, k, ok, hits := runFitCounted(t, 2000, 64<<10)
	if !ok {
		t.Fatal("nothing stored")
	}
	if k <= 0 || k >= 2000 || len(doc.Records) != k || !doc.Truncated {
		t.Fatalf("kept %d, document has %d records, truncated %v", k, len(doc.Records), doc.Truncated)
	}
	// Close to the largest k whose unredacted document fits: replacements
	// (longer than these passwords) cost the rest.
	const budget = 64 << 10
	full, _ := json.MarshalIndent(fitDoc{Records: fitRecords(k*11/10 + 1), Truncated: true}, "", "  ")
	if int64(len(full)) <= budget {
		t.Errorf("kept %d records but %d fit unredacted (%d bytes)", k, k*11/10+1, len(full))
	}
	// Every kept password was redacted. A document that replacements push
	// over the budget is redacted a second time at a smaller k, and those
	// hits are counted again (a known over-count, never an under-count).
	if hits < k || hits > 3*k {
		t.Errorf("the redaction totals count %d hits for %d stored passwords", hits, k)
	}
	for i, r := range doc.Records {
		if r.ID != fmt.Sprintf("%064x", i) {
			t.Fatalf("record %d is %s: the first k records, in order", i, r.ID)
		}
	}
	if st.Status != bundle.StatusPartial || !strings.Contains(st.Reason, "budget") {
		t.Errorf("status %+v", st)
	}
}

func TestWriteJSONFitKeepsAWholeDocumentThatFits(t *testing.T) {
	doc, st, k, ok := runFit(t, 200, 1<<20)
	if !ok || k != 200 || len(doc.Records) != 200 || doc.Truncated {
		t.Fatalf("stored %v, kept %d, %d records, truncated %v", ok, k, len(doc.Records), doc.Truncated)
	}
	if st.Status != bundle.StatusOK {
		t.Errorf("status %+v", st)
	}
}

func TestWriteJSONFitStoresNothingWhenNoDocumentFits(t *testing.T) {
	_, st, k, ok := runFit(t, 10, 8)
	if ok || k != 0 {
		t.Fatalf("stored %v, kept %d, in an 8-byte budget", ok, k)
	}
	if st.Status != bundle.StatusPartial {
		t.Errorf("status %+v", st)
	}
}

// An Output that cannot fit (a test capture) gets the whole document.
func TestWriteJSONFitFallsBackToWriteJSON(t *testing.T) {
	out := NewCapture()
	k, err := WriteJSONFit(out, "x.json", 3, func(k int) any { return fitDoc{Records: fitRecords(k)} })
	if err != nil || k != 3 {
		t.Fatal(k, err)
	}
	var doc fitDoc
	if err := json.Unmarshal(out.Files["x.json"], &doc); err != nil || len(doc.Records) != 3 {
		t.Fatal(err, doc)
	}
}
