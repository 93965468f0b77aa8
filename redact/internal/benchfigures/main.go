// Command benchfigures reads `go test -bench` output of the redactor's
// benchmarks on stdin and prints issue #13's three figures, each the median
// of its runs against its target:
//
//	go test -run '^$' -bench '^Benchmark(RedactLogText|RedactJSONLines|AdversarialLines)$' -count 5 ./redact/ | go run ./redact/internal/benchfigures
//
// It exits 1 when a figure is missing, not when a target is missed (the
// machines are shared and noisy: the figures are for reading).
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// figure is one benchmark's metric and its target.
type figure struct {
	bench, unit, what string
	target            float64
	higherIsBetter    bool
}

var figures = []figure{
	{"BenchmarkRedactLogText", "MB/cpu-s", "text (log lines)", 250, true},
	{"BenchmarkRedactJSONLines", "MB/cpu-s", "JSON lines (docker json-file, journal)", 100, true},
	{"BenchmarkAdversarialLines", "worst-cpu-ms/MiB", "slowest adversarial 1 MiB line", 50, false},
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchfigures:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	values := map[string][]float64{}
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(out, line) // the raw output stays visible
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name, _, _ := strings.Cut(f[0], "-") // BenchmarkX-2: GOMAXPROCS
		for i := 2; i < len(f); i++ {
			if v, err := strconv.ParseFloat(f[i-1], 64); err == nil {
				values[name+" "+f[i]] = append(values[name+" "+f[i]], v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading: %w", err)
	}
	fmt.Fprintln(out, "\nissue #13 figures (median of the runs; per CPU-second of one core):")
	missing := 0
	for _, fg := range figures {
		v := values[fg.bench+" "+fg.unit]
		if len(v) == 0 {
			fmt.Fprintf(out, "  %-40s missing (%s did not run)\n", fg.what, fg.bench)
			missing++
			continue
		}
		m := median(v)
		met := m >= fg.target
		cmp := ">="
		if !fg.higherIsBetter {
			met, cmp = m <= fg.target, "<="
		}
		verdict := "met"
		if !met {
			verdict = "NOT met"
		}
		fmt.Fprintf(out, "  %-40s %8.1f %s (runs %v; target %s %g: %s)\n", fg.what, m, fg.unit, v, cmp, fg.target, verdict)
	}
	if missing > 0 {
		return fmt.Errorf("%d figures missing", missing)
	}
	return nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
