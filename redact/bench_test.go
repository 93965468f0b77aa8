package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/internal/schema/journal"
	"github.com/rtsnap/rtsnap/internal/shapetest"
)

// BenchmarkRedactJSON: a CRI-like container list (5000 containers, ~3.5 MB)
// through parse, walk and re-encode.
func BenchmarkRedactJSON(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"containers": [`)
	for i := 0; i < 5000; i++ {
		if i > 0 {
			buf.WriteString(",")
		}
		fmt.Fprintf(&buf, `{"id": "23ca8bc52b07e686855488d3ce13d0d84d292b4226f881b9c643c5ddb90066%02d", "metadata": {"name": "app", "attempt": 1}, "image": {"image": "sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904b6b2d2e8b1d3a4c8c2b5d7f1"}, "labels": {"io.kubernetes.pod.name": "web", "io.kubernetes.pod.namespace": "lab"}, "annotations": {"io.kubernetes.container.hash": "abc123", "io.kubernetes.container.restartCount": "0"}, "envs": [{"key": "PATH", "value": "/usr/bin"}, {"key": "DB_PASSWORD", "value": "x%d"}], "createdAt": "1732482300000000000", "state": "CONTAINER_RUNNING"}`, i%100, i)
	}
	buf.WriteString(`]}`)
	data := buf.Bytes()
	r := newR(b, Config{})
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start := shapetest.CPU()
	for i := 0; i < b.N; i++ {
		if _, n := r.Bytes("c.json", JSON, data); n != 5000 {
			b.Fatalf("%d replacements", n)
		}
	}
	if cpu := shapetest.CPU() - start; cpu > 0 {
		b.ReportMetric(float64(len(data))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// BenchmarkRedactJSONLines: 10 MiB of the two JSON-lines carriers the
// collector redacts, alternating: docker json-file records (the shape
// dockerd writes: {"log":...,"stream":...,"time":...}, see
// /var/lib/docker/containers/*/*-json.log in the lab) and journal entries
// as collect/journal writes them (json.Marshal of internal/schema/journal's
// Entry), both around benchLogLines' messages, so their share of
// secret-looking words and secrets is the text benchmark's.
func BenchmarkRedactJSONLines(b *testing.B) {
	benchBytes(b, "containerd.jsonl", JSONLines, benchJSONLines(10<<20))
}

// benchBytes runs Redactor.Bytes on data b.N times and reports MB/s and,
// because the shared test machine is loaded, MB per CPU-second (user+system
// of the whole process, GC included): what one core achieves.
func benchBytes(b *testing.B, file string, kind Kind, data []byte) {
	r := newR(b, Config{})
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start := shapetest.CPU()
	for i := 0; i < b.N; i++ {
		r.Bytes(file, kind, data)
	}
	if cpu := shapetest.CPU() - start; cpu > 0 {
		b.ReportMetric(float64(len(data))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

func benchJSONLines(size int) []byte {
	var buf bytes.Buffer
	t0 := time.Date(2026, 11, 24, 21, 5, 0, 0, time.UTC)
	for i := 0; buf.Len() < size; i++ {
		for j, msg := range benchLogLines() {
			t := t0.Add(time.Duration(i*10+j) * time.Millisecond)
			var rec any
			if j%2 == 0 {
				rec = struct {
					Log    string `json:"log"`
					Stream string `json:"stream"`
					Time   string `json:"time"`
				}{msg + "\n", "stdout", t.Format(time.RFC3339Nano)}
			} else {
				rec = journal.Entry{Time: t, RealtimeUsec: uint64(t.UnixMicro()), MonotonicUsec: 4242424242, BootID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
					Unit: "containerd.service", Identifier: "containerd", PID: "812", Priority: "6", Message: msg,
					Cursor:  fmt.Sprintf("s=0f1e2d3c4b5a69788796a5b4c3d2e1f0;i=%x;b=0f1e2d3c4b5a69788796a5b4c3d2e1f0;m=%x;t=%x;x=%x", i*10+j, i, t.UnixMicro(), i*7),
					Journal: "system"}
			}
			line, err := json.Marshal(rec)
			if err != nil {
				panic(err)
			}
			buf.Write(line)
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes()
}
