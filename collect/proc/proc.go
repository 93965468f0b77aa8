// Package proc is the "proc" source: /proc facts for every container init
// process, every shim and every runtime daemon — status, cgroup, namespaces,
// OOM score, limits, start time, command line; for daemons also where their
// stdout/stderr go and their proxy variables (redacted). Never a whole
// environment.
package proc

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
	schema "github.com/rtsnap/rtsnap/internal/schema/proc"
)

// Source collects /proc facts.
type Source struct{}

// New returns the proc source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "proc" }
func (Source) Description() string {
	return "/proc status, cgroup, namespaces, limits and command lines of container inits, shims and runtime daemons"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 16 << 20 }

// RoleInit is the role of a container's init process.
const RoleInit = "init"

func (Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	procs, err := env.Processes()
	if err != nil {
		return fmt.Errorf("listing processes: %w", err)
	}
	r := reader{procRoot: env.ProcRoot, redact: env.Redactor.String, now: env.Now, boot: procscan.BootTime(env.ProcRoot)}
	var res []Process
	shims := 0
	for _, p := range procscan.Runtime(procs) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if p.Role == procscan.RoleShim {
			// One shim per container (or pod): bound them like containers.
			if env.MaxContainers > 0 && shims >= env.MaxContainers {
				continue
			}
			shims++
		}
		res = append(res, r.read(p, string(p.Role), "", ""))
	}
	if env.MaxContainers > 0 && shims >= env.MaxContainers {
		out.Partial(fmt.Sprintf("shims cut at --max-containers %d", env.MaxContainers))
	}
	_, states, truncated := env.RuncStates()
	if truncated {
		out.Partial("container inits cut at --max-containers")
	}
	// The inits are in the process table already (read once per run): its
	// entry is used when it is the same process (same start time), so the
	// init's stat and command line are not read a second time, and the
	// host source's table and this one describe the same moment.
	byPID := make(map[int]int, len(procs))
	for i, p := range procs {
		byPID[p.PID] = i
	}
	for _, st := range states {
		if err := ctx.Err(); err != nil {
			return err
		}
		// A gone or reused pid is not this container's init: the runc
		// source records that; reading the pid now would describe a stranger.
		if !st.Liveness.PIDExists || !st.Liveness.StartMatches || !env.NamespaceAllowed(st.Namespace) {
			continue
		}
		if i, ok := byPID[st.InitPID]; ok && procs[i].StartTicks == st.InitStart {
			res = append(res, r.read(procs[i], RoleInit, st.ID, st.Namespace))
			continue
		}
		p, err := procscan.Read(env.ProcRoot, st.InitPID)
		if err != nil {
			continue // exited since the scan
		}
		res = append(res, r.read(p, RoleInit, st.ID, st.Namespace))
	}
	sort.Slice(res, func(i, j int) bool { return res[i].PID < res[j].PID })
	return out.WriteJSON("processes.json", res)
}

// reader reads one process's facts from a /proc tree.
type reader struct {
	procRoot string
	redact   func(string) string
	now      time.Time
	boot     time.Time
}

func (r reader) read(p procscan.Process, role, id, ns string) Process {
	pr := Process{PID: p.PID, PPID: p.PPID, Role: role, ContainerID: id, Namespace: ns, Comm: p.Comm, State: p.State,
		StartTicks: p.StartTicks}
	if !r.boot.IsZero() {
		pr.StartedAt = procscan.StartTime(r.boot, p.StartTicks)
		pr.AgeSeconds = int64(r.now.Sub(pr.StartedAt) / time.Second)
	}
	// The joined line is redacted too, so "--password x" split over two args is caught.
	if len(p.Args) > 0 {
		pr.CommandLine = strings.Split(r.redact(strings.Join(p.Args, "\x00")), "\x00")
	}
	f := openProcFiles(r.procRoot + "/" + strconv.Itoa(p.PID))
	defer f.close()
	pr.Status = f.status()
	pr.Cgroup = f.cgroup()
	pr.Namespaces = f.namespaces()
	pr.OOMScoreAdj = f.oomScoreAdj()
	pr.Limits = f.limits()
	if role != RoleInit && role != string(procscan.RoleShim) {
		pr.Stdout, pr.Stderr = f.fd(1), f.fd(2)
		pr.ProxyEnv = f.proxyEnv(r.redact)
	}
	pr.Errors = f.errs
	return pr
}

// The file types live in internal/schema/proc so the analyzer can read them
// without importing the collector.
type (
	Process = schema.Process
	Limit   = schema.Limit
)
