package runcstate

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rtsnap/rtsnap/internal/crioconf"
	"github.com/rtsnap/rtsnap/internal/fanout"
	"github.com/rtsnap/rtsnap/internal/procscan"
)

// Root is a runtime state directory: <root>/<id>/state.json (runc) or
// <root>/<id>/status (crun).
type Root struct {
	Path string `json:"path"`
	// Owner is who drives the runtime there: containerd, docker, cri-o, plain.
	Owner string `json:"owner"`
	// Namespace is the containerd namespace (or "moby") the root belongs to,
	// taken from the path.
	Namespace string `json:"namespace,omitempty"`
}

// OwnerCRIO is the owner of a runtime root a running CRI-O's config names.
const OwnerCRIO = "cri-o"

// Bounds on discovery: a node has a handful of roots and one directory per
// container; anything beyond these is not a runtime root worth walking.
const (
	maxRoots = 64
	// hardMaxStates bounds a scan even when the caller sets no bound.
	hardMaxStates = 10000
)

const (
	runcFile = "state.json"
	crunFile = "status"
)

// wellKnownRoots are the runtime roots runtimes use by default; "*" is the
// namespace directory.
var wellKnownRoots = []struct{ glob, owner string }{
	// containerd's runc shim: a fixed path whatever the daemon's --state,
	// so several daemons on one node share it (map states by container id).
	{"/run/containerd/runc/*", "containerd"},
	{"/run/k3s/containerd/runc/*", "containerd"},
	{"/run/docker/runtime-runc/*", "docker"},
	{"/run/docker/runtime-crun/*", "docker"},
	{"/run/runc", "plain or cri-o"},
	{"/run/crun", "plain or cri-o"},
}

// Roots lists the runtime roots that exist: the well-known ones, "runc/*"
// under the --state dir of every running containerd and "runtime-*/*" under
// every dockerd's --exec-root.
func Roots(procs []procscan.Process) []Root {
	return rootsUnder("", procs)
}

// RootsUnder is Roots with every path looked for under base (--host-root;
// tests use a temp tree); the paths returned are the host's.
func RootsUnder(base string, procs []procscan.Process) []Root { return rootsUnder(base, procs) }

// ScanUnder is Scan for roots found by RootsUnder(base, ...).
// procs is the process table of the same run (nil: none): an init found
// there with the same start time is judged from its entry instead of a
// second read of its /proc/<pid>/stat (see liveness).
func ScanUnder(base, procRoot string, roots []Root, max int, procs []procscan.Process) ([]State, bool) {
	return scanUnder(base, procRoot, roots, max, procs)
}

// rootsUnder is Roots with every path prefixed by base (tests use a temp tree).
func rootsUnder(base string, procs []procscan.Process) []Root {
	seen := map[string]bool{}
	var out []Root
	add := func(glob, owner string) {
		matches, _ := filepath.Glob(base + glob)
		for _, m := range matches {
			if len(out) >= maxRoots {
				return
			}
			key := m
			if real, err := filepath.EvalSymlinks(m); err == nil {
				key = real // /var/run is usually /run
			}
			if fi, err := os.Stat(m); err != nil || !fi.IsDir() || seen[key] {
				continue
			}
			seen[key] = true
			r := Root{Path: strings.TrimPrefix(m, base), Owner: owner}
			if strings.HasSuffix(glob, "/*") {
				r.Namespace = filepath.Base(m)
			}
			out = append(out, r)
		}
	}
	// CRI-O's runtime roots first: its default (/run/runc, /run/crun) is a
	// well-known root too, and the first owner found is the one kept.
	for _, p := range procs {
		if p.Role == procscan.RoleCRIO {
			for _, r := range crioconf.Load(p.Args, func(h string) string { return base + h }).Runtimes {
				if filepath.IsAbs(r.Root) && !strings.ContainsAny(r.Root, "*?[") {
					add(r.Root, OwnerCRIO)
				}
			}
		}
	}
	for _, g := range wellKnownRoots {
		add(g.glob, g.owner)
	}
	for _, p := range procs {
		switch p.Role {
		case procscan.RoleContainerd:
			if st, ok := procscan.FlagValue(p.Args, "state"); ok && filepath.IsAbs(st) {
				add(filepath.Join(st, "runc", "*"), "containerd")
			}
		case procscan.RoleDockerd:
			if er, ok := procscan.FlagValue(p.Args, "exec-root"); ok && filepath.IsAbs(er) {
				add(filepath.Join(er, "runtime-*", "*"), "docker")
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Scan reads every container's state under roots, at most max containers
// (0: no bound of the caller's, though never more than hardMaxStates).
// truncated says the bound cut the list.
func Scan(procRoot string, roots []Root, max int) (states []State, truncated bool) {
	return scanUnder("", procRoot, roots, max, nil)
}

// scanUnder reads the state files side by side (fanout): the read is the
// first thing a collection does, before any source starts (the source
// timeout scales with its count), and at 2,000 containers it was 0.3 to
// 0.4 CPU-seconds on one core while the other waited (docs/benchmarks.md).
func scanUnder(base, procRoot string, roots []Root, max int, procs []procscan.Process) (states []State, truncated bool) {
	if max <= 0 || max > hardMaxStates {
		max = hardMaxStates
	}
	type found struct {
		root Root
		file string
	}
	// Which files, in order, first (directory listings and a stat each):
	// the bound cuts the same states whatever the reading order.
	var files []found
list:
	for _, r := range roots {
		entries, err := os.ReadDir(base + r.Path)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			file := stateFile(filepath.Join(base+r.Path, e.Name()))
			if file == "" {
				continue
			}
			if len(files) >= max {
				truncated = true
				break list
			}
			files = append(files, found{r, file})
		}
	}
	live := newLiveness(procRoot, procs)
	states = make([]State, len(files))
	fanout.Each(len(files), func() func(int) {
		var buf []byte
		return func(i int) {
			st := read(files[i].root, files[i].file, live, &buf)
			st.File = strings.TrimPrefix(st.File, base)
			states[i] = st
		}
	})
	return states, truncated
}

// stateFile returns the state file in a container's directory: runc's
// state.json, else crun's status, else "".
func stateFile(dir string) string {
	for _, name := range []string{runcFile, crunFile} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}
