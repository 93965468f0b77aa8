package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// redactionThroughput runs the redactor's log-text benchmark and returns its
// MB per CPU-second, one figure per -count.
func redactionThroughput(ctx context.Context, cfg *config) ([]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkRedactLogText$", "-count", strconv.Itoa(cfg.runs), "./redact/")
	cmd.Dir = cfg.repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("redaction benchmark: %w: %s", err, tail(out, 400))
	}
	return parseBenchMetric(string(out), "MB/cpu-s"), nil
}

// parseBenchMetric picks the value before unit on every benchmark line.
func parseBenchMetric(out, unit string) []float64 {
	var v []float64
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		for i := 1; i < len(f); i++ {
			if f[i] == unit {
				if x, err := strconv.ParseFloat(f[i-1], 64); err == nil {
					v = append(v, x)
				}
			}
		}
	}
	return v
}

func medianFloat(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := make([]int64, len(v))
	for i, x := range v {
		s[i] = int64(x * 1000)
	}
	return float64(median(s)) / 1000
}

func find(list []*series, name string) *series {
	for _, s := range list {
		if s.Name == name {
			return s
		}
	}
	return nil
}

const mib = 1 << 20

// targets checks the targets against this run's figures.
func targets(r *results) []target {
	var t []target
	if len(r.Collection) > 0 {
		rt, cli := find(r.Collection, "rtsnap collect").median(), find(r.Collection, "command-line way").median()
		ratio := float64(cli.Wall) / float64(rt.Wall)
		t = append(t, target{"rtsnap at least 30x faster than the command-line way with crictl (wall, medians)",
			fmt.Sprintf("%.1fx (%s vs %s)", ratio, rt.Wall.Round(time.Millisecond), cli.Wall.Round(time.Millisecond)), ratio >= 30})
		t = append(t, target{"rtsnap peak RSS under 150 MiB", fmt.Sprintf("%.1f MiB", float64(rt.MaxRSS)/mib), rt.MaxRSS < 150*mib})
		noLogs := find(r.Collection, "rtsnap collect --skip logs").median()
		t = append(t, target{"archive under 16 MiB without container logs", fmt.Sprintf("%.2f MiB", float64(noLogs.Archive)/mib), noLogs.Archive < 16*mib})
	}
	if len(r.Load) == 2 {
		idle, busy := r.Load[0], r.Load[1]
		for _, c := range []struct {
			name       string
			idle, busy latencySummary
		}{{"ListContainers", idle.ListContainers, busy.ListContainers}, {"ContainerStatus", idle.ContainerStatus, busy.ContainerStatus}} {
			q := float64(c.busy.WindowP99) / float64(c.idle.WindowP99)
			t = append(t, target{"second CRI client: " + c.name + " p99 during collection at most 1.5x idle (medians over windows)",
				fmt.Sprintf("%.2fx (%s vs %s; %d windows each; pooled p99 %.2fx over %d / %d calls)", q,
					c.busy.WindowP99.Round(time.Microsecond), c.idle.WindowP99.Round(time.Microsecond), busy.Windows,
					float64(c.busy.P99)/float64(c.idle.P99), c.busy.Calls, c.idle.Calls), q <= 1.5})
		}
	}
	if len(r.Kubelet) == 2 {
		for i, busy := range r.Kubelet[1] {
			idle := r.Kubelet[0][i]
			q := busy.WindowP99 / idle.WindowP99
			t = append(t, target{fmt.Sprintf("kubelet %s: %s p99 during collection at most 1.5x idle (medians over windows)", busy.Node, shortMetric(busy.Metric)),
				fmt.Sprintf("%.2fx (%.1f ms vs %.1f ms; %d / %d windows; pooled p99 %.2fx over %.0f / %.0f)", q, busy.WindowP99*1000, idle.WindowP99*1000,
					busy.Windows, idle.Windows, busy.P99/idle.P99, busy.Count, idle.Count), q <= 1.5})
		}
	}
	if len(r.Scale) == 4 {
		rt, noLogs := r.Scale[0].median(), r.Scale[1].median()
		t = append(t, target{fmt.Sprintf("%d containers, defaults: every source ok", r.ScaleNode),
			fmt.Sprintf("%d not ok %v", len(r.ScaleCut), r.ScaleCut), len(r.ScaleCut) == 0})
		t = append(t, target{"2,000 containers: collection at most 4 s wall", rt.Wall.Round(time.Millisecond).String(), rt.Wall <= 4*time.Second})
		t = append(t, target{"2,000 containers: peak RSS at most 150 MiB", fmt.Sprintf("%.1f MiB", float64(rt.MaxRSS)/mib), rt.MaxRSS <= 150*mib})
		t = append(t, target{"2,000 containers: archive at most 16 MiB without logs", fmt.Sprintf("%.2f MiB", float64(noLogs.Archive)/mib), noLogs.Archive <= 16*mib})
		for _, s := range r.Scale[2:] {
			m := s.median()
			t = append(t, target{s.Name + " of the 2,000-container bundle at most 1 s", m.Wall.Round(time.Millisecond).String(), m.Wall <= time.Second})
		}
	}
	for _, name := range []string{"inspect", "findings"} {
		if s := find(r.Analyzer, name); s != nil {
			m := s.median()
			t = append(t, target{name + " of a 500-container bundle under 1 s", m.Wall.Round(time.Millisecond).String(), m.Wall < time.Second})
		}
	}
	if r.Fleet != nil {
		t = append(t, target{fmt.Sprintf("findings over %d bundles under 500 MiB RSS", r.Fleet.Bundles),
			fmt.Sprintf("%.1f MiB", float64(r.Fleet.Run.MaxRSS)/mib), r.Fleet.Run.MaxRSS < 500*mib})
	}
	if len(r.Redaction) > 0 {
		red := medianFloat(r.Redaction)
		t = append(t, target{"redaction at least 100 MB/s per core on log-like text", fmt.Sprintf("%.0f MB/cpu-s", red), red >= 100})
	}
	return t
}

