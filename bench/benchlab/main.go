// Command benchlab measures rtsnap on the lab's busy node (make bench): the
// collection against the command-line way and sosreport, the load it puts on
// the runtime as a second CRI client sees it, and the analyzer's throughput.
// It prints a Markdown report and writes results.json and results.md.
//
// It needs root, the lab up with the scale fault staged (make bench does
// both) and the binaries in bin/. Every command runs under a deadline.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

type config struct {
	repo, out   string
	runs, fleet int
	loadFor     time.Duration
	steps       []string
	collectArgs []string // extra rtsnap collect flags, for experiments
	collectWrap []string // a command rtsnap collect runs under (chrt -i 0, systemd-run...), for experiments
	lab         map[string]string
	// crictl is the CRI client the command-line way uses ("": none);
	// scaleEndpoint the scale lab's socket (bench/scale2.sh, "": no scale step).
	crictl, scaleEndpoint string
	// keepScale leaves the scale lab up after the scale step; loadScale
	// adds the (running) scale lab to the load step's collections.
	keepScale, loadScale bool
}

func (c *config) step(name string) bool {
	for _, s := range c.steps {
		if s == name {
			return true
		}
	}
	return false
}

// results is everything one run of benchlab measured (results.json).
type results struct {
	Started     time.Time         `json:"started"`
	Machine     map[string]string `json:"machine"`
	Containers  map[string]int    `json:"containers"`
	Collection  []*series         `json:"collection"`
	Load        []loadPhase       `json:"load"`                   // idle, during collection: pooled over windows
	Kubelet     [][]kubeletPhase  `json:"kubelet,omitempty"`      // per load phase, per node and metric, pooled
	LoadWindows []*loadWindow     `json:"load_windows,omitempty"` // every window of the load test
	Scale       []*series         `json:"scale,omitempty"`        // collection and analyzer at 2,000 containers
	ScaleNode   int               `json:"scale_containers,omitempty"`
	ScaleCut    []string          `json:"scale_sources_not_ok,omitempty"`
	// ScaleRuntime is the scale lab's runtime (containerd and shims):
	// how many processes, and the CPU they use per second when no
	// collection runs, to set against a collection's RuntimeCPU.
	ScaleRuntime *runtimeIdle `json:"scale_runtime,omitempty"`
	// ScaleLoadavg is /proc/loadavg's three figures when the scale
	// step's collections start (the step runs last, 30 minutes in).
	ScaleLoadavg string       `json:"scale_loadavg_at_start,omitempty"`
	Analyzer     []*series    `json:"analyzer"`
	Fleet        *fleetResult `json:"fleet,omitempty"`
	Redaction    []float64    `json:"redaction_mb_per_cpu_s"`
	Targets      []target     `json:"targets"`
}

type loadPhase struct {
	Phase           string         `json:"phase"`
	Windows         int            `json:"windows"`
	Excluded        int            `json:"windows_excluded,omitempty"` // with probe errors: not in the figures
	Duration        time.Duration  `json:"duration_ns"`                // of its counted windows together
	ListContainers  latencySummary `json:"list_containers"`
	ContainerStatus latencySummary `json:"container_status"`
	Errors          int            `json:"errors"`
	Collections     int            `json:"collections"`
}

type fleetResult struct {
	Bundles int    `json:"bundles"`
	Of      string `json:"copies_of"`
	Run     sample `json:"run"`
}

