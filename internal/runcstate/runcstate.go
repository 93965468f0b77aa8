// Package runcstate finds the state runc and crun keep for every container
// (state.json under each runtime root in use) and checks whether the init
// process it names is really alive: the runtime saying "running" while the
// process is gone, a zombie, or a reused pid is what the analyzer looks for.
package runcstate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/internal/procscan"
)

// Root is a runtime state directory: <root>/<id>/state.json.
type Root struct {
	Path string `json:"path"`
	// Owner is who drives the runtime there: containerd, docker, cri-o, plain.
	Owner string `json:"owner"`
	// Namespace is the containerd namespace (or "moby") the root belongs to.
	Namespace string `json:"namespace,omitempty"`
}

// rootGlobs are the well-known runtime roots; "*" is the namespace.
var rootGlobs = []struct{ glob, owner string }{
	{"/run/containerd/runc/*", "containerd"},
	{"/run/k3s/containerd/runc/*", "containerd"},
	{"/run/docker/runtime-runc/*", "docker"},
	{"/run/docker/runtime-crun/*", "docker"},
	{"/run/runc", "plain or cri-o"},
	{"/run/crun", "plain or cri-o"},
}

// Roots lists the runtime roots that exist, plus "runc/*" under the state
// dirs of running containerd daemons (--state or /run/containerd).
func Roots(procs []procscan.Process) []Root {
	seen := map[string]bool{}
	var out []Root
	add := func(glob, owner string) {
		matches, _ := filepath.Glob(glob)
		for _, m := range matches {
			if fi, err := os.Stat(m); err != nil || !fi.IsDir() || seen[m] {
				continue
			}
			seen[m] = true
			r := Root{Path: m, Owner: owner}
			if strings.HasSuffix(glob, "/*") {
				r.Namespace = filepath.Base(m)
			}
			out = append(out, r)
		}
	}
	for _, g := range rootGlobs {
		add(g.glob, g.owner)
	}
	for _, p := range procs {
		if p.Role != procscan.RoleContainerd {
			continue
		}
		if st, ok := procscan.FlagValue(p.Args, "state"); ok {
			add(filepath.Join(st, "runc", "*"), "containerd")
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// State is the part of state.json the collector keeps: never the whole
// config, which holds the container's environment.
type State struct {
	Root        string            `json:"root"`
	Owner       string            `json:"owner"`
	Namespace   string            `json:"namespace,omitempty"`
	ID          string            `json:"id"`
	InitPID     int               `json:"init_process_pid"`
	InitStart   uint64            `json:"init_process_start"`
	Created     time.Time         `json:"created"`
	Rootless    bool              `json:"rootless"`
	Bundle      string            `json:"bundle,omitempty"`
	Labels      []string          `json:"labels,omitempty"`
	CgroupPaths map[string]string `json:"cgroup_paths,omitempty"`
	Liveness    Liveness          `json:"liveness"`
	Error       string            `json:"error,omitempty"`
}

// Liveness is what /proc says about the init process state.json names.
type Liveness struct {
	PIDExists bool `json:"pid_exists"`
	// StartTicks is the pid's start time now; it must equal init_process_start.
	StartTicks   uint64 `json:"start_ticks,omitempty"`
	StartMatches bool   `json:"start_matches"`
	ProcState    string `json:"proc_state,omitempty"`
	// Verdict: alive, stopped (T: frozen or traced), zombie, gone, pid-reused.
	Verdict string `json:"verdict"`
}

type rawState struct {
	ID          string            `json:"id"`
	InitPID     int               `json:"init_process_pid"`
	InitStart   uint64            `json:"init_process_start"`
	Created     time.Time         `json:"created"`
	Rootless    bool              `json:"rootless"`
	CgroupPaths map[string]string `json:"cgroup_paths"`
	Config      struct {
		Labels []string `json:"labels"`
	} `json:"config"`
}

// maxStateFile bounds one state.json read.
const maxStateFile = 8 << 20

// Scan reads every state.json under roots, at most max containers (0: no bound).
func Scan(procRoot string, roots []Root, max int) (states []State, truncated bool) {
	for _, r := range roots {
		entries, err := os.ReadDir(r.Path)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			if max > 0 && len(states) >= max {
				return states, true
			}
			p := filepath.Join(r.Path, e.Name(), "state.json")
			if _, err := os.Stat(p); err != nil {
				continue
			}
			states = append(states, Read(procRoot, r, p))
		}
	}
	return states, false
}

// Read parses one state.json and checks its init process.
func Read(procRoot string, r Root, path string) State {
	st := State{Root: r.Path, Owner: r.Owner, Namespace: r.Namespace, ID: filepath.Base(filepath.Dir(path))}
	raw, err := readBounded(path, maxStateFile)
	if err != nil {
		st.Error = err.Error()
		return st
	}
	var rs rawState
	if err := json.Unmarshal(raw, &rs); err != nil {
		st.Error = fmt.Sprintf("parsing %s: %v", path, err)
		return st
	}
	st.ID, st.InitPID, st.InitStart, st.Created, st.Rootless, st.CgroupPaths = rs.ID, rs.InitPID, rs.InitStart, rs.Created, rs.Rootless, rs.CgroupPaths
	for _, l := range rs.Config.Labels {
		if b, ok := strings.CutPrefix(l, "bundle="); ok {
			st.Bundle = b
		}
		st.Labels = append(st.Labels, l)
	}
	st.Liveness = Check(procRoot, rs.InitPID, rs.InitStart)
	return st
}

// Check decides whether pid is the init process started at startTicks.
func Check(procRoot string, pid int, startTicks uint64) Liveness {
	var l Liveness
	if pid <= 0 {
		l.Verdict = "gone"
		return l
	}
	s, err := procscan.ReadStat(procRoot, pid)
	if err != nil {
		l.Verdict = "gone"
		return l
	}
	l.PIDExists, l.StartTicks, l.ProcState = true, s.StartTicks, s.State
	l.StartMatches = s.StartTicks == startTicks
	switch {
	case !l.StartMatches:
		l.Verdict = "pid-reused"
	case s.State == "Z" || s.State == "X":
		l.Verdict = "zombie"
	case s.State == "T" || s.State == "t":
		l.Verdict = "stopped"
	default:
		l.Verdict = "alive"
	}
	return l
}

func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes, over the %d-byte bound", path, fi.Size(), max)
	}
	buf := make([]byte, fi.Size())
	n, err := f.Read(buf)
	if err != nil && n == 0 && fi.Size() > 0 {
		return nil, err
	}
	return buf[:n], nil
}
