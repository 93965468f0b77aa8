// Package runcstate finds the state runc and crun keep for every container
// (runc's state.json, crun's status file, under each runtime root in use) and
// checks whether the init process it names is really alive: the runtime
// saying "running" while the process is gone, a zombie, or a reused pid is
// what the analyzer looks for. The runc, proc and cgroup sources share it.
package runcstate

import (
	"fmt"
	"path/filepath"
	"time"

	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/internal/smallfile"
)

// State is the part of a container's runtime state the collector keeps:
// never the whole config, which holds the container's environment.
type State struct {
	Root      string `json:"root"`
	Owner     string `json:"owner"`
	Runtime   string `json:"runtime,omitempty"` // runc or crun: which file format was read
	Namespace string `json:"namespace,omitempty"`
	ID        string `json:"id"`
	// File is the state file read (state.json for runc, status for crun).
	File      string    `json:"file,omitempty"`
	InitPID   int       `json:"init_process_pid"`
	InitStart uint64    `json:"init_process_start"`
	Created   time.Time `json:"created"`
	Rootless  bool      `json:"rootless"`
	Bundle    string    `json:"bundle,omitempty"`
	Rootfs    string    `json:"rootfs,omitempty"`
	// Labels are config.labels ("bundle=...", user labels): they reach the
	// bundle through the JSON redactor like every other value.
	Labels      []string          `json:"labels,omitempty"`
	CgroupPaths map[string]string `json:"cgroup_paths,omitempty"`
	// CgroupPath is crun's single cgroup path (relative to the hierarchy root).
	CgroupPath string `json:"cgroup_path,omitempty"`
	// NamespacePaths is state.json's namespace_paths (NEWNET: /proc/<pid>/ns/net ...).
	NamespacePaths map[string]string `json:"namespace_paths,omitempty"`
	// Namespaces is config.namespaces: the namespaces created, and the paths
	// of those joined (a pod's shared network namespace).
	Namespaces []Namespace `json:"namespaces,omitempty"`
	// Status is the status the state file records, when it records one
	// (runc's state.json does not; runc derives it from the pid).
	Status   string   `json:"status,omitempty"`
	Liveness Liveness `json:"liveness"`
	Error    string   `json:"error,omitempty"`
}

// Namespace is one entry of config.namespaces.
type Namespace struct {
	Type string `json:"type"`
	Path string `json:"path,omitempty"`
}

// Verdicts of a liveness check.
const (
	VerdictAlive     = "alive"
	VerdictStopped   = "stopped" // state T or t: frozen by the freezer, or traced
	VerdictZombie    = "zombie"
	VerdictGone      = "gone"
	VerdictPIDReused = "pid-reused"
)

// Liveness is what /proc says about the init process a state file names.
type Liveness struct {
	PIDExists bool `json:"pid_exists"`
	// StartTicks is the pid's start time now; it must equal init_process_start.
	StartTicks   uint64 `json:"start_ticks,omitempty"`
	StartMatches bool   `json:"start_matches"`
	ProcState    string `json:"proc_state,omitempty"`
	// Verdict: alive, stopped (T: frozen or traced), zombie, gone, pid-reused.
	Verdict string `json:"verdict"`
}

// Alive reports whether the init process is the one the runtime started and
// has not exited (it may be frozen or stopped).
func (l Liveness) Alive() bool {
	return l.Verdict == VerdictAlive || l.Verdict == VerdictStopped
}

// runcState is the subset of runc's state.json decoded.
type runcState struct {
	ID             string            `json:"id"`
	InitPID        int               `json:"init_process_pid"`
	InitStart      uint64            `json:"init_process_start"`
	Created        time.Time         `json:"created"`
	Rootless       bool              `json:"rootless"`
	CgroupPaths    map[string]string `json:"cgroup_paths"`
	NamespacePaths map[string]string `json:"namespace_paths"`
	Status         string            `json:"status"`
	Config         struct {
		Rootfs     string      `json:"rootfs"`
		Labels     []string    `json:"labels"`
		Namespaces []Namespace `json:"namespaces"`
	} `json:"config"`
}

// crunStatus is crun's <root>/<id>/status file.
type crunStatus struct {
	PID        int       `json:"pid"`
	StartTime  uint64    `json:"process-start-time"`
	CgroupPath string    `json:"cgroup-path"`
	Rootfs     string    `json:"rootfs"`
	Bundle     string    `json:"bundle"`
	Created    time.Time `json:"created"`
}

// maxStateFile bounds one state file read.
const maxStateFile = 8 << 20

// Read parses one runc state.json or crun status file and checks its init process.
func Read(procRoot string, r Root, path string) State {
	var buf []byte
	return read(r, path, newLiveness(procRoot, nil), &buf)
}