type target struct {
	What   string `json:"what"`
	Figure string `json:"figure"`
	Met    bool   `json:"met"`
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := pflag.NewFlagSet("benchlab", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.repo, "repo", ".", "the rtsnap checkout (bin/, lab/, bench/)")
	fs.StringVar(&cfg.out, "out", "/dev/shm/rtsnap-bench", "working and results directory (a tmpfs: rtsnap refuses a disk)")
	fs.IntVar(&cfg.runs, "runs", 5, "runs of each measured command; figures are medians")
	fs.IntVar(&cfg.fleet, "fleet", 1000, "bundles in the fleet directory given to `rtsnap-analyze findings`")
	fs.DurationVar(&cfg.loadFor, "load-for", 60*time.Second, "least time of each load-test phase (idle, collecting), in windows of one collection each (at least 5 per phase)")
	fs.BoolVar(&cfg.loadScale, "load-scale", false, "the load step's collections include the scale lab (bench/scale2.sh up first; needs --scale-endpoint)")
	fs.StringSliceVar(&cfg.steps, "steps", []string{"collection", "load", "analyzer", "scale", "redaction"}, "what to measure (the analyzer step needs the collection step's bundles; scale needs --scale-endpoint)")
	fs.StringVar(&cfg.crictl, "crictl", "", "crictl binary for the command-line way's CRI view (make bench installs crictl 1.37.0)")
	fs.StringVar(&cfg.scaleEndpoint, "scale-endpoint", "", "socket of the scale lab's containerd (bench/scale2.sh): adds the 2,000-container step")
	fs.BoolVar(&cfg.keepScale, "keep-scale", false, "leave the scale lab (bench/scale2.sh) up after the scale step")
	fs.StringArrayVar(&cfg.collectArgs, "collect-arg", nil, "extra flag for every rtsnap collect (repeatable), e.g. --collect-arg=--per-runtime-calls=2")
	fs.StringArrayVar(&cfg.collectWrap, "collect-wrap", nil, "a command word every rtsnap collect runs under (repeatable, in order), e.g. --collect-wrap=chrt --collect-wrap=-i --collect-wrap=0")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := bench(context.Background(), &cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "benchlab: %v\n", err)
		return 1
	}
	return 0
}

func bench(ctx context.Context, cfg *config, stdout, stderr io.Writer) error {
	repo, err := filepath.Abs(cfg.repo)
	if err != nil {
		return err
	}
	cfg.repo = repo
	if cfg.lab, err = labEnv(ctx, repo); err != nil {
		return err
	}
	if err := os.RemoveAll(cfg.out); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.out, 0o700); err != nil {
		return err
	}
	res := &results{Started: time.Now().UTC(), Machine: machine(), Containers: map[string]int{}}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "[bench %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
	}

	for _, d := range []string{"CD16", "CD17", "CD2"} {
		n, err := countContainers(ctx, cfg.lab["RTSNAP_LAB_"+d+"_SOCK"])
		if err != nil {
			return err
		}
		res.Containers[strings.ToLower(d)] = n
	}
	if n, err := dockerContainers(ctx); err == nil {
		res.Containers["docker"] = n
	} else {
		return err
	}
	if cfg.loadScale && cfg.step("collection") {
		return errors.New("--load-scale: the collection step must not see the scale lab; run --steps load alone")
	}
	if (cfg.step("collection") || cfg.step("load")) && !cfg.loadScale {
		if err := scaleLabDown(ctx, cfg, logf); err != nil {
			return err
		}
	}
	logf("node: %v containers", res.Containers)

	var bundles []string
	if cfg.step("collection") {
		if bundles, err = collection(ctx, cfg, res, logf); err != nil {
			return err
		}
	}
	if cfg.step("load") {
		var extra []string
		if cfg.loadScale {
			if _, err := os.Stat(cfg.scaleEndpoint); cfg.scaleEndpoint == "" || err != nil {
				return fmt.Errorf("--load-scale: no scale lab at --scale-endpoint %q (bash bench/scale2.sh up)", cfg.scaleEndpoint)
			}
			extra = []string{"--runtime-endpoint", "unix://" + cfg.scaleEndpoint}
		}
		logf("load test: at least %s and %d windows per phase, idle and collecting interleaved", cfg.loadFor, minWindows)
		if err := loadTest(ctx, cfg, res, logf, extra...); err != nil {
			return err
		}
	}
	if cfg.step("analyzer") && len(bundles) >= 2 {
		logf("analyzer")
		if err := analyzer(ctx, cfg, res, bundles); err != nil {
			return err
		}
	}
	if cfg.step("scale") && cfg.scaleEndpoint != "" {
		if err := scaleStep(ctx, cfg, res, logf); err != nil {
			return err
		}
	}
	if cfg.step("redaction") {
		logf("redaction throughput (go test -bench BenchmarkRedactLogText)")
		if res.Redaction, err = redactionThroughput(ctx, cfg); err != nil {
			return err
		}
	}
	res.Targets = targets(res)

	md := markdown(res, cfg)
	fmt.Fprint(stdout, md)
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfg.out, "results.json"), js, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(cfg.out, "results.md"), []byte(md), 0o600)
}

