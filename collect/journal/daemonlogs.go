package journal

import (
	"context"
	"errors"
	schema "github.com/rtsnap/rtsnap/internal/schema/journal"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/internal/tail"
	"github.com/rtsnap/rtsnap/redact"
)

// perFileBytes bounds the tail of one daemon log file.
const perFileBytes = 2 << 20

var wellKnownLogs = []string{"/var/lib/rancher/k3s/agent/containerd/containerd.log", "/var/log/containerd.log", "/var/log/docker.log", "/var/log/kubelet.log"}

// daemonLogs tails the regular files runtime daemons write their stdout and
// stderr to (daemons not under journald), and well-known log paths.
func daemonLogs(ctx context.Context, env *collect.Env, out collect.Output) []DaemonLog {
	procs, _ := env.Processes()
	found := map[string]*DaemonLog{}
	var order []string
	for _, p := range procscan.Runtime(procs) {
		if p.Role == procscan.RoleShim || p.Role == procscan.RoleRunc {
			continue
		}
		for _, fd := range []string{"1", "2"} {
			target, err := os.Readlink(filepath.Join(env.ProcRoot, strconv.Itoa(p.PID), "fd", fd))
			if err != nil || !filepath.IsAbs(target) {
				continue
			}
			if fi, err := os.Stat(env.HostPath(target)); err != nil || !fi.Mode().IsRegular() {
				continue
			}
			if d, ok := found[target]; ok {
				if !containsInt(d.PIDs, p.PID) {
					d.PIDs = append(d.PIDs, p.PID)
				}
				continue
			}
			found[target] = &DaemonLog{Path: target, PIDs: []int{p.PID}, Role: string(p.Role)}
			order = append(order, target)
		}
	}
	// CRI-O started with --log writes its log there, not to stdout/stderr.
	for _, d := range env.CRIOConfigs() {
		if p := d.Config.LogFile; filepath.IsAbs(p) && found[p] == nil {
			if fi, err := os.Stat(env.HostPath(p)); err == nil && fi.Mode().IsRegular() {
				found[p] = &DaemonLog{Path: p, PIDs: []int{d.Process.PID}, Role: string(procscan.RoleCRIO)}
				order = append(order, p)
			}
		}
	}
	for _, p := range wellKnownLogs {
		if _, ok := found[p]; !ok {
			if fi, err := os.Stat(env.HostPath(p)); err == nil && fi.Mode().IsRegular() {
				found[p] = &DaemonLog{Path: p}
				order = append(order, p)
			}
		}
	}
	since := env.Now.Add(-env.Since)
	var res []DaemonLog
	names := map[string]int{}
	for _, p := range order {
		if ctx.Err() != nil {
			break
		}
		d := found[p]
		base := strings.TrimSuffix(filepath.Base(p), ".log")
		names[base]++
		if names[base] > 1 {
			base += "-" + strconv.Itoa(names[base])
		}
		d.File = "files/" + base + ".log"
		data, size, truncated, err := tail.File(env.HostPath(p), perFileBytes, since)
		d.SizeBytes, d.Truncated = size, truncated
		if err != nil {
			d.Error = env.Redactor.String(err.Error())
		} else {
			d.KeptBytes = len(data)
			if werr := out.WriteFile(d.File, redact.Text, data); werr != nil && !errors.Is(werr, collect.ErrBudget) {
				d.Error = werr.Error()
			}
		}
		res = append(res, *d)
	}
	return res
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// The file types live in internal/schema/journal so the analyzer can read them
// without importing the collector.
type (
	DaemonLog = schema.DaemonLog
)
