package logs

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
)

// logFile is a log file to tail and the container whose budget it shares.
type logFile struct {
	File
	key string
}

// criLogs lists /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log, newest
// first, filtered by --pod-namespace. Rotated files (<n>.log.<date>, .gz)
// are left out: the tail is in <n>.log.
func criLogs(root string, env *collect.Env) []logFile {
	pods, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var out []logFile
	for _, p := range pods {
		parts := strings.SplitN(p.Name(), "_", 3)
		if len(parts) != 3 || !p.IsDir() || !env.PodNamespaceAllowed(parts[0]) {
			continue
		}
		ns, pod, uid := parts[0], parts[1], parts[2]
		ctrs, _ := os.ReadDir(filepath.Join(root, p.Name()))
		for _, c := range ctrs {
			if !c.IsDir() {
				continue
			}
			files, _ := filepath.Glob(filepath.Join(root, p.Name(), c.Name(), "*.log"))
			for _, f := range files {
				out = append(out, logFile{key: "cri/" + uid + "/" + c.Name(), File: File{Kind: "cri", Path: f,
					Namespace: ns, Pod: pod, PodUID: uid, Container: c.Name(),
					Stored: filepath.Join("pods", ns, pod, c.Name(), filepath.Base(f))}})
			}
		}
	}
	disambiguate(out)
	sortNewest(out, func(p string) string { return env.HostPath(env.Host.Host(p)) })
	return out
}

// disambiguate gives the files of a pod's older incarnations (same
// namespace and name, another UID) their own stored names.
func disambiguate(fs []logFile) {
	byStored := map[string]map[string]bool{}
	for _, f := range fs {
		if byStored[f.Stored] == nil {
			byStored[f.Stored] = map[string]bool{}
		}
		byStored[f.Stored][f.PodUID] = true
	}
	for i, f := range fs {
		if len(byStored[f.Stored]) > 1 {
			fs[i].Stored = filepath.Join("pods", f.Namespace, f.Pod+"_"+f.PodUID, f.Container, filepath.Base(f.Path))
		}
	}
}

// dockerRoots are the data roots of every running dockerd (--data-root, or
// the default /var/lib/docker): a node may run two, e.g. one behind
// cri-dockerd. With no dockerd running, the default root.
func (s *Source) dockerRoots(procs []procscan.Process) []string {
	if s.DockerRoot != "" {
		return []string{s.DockerRoot}
	}
	var roots []string
	seen := map[string]bool{}
	for _, p := range procs {
		if p.Role != procscan.RoleDockerd {
			continue
		}
		v, ok := procscan.FlagValue(p.Args, "data-root", "g", "graph")
		if !ok {
			v = "/var/lib/docker"
		}
		if v = filepath.Clean(v); !seen[v] {
			seen[v] = true
			roots = append(roots, v)
		}
	}
	if len(roots) == 0 {
		return []string{"/var/lib/docker"}
	}
	return roots
}

// dockerLogs lists <data-root>/containers/<id>/<id>-json.log, newest first.
func dockerLogs(root string) []logFile {
	files, _ := filepath.Glob(filepath.Join(root, "containers", "*", "*-json.log"))
	var out []logFile
	for _, f := range files {
		id := filepath.Base(filepath.Dir(f))
		out = append(out, logFile{key: "docker/" + id, File: File{Kind: "docker", Path: f, Container: id,
			Stored: filepath.Join("docker", id+".jsonl")}})
	}
	sortNewest(out, nil)
	return out
}

// shimStateDirs are the state dirs of every running containerd: --state,
// else the config's top-level state, and the default /run/containerd.
func shimStateDirs(procs []procscan.Process, env *collect.Env) []string {
	states := map[string]bool{"/run/containerd": true}
	for _, p := range procs {
		if p.Role != procscan.RoleContainerd {
			continue
		}
		if v, ok := procscan.FlagValue(p.Args, "state"); ok {
			states[v] = true
		} else if v, ok := procscan.FlagValue(p.Args, "config", "c"); ok {
			if st := stateFromConfig(env.HostPath(v)); st != "" {
				states[st] = true
			}
		}
	}
	out := make([]string, 0, len(states))
	for st := range states {
		out = append(out, st)
	}
	sort.Strings(out)
	return out
}

