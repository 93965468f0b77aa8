package facts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/bundle"
	cdschema "github.com/rtsnap/rtsnap/internal/schema/containerd"
)

func boundedNode(files map[string]string, budgetBytes int64) *Node {
	m := &bundle.Manifest{}
	for p, d := range files {
		m.Files = append(m.Files, bundle.FileEntry{Path: p, Size: int64(len(d))})
	}
	return build("test.tar.zst", m, func(p string) ([]byte, bool) {
		s, ok := files[p]
		return []byte(s), ok
	}, DefaultParsers(), budgetBytes, nil, nil)
}

// repeatJSON is "[e,e,...]" of about n bytes.
func repeatJSON(e string, n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for b.Len() < n {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(e)
	}
	b.WriteByte(']')
	return b.String()
}

// heapAfter measures what decoding data into a fresh *T keeps on the heap.
func heapAfter[T any](data []byte) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := new(T)
	if err := defaultUnmarshal(data, v); err != nil {
		panic(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc)
}

// TestDecodeCostIsConservative: the estimate charged before decoding is at
// least what the decode really keeps, for the shapes of issue #15 (docker
// JSON of `[{"":0},...]` decoded as []map[string]any, 60x its size) and a
// typed slice of empty objects.
func TestDecodeCostIsConservative(t *testing.T) {
	cases := []struct {
		name string
		data string
		heap func([]byte) int64
		maps bool
	}{
		{"docker maps", repeatJSON(`{"":0}`, 1<<20), heapAfter[[]map[string]any], true},
		{"docker maps, 3 keys", repeatJSON(`{"Id":"abc","Names":["/x"],"State":"running"}`, 1<<20), heapAfter[[]map[string]any], true},
		{"typed containers", repeatJSON(`{}`, 1<<20), heapAfter[[]cdschema.Container], false},
		{"strings", repeatJSON(`"abcdefghij"`, 1<<20), heapAfter[[]any], true},
	}
	for _, c := range cases {
		got, est := c.heap([]byte(c.data)), decodeCost([]byte(c.data), c.maps)
		t.Logf("%s: %d bytes of JSON, %d on the heap decoded, estimate %d", c.name, len(c.data), got, est)
		if est < got {
			t.Errorf("%s: estimate %d is below the real %d", c.name, est, got)
		}
		if est > 4*got+int64(len(c.data)) {
			t.Errorf("%s: estimate %d is far above the real %d: healthy bundles would be cut", c.name, est, got)
		}
	}
}

func TestDecodeBudgetCutsDockerBlowUp(t *testing.T) {
	// Three docker files of 7 MB each: 48x that is over a 128 MiB budget;
	// the byte limit alone let them in.
	blow := repeatJSON(`{"":0}`, 7<<20)
	files := map[string]string{"docker/containers.json": blow, "docker/inspect.json": blow, "docker/images.json": blow,
		"docker/version.json": `{"Version":"20.10.24"}`}
	n := boundedNode(files, 128<<20)
	if len(n.Cuts) == 0 {
		t.Fatal("no cut: the docker files were decoded whole")
	}
	for _, c := range n.Cuts {
		if !strings.HasPrefix(c.Path, "docker/") || c.What != "file not decoded" || !strings.Contains(c.Reason, "MiB") {
			t.Errorf("cut = %+v", c)
		}
	}
	if n.Docker == nil || n.Docker.Version["Version"] != "20.10.24" {
		t.Errorf("the small file was not decoded: %+v", n.Docker)
	}
	for _, pe := range n.ParseErrors {
		if strings.Contains(pe.Err, "memory") {
			t.Errorf("a cut is also a parse error: %+v", pe)
		}
	}
	// Quiet: the same node without a budget, and a healthy file with one.
	if n := boundedNode(map[string]string{"docker/version.json": `{"Version":"x"}`}, 128<<20); len(n.Cuts) != 0 {
		t.Errorf("healthy file cut: %+v", n.Cuts)
	}
}

func TestGlobalLogRecordCap(t *testing.T) {
	// Ten files of 30,000 lines: each under the per-file cap, together over
	// MaxLogRecords.
	var b strings.Builder
	for i := 0; i < 30_000; i++ {
		fmt.Fprintf(&b, "{\"time\":\"2026-11-24T09:30:01Z\",\"message\":\"line %d\"}\n", i)
	}
	files := map[string]string{}
	for i := 0; i < 10; i++ {
		files[fmt.Sprintf("journal/u%d.jsonl", i)] = b.String()
	}
	n := boundedNode(files, 1<<30)
	total := 0
	for _, lf := range n.Logs {
		total += len(lf.Records)
	}
	if total != MaxLogRecords {
		t.Fatalf("%d records kept, want the global cap %d", total, MaxLogRecords)
	}
	if len(n.Cuts) == 0 || !strings.Contains(n.Cuts[0].Reason, "log records") {
		t.Fatalf("cuts = %+v", n.Cuts)
	}
	// The byte budget cuts too, before the count does.
	n = boundedNode(map[string]string{"journal/a.jsonl": b.String()}, 1<<20)
	if len(n.Cuts) != 1 || !strings.Contains(n.Cuts[0].Reason, "memory limit") || !n.Logs["journal/a.jsonl"].Truncated {
		t.Fatalf("byte budget: cuts = %+v", n.Cuts)
	}
	// Quiet: one file under both caps.
	n = boundedNode(map[string]string{"journal/a.jsonl": b.String()}, 1<<30)
	if len(n.Cuts) != 0 || len(n.Logs["journal/a.jsonl"].Records) != 30_000 {
		t.Fatalf("quiet case cut: %+v", n.Cuts)
	}
}

func TestNotHeldFilesAreCuts(t *testing.T) {
	m := &bundle.Manifest{Files: []bundle.FileEntry{{Path: "logs/big.log", Size: 5}}}
	n := build("b", m, func(string) ([]byte, bool) { return nil, false }, DefaultParsers(), 1<<20, []string{"logs/big.log"}, nil)
	if len(n.Cuts) != 1 || n.Cuts[0].Path != "logs/big.log" {
		t.Fatalf("cuts = %+v", n.Cuts)
	}
}

// jsonShapeReference counts objects and arrays with encoding/json's tokenizer.
func jsonShapeReference(data []byte) (int64, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var n int64
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return n, true
		}
		if err != nil {
			return 0, false
		}
		if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
			n++
		}
	}
}

// FuzzJSONShape is a differential test of the hand-written counter against
// encoding/json on valid JSON; on any input it must not panic.
func FuzzJSONShape(f *testing.F) {
	for _, s := range []string{`[{"":0},{"":0}]`, `{"a":"{[\"]}","b":[1,2,{}]}`, `"\\"`, `[[[[`, "\"\\u005b\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		containers, values := jsonShape(data)
		if values < 1 || containers < 0 {
			t.Fatalf("counts %d %d", containers, values)
		}
		if want, ok := jsonShapeReference(data); ok && json.Valid(data) && want != containers {
			t.Fatalf("%q: %d containers, encoding/json sees %d", data, containers, want)
		}
	})
}
