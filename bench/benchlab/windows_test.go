package main

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestWindowPlanAlternatesAndIsBounded(t *testing.T) {
	if windowPlan(0) != [2]string{phaseIdle, phaseCollect} || windowPlan(1) != [2]string{phaseCollect, phaseIdle} || windowPlan(2) != windowPlan(0) {
		t.Errorf("plan %v %v %v", windowPlan(0), windowPlan(1), windowPlan(2))
	}
	done := phaseTally{minWindows, time.Minute}
	// Fewer than minWindows counted windows: more, however long the phases already are.
	if !moreRounds(minWindows, phaseTally{minWindows - 1, time.Hour}, done, time.Minute) {
		t.Error("stopped before minWindows counted idle windows")
	}
	// Enough windows and time in both phases: stop.
	if moreRounds(minWindows, done, done, time.Minute) {
		t.Error("went on with both phases done")
	}
	// One phase short of its time: more.
	if !moreRounds(minWindows, done, phaseTally{minWindows, 59 * time.Second}, time.Minute) {
		t.Error("stopped with the collecting phase short")
	}
	// Never past maxWindows, even when no window counts (a runtime down for good).
	if moreRounds(maxWindows, phaseTally{}, phaseTally{}, time.Minute) {
		t.Error("no bound on rounds")
	}
}

func ms(v ...int) []time.Duration {
	var d []time.Duration
	for _, x := range v {
		d = append(d, time.Duration(x)*time.Millisecond)
	}
	return d
}

func window(phase string, list, status []time.Duration) *loadWindow {
	w := &loadWindow{Phase: phase, Duration: time.Second, lat: &latencies{ListContainers: list, ContainerStatus: status}}
	w.ListContainers, w.ContainerStatus = summarize(list), summarize(status)
	return w
}

// One slow window must not carry the phase: the window median ignores it,
// the pooled p99 shows it, and the other phase's windows are not mixed in.
func TestSummarizeWindowsMedianAndPooled(t *testing.T) {
	ws := []*loadWindow{
		window(phaseIdle, ms(1, 2, 3), ms(1, 1)),
		window(phaseCollect, ms(2, 3, 900), ms(1, 1)),
		window(phaseIdle, ms(1, 2, 4), ms(1, 1)),
		window(phaseCollect, ms(2, 3, 5), ms(1, 2)),
		window(phaseCollect, ms(2, 3, 6), ms(1, 3)),
		// the runtime was down in this one: not in any figure
		{Phase: phaseCollect, Duration: time.Second, Errors: 7, lat: &latencies{ListContainers: ms(5000), Errors: 7}},
	}
	busy := summarizeWindows(ws, phaseCollect)
	if busy.Windows != 3 || busy.Collections != 3 || busy.Duration != 3*time.Second || busy.Excluded != 1 || busy.Errors != 7 {
		t.Fatalf("%+v", busy)
	}
	if busy.ListContainers.WindowP99 != 6*time.Millisecond {
		t.Errorf("window median of p99s 5, 6, 900 ms: %s", busy.ListContainers.WindowP99)
	}
	if busy.ListContainers.P99 != 900*time.Millisecond || busy.ListContainers.Calls != 9 {
		t.Errorf("pooled %+v", busy.ListContainers)
	}
	idle := summarizeWindows(ws, phaseIdle)
	if idle.Windows != 2 || idle.Collections != 0 || idle.ListContainers.WindowP99 != 3*time.Millisecond {
		t.Errorf("idle %+v (lower middle of 3 and 4 ms)", idle)
	}
}

func TestPoolKubeletSumsWindows(t *testing.T) {
	base := readKubeletFixture(t)
	// A window holding n relists, all in the bucket ending at le.
	relists := func(n, le float64) map[string]map[string]histogram {
		h := base[plegRelist]
		c := make([]float64, len(h.counts))
		for i, b := range h.bounds {
			if b >= le {
				c[i] = n
			}
		}
		return map[string]map[string]histogram{"n": {plegRelist: {bounds: h.bounds, counts: c, count: n}, runtimeOps: {}}}
	}
	ws := []*loadWindow{
		{Phase: phaseCollect, kubeH: relists(4, 0.01)},
		{Phase: phaseCollect, kubeH: relists(4, 0.25)}, // one slow window
		{Phase: phaseCollect, kubeH: relists(4, 0.01)},
		{Phase: phaseIdle, kubeH: relists(4, 1)},
		{Phase: phaseCollect, Errors: 1, kubeH: relists(40, 10)}, // left out
	}
	got := poolKubelet(ws, phaseCollect)
	if len(got) != 2 || got[0].Metric != plegRelist {
		t.Fatalf("%+v", got)
	}
	p := got[0]
	if p.Count != 12 || p.Windows != 3 {
		t.Errorf("count %v windows %d, want 12 relists in 3 windows", p.Count, p.Windows)
	}
	// Each quiet window's p99 is inside 5-10 ms; the median is one of them.
	if p.WindowP99 <= 0.005 || p.WindowP99 > 0.01 {
		t.Errorf("window median p99 %v, want within the 5-10 ms bucket", p.WindowP99)
	}
	// Pooled, the slow window's relists are the top third: p99 in 100-250 ms.
	if p.P99 <= 0.1 || p.P99 > 0.25 {
		t.Errorf("pooled p99 %v", p.P99)
	}
	// A metric with no observation in any window: no figure.
	if ops := got[1]; ops.Windows != 0 || !math.IsNaN(float64(ops.WindowP99)) {
		t.Errorf("empty metric %+v", ops)
	}
	// and it survives results.json: null, not an error that loses the run.
	if b, err := json.Marshal(got); err != nil || !strings.Contains(string(b), `"window_p99_median_s":null`) {
		t.Errorf("JSON of a metric without figures: %s, %v", b, err)
	}
}

func TestHistogramPlusIsTheSumOfBoth(t *testing.T) {
	h := readKubeletFixture(t)[plegRelist]
	twice := h.plus(h)
	if twice.count != 2*h.count || twice.counts[0] != 2*h.counts[0] {
		t.Errorf("h+h: %v of %v", twice.count, h.count)
	}
	if got := twice.quantile(0.99); math.Abs(got-h.quantile(0.99)) > 1e-12 {
		t.Errorf("a doubled histogram's p99 moved: %v vs %v", got, h.quantile(0.99))
	}
	// The zero histogram is the identity, and plus does not alias its input.
	z := histogram{}.plus(h)
	z.counts[0]++
	if h.counts[0] == z.counts[0] {
		t.Error("plus aliased its argument's counts")
	}
}

// A runtime that refuses every call at once (stopped by another test's
// fault) is counted in errors, and the probe does not spin on it: in 300 ms
// at most a call per errorPause, not the hundreds of thousands a busy loop
// makes (1.9 million in one two-minute phase before the pause).
func TestProbeDoesNotSpinOnARefusingRuntime(t *testing.T) {
	conn, err := dialCRI(filepath.Join(t.TempDir(), "none.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	p := &probe{conn: conn, rt: cri.NewRuntimeServiceClient(conn), ids: []string{"a", "b"}}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res := p.run(ctx, phaseIdle)
	if res.Errors == 0 || res.Errors > int(300*time.Millisecond/errorPause)+2 {
		t.Errorf("%d errors in 300 ms", res.Errors)
	}
	if len(res.ListContainers)+len(res.ContainerStatus) != 0 {
		t.Errorf("failed calls timed: %d %d", len(res.ListContainers), len(res.ContainerStatus))
	}
}