// labEnv reads the lab's coordinates from lab.sh env.
func labEnv(ctx context.Context, repo string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "bash", filepath.Join(repo, "lab", "lab.sh"), "env").Output()
	if err != nil {
		return nil, fmt.Errorf("lab.sh env: %w", err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	return env, nil
}

func dockerContainers(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "ps", "-aq").Output()
	if err != nil {
		return 0, fmt.Errorf("docker ps: %w", err)
	}
	return len(strings.Fields(string(out))), nil
}

// machine records what the figures were measured on.
func machine() map[string]string {
	m := map[string]string{}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n := 0
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				switch strings.TrimSpace(k) {
				case "model name":
					m["cpu"] = strings.TrimSpace(v)
				case "processor":
					n++
				}
			}
		}
		m["cores"] = fmt.Sprint(n)
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		m["memory"] = strings.Join(strings.Fields(line)[1:], " ")
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m["kernel"] = strings.TrimSpace(string(b))
	}
	if l := loadavg(); l != "" {
		m["loadavg_at_start"] = l
	}
	return m
}

// rtsnapArgs is `rtsnap collect` with its default settings, pointed at the
// lab's daemons (their sockets are not at the default paths).
func rtsnapArgs(cfg *config, out string, extra ...string) []string {
	l := cfg.lab
	a := []string{"collect", "--output", out, "--retain", "0", "--json", "--quiet",
		"--runtime-endpoint", "unix://" + l["RTSNAP_LAB_CD16_SOCK"],
		"--runtime-endpoint", "unix://" + l["RTSNAP_LAB_CD17_SOCK"],
		"--runtime-endpoint", "unix://" + l["RTSNAP_LAB_CD2_SOCK"]}
	// The kubelets' own daemons: kubelet must not notice a collection.
	_, kubeSocks := kubeletNodes(l)
	for _, s := range kubeSocks {
		a = append(a, "--runtime-endpoint", "unix://"+s)
	}
	a = append(a,
		"--docker-socket", l["RTSNAP_LAB_DOCKER_SOCK"],
		"--journal-dir", l["RTSNAP_LAB_JOURNAL_DIR"])
	a = append(a, cfg.collectArgs...)
	return append(a, extra...)
}

// collectOnce runs rtsnap collect and returns its cost and the archive.
func collectOnce(ctx context.Context, cfg *config, out string, extra ...string) (sample, string, error) {
	if err := os.MkdirAll(out, 0o700); err != nil {
		return sample{}, "", err
	}
	name, args := filepath.Join(cfg.repo, "bin", "rtsnap"), rtsnapArgs(cfg, out, extra...)
	if len(cfg.collectWrap) > 0 {
		// The wrapper execs rtsnap (chrt, nice, taskset): wait4's rusage is
		// still the collector's.
		name, args = cfg.collectWrap[0], append(append(cfg.collectWrap[1:len(cfg.collectWrap):len(cfg.collectWrap)], name), args...)
	}
	s, stdout, err := measure(ctx, 3*time.Minute, 0, nil, name, args...)
	if err != nil {
		return s, "", err
	}
	var sum struct {
		Path string `json:"path"`
		Size int64  `json:"size"`
	}
	if err := json.Unmarshal(stdout, &sum); err != nil || sum.Path == "" {
		return s, "", fmt.Errorf("rtsnap collect printed no summary: %v: %s", err, tail(stdout, 300))
	}
	s.Archive = sum.Size
	return s, sum.Path, nil
}

