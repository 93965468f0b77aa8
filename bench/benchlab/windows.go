package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"google.golang.org/grpc"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// The load test in windows. A kubelet relists once a second, so a phase of
// 15 s holds 15 relists and its "p99" is its slowest one; and collections
// run back to back make a faster collector look busier (more collections
// per phase). So the test alternates windows instead: a collecting window is
// exactly one collection long, the idle window paired with it is as long,
// a settle gap keeps one window's aftermath out of the next, and the order
// alternates (idle first, collecting first) so drift on a shared machine
// hits both phases alike. Each phase then rests on about the same number of
// relists and calls, and the figures are medians over windows beside the
// p99 of every window pooled, with the counts they rest on.
const (
	phaseIdle    = "idle"
	phaseCollect = "during collection"
	// settleGap separates windows: the collector's exit, the archive's
	// fsync and the probe's last calls are in neither phase.
	settleGap = 2 * time.Second
	// minWindows per phase: a median over fewer says little.
	minWindows = 5
	// maxWindows per phase bounds the test when collections are quick.
	maxWindows = 200
	// errorPause follows a failed probe call.
	errorPause = 50 * time.Millisecond
)

// loadWindow is one window of the load test.
type loadWindow struct {
	Phase           string         `json:"phase"`
	Round           int            `json:"round"`
	Duration        time.Duration  `json:"duration_ns"`
	ListContainers  latencySummary `json:"list_containers"`
	ContainerStatus latencySummary `json:"container_status"`
	Errors          int            `json:"errors"`
	Kubelet         []kubeletPhase `json:"kubelet,omitempty"`
	// the window's raw figures, pooled per phase
	lat   *latencies
	kubeH map[string]map[string]histogram
}

// windowPlan is the order of the windows: round r holds one window of each
// phase, idle first in even rounds. Rounds continue until each phase has at
// least minWindows counted windows and loadFor of their time, for at most
// maxWindows rounds.
func windowPlan(round int) [2]string {
	if round%2 == 0 {
		return [2]string{phaseIdle, phaseCollect}
	}
	return [2]string{phaseCollect, phaseIdle}
}

// phaseTally is a phase's counted windows so far.
type phaseTally struct {
	n int
	d time.Duration
}

func moreRounds(round int, idle, busy phaseTally, loadFor time.Duration) bool {
	if round >= maxWindows {
		return false
	}
	return idle.n < minWindows || busy.n < minWindows || idle.d < loadFor || busy.d < loadFor
}

// loadTest times a second CRI client against containerd 1.7 and reads the
// kubelets' own histograms, in interleaved idle and collecting windows.
func loadTest(ctx context.Context, cfg *config, res *results, logf func(string, ...any), extra ...string) error {
	kube, err := newKubeletScraper(cfg.lab)
	if err != nil {
		return err
	}
	probe, err := newProbe(ctx, cfg.lab["RTSNAP_LAB_CD17_SOCK"])
	if err != nil {
		return err
	}
	defer probe.close()
	// An untimed collection first: warm caches, and the length of the
	// first (idle) window.
	s, _, err := collectOnce(ctx, cfg, filepath.Join(cfg.out, "load-warmup"), extra...)
	if err != nil {
		return err
	}
	last := s.Wall
	var windows []*loadWindow
	var idle, busy phaseTally
	for round := 0; moreRounds(round, idle, busy, cfg.loadFor); round++ {
		for _, phase := range windowPlan(round) {
			if err := sleepCtx(ctx, settleGap); err != nil {
				return err
			}
			w, err := loadWindowOnce(ctx, cfg, kube, probe, phase, last, extra)
			if err != nil {
				return err
			}
			w.Round = round
			t := &idle
			if phase == phaseCollect {
				t, last = &busy, w.Duration
			}
			if w.counted() {
				t.n, t.d = t.n+1, t.d+w.Duration
			}
			windows = append(windows, w)
		}
		logf("load round %d: counted so far idle %d windows %s, collecting %d windows %s", round+1,
			idle.n, idle.d.Round(time.Millisecond), busy.n, busy.d.Round(time.Millisecond))
	}
	res.LoadWindows = windows
	res.Load = []loadPhase{summarizeWindows(windows, phaseIdle), summarizeWindows(windows, phaseCollect)}
	if kube != nil {
		res.Kubelet = [][]kubeletPhase{poolKubelet(windows, phaseIdle), poolKubelet(windows, phaseCollect)}
	}
	return nil
}

// loadWindowOnce is one window: the probe runs for d (idle) or for exactly
// one collection (collecting), between two scrapes of the kubelets.
func loadWindowOnce(ctx context.Context, cfg *config, kube *kubeletScraper, probe *probe, phase string, d time.Duration, extra []string) (*loadWindow, error) {
	k0, err := kube.scrape(ctx)
	if err != nil {
		return nil, err
	}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan *latencies, 1)
	go func() { done <- probe.run(pctx, phase) }()
	start := time.Now()
	if phase == phaseCollect {
		dir := filepath.Join(cfg.out, "load")
		_, _, err = collectOnce(ctx, cfg, dir, extra...)
		err = errors.Join(err, os.RemoveAll(dir))
	} else {
		err = sleepCtx(ctx, d)
	}
	w := &loadWindow{Phase: phase, Duration: time.Since(start)}
	stop()
	w.lat = <-done
	if err != nil {
		return nil, err
	}
	k1, err := kube.scrape(ctx)
	if err != nil {
		return nil, err
	}
	w.ListContainers, w.ContainerStatus, w.Errors = summarize(w.lat.ListContainers), summarize(w.lat.ContainerStatus), w.lat.Errors
	if kube != nil {
		w.kubeH = kubeletDeltaHist(k0, k1)
		w.Kubelet = summarizeKubelet(w.kubeH)
	}
	return w, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// counted is whether a window's figures count: one in which the probe's
