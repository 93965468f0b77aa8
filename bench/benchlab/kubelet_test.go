package main

import (
	"math"
	"os"
	"strings"
	"testing"
)

func readKubeletFixture(t *testing.T) map[string]histogram {
	t.Helper()
	b, err := os.ReadFile("testdata/kubelet-metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	h, err := parseKubeletMetrics(b)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Figures from the real kubelet output in testdata (its own _count and
// bucket lines), not from the code under test.
func TestKubeletHistogramsFromRealOutput(t *testing.T) {
	h := readKubeletFixture(t)
	pleg := h[plegRelist]
	if pleg.count != 1877 {
		t.Fatalf("PLEG relists %v, want the fixture's _count 1877", pleg.count)
	}
	// rank 0.99*1877 = 1858.23 falls between le=0.01 (1843) and le=0.025 (1864).
	want := 0.01 + 0.015*(0.99*1877-1843)/(1864-1843)
	if got := pleg.quantile(0.99); math.Abs(got-want) > 1e-9 {
		t.Errorf("PLEG p99 %v, want %v", got, want)
	}
	// le=0.005 holds 1808 of 1877: the median is inside the first bucket.
	if got := pleg.quantile(0.5); math.Abs(got-0.005*(0.5*1877)/1808) > 1e-9 {
		t.Errorf("PLEG p50 %v", got)
	}
	// Every operation type summed: the sum of the fixture's _count lines.
	if ops := h[runtimeOps]; ops.count != 6483 {
		t.Errorf("runtime operations %v, want 6483", ops.count)
	}
}

func TestKubeletDeltaIsThePhase(t *testing.T) {
	before := readKubeletFixture(t)
	after := map[string]histogram{}
	for name, h := range before {
		// 100 more relists during the phase, all in the 50-100 ms bucket.
		c := append([]float64(nil), h.counts...)
		for i, b := range h.bounds {
			if b >= 0.1 {
				c[i] += 100
			}
		}
		after[name] = histogram{bounds: h.bounds, counts: c, count: h.count + 100}
	}
	d := summarizeKubelet(kubeletDeltaHist(map[string]map[string]histogram{"n": before}, map[string]map[string]histogram{"n": after}))
	if len(d) != 2 || d[0].Metric != plegRelist || d[0].Count != 100 {
		t.Fatalf("%+v", d)
	}
	if d[0].P50 <= 0.05 || d[0].P99 > 0.1 {
		t.Errorf("a phase of 50-100 ms relists: p50 %v p99 %v", d[0].P50, d[0].P99)
	}
	// No observation between two scrapes: no figure, not zero.
	same := summarizeKubelet(kubeletDeltaHist(map[string]map[string]histogram{"n": before}, map[string]map[string]histogram{"n": before}))
	if same[0].Count != 0 || !math.IsNaN(float64(same[0].P99)) {
		t.Errorf("empty phase: %+v", same[0])
	}
}

func TestKubeletMetricsMissingOrTruncated(t *testing.T) {
	if _, err := parseKubeletMetrics([]byte("# TYPE up gauge\nup 1\n")); err == nil || !strings.Contains(err.Error(), plegRelist) {
		t.Errorf("no PLEG histogram: %v", err)
	}
	b, _ := os.ReadFile("testdata/kubelet-metrics.txt")
	if _, err := parseKubeletMetrics(b[:len(b)/2]); err == nil {
		t.Error("a scrape cut mid-line parsed")
	}
}
