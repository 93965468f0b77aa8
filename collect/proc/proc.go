// Package proc is the "proc" source: /proc facts for every container init
// process, every shim and every runtime daemon — status, cgroup, namespaces,
// OOM score, limits, start time, command line; for daemons also where their
// stdout/stderr go and their proxy variables (redacted). Never a whole
// environment.
package proc

import (
	"bytes"
	"context"
	schema "github.com/rtsnap/rtsnap/internal/schema/proc"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/internal/runcstate"
)

// statusFields are the /proc/<pid>/status lines kept.
var statusFields = map[string]bool{"State": true, "NSpid": true, "CapEff": true, "CapBnd": true, "NoNewPrivs": true, "Seccomp": true,
	"Cpus_allowed_list": true, "VmRSS": true, "VmHWM": true, "Threads": true, "Uid": true, "voluntary_ctxt_switches": true}

var limitNames = []string{"Max open files", "Max processes", "Max locked memory", "Max core file size"}

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

func (Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	procs, err := procscan.List(env.ProcRoot)
	if err != nil {
		return err
	}
	boot := procscan.BootTime(env.ProcRoot)
	var res []Process
	for _, p := range procscan.Runtime(procs) {
		res = append(res, read(env, p, string(p.Role), "", "", boot))
	}
	states, truncated := runcstate.Scan(env.ProcRoot, runcstate.Roots(procs), env.MaxContainers)
	if truncated {
		out.Partial("container inits cut at --max-containers")
	}
	for _, st := range states {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !st.Liveness.PIDExists || !st.Liveness.StartMatches {
			continue
		}
		p, err := procscan.Read(env.ProcRoot, st.InitPID)
		if err != nil {
			continue
		}
		res = append(res, read(env, p, "init", st.ID, st.Namespace, boot))
	}
	sort.Slice(res, func(i, j int) bool { return res[i].PID < res[j].PID })
	return out.WriteJSON("processes.json", res)
}

func read(env *collect.Env, p procscan.Process, role, id, ns string, boot time.Time) Process {
	dir := filepath.Join(env.ProcRoot, strconv.Itoa(p.PID))
	pr := Process{PID: p.PID, PPID: p.PPID, Role: role, ContainerID: id, Namespace: ns, Comm: p.Comm, State: p.State,
		StartTicks: p.StartTicks, StartedAt: procscan.StartTime(boot, p.StartTicks),
		Status: map[string]string{}, Namespaces: map[string]string{}}
	for _, a := range p.Args {
		pr.CommandLine = append(pr.CommandLine, a)
	}
	// The joined line is redacted too, so "--password x" split over two args is caught.
	pr.CommandLine = strings.Split(env.Redactor.String(strings.Join(pr.CommandLine, "\x00")), "\x00")
	if raw, err := os.ReadFile(filepath.Join(dir, "status")); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && statusFields[k] {
				pr.Status[k] = strings.Join(strings.Fields(v), " ")
			}
		}
	} else {
		pr.Error = err.Error()
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "cgroup")); err == nil {
		pr.Cgroup = strings.Split(strings.TrimSpace(string(raw)), "\n")
	}
	for _, n := range []string{"cgroup", "ipc", "mnt", "net", "pid", "user", "uts"} {
		if l, err := os.Readlink(filepath.Join(dir, "ns", n)); err == nil {
			pr.Namespaces[n] = l
		}
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "oom_score_adj")); err == nil {
		pr.OOMScoreAdj = strings.TrimSpace(string(raw))
	}
	pr.Limits = limits(filepath.Join(dir, "limits"))
	if role != "init" && role != string(procscan.RoleShim) {
		pr.Stdout, _ = os.Readlink(filepath.Join(dir, "fd", "1"))
		pr.Stderr, _ = os.Readlink(filepath.Join(dir, "fd", "2"))
		pr.ProxyEnv = proxyEnv(env, filepath.Join(dir, "environ"))
	}
	return pr
}

func limits(path string) map[string]string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, l := range strings.Split(string(raw), "\n") {
		for _, n := range limitNames {
			if strings.HasPrefix(l, n) {
				f := strings.Fields(strings.TrimPrefix(l, n))
				if len(f) >= 2 {
					out[n] = f[0] + " / " + f[1]
				}
			}
		}
	}
	return out
}

// proxyEnv returns only the proxy variables of a daemon's environment,
// redacted (proxy URLs carry credentials).
func proxyEnv(env *collect.Env, path string) map[string]string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, kv := range bytes.Split(raw, []byte{0}) {
		k, v, ok := strings.Cut(string(kv), "=")
		if !ok {
			continue
		}
		switch strings.ToUpper(k) {
		case "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "FTP_PROXY", "GRPC_PROXY":
			out[k] = env.Redactor.String(v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// The file types live in internal/schema/proc so the analyzer can read them
// without importing the collector.
type (
	Process = schema.Process
)