// runtime failed calls (another test's fault stopped it, say) measured
// something else, and is left out of both the probe's and the kubelets'
// figures; the phase says how many were.
func (w *loadWindow) counted() bool { return w.Errors == 0 }

// summarizeWindows pools one phase's calls and takes the median of its
// windows' p99s.
func summarizeWindows(ws []*loadWindow, phase string) loadPhase {
	p := loadPhase{Phase: phase}
	var list, status []time.Duration
	var listP99, statusP99 []int64
	for _, w := range ws {
		if w.Phase != phase {
			continue
		}
		if !w.counted() {
			p.Excluded++
			p.Errors += w.Errors
			continue
		}
		p.Windows++
		p.Duration += w.Duration
		p.Errors += w.Errors
		if phase == phaseCollect {
			p.Collections++
		}
		list, status = append(list, w.lat.ListContainers...), append(status, w.lat.ContainerStatus...)
		if len(w.lat.ListContainers) > 0 {
			listP99 = append(listP99, int64(w.ListContainers.P99))
		}
		if len(w.lat.ContainerStatus) > 0 {
			statusP99 = append(statusP99, int64(w.ContainerStatus.P99))
		}
	}
	p.ListContainers, p.ContainerStatus = summarize(list), summarize(status)
	p.ListContainers.WindowP99, p.ContainerStatus.WindowP99 = time.Duration(median(listP99)), time.Duration(median(statusP99))
	return p
}

// poolKubelet sums one phase's windows' histograms per node and metric: the
// pooled p99 and its count, and the median of the windows' p99s.
func poolKubelet(ws []*loadWindow, phase string) []kubeletPhase {
	pooled := map[string]map[string]histogram{}
	perWindow := map[[2]string][]float64{}
	for _, w := range ws {
		if w.Phase != phase || !w.counted() {
			continue
		}
		for node, ms := range w.kubeH {
			if pooled[node] == nil {
				pooled[node] = map[string]histogram{}
			}
			for m, h := range ms {
				pooled[node][m] = pooled[node][m].plus(h)
				if q := h.quantile(0.99); !math.IsNaN(q) {
					perWindow[[2]string{node, m}] = append(perWindow[[2]string{node, m}], q)
				}
			}
		}
	}
	out := summarizeKubelet(pooled)
	for i := range out {
		v := perWindow[[2]string{out[i].Node, out[i].Metric}]
		out[i].Windows = len(v)
		out[i].WindowP99 = seconds(medianFloat64(v))
	}
	return out
}

// medianFloat64 is the lower middle (a measured value); NaN for none.
func medianFloat64(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[(len(s)-1)/2]
}

// probe is the second CRI client: one connection for the whole test (a
// dial per window would put connection set-up into each window's first
// call), and the container ids read once.
type probe struct {
	conn *grpc.ClientConn
	rt   cri.RuntimeServiceClient
	ids  []string
	next int
}

func newProbe(ctx context.Context, endpoint string) (*probe, error) {
	conn, err := dialCRI(endpoint)
	if err != nil {
		return nil, err
	}
	p := &probe{conn: conn, rt: cri.NewRuntimeServiceClient(conn)}
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	list, err := p.rt.ListContainers(lctx, &cri.ListContainersRequest{})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("list containers on %s: %w", endpoint, err)
	}
	for _, c := range list.Containers {
		p.ids = append(p.ids, c.Id)
	}
	return p, nil
}

func (p *probe) close() { p.conn.Close() }

// run asks what kubelet asks most, one call at a time: ListContainers, then
// ten ContainerStatus calls (a relist makes far more status than list
// calls), until ctx ends. Every call has its own deadline, so a stalled
// runtime is counted as an error, not a hang; a call still running when the
// window ends is neither counted nor an error.
func (p *probe) run(ctx context.Context, phase string) *latencies {
	res := &latencies{Phase: phase}
	timed := func(fn func(context.Context) error) (time.Duration, bool) {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		err := fn(cctx)
		d := time.Since(start)
		if ctx.Err() != nil {
			return 0, false
		}
		if err != nil {
			// A runtime that refuses at once (stopped by a fault test)
			// must not turn the probe into a busy loop on the cores
			// being measured.
			res.Errors++
			_ = sleepCtx(ctx, errorPause)
			return 0, false
		}
		return d, true
	}
	for ctx.Err() == nil {
		if d, ok := timed(func(c context.Context) error {
			_, err := p.rt.ListContainers(c, &cri.ListContainersRequest{})
			return err
		}); ok {
			res.ListContainers = append(res.ListContainers, d)
		}
		for i := 0; i < 10 && len(p.ids) > 0 && ctx.Err() == nil; i++ {
			id := p.ids[p.next%len(p.ids)]
			p.next++
			if d, ok := timed(func(c context.Context) error {
				_, err := p.rt.ContainerStatus(c, &cri.ContainerStatusRequest{ContainerId: id})
				return err
			}); ok {
				res.ContainerStatus = append(res.ContainerStatus, d)
			}
		}
	}
	return res
}
