package main

import (
	"bytes"
	"strings"
	"testing"
)

// Benchmark lines as go test prints them (from this repository's runs).
const sample = `goos: linux
BenchmarkRedactLogText-2     	      10	  71081098 ns/op	 147.53 MB/s	       145.3 MB/cpu-s
BenchmarkRedactLogText-2     	      10	  65317959 ns/op	 160.55 MB/s	       157.4 MB/cpu-s
BenchmarkRedactLogText-2     	      10	  65317959 ns/op	 160.55 MB/s	       151.0 MB/cpu-s
BenchmarkRedactJSONLines-2   	      10	 248691053 ns/op	  42.18 MB/s	        86.67 MB/cpu-s
BenchmarkAdversarialLines-2  	       1	4000000000 ns/op	        41.20 worst-cpu-ms/MiB
PASS
`

func TestFigures(t *testing.T) {
	var out bytes.Buffer
	if err := run(strings.NewReader(sample), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"151.0 MB/cpu-s", "NOT met", "86.7 MB/cpu-s", "41.2 worst-cpu-ms/MiB (runs [41.2]; target <= 50: met)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
}

func TestMissingFigure(t *testing.T) {
	var out bytes.Buffer
	if err := run(strings.NewReader("BenchmarkRedactLogText-2 10 1 ns/op 100 MB/cpu-s\n"), &out); err == nil {
		t.Fatalf("no error for missing figures:\n%s", out.String())
	}
}
