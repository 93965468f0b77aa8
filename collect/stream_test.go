package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/redact"
)

// bigList is a CRI-like containers document well above streamMin, with a
// planted secret in every record (an env pair and a password flag).
type bigList struct {
	Containers []bigRecord `json:"containers"`
	Error      string      `json:"error,omitempty"`
}

type bigRecord struct {
	ID   string            `json:"id"`
	Envs []map[string]any  `json:"envs"`
	Args []string          `json:"args"`
	Info map[string]string `json:"info"`
}

func bigListDoc(n int) bigList {
	d := bigList{Error: "rpc error: Authorization: Bearer abcdefghijklmnopqrstu"}
	for i := range n {
		d.Containers = append(d.Containers, bigRecord{ID: fmt.Sprintf("%064x", i),
			Envs: []map[string]any{{"key": "DB_PASSWORD", "value": fmt.Sprintf("planted-%06d", i)}, {"key": "PATH", "value": "/usr/bin"}},
			Args: []string{"mysql", "-u", "root", fmt.Sprintf("-pplanted-%06d", i)},
			Info: map[string]string{"sandboxID": fmt.Sprintf("%064x", i+1), "pid": "4242"}})
	}
	return d
}

// runBig collects one source writing doc as cri/containers.json under budget
// and returns the stored bytes, the status and the redactor.
func runBig(t *testing.T, doc any, budget int64) ([]byte, bundle.SourceStatus, *redact.Redactor) {
	t.Helper()
	src := fakeSource{name: "cri", budget: budget, collect: func(ctx context.Context, env *Env, out Output) error {
		return out.WriteJSON("containers.json", doc)
	}}
	red := newTestRedactor(t)
	res, err := Run(context.Background(), Options{OutputDir: t.TempDir(), Timeout: 30 * time.Second}, []Source{src}, red)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.OpenFile(res.Path, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	data, _ := b.File("cri/containers.json")
	return data, statusOf(t, b.Manifest, "cri"), red
}

// A document above streamMin goes record by record into the archive and is
// stored byte for byte as the whole-document path stores it, with the same
// redaction report; no planted value survives.
func TestLargeJSONIsStoredAsTheWholePathStoresIt(t *testing.T) {
	// A map: not a shape splitJSON takes, so the compact form is streamed.
	list := bigListDoc(3000)
	doc := map[string]any{"containers": list.Containers, "error": list.Error}
	if _, ok := splitJSON(doc, minRecords); ok {
		t.Fatal("the map was split: this test is for the compact path")
	}
	compact, _ := json.Marshal(doc)
	if len(compact) < 2*streamMin {
		t.Fatalf("document of %d bytes does not exercise the streamed path", len(compact))
	}
	// The streamed path is the one taken (the fallback gives the same bytes).
	w, _ := bundle.NewWriter(bundle.WriterOptions{})
	out := &sourceOutput{name: "cri", budget: 64 << 20, writer: w, red: newTestRedactor(t), onWrite: func(int64) {}}
	if stored, _, err := out.streamValue("cri/containers.json", doc); !stored || err != nil {
		t.Fatalf("streamValue: stored %v, %v", stored, err)
	}

	got, st, red := runBig(t, doc, 64<<20)
	whole := newTestRedactor(t)
	want, _ := whole.Bytes("cri/containers.json", redact.JSON, compact)
	if !bytes.Equal(got, want) {
		t.Fatalf("stored %d bytes, the whole path gives %d (first difference at %d)", len(got), len(want), commonPrefix(got, want))
	}
	if st.Status != bundle.StatusOK {
		t.Fatalf("status %+v", st)
	}
	if bytes.Contains(got, []byte("planted-")) {
		t.Fatal("a planted value survived")
	}
	gotRep, wantRep := red.Report(), whole.Report()
	if !reflect.DeepEqual(gotRep.ByRule, wantRep.ByRule) || gotRep.Total != wantRep.Total || gotRep.Total < 2*3000 {
		t.Fatalf("report %v (%d), whole path %v (%d)", gotRep.ByRule, gotRep.Total, wantRep.ByRule, wantRep.Total)
	}
}

// Over the source's budget the streamed path gives way to the whole one,
// which cuts the file at the budget as before, and counts each hit once.
func TestLargeJSONOverBudgetIsCutAsBefore(t *testing.T) {
	doc := bigListDoc(3000)
	compact, _ := json.Marshal(doc)
	const budget = 400 << 10
	got, st, red := runBig(t, doc, budget)
	whole := newTestRedactor(t)
	want, n := whole.Bytes("cri/containers.json", redact.JSON, compact)
	if len(got) != budget || !bytes.Equal(got, want[:budget]) {
		t.Fatalf("stored %d bytes, want the first %d of the whole path's", len(got), budget)
	}
	if st.Status != bundle.StatusPartial {
		t.Fatalf("status %+v", st)
	}
	if red.Total() != n {
		t.Fatalf("%d replacements counted, the document has %d", red.Total(), n)
	}
}

func commonPrefix(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}