func markdown(r *results, cfg *config) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# rtsnap benchmarks, %s\n\n", r.Started.Format(time.RFC3339))
	p("Machine: %s, %s cores, %s, kernel %s, load average at start %s.\n\n", r.Machine["cpu"], r.Machine["cores"], r.Machine["memory"], r.Machine["kernel"], r.Machine["loadavg_at_start"])
	p("Node: containerd 1.6 %d, 1.7 %d and 2.x %d CRI containers; Docker %d containers.\n\n", r.Containers["cd16"], r.Containers["cd17"], r.Containers["cd2"], r.Containers["docker"])

	if len(cfg.collectArgs) > 0 {
		p("Extra rtsnap collect flags: `%s`.\n\n", strings.Join(cfg.collectArgs, " "))
	}
	if len(cfg.collectWrap) > 0 {
		p("rtsnap collect ran under: `%s`.\n\n", strings.Join(cfg.collectWrap, " "))
	}
	if len(r.Collection) > 0 {
		p("## Collection (median of %d runs, interleaved, after one warm-up each)\n\n", cfg.runs)
		p("| method | wall | CPU (user+sys) | peak RSS | archive | wall vs rtsnap |\n|---|---|---|---|---|---|\n")
		rt := find(r.Collection, "rtsnap collect").median()
		for _, s := range r.Collection {
			if s.NA != "" {
				p("| %s | n/a: %s | | | | |\n", s.Name, s.NA)
				continue
			}
			m := s.median()
			p("| %s | %s | %s | %.1f MiB | %.2f MiB | %.1fx |\n", s.Name, m.Wall.Round(time.Millisecond), m.CPU.Round(time.Millisecond),
				float64(m.MaxRSS)/mib, float64(m.Archive)/mib, float64(m.Wall)/float64(rt.Wall))
		}
	}
	if len(r.Load) > 0 {
		p("\n## Load on the runtime: a second CRI client on containerd 1.7 (one call in flight)\n\n")
		p("Interleaved windows: each collecting window is one collection, each idle window as long as its pair, %s between windows, the order alternating by round. ", settleGap)
		p("p99 per window, then the median over the windows; pooled: every call of the phase.\n\n")
		p("A window in which the probe's calls failed (the runtime stopped by another test's fault) is left out of every figure, the kubelets' too: *left out*, with those windows' errors.\n\n")
		p("| phase | windows | left out | time | ListContainers p50 | p99 (window median / pooled) | ContainerStatus p50 | p99 (window median / pooled) | calls | errors |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for _, l := range r.Load {
			p("| %s | %d | %d | %s | %s | %s / %s | %s | %s / %s | %d | %d |\n", l.Phase, l.Windows, l.Excluded, l.Duration.Round(time.Millisecond),
				l.ListContainers.P50.Round(time.Microsecond), l.ListContainers.WindowP99.Round(time.Microsecond), l.ListContainers.P99.Round(time.Microsecond),
				l.ContainerStatus.P50.Round(time.Microsecond), l.ContainerStatus.WindowP99.Round(time.Microsecond), l.ContainerStatus.P99.Round(time.Microsecond),
				l.ListContainers.Calls+l.ContainerStatus.Calls, l.Errors)
		}
	}
	if len(r.Kubelet) == 2 {
		p("\n## Load as the kubelets see it (their own histograms, through the API's node proxy), same windows\n\n")
		p("| node | metric | idle: count / p50 / p99 window median (windows) / pooled p99 | during collection: count / p50 / p99 window median (windows) / pooled p99 |\n|---|---|---|---|\n")
		for i, busy := range r.Kubelet[1] {
			idle := r.Kubelet[0][i]
			p("| %s | %s | %.0f / %.2f ms / %.2f ms (%d) / %.2f ms | %.0f / %.2f ms / %.2f ms (%d) / %.2f ms |\n", busy.Node, shortMetric(busy.Metric),
				idle.Count, idle.P50*1000, idle.WindowP99*1000, idle.Windows, idle.P99*1000,
				busy.Count, busy.P50*1000, busy.WindowP99*1000, busy.Windows, busy.P99*1000)
		}
		p("\nThe kubelet's buckets are coarse (PLEG: 5, 10, 25, 50, 100 ms...): a p99 is interpolated inside one; a window's p99 of a few relists is its slowest.\n")
	}
	if len(r.Scale) > 0 {
		p("\n## Scale: %d containers on a containerd 2.x of its own, plus the lab (median of %d runs)\n\n", r.ScaleNode, cfg.runs)
		p("| what | wall | CPU (user+sys) | peak RSS | archive |\n|---|---|---|---|---|\n")
		for _, s := range r.Scale {
			m := s.median()
			p("| %s | %s | %s | %.1f MiB | %.2f MiB |\n", s.Name, m.Wall.Round(time.Millisecond), m.CPU.Round(time.Millisecond),
				float64(m.MaxRSS)/mib, float64(m.Archive)/mib)
		}
		if len(r.Scale[0].Runs) > 0 {
			m := r.Scale[0].median()
			p("\nOf the collector's CPU (defaults), its child processes (the --version probes, containerd config dump, the metadata DB checks): %.2f CPU-s (median). Load average when the step's collections started: %s.\n",
				m.ChildrenCPU.Seconds(), r.ScaleLoadavg)
		}
		if ri := r.ScaleRuntime; ri != nil && len(r.Scale[0].Runs) > 0 {
			m := r.Scale[0].median()
			p("\nThe scale lab's containerd and its shims (%d processes): %.2f CPU-s during a collection with the defaults (median; %.2f of it what they use idle in as long: %.3f CPU-s per second over %s).\n",
				ri.Processes, m.RuntimeCPU.Seconds(), ri.perSecond()*m.Wall.Seconds(), ri.perSecond(), ri.Over)
		}
		if len(r.ScaleCut) > 0 {
			p("\nSources not ok in the last bundle: %s\n", strings.Join(r.ScaleCut, "; "))
		}
	}
	if len(r.Analyzer) > 0 {
		p("\n## Analyzer on a %d-container bundle (median of %d runs)\n\n", r.Containers["cd16"]+r.Containers["cd17"]+r.Containers["cd2"]+r.Containers["docker"], cfg.runs)
		p("| command | wall | CPU | peak RSS |\n|---|---|---|---|\n")
		for _, s := range r.Analyzer {
			m := s.median()
			p("| %s | %s | %s | %.1f MiB |\n", s.Command, m.Wall.Round(time.Millisecond), m.CPU.Round(time.Millisecond), float64(m.MaxRSS)/mib)
		}
	}
	if f := r.Fleet; f != nil {
		p("\nFleet: `rtsnap-analyze findings DIR` over %d bundles (copies of %s): %s wall, %s CPU, %.1f bundles/s, peak RSS %.1f MiB.\n",
			f.Bundles, f.Of, f.Run.Wall.Round(time.Millisecond), f.Run.CPU.Round(time.Millisecond),
			float64(f.Bundles)/f.Run.Wall.Seconds(), float64(f.Run.MaxRSS)/mib)
	}
	if len(r.Redaction) > 0 {
		p("\nRedaction of log-like text: %.0f MB per CPU-second (median of %v).\n", medianFloat(r.Redaction), r.Redaction)
	}
	p("\n## Targets\n\n| target | this run | met |\n|---|---|---|\n")
	for _, t := range r.Targets {
		met := "yes"
		if !t.Met {
			met = "**no**"
		}
		p("| %s | %s | %s |\n", t.What, t.Figure, met)
	}
	return b.String()
}

func shortMetric(m string) string {
	switch m {
	case plegRelist:
		return "PLEG relist"
	case runtimeOps:
		return "runtime operations (all types)"
	}
	return m
}
