package redact

import (
	"bytes"
	"fmt"
	"testing"
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
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, n := r.Bytes("c.json", JSON, data); n != 5000 {
			b.Fatalf("%d replacements", n)
		}
	}
	if cpu := cpuTime() - start; cpu > 0 {
		b.ReportMetric(float64(len(data))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}
