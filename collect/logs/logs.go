// Package logs is the "logs" source: the tail of each container's log within
// --since and a per-container byte budget — CRI log files under /var/log/pods,
// Docker json-file logs — and each task's shim log.json.
package logs

import (
	"context"
	"errors"
	"fmt"
	schema "github.com/rtsnap/rtsnap/internal/schema/logs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/internal/tail"
	"github.com/rtsnap/rtsnap/redact"
)

// perContainerBytes bounds the tail of each container log file.
const perContainerBytes = 256 << 10

// Source collects container logs.
type Source struct {
	// PodLogRoot and DockerRoot default to /var/log/pods and dockerd's data root.
	PodLogRoot, DockerRoot string
}

// New returns the logs source.
func New() collect.Source { return &Source{} }

func (*Source) Name() string { return "logs" }
func (*Source) Description() string {
	return "tails of CRI container logs, Docker json-file logs and shim log.json files within --since"
}
func (*Source) DefaultEnabled() bool { return true }
func (*Source) Budget() int64        { return 32 << 20 }

func (s *Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	procs, _ := procscan.List(env.ProcRoot)
	var idx Index
	since := env.Now.Add(-env.Since)
	add := func(f File) error {
		if env.MaxContainers > 0 && len(idx.Files) >= 3*env.MaxContainers {
			idx.Skipped++
			return nil
		}
		data, size, truncated, err := tail.File(f.Path, perContainerBytes, since)
		f.SizeBytes, f.Truncated = size, truncated
		if fi, serr := os.Stat(f.Path); serr == nil {
			f.ModTime = fi.ModTime().UTC()
		}
		if err != nil {
			f.Error = env.Redactor.String(err.Error())
			idx.Files = append(idx.Files, f)
			return nil
		}
		f.KeptBytes, f.Lines = len(data), strings.Count(string(data), "\n")
		kind := redact.Text
		if f.Kind != "cri" {
			kind = redact.JSONLines
		}
		werr := out.WriteFile(f.Stored, kind, data)
		idx.Files = append(idx.Files, f)
		return werr
	}
	podRoot := s.PodLogRoot
	if podRoot == "" {
		podRoot = "/var/log/pods"
	}
	for _, f := range criLogs(podRoot, env) {
		if ctx.Err() != nil {
			break
		}
		if err := add(f); errors.Is(err, collect.ErrBudget) {
			break
		}
	}
	// Docker logs belong to no Kubernetes namespace: with --pod-namespace
	// they are left out, so one tenant's bundle holds no one else's output.
	var docker []File
	if len(env.PodNamespaces) == 0 {
		docker = dockerLogs(s.dockerRoot(procs))
	}
	for _, f := range docker {
		if ctx.Err() != nil {
			break
		}
		if err := add(f); errors.Is(err, collect.ErrBudget) {
			break
		}
	}
	for _, f := range shimLogs(procs) {
		if ctx.Err() != nil {
			break
		}
		if err := add(f); errors.Is(err, collect.ErrBudget) {
			break
		}
	}
	if idx.Skipped > 0 {
		out.Partial(fmt.Sprintf("%d log files skipped by --max-containers", idx.Skipped))
	}
	if len(idx.Files) == 0 {
		out.Skip("not present: no container logs (looked in " + podRoot + ", Docker's containers dir, shim bundles)")
	}
	if err := out.WriteJSON("index.json", idx); err != nil {
		return err
	}
	return ctx.Err()
}

func (s *Source) dockerRoot(procs []procscan.Process) string {
	if s.DockerRoot != "" {
		return s.DockerRoot
	}
	for _, p := range procs {
		if p.Role == procscan.RoleDockerd {
			if v, ok := procscan.FlagValue(p.Args, "data-root", "g", "graph"); ok {
				return v
			}
		}
	}
	return "/var/lib/docker"
}

// criLogs lists /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log, newest
// first, filtered by --pod-namespace.
func criLogs(root string, env *collect.Env) []File {
	pods, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var out []File
	for _, p := range pods {
		parts := strings.SplitN(p.Name(), "_", 3)
		if len(parts) != 3 || !p.IsDir() || !env.PodNamespaceAllowed(parts[0]) {
			continue
		}
		ctrs, _ := os.ReadDir(filepath.Join(root, p.Name()))
		for _, c := range ctrs {
			if !c.IsDir() {
				continue
			}
			files, _ := filepath.Glob(filepath.Join(root, p.Name(), c.Name(), "*.log"))
			for _, f := range files {
				out = append(out, File{Kind: "cri", Path: f, Namespace: parts[0], Pod: parts[1], Container: c.Name(),
					Stored: filepath.Join("pods", parts[0], parts[1], c.Name(), filepath.Base(f))})
			}
		}
	}
	sortNewest(out)
	return out
}

func dockerLogs(root string) []File {
	files, _ := filepath.Glob(filepath.Join(root, "containers", "*", "*-json.log"))
	var out []File
	for _, f := range files {
		id := filepath.Base(filepath.Dir(f))
		out = append(out, File{Kind: "docker", Path: f, Container: id, Stored: filepath.Join("docker", id+".jsonl")})
	}
	sortNewest(out)
	return out
}

// shimLogs finds <state>/io.containerd.runtime.v2.task/<ns>/<id>/log.json for
// every running containerd's state dir.
func shimLogs(procs []procscan.Process) []File {
	states := map[string]bool{"/run/containerd": true}
	for _, p := range procs {
		if p.Role == procscan.RoleContainerd {
			if v, ok := procscan.FlagValue(p.Args, "state"); ok {
				states[v] = true
			}
			if v, ok := procscan.FlagValue(p.Args, "config", "c"); ok {
				if st := stateFromConfig(v); st != "" {
					states[st] = true
				}
			}
		}
	}
	var out []File
	for st := range states {
		files, _ := filepath.Glob(filepath.Join(st, "io.containerd.runtime.v2.task", "*", "*", "log.json"))
		for _, f := range files {
			id, ns := filepath.Base(filepath.Dir(f)), filepath.Base(filepath.Dir(filepath.Dir(f)))
			fi, err := os.Stat(f)
			if err != nil || fi.Size() == 0 {
				continue
			}
			out = append(out, File{Kind: "shim", Path: f, Namespace: ns, Container: id,
				Stored: filepath.Join("shim", slug(st), ns, id+".log.json")})
		}
	}
	sortNewest(out)
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

func sortNewest(fs []File) {
	mod := map[string]time.Time{}
	for _, f := range fs {
		if fi, err := os.Stat(f.Path); err == nil {
			mod[f.Path] = fi.ModTime()
		}
	}
	sort.SliceStable(fs, func(i, j int) bool { return mod[fs[i].Path].After(mod[fs[j].Path]) })
}

// The file types live in internal/schema/logs so the analyzer can read them
// without importing the collector.
type (
	File  = schema.File
	Index = schema.Index
)