// shimLogs lists <state>/io.containerd.runtime.v2.task/<ns>/<id>/log.json
// (the shim's and runc's own errors) that are not empty, for the containerd
// namespaces --namespace allows.
func shimLogs(stateDirs []string, env *collect.Env) []logFile {
	var out []logFile
	for _, st := range stateDirs {
		files, _ := filepath.Glob(filepath.Join(st, "io.containerd.runtime.v2.task", "*", "*", "log.json"))
		for _, f := range files {
			id, ns := filepath.Base(filepath.Dir(f)), filepath.Base(filepath.Dir(filepath.Dir(f)))
			if !env.NamespaceAllowed(ns) {
				continue
			}
			fi, err := os.Stat(f)
			if err != nil || fi.Size() == 0 {
				continue
			}
			host := env.Host.Host(st) // the key and the name in the bundle are the host's
			out = append(out, logFile{key: "shim/" + host + "/" + ns + "/" + id, File: File{Kind: "shim", Path: f, Namespace: ns, Container: id,
				Stored: filepath.Join("shim", slug(host), ns, id+".log.json")}})
		}
	}
	sortNewest(out, nil)
	return out
}

// stateFromConfig reads the top-level `state = "..."` of a containerd config.
func stateFromConfig(path string) string {
	raw, err := os.ReadFile(path)
	if err != nil || len(raw) > 1<<20 {
		return ""
	}
	for _, l := range strings.Split(string(raw), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "[") {
			break
		}
		if k, v, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == "state" {
			return strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return ""
}

func slug(p string) string { return strings.ReplaceAll(strings.Trim(p, "/"), "/", "_") }

// sortNewest orders files newest first by modification time. at maps a listed path to the one to stat (nil: itself): a kubelet pod log
// that is a symlink with an absolute target (cri-dockerd links the Docker
// container's json log there) must be followed inside --host-root, or it
// sorts as the oldest and is the first cut by --max-containers.
func sortNewest(fs []logFile, at func(string) string) {
	if at == nil {
		at = func(p string) string { return p }
	}
	mod := map[string]time.Time{}
	for _, f := range fs {
		if fi, err := os.Stat(at(f.Path)); err == nil {
			mod[f.Path] = fi.ModTime()
		}
	}
	sort.SliceStable(fs, func(i, j int) bool { return mod[fs[i].Path].After(mod[fs[j].Path]) })
}

// stampRange is the time of the first and the last line that carries one.
func stampRange(data []byte) (first, last *time.Time) {
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte{'\n'})
	for _, l := range lines {
		if t, ok := lineStamp(l); ok {
			first = &t
			break
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if t, ok := lineStamp(lines[i]); ok {
			last = &t
			break
		}
	}
	return first, last
}

// lineStamp reads a line's time: the first field of a CRI line
// ("2024-01-01T00:00:00.000000000Z stdout F msg"), or the "time" member of a
// JSON line (Docker json-file, logrus JSON in log.json).
func lineStamp(l []byte) (time.Time, bool) {
	if len(l) > 0 && l[0] == '{' {
		var v struct {
			Time string `json:"time"`
		}
		if json.Unmarshal(l, &v) != nil || v.Time == "" {
			return time.Time{}, false
		}
		t, err := time.Parse(time.RFC3339Nano, v.Time)
		return t.UTC(), err == nil
	}
	field, _, _ := bytes.Cut(l, []byte{' '})
	t, err := time.Parse(time.RFC3339Nano, string(field))
	return t.UTC(), err == nil
}