// cliOnce runs the command-line way (bench/cli-baseline.sh) into dir.
func cliOnce(ctx context.Context, cfg *config, dir string) (sample, error) {
	l := cfg.lab
	args := []string{filepath.Join(cfg.repo, "bench", "cli-baseline.sh"), dir}
	for _, d := range []string{"CD16", "CD17", "CD2"} {
		args = append(args, l["RTSNAP_LAB_"+d+"_CTR"]+":"+l["RTSNAP_LAB_"+d+"_SOCK"])
	}
	_, kubeSocks := kubeletNodes(l)
	for _, s := range kubeSocks {
		// ctr of 2.x speaks to every daemon version here.
		args = append(args, l["RTSNAP_LAB_CD2_CTR"]+":"+s)
	}
	env := []string{"JOURNAL_DIR=" + l["RTSNAP_LAB_JOURNAL_DIR"]}
	if cfg.crictl != "" {
		env = append(env, "CRICTL="+cfg.crictl)
	}
	s, _, err := measure(ctx, 15*time.Minute, 0, env, "bash", args...)
	if err != nil {
		return s, err
	}
	fi, err := os.Stat(dir + ".tar.zst")
	if err != nil {
		return s, fmt.Errorf("the command-line way left no archive: %w", err)
	}
	s.Archive = fi.Size()
	return s, errors.Join(os.RemoveAll(dir), os.Remove(dir+".tar.zst"))
}

// sosOnce runs Debian's sosreport with its container plugins, or says why it
// does not apply.
func sosOnce(ctx context.Context, dir string) (sample, string, error) {
	sos, err := exec.LookPath("sos")
	if err != nil {
		return sample{}, "sosreport is not installed (apt-get install sosreport)", nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return sample{}, "", err
	}
	s, _, err := measure(ctx, 10*time.Minute, 0, nil, sos, "report", "--batch", "--quiet",
		"-o", "docker,runc,crio,containers_common", "--tmp-dir", dir)
	if err != nil {
		// sos 4.0's docker and runc plugins declare Red Hat and Ubuntu
		// policies only: on Debian they do not exist, and sos has no
		// containerd plugin at all.
		if strings.Contains(err.Error(), "non-existing plugin") {
			return s, "Debian's sos 4.0 refuses its own container plugins (\"a non-existing plugin (docker) was specified\": they load under Red Hat and Ubuntu policies only) and has no containerd plugin", os.RemoveAll(dir)
		}
		return s, "", err
	}
	s.Archive = dirSize(dir)
	return s, "", os.RemoveAll(dir)
}

