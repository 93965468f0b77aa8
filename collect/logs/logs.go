// Package logs is the "logs" source: the tail of each container's log within
// --since and a per-container byte budget — CRI log files under /var/log/pods,
// Docker json-file logs — and each task's shim log.json.
package logs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	schema "github.com/rtsnap/rtsnap/internal/schema/logs"
	"github.com/rtsnap/rtsnap/internal/tail"
	"github.com/rtsnap/rtsnap/redact"
)

// perContainerBytes bounds what one container's log files keep together
// (its newest file first: the current attempt, then the previous ones).
const perContainerBytes = 256 << 10

// Source collects container logs.
type Source struct {
	// Roots override where logs are looked for (tests point them at
	// temporary trees). Empty fields mean: /var/log/pods, dockerd's data root
	// (its --data-root, else /var/lib/docker) and every running containerd's
	// state dir (its --state, else its config's state, plus /run/containerd).
	PodLogRoot, DockerRoot string
	ShimStateDirs          []string
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
	procs, _ := env.Processes()
	podRoot := s.PodLogRoot
	if podRoot == "" {
		podRoot = env.PodLogsDir
	}
	if podRoot == "" {
		podRoot = "/var/log/pods"
	}
	// Directories are listed where they are here (under --host-root);
	// the paths recorded are the host's.
	files := criLogs(env.HostPath(podRoot), env)
	// Docker logs belong to no Kubernetes namespace: with --pod-namespace
	// they are left out, so one tenant's bundle holds no one else's output.
	if len(env.PodNamespaces) == 0 {
		for _, root := range s.dockerRoots(procs) {
			files = append(files, dockerLogs(env.HostPath(root))...)
		}
	}
	stateDirs := s.ShimStateDirs
	if stateDirs == nil {
		stateDirs = shimStateDirs(procs, env)
	}
	var resolved []string
	for _, d := range stateDirs {
		resolved = append(resolved, env.HostPath(d))
	}
	files = append(files, shimLogs(resolved, env)...)
	for i := range files {
		files[i].Path = env.Host.Host(files[i].Path)
	}

	c := collector{env: env, out: out, since: env.Now.Add(-env.Since), left: map[string]int64{}}
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		if err := c.add(f); errors.Is(err, collect.ErrBudget) {
			out.Partial("byte budget spent: later log files left out")
			break
		}
	}
	if c.idx.Skipped > 0 {
		out.Partial(fmt.Sprintf("%d log files of containers beyond --max-containers left out", c.idx.Skipped))
	}
	if len(c.idx.Files) == 0 && c.idx.Skipped == 0 {
		out.Skip("not present: no container logs (looked in " + podRoot + ", Docker's containers dir, shim bundles under " + strings.Join(stateDirs, ", ") + ")")
	}
	if err := out.WriteJSON("index.json", c.idx); err != nil {
		return err
	}
	return ctx.Err()
}

// collector keeps the per-container budgets while files are added.
type collector struct {
	env   *collect.Env
	out   collect.Output
	since time.Time
	idx   Index
	left  map[string]int64 // bytes a container may still keep
}

// add tails one file into the bundle and the index. Files come newest
// first, so the containers kept under --max-containers are the most recently
// active ones, and within a container the current attempt comes first.
func (c *collector) add(f logFile) error {
	left, seen := c.left[f.key]
	if !seen {
		if c.env.MaxContainers > 0 && len(c.left) >= c.env.MaxContainers {
			c.idx.Skipped++
			return nil
		}
		left = perContainerBytes
	}
	rec := f.File
	if fi, err := os.Stat(c.env.HostPath(rec.Path)); err == nil {
		rec.ModTime = fi.ModTime().UTC()
	}
	if left <= 0 {
		c.left[f.key] = 0
		rec.Truncated, rec.Stored = true, ""
		c.idx.Files = append(c.idx.Files, rec)
		return nil
	}
	data, size, truncated, err := tail.File(c.env.HostPath(rec.Path), left, c.since)
	rec.SizeBytes, rec.Truncated = size, truncated
	if err != nil {
		rec.Error, rec.Stored = c.env.Redactor.String(err.Error()), ""
		c.left[f.key] = left
		c.idx.Files = append(c.idx.Files, rec)
		return nil
	}
	c.left[f.key] = left - int64(len(data))
	rec.KeptBytes, rec.Lines = len(data), countLines(data)
	rec.First, rec.Last = stampRange(data)
	if len(data) == 0 {
		// Nothing within --since: listed, not stored.
		rec.Stored = ""
		c.idx.Files = append(c.idx.Files, rec)
		return nil
	}
	kind := redact.Text
	if rec.Kind != "cri" {
		kind = redact.JSONLines
	}
	werr := c.out.WriteFile(rec.Stored, kind, data)
	if werr != nil {
		rec.Error = werr.Error()
		if errors.Is(werr, collect.ErrBudget) {
			rec.Truncated = true
		}
	}
	c.idx.Files = append(c.idx.Files, rec)
	return werr
}

func countLines(data []byte) int {
	n := strings.Count(string(data), "\n")
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// The file types live in internal/schema/logs so the analyzer can read them
// without importing the collector.
type (
	File  = schema.File
	Index = schema.Index
)
