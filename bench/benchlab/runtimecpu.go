package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/internal/procscan"
)

// runtimeProcs are a containerd daemon and the shims serving it: the
// processes whose CPU a collection costs the runtime (every ContainerStatus,
// every task's state the shims are asked for). The collector's own CPU is
// wait4's; this is the other half of what a collection takes from kubelet
// on a 2-core node.
type runtimeProcs struct {
	pids []int
}

// findRuntime finds the containerd listening on sock (by the pid file the
// scale lab writes beside its socket) and its shims (by their -address).
func findRuntime(sock string) (runtimeProcs, error) {
	procs, err := procscan.List("/proc")
	if err != nil {
		return runtimeProcs{}, err
	}
	var r runtimeProcs
	daemon := 0
	if b, err := os.ReadFile(filepath.Join(filepath.Dir(sock), "daemon.pid")); err == nil {
		fmt.Sscan(strings.TrimSpace(string(b)), &daemon)
	}
	for _, p := range procs {
		addr, _ := procscan.FlagValue(p.Args, "address")
		if p.PID == daemon || p.Role == procscan.RoleShim && addr == sock {
			r.pids = append(r.pids, p.PID)
		}
	}
	if daemon == 0 || len(r.pids) < 2 {
		return r, fmt.Errorf("runtime at %s: daemon pid %d, %d processes with its shims", sock, daemon, len(r.pids))
	}
	return r, nil
}

// cpu is the user+system CPU the processes have used so far (a process
// gone since findRuntime counts nothing).
func (r runtimeProcs) cpu() time.Duration {
	var ticks uint64
	for _, pid := range r.pids {
		if s, err := procscan.ReadStat("/proc", pid); err == nil {
			ticks += s.CPUTicks
		}
	}
	return time.Duration(ticks) * time.Second / procscan.ClockTicks
}

// runtimeIdle is the runtime's own CPU when nobody collects.
type runtimeIdle struct {
	Processes int           `json:"processes"`
	Over      time.Duration `json:"over_ns"`
	CPU       time.Duration `json:"cpu_ns"`
}

// perSecond is the idle CPU per second of wall.
func (r runtimeIdle) perSecond() float64 { return r.CPU.Seconds() / r.Over.Seconds() }

// idle measures the runtime's CPU over d with no collection running.
func (r runtimeProcs) idle(d time.Duration) runtimeIdle {
	before := r.cpu()
	time.Sleep(d)
	return runtimeIdle{Processes: len(r.pids), Over: d, CPU: r.cpu() - before}
}