// collection runs each way of collecting cfg.runs times, interleaved so
// drift on a shared machine hits all of them alike, after one untimed
// warm-up each. It returns the last two default rtsnap bundles.
func collection(ctx context.Context, cfg *config, res *results, logf func(string, ...any)) ([]string, error) {
	rt := &series{Name: "rtsnap collect", Command: "rtsnap collect (defaults; lab endpoints)"}
	rtNoLogs := &series{Name: "rtsnap collect --skip logs", Command: "rtsnap collect --skip logs"}
	cliCmd := "bench/cli-baseline.sh (ctr, cat, docker inspect, journalctl per container)"
	if cfg.crictl != "" {
		cliCmd = "bench/cli-baseline.sh (crictl info/images/inspectp/inspect, ctr, cat, docker inspect, journalctl per container)"
	}
	cli := &series{Name: "command-line way", Command: cliCmd}
	sos := &series{Name: "sosreport", Command: "sos report --batch -o docker,runc,crio,containers_common"}
	res.Collection = []*series{rt, rtNoLogs, cli, sos}

	logf("warm-up: one untimed run of each")
	if _, _, err := collectOnce(ctx, cfg, filepath.Join(cfg.out, "warmup")); err != nil {
		return nil, err
	}
	if _, err := cliOnce(ctx, cfg, filepath.Join(cfg.out, "warmup-cli")); err != nil {
		return nil, err
	}
	if _, na, err := sosOnce(ctx, filepath.Join(cfg.out, "sos-warmup")); err != nil {
		return nil, err
	} else if na != "" {
		sos.NA = na
	}
	var bundles []string
	for i := 0; i < cfg.runs; i++ {
		logf("run %d/%d", i+1, cfg.runs)
		s, path, err := collectOnce(ctx, cfg, filepath.Join(cfg.out, fmt.Sprintf("rtsnap-%d", i)))
		if err != nil {
			return nil, err
		}
		rt.Runs, bundles = append(rt.Runs, s), append(bundles, path)
		if s, _, err = collectOnce(ctx, cfg, filepath.Join(cfg.out, fmt.Sprintf("rtsnap-nologs-%d", i)), "--skip", "logs"); err != nil {
			return nil, err
		}
		rtNoLogs.Runs = append(rtNoLogs.Runs, s)
		if s, err = cliOnce(ctx, cfg, filepath.Join(cfg.out, fmt.Sprintf("cli-%d", i))); err != nil {
			return nil, err
		}
		cli.Runs = append(cli.Runs, s)
		if sos.NA == "" {
			if s, _, err = sosOnce(ctx, filepath.Join(cfg.out, fmt.Sprintf("sos-%d", i))); err != nil {
				return nil, err
			}
			sos.Runs = append(sos.Runs, s)
		}
	}
	return bundles[len(bundles)-2:], nil
}

// analyzer times rtsnap-analyze on the 500-container bundles and on a fleet
// directory of copies (hard links: the reader cannot tell).
func analyzer(ctx context.Context, cfg *config, res *results, bundles []string) error {
	bin := filepath.Join(cfg.repo, "bin", "rtsnap-analyze")
	a, b := bundles[0], bundles[1]
	cmds := []struct {
		name string
		args []string
	}{
		{"inspect", []string{"inspect", b}},
		{"findings", []string{"findings", b}},
		{"timeline", []string{"timeline", b}},
		{"diff", []string{"diff", a, b}},
		{"report (HTML)", []string{"report", "-o", filepath.Join(cfg.out, "report.html"), b}},
	}
	for _, c := range cmds {
		s := &series{Name: c.name, Command: "rtsnap-analyze " + strings.Join(c.args[:1], " ")}
		for i := 0; i < cfg.runs; i++ {
			x, _, err := measure(ctx, 5*time.Minute, 2, nil, bin, c.args...)
			if err != nil {
				return err
			}
			s.Runs = append(s.Runs, x)
		}
		res.Analyzer = append(res.Analyzer, s)
	}
	if cfg.fleet <= 0 {
		return nil
	}
	dir := filepath.Join(cfg.out, "fleet")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for i := 0; i < cfg.fleet; i++ {
		if err := os.Link(b, filepath.Join(dir, fmt.Sprintf("rtsnap-node%04d-20261130T000000Z.tar.zst", i))); err != nil {
			return fmt.Errorf("fleet: %w", err)
		}
	}
	s, _, err := measure(ctx, 60*time.Minute, 2, nil, bin, "findings", "--json", dir)
	if err != nil {
		return err
	}
	res.Fleet = &fleetResult{Bundles: cfg.fleet, Of: filepath.Base(b), Run: s}
	return os.RemoveAll(dir)
}

// loadavg is /proc/loadavg's three load averages ("" when unreadable).
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
