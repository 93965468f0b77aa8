package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/collect"
	discschema "github.com/rtsnap/rtsnap/internal/schema/discovery"
)

// starvedCgroup makes a cgroup that holds its processes to percent of one
// CPU (cgroup v1's cpu controller, else v2's cpu.max) and returns the
// cgroup.procs file to write a pid into.
func starvedCgroup(t *testing.T, percent int) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starves a real collector in a CPU-limited cgroup: not in -short")
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("needs root to make a cgroup")
		}
		t.Skip("needs root to make a cgroup")
	}
	name := fmt.Sprintf("rtsnap-test-starved-%d", os.Getpid())
	period := 100000
	quota := period * percent / 100
	var dir string
	var files map[string]string
	if _, err := os.Stat("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"); err == nil {
		dir = filepath.Join("/sys/fs/cgroup/cpu", name)
		files = map[string]string{"cpu.cfs_period_us": fmt.Sprint(period), "cpu.cfs_quota_us": fmt.Sprint(quota)}
	} else if c, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil && strings.Contains(" "+string(c)+" ", " cpu ") {
		dir = filepath.Join("/sys/fs/cgroup", name)
		files = map[string]string{"cpu.max": fmt.Sprintf("%d %d", quota, period)}
	} else {
		t.Fatal("no cgroup cpu controller (v1 /sys/fs/cgroup/cpu or v2 cpu in cgroup.controllers) to starve the collector with")
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Empty by then: the collector has exited.
		if err := os.Remove(dir); err != nil {
			t.Errorf("removing %s: %v; left in it: %s", dir, err, cgroupProcesses(filepath.Join(dir, "cgroup.procs")))
		}
	})
	for f, v := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "cgroup.procs")
}

// cgroupProcesses names the processes a cgroup.procs file lists (pid and
// command line), for the message when the cgroup cannot be removed.
func cgroupProcesses(procs string) string {
	raw, err := os.ReadFile(procs)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, pid := range strings.Fields(string(raw)) {
		cmd, _ := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		out = append(out, pid+" "+strings.ReplaceAll(strings.TrimRight(string(cmd), "\x00"), "\x00", " "))
	}
	if len(out) == 0 {
		return "nothing (the kernel had not yet let go of a process that exited)"
	}
	return strings.Join(out, "; ")
}

// hungSocket accepts connections and never answers, like a hung daemon.
func hungSocket(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hung.sock")
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		for _, c := range held {
			c.Close()
		}
	})
	return p
}

// starvedPercent is the share of one CPU the starved collector gets, and
// starvedTimeout its --timeout: long enough that the starved run, not the
// deadline, ends the sources. At 5% and --timeout MinTimeout the cheaper
// collector of session 8 finished with 1.4 s stalled of a 1.9 s run, under
// Starved's 2 s floor; at 1% the deadline held the run to 3.1 s (2.1-2.8 s
// stalled).
const (
	starvedPercent = 2
	starvedTimeout = 2 * collect.MinTimeout
)

// runStarved runs rtsnap with args inside the cgroup (a shell writes its
// own pid there, then execs the collector).
func runStarved(t *testing.T, procs string, args ...string) (summary, time.Duration) {
	t.Helper()
	script := `echo $$ > "$1" && shift && exec "$@"`
	cmd := exec.Command("sh", append([]string{"-c", script, "sh", procs, rtsnapBin}, append(args, "--json")...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("starved collection failed after %s: %v\n%s", took, err, stderr.String())
	}
	var s summary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("summary: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	return s, took
}

// A node that leaves the collector a sliver of a CPU (a saturated node, or a
// CPU limit on its pod) still gets its bundle, late but whole: before the
// commit had its grace, this exact run ended "writing the archive: context
// deadline exceeded" with nothing written. The manifest says the collector
// was starved, and a hung socket's probe records the stall beside its wait.
func TestStarvedCollectorStillWritesItsBundle(t *testing.T) {
	procs := starvedCgroup(t, starvedPercent)
	hung := hungSocket(t)
	out := tmpfsDir(t)
	timeout := starvedTimeout
	s, took := runStarved(t, procs, "collect", "--output", out, "--quiet", "--timeout", timeout.String(),
		"--runtime-endpoint", "unix://"+hung, "--call-timeout", "1s", "--only", "discovery,host,proc,cgroup")
	if took > timeout+collect.ExitMargin+collect.CommitGrace+5*time.Second {
		t.Errorf("took %s, past --timeout %s + %s + the grace %s", took, timeout, collect.ExitMargin, collect.CommitGrace)
	}
	b, err := bundle.OpenFile(s.Path, bundle.DefaultLimits())
	if err != nil {
		t.Fatalf("late bundle does not verify: %v", err)
	}
	st := b.Manifest.CollectorStalls
	if !st.Starved() {
		t.Errorf("a collector held to %d%% of a CPU for %s: manifest stalls %+v, not starved", starvedPercent, took, st)
	}
	t.Logf("took %s; stalls %+v", took, st)
	// The probe of the hung socket, if discovery got that far, carries the
	// collector's stall during its wait.
	if raw, ok := b.File("discovery/endpoints.json"); ok {
		var socks []discschema.Socket
		if err := json.Unmarshal(raw, &socks); err != nil {
			t.Fatal(err)
		}
		for _, so := range socks {
			if so.Path == hung && so.Code == "DeadlineExceeded" && so.CollectorStalledMS == 0 {
				t.Errorf("hung socket probed for %d ms by a starved collector with no stall recorded: %+v", so.LatencyMS, so)
			}
		}
	}
}
