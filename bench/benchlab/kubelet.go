package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os/exec"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The kubelet is the judge of the load a collection puts on a node: its own
// histograms of PLEG relist time and of its CRI calls, read through the API
// server's node proxy before and after each phase of the load test. The
// difference of two scrapes is the phase's histogram.
const (
	plegRelist = "kubelet_pleg_relist_duration_seconds"
	runtimeOps = "kubelet_runtime_operations_duration_seconds"
)

// histogram is a cumulative Prometheus histogram: counts[i] observations at
// or below bounds[i]; the last bound is +Inf.
type histogram struct {
	bounds []float64
	counts []float64
	count  float64
}

// kubeletPhase is one node's kubelet histograms over one load-test phase.
type kubeletPhase struct {
	Node   string  `json:"node"`
	Metric string  `json:"metric"`
	Count  float64 `json:"count"`
	P50    float64 `json:"p50_s"`
	P99    float64 `json:"p99_s"`
}

// scrapeKubelet reads a node's kubelet metrics (GET
// /api/v1/nodes/NODE/proxy/metrics) and returns the two histograms, the
// runtime operations summed over every operation type.
func scrapeKubelet(ctx context.Context, kubectl, kubeconfig, node string) (map[string]histogram, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, kubectl, "--kubeconfig", kubeconfig, "get", "--raw",
		"/api/v1/nodes/"+node+"/proxy/metrics").Output()
	if err != nil {
		return nil, fmt.Errorf("kubelet metrics of %s: %w", node, err)
	}
	return parseKubeletMetrics(out)
}

func parseKubeletMetrics(text []byte) (map[string]histogram, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("parsing kubelet metrics: %w", err)
	}
	res := map[string]histogram{}
	for _, name := range []string{plegRelist, runtimeOps} {
		f, ok := fams[name]
		if !ok || f.GetType() != dto.MetricType_HISTOGRAM {
			return nil, fmt.Errorf("kubelet metrics: no histogram %s", name)
		}
		res[name] = sumHistograms(f.GetMetric())
	}
	return res, nil
}

// sumHistograms adds the series of one family bucket by bucket (the
// runtime operations have one series per operation type, same buckets).
func sumHistograms(ms []*dto.Metric) histogram {
	byBound := map[float64]float64{}
	var h histogram
	for _, m := range ms {
		hg := m.GetHistogram()
		for _, b := range hg.GetBucket() {
			byBound[b.GetUpperBound()] += float64(b.GetCumulativeCount())
		}
		byBound[math.Inf(1)] += float64(hg.GetSampleCount())
		h.count += float64(hg.GetSampleCount())
	}
	for b := range byBound {
		h.bounds = append(h.bounds, b)
	}
	sort.Float64s(h.bounds)
	for _, b := range h.bounds {
		h.counts = append(h.counts, byBound[b])
	}
	return h
}

// minus is the histogram of the observations made between scrape a and b.
func (b histogram) minus(a histogram) histogram {
	d := histogram{bounds: b.bounds, counts: make([]float64, len(b.counts)), count: b.count - a.count}
	for i, bound := range b.bounds {
		d.counts[i] = b.counts[i]
		for j, ab := range a.bounds {
			if ab == bound {
				d.counts[i] -= a.counts[j]
			}
		}
	}
	return d
}

// quantile is Prometheus' histogram_quantile: linear inside the bucket the
// rank falls in, the lower bound of the +Inf bucket beyond the last. It is
// as coarse as the buckets (kubelet's PLEG buckets: 5, 10, 25, 50 ms...).
func (h histogram) quantile(q float64) float64 {
	if h.count <= 0 || len(h.bounds) == 0 {
		return math.NaN()
	}
	rank := q * h.count
	prevBound, prevCount := 0.0, 0.0
	for i, bound := range h.bounds {
		if h.counts[i] >= rank {
			if math.IsInf(bound, 1) {
				return prevBound
			}
			inBucket := h.counts[i] - prevCount
			if inBucket <= 0 {
				return bound
			}
			return prevBound + (bound-prevBound)*(rank-prevCount)/inBucket
		}
		prevBound, prevCount = bound, h.counts[i]
	}
	return prevBound
}

// kubeletNodes are the lab's Kubernetes nodes and the sockets of their
// containerd daemons (lab.sh env).
func kubeletNodes(lab map[string]string) (nodes, sockets []string) {
	for _, n := range strings.Split(lab["RTSNAP_LAB_K8S_NODES"], ",") {
		if n == "" {
			continue
		}
		nodes = append(nodes, n)
		if s := lab["RTSNAP_LAB_NODE_"+strings.ToUpper(strings.ReplaceAll(n, "-", "_"))+"_SOCK"]; s != "" {
			sockets = append(sockets, s)
		}
	}
	return nodes, sockets
}

// kubeletScrapes scrapes every node; nil when the lab has no Kubernetes.
func kubeletScrapes(ctx context.Context, lab map[string]string) (map[string]map[string]histogram, error) {
	nodes, _ := kubeletNodes(lab)
	if len(nodes) == 0 {
		return nil, nil
	}
	res := map[string]map[string]histogram{}
	for _, n := range nodes {
		h, err := scrapeKubelet(ctx, lab["RTSNAP_LAB_KUBECTL"], lab["RTSNAP_LAB_KUBECONFIG"], n)
		if err != nil {
			return nil, err
		}
		res[n] = h
	}
	return res, nil
}

// kubeletDelta is each node's histograms between two scrapes, summarised.
func kubeletDelta(before, after map[string]map[string]histogram) []kubeletPhase {
	var out []kubeletPhase
	nodes := make([]string, 0, len(after))
	for n := range after {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		for _, m := range []string{plegRelist, runtimeOps} {
			d := after[n][m].minus(before[n][m])
			out = append(out, kubeletPhase{Node: n, Metric: m, Count: d.count, P50: d.quantile(0.5), P99: d.quantile(0.99)})
		}
	}
	return out
}
