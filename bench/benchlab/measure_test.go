package main

import (
	"context"
	"testing"
	"time"
)

func TestMedianIsAMeasuredValue(t *testing.T) {
	for _, c := range []struct {
		in   []int64
		want int64
	}{{nil, 0}, {[]int64{7}, 7}, {[]int64{5, 1, 3}, 3}, {[]int64{4, 1, 3, 2}, 2}, {[]int64{9, 9, 1, 9, 1}, 9}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var v []time.Duration
	for i := 100; i >= 1; i-- {
		v = append(v, time.Duration(i))
	}
	if got := percentile(v, 50); got != 50 {
		t.Errorf("p50 = %d, want 50", got)
	}
	if got := percentile(v, 99); got != 99 {
		t.Errorf("p99 = %d, want 99", got)
	}
	if got := percentile(v[:3], 99); got != 100 {
		t.Errorf("p99 of three = %d, want the largest (100)", got)
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("p99 of none = %d", got)
	}
}

func TestParseBenchMetric(t *testing.T) {
	out := `goos: linux
BenchmarkRedactLogText-2   	      31	  38271105 ns/op	 274.03 MB/s	       283.4 MB/cpu-s
BenchmarkRedactLogText-2   	      30	  39000000 ns/op	 268.90 MB/s	       279.0 MB/cpu-s
PASS`
	got := parseBenchMetric(out, "MB/cpu-s")
	if len(got) != 2 || got[0] != 283.4 || got[1] != 279.0 {
		t.Fatalf("got %v", got)
	}
	if m := medianFloat(got); m != 279.0 {
		t.Errorf("median %v", m)
	}
}

func TestMeasureReadsRusageAndExitCodes(t *testing.T) {
	// A child that allocates and touches ~64 MiB shows up in maxrss.
	s, _, err := measure(context.Background(), time.Minute, 0, nil, "sh", "-c", "head -c 67108864 /dev/zero | tr '\\0' x | sort > /dev/null")
	if err != nil {
		t.Fatal(err)
	}
	if s.Wall <= 0 || s.CPU <= 0 || s.MaxRSS < 8<<20 {
		t.Errorf("implausible sample %+v", s)
	}
	if _, _, err := measure(context.Background(), time.Minute, 0, nil, "sh", "-c", "exit 2"); err == nil {
		t.Error("exit 2 with maxOK 0 was taken as success")
	}
	if _, _, err := measure(context.Background(), time.Minute, 2, nil, "sh", "-c", "exit 2"); err != nil {
		t.Errorf("exit 2 with maxOK 2: %v", err)
	}
	start := time.Now()
	if _, _, err := measure(context.Background(), 200*time.Millisecond, 0, nil, "sleep", "30"); err == nil || time.Since(start) > 10*time.Second {
		t.Errorf("deadline not enforced: err %v after %s", err, time.Since(start))
	}
}

// TestMeasureChildrenCPU: a shell that burns CPU in a child has it counted
// as its children's; one that burns it itself does not.
func TestMeasureChildrenCPU(t *testing.T) {
	const loop = `i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done`
	s, _, err := measure(context.Background(), time.Minute, 0, nil, "sh", "-c", "sh -c '"+loop+"'; true")
	if err != nil {
		t.Fatal(err)
	}
	if s.ChildrenCPU < 100*time.Millisecond || s.ChildrenCPU > s.CPU {
		t.Errorf("busy child: children %v of %v", s.ChildrenCPU, s.CPU)
	}
	s, _, err = measure(context.Background(), time.Minute, 0, nil, "sh", "-c", loop)
	if err != nil {
		t.Fatal(err)
	}
	if s.CPU < 100*time.Millisecond || s.ChildrenCPU > s.CPU/10 {
		t.Errorf("busy shell, no child: children %v of %v", s.ChildrenCPU, s.CPU)
	}
	if got := childrenCPU("42 (a) b) S 1 1 1 0 -1 0 0 0 0 0 5 6 70 80 20 0 1 0 9 1 1"); got != 1500*time.Millisecond {
		t.Errorf("childrenCPU = %v, want 1.5s (cutime 70 + cstime 80 ticks)", got)
	}
	if got := childrenCPU("garbage"); got != 0 {
		t.Errorf("childrenCPU of garbage = %v", got)
	}
}