// read is Read reading into *buf (kept for the next file: the decoded
// state holds none of its bytes).
func read(r Root, path string, live liveness, buf *[]byte) State {
	st := State{Root: r.Path, Owner: r.Owner, Namespace: r.Namespace, ID: filepath.Base(filepath.Dir(path)), File: path}
	raw, err := readBounded(*buf, path, maxStateFile)
	*buf = raw
	if err != nil {
		st.Error = err.Error()
		return st
	}
	if filepath.Base(path) == crunFile {
		err = st.fromCrun(raw)
	} else {
		err = st.fromRunc(raw)
	}
	if err != nil {
		st.Error = fmt.Sprintf("parsing %s: %v", path, err)
		return st
	}
	st.Liveness = live.check(st.InitPID, st.InitStart)
	return st
}

// decode is encoding/json's Unmarshal on the JSON v2 engine
// (github.com/go-json-experiment/json/v1, which Go's encoding/json moves
// to; the analyzer decodes with it too): the same results, in one pass
// where encoding/json scans the whole document to validate it, then again
// to decode, skipping the config's mounts, devices and cgroup resources
// twice. A runc state.json is about 9 KB, the fields kept a few hundred
// bytes; at 2,000 containers encoding/json's decode was 7 % of the
// collector's CPU (docs/benchmarks.md). TestDecodeMatchesEncodingJSON and
// FuzzDecodeMatchesEncodingJSON hold it to encoding/json's results.
func decode(raw []byte, v any) error { return jsonv1.Unmarshal(raw, v) }

func (st *State) fromRunc(raw []byte) error {
	var rs runcState
	if err := decode(raw, &rs); err != nil {
		return err
	}
	st.Runtime = "runc"
	if rs.ID != "" {
		st.ID = rs.ID
	}
	st.InitPID, st.InitStart, st.Created, st.Rootless = rs.InitPID, rs.InitStart, rs.Created, rs.Rootless
	st.CgroupPaths, st.NamespacePaths, st.Status = rs.CgroupPaths, rs.NamespacePaths, rs.Status
	st.Rootfs, st.Namespaces, st.Labels = rs.Config.Rootfs, rs.Config.Namespaces, rs.Config.Labels
	for _, l := range rs.Config.Labels {
		if len(l) > len("bundle=") && l[:len("bundle=")] == "bundle=" {
			st.Bundle = l[len("bundle="):]
		}
	}
	return nil
}

func (st *State) fromCrun(raw []byte) error {
	var cs crunStatus
	if err := decode(raw, &cs); err != nil {
		return err
	}
	st.Runtime = "crun"
	st.InitPID, st.InitStart, st.Created = cs.PID, cs.StartTime, cs.Created
	st.CgroupPath, st.Rootfs, st.Bundle = cs.CgroupPath, cs.Rootfs, cs.Bundle
	return nil
}

// Check decides whether pid is the init process started at startTicks.
func Check(procRoot string, pid int, startTicks uint64) Liveness {
	return newLiveness(procRoot, nil).check(pid, startTicks)
}

// liveness checks inits against a process table read moments before (the
// run's, which every source shares), reading /proc/<pid>/stat only for a
// pid the table does not hold with the same start time: a process that
// started since, or a pid reused since. An entry with the same pid and
// start time is the same process (the kernel's start time is in clock
// ticks since boot and a pid is not reused within one tick of its last
// use); what may have changed since is its state letter, as it may
// between any two reads, and the proc source describes the same moment
// from the same table.
type liveness struct {
	procRoot string
	byPID    map[int]procscan.Process
}

func newLiveness(procRoot string, procs []procscan.Process) liveness {
	l := liveness{procRoot: procRoot}
	if len(procs) > 0 {
		l.byPID = make(map[int]procscan.Process, len(procs))
		for _, p := range procs {
			l.byPID[p.PID] = p
		}
	}
	return l
}

func (lv liveness) check(pid int, startTicks uint64) Liveness {
	var l Liveness
	if pid <= 0 {
		l.Verdict = VerdictGone
		return l
	}
	state, start := "", uint64(0)
	if p, ok := lv.byPID[pid]; ok && p.StartTicks == startTicks && p.State != "" {
		state, start = p.State, p.StartTicks
	} else {
		s, err := procscan.ReadStat(lv.procRoot, pid)
		if err != nil {
			l.Verdict = VerdictGone
			return l
		}
		state, start = s.State, s.StartTicks
	}
	l.PIDExists, l.StartTicks, l.ProcState = true, start, state
	l.StartMatches = start == startTicks
	switch {
	case !l.StartMatches:
		l.Verdict = VerdictPIDReused
	case state == "Z" || state == "X" || state == "x":
		l.Verdict = VerdictZombie
	case state == "T" || state == "t":
		l.Verdict = VerdictStopped
	default:
		l.Verdict = VerdictAlive
	}
	return l
}

// readBounded reads a whole file into buf, refusing one larger than max:
// one open and reads (internal/smallfile), no fstat, no poller.
func readBounded(buf []byte, path string, max int64) ([]byte, error) {
	buf, err := smallfile.ReadReuse(buf, path, int(max)+1)
	if err != nil {
		return buf, err
	}
	if int64(len(buf)) > max {
		return buf[:0], fmt.Errorf("%s: over the %d-byte bound", path, max)
	}
	return buf, nil
}
