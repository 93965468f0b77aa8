package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
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

// kubeletPhase is one node's kubelet histograms over one load-test window,
// or pooled over a phase's windows.
type kubeletPhase struct {
	Node   string  `json:"node"`
	Metric string  `json:"metric"`
	Count  float64 `json:"count"`
	P50    seconds `json:"p50_s"`
	P99    seconds `json:"p99_s"`
	// Windows with an observation, and the median of their p99s (pooled only).
	Windows   int     `json:"windows,omitempty"`
	WindowP99 seconds `json:"window_p99_median_s,omitempty"`
}

// seconds is a quantile, NaN when there was no observation: JSON null then,
// since encoding/json refuses NaN (and would lose every figure of the run).
type seconds float64

func (s seconds) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(s))
}

// kubeletScraper reads the kubelets' metrics through the API server's node
// proxy (GET /api/v1/nodes/NODE/proxy/metrics) in process: a kubectl per
// node and window boundary would start a Go binary inside the windows'
// edges, on the cores being measured.
type kubeletScraper struct {
	rest  rest.Interface
	nodes []string
}

// newKubeletScraper is nil (every method a no-op) when the lab has no
// Kubernetes.
func newKubeletScraper(lab map[string]string) (*kubeletScraper, error) {
	nodes, _ := kubeletNodes(lab)
	if len(nodes) == 0 {
		return nil, nil
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", lab["RTSNAP_LAB_KUBECONFIG"])
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.Timeout = 20 * time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return &kubeletScraper{rest: cs.CoreV1().RESTClient(), nodes: nodes}, nil
}

// scrape returns every node's two histograms, the runtime operations summed
// over every operation type; nil for a nil scraper.
func (k *kubeletScraper) scrape(ctx context.Context) (map[string]map[string]histogram, error) {
	if k == nil {
		return nil, nil
	}
	res := map[string]map[string]histogram{}
	for _, n := range k.nodes {
		out, err := k.rest.Get().AbsPath("/api/v1/nodes", n, "proxy", "metrics").Do(ctx).Raw()
		if err != nil {
			return nil, fmt.Errorf("kubelet metrics of %s: %w", n, err)
		}
		if res[n], err = parseKubeletMetrics(out); err != nil {
			return nil, fmt.Errorf("kubelet metrics of %s: %w", n, err)
		}
	}
	return res, nil
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

// plus adds two histograms of the same buckets (a zero histogram is
// nothing: the sum is b).
func (a histogram) plus(b histogram) histogram {
	if len(a.bounds) == 0 {
		return histogram{bounds: b.bounds, counts: append([]float64(nil), b.counts...), count: b.count}
	}
	s := histogram{bounds: a.bounds, counts: append([]float64(nil), a.counts...), count: a.count + b.count}
	for i, bound := range s.bounds {
		for j, bb := range b.bounds {
			if bb == bound {
				s.counts[i] += b.counts[j]
			}
		}
	}
	return s
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

// kubeletDeltaHist is each node's histograms between two scrapes.
func kubeletDeltaHist(before, after map[string]map[string]histogram) map[string]map[string]histogram {
	out := map[string]map[string]histogram{}
	for n, ms := range after {
		out[n] = map[string]histogram{}
		for m, h := range ms {
			out[n][m] = h.minus(before[n][m])
		}
	}
	return out
}

// summarizeKubelet is the p50 and p99 of each node's histograms, by node
// and metric.
func summarizeKubelet(hs map[string]map[string]histogram) []kubeletPhase {
	var out []kubeletPhase
	nodes := make([]string, 0, len(hs))
	for n := range hs {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		for _, m := range []string{plegRelist, runtimeOps} {
			d := hs[n][m]
			out = append(out, kubeletPhase{Node: n, Metric: m, Count: d.count, P50: seconds(d.quantile(0.5)), P99: seconds(d.quantile(0.99))})
		}
	}
	return out
}
