package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/bundle"
	schema "github.com/rtsnap/rtsnap/internal/schema/cri"
	"github.com/rtsnap/rtsnap/redact"
)

// joinParts is the compact document the parts make; the collector never
// builds it, the test compares it with json.Marshal.
func joinParts(t *testing.T, p jsonParts) []byte {
	t.Helper()
	var out bytes.Buffer
	records := func() {
		out.WriteByte('[')
		for i := range p.records.Len() {
			if i > 0 {
				out.WriteByte(',')
			}
			b, err := marshalValue(p.records.Index(i))
			if err != nil {
				t.Fatal(err)
			}
			out.Write(b)
		}
		out.WriteByte(']')
	}
	if p.members == nil {
		records()
		return out.Bytes()
	}
	out.WriteByte('{')
	for i, m := range p.members {
		if i > 0 {
			out.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		out.Write(k)
		out.WriteByte(':')
		if m.list {
			records()
			continue
		}
		b, err := marshalValue(m.value)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
	}
	out.WriteByte('}')
	return out.Bytes()
}

// criList is a containers.json of n records as the cri source builds it,
// with the verbose info of containerd 2.x (its shape: an env pair holding a
// planted password, the OCI spec's args).
func criList(n int) schema.ContainerList {
	l := schema.ContainerList{Filtered: 3, Error: "rpc error: code = Unavailable <&>"}
	for i := range n {
		id := fmt.Sprintf("%064x", i)
		info := fmt.Sprintf(`{"sandboxID":"%s","pid":%d,"config":{"envs":[{"key":"DB_PASSWORD","value":"planted-%d"}]},"runtimeSpec":{"process":{"args":["sh","-c","sleep 1d"]}}}`, id, 1000+i, i)
		l.Containers = append(l.Containers, &schema.ContainerRecord{
			Container: &criapi.Container{Id: id, PodSandboxId: id, Metadata: &criapi.ContainerMetadata{Name: "c", Attempt: uint32(i % 3)},
				Labels: map[string]string{"io.kubernetes.pod.namespace": "scale"}, CreatedAt: int64(i) * 1e9, State: criapi.ContainerState_CONTAINER_RUNNING},
			Status: &criapi.ContainerStatus{Id: id, ExitCode: int32(i % 2), Reason: "", Mounts: []*criapi.Mount{{ContainerPath: "/etc/hosts", HostPath: "/var/lib/x"}}},
			Info:   map[string]json.RawMessage{"info": json.RawMessage(info)},
		})
	}
	l.Containers[7] = nil
	return l
}

type withTime struct {
	Records []withTimeRecord `json:"records"`
	At      time.Time        `json:"at"`
	Note    *string          `json:"note,omitempty"`
	Skip    string           `json:"-"`
	hidden  int
	Raw     []byte `json:"raw,omitempty"`
}

type withTimeRecord struct {
	At   time.Time `json:"at"`
	Ptr  ptrMarshaler
	Any  any `json:"any"`
	Text string
}

// ptrMarshaler marshals itself only through a pointer: encoding/json uses
// the method for an addressable value (a slice element) alone.
type ptrMarshaler struct{ N int }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf(`"ptr-%d"`, p.N)), nil
}

type embedded struct {
	withTime
	Records []int `json:"records"`
}

type nameless struct {
	Records []withTimeRecord
}

func TestSplitJSONMatchesMarshal(t *testing.T) {
	recs := make([]withTimeRecord, 150)
	for i := range recs {
		recs[i] = withTimeRecord{At: time.Unix(int64(i), 5).UTC(), Ptr: ptrMarshaler{i}, Any: map[string]int{"i": i}, Text: "<b>"}
	}
	note := "n"
	calls := make([]schema.Call, 300)
	for i := range calls {
		calls[i] = schema.Call{Method: "ContainerStatus", DurationMS: int64(i), Code: "OK"}
	}
	big := criList(500)
	for name, v := range map[string]any{
		"cri containers.json":          big,
		"pointer to it":                &big,
		"top-level list":               calls,
		"time, pointers, omitted":      withTime{Records: recs, At: time.Unix(1, 0), Note: &note, Skip: "x", hidden: 1},
		"pointer: addressable members": &withTime{Records: recs, Raw: []byte("abc")},
	} {
		parts, ok := splitJSON(v, minRecords)
		if !ok {
			t.Errorf("%s: not split", name)
			continue
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := joinParts(t, parts); !bytes.Equal(got, want) {
			t.Errorf("%s: parts join to\n%.400s\nMarshal gives\n%.400s", name, got, want)
		}
	}
	// Quiet side: what it cannot repeat exactly, or is too small to gain.
	for name, v := range map[string]any{
		"embedded struct":   embedded{Records: make([]int, 200)},
		"field without tag": nameless{Records: recs},
		"short list":        criList(minRecords - 1),
		"bytes":             make([]byte, 1000),
		"time itself":       time.Now(),
		"map":               map[string][]int{"a": make([]int, 500)},
		"nil pointer":       (*schema.ContainerList)(nil),
		"nil list":          schema.ContainerList{},
	} {
		if _, ok := splitJSON(v, minRecords); ok {
			t.Errorf("%s: split", name)
		}
	}
}

// The engine writes a split document as the whole path writes it: the
// same bytes, the same report, every planted value gone; and a part that
// fails to marshal fails the file as json.Marshal fails it.
func TestSplitDocumentIsStoredAsTheWholePathStoresIt(t *testing.T) {
	doc := criList(2000)
	w, _ := bundle.NewWriter(bundle.WriterOptions{})
	out := &sourceOutput{name: "cri", budget: 64 << 20, writer: w, red: newTestRedactor(t), onWrite: func(int64) {}}
	if stored, _, err := out.streamValue("cri/containers.json", doc); !stored || err != nil {
		t.Fatalf("not stored in parts: %v", err)
	}

	got, st, red := runBig(t, doc, 64<<20)
	compact, _ := json.Marshal(doc)
	whole := newTestRedactor(t)
	want, _ := whole.Bytes("cri/containers.json", redact.JSON, compact)
	if !bytes.Equal(got, want) {
		t.Fatalf("stored %d bytes, the whole path gives %d (first difference at %d)", len(got), len(want), commonPrefix(got, want))
	}
	if st.Status != bundle.StatusOK || bytes.Contains(got, []byte("planted-")) {
		t.Fatalf("status %+v; planted value present: %v", st, bytes.Contains(got, []byte("planted-")))
	}
	if !reflect.DeepEqual(red.Report(), whole.Report()) {
		t.Fatal("reports differ")
	}

	bad := criList(200)
	bad.Containers[150].Info["info"] = json.RawMessage(`{"cut":`)
	src := fakeSource{name: "cri", budget: 64 << 20, collect: func(ctx context.Context, env *Env, out Output) error {
		return out.WriteJSON("containers.json", bad)
	}}
	res, err := Run(context.Background(), Options{OutputDir: t.TempDir(), Timeout: 30 * time.Second}, []Source{src}, newTestRedactor(t))
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Sources[0]; s.Status != bundle.StatusError || !strings.Contains(s.Reason, "encoding cri/containers.json") || s.Files != 0 {
		t.Fatalf("a document that does not marshal: %+v", s)
	}
}
