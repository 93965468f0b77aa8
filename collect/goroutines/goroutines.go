// Package goroutines is the "goroutines" source, the one action that is not
// read-only and so runs only with --active: it asks containerd and dockerd
// for a goroutine dump (SIGUSR1, which both handle by dumping and carrying
// on) and collects the dump file each writes. For diagnosing a hung daemon.
package goroutines

import (
	"bytes"
	"context"
	"fmt"
	schema "github.com/rtsnap/rtsnap/internal/schema/goroutines"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/internal/tail"
	"github.com/rtsnap/rtsnap/redact"
)

// Bounds: how long to wait for a dump file, how much of it to keep.
const (
	waitForDump = 3 * time.Second
	maxDump     = 4 << 20
)

// Source collects goroutine dumps.
type Source struct {
	// PIDs, when set, limits which daemons are signalled (tests).
	PIDs []int
}

// New returns the goroutines source.
func New() collect.Source { return &Source{} }

func (*Source) Name() string { return "goroutines" }
func (*Source) Description() string {
	return "ACTIVE (--active only): goroutine dumps of containerd and dockerd via SIGUSR1"
}
func (*Source) DefaultEnabled() bool { return false }
func (*Source) Budget() int64        { return 16 << 20 }

func (s *Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	if !env.Active {
		out.Skip("active actions not requested (--active)")
		return nil
	}
	procs, err := procscan.List(env.ProcRoot)
	if err != nil {
		return err
	}
	var dumps []Dump
	for _, p := range procs {
		if (p.Role != procscan.RoleContainerd && p.Role != procscan.RoleDockerd) || !s.wanted(p.PID) || ctx.Err() != nil {
			continue
		}
		d := Dump{PID: p.PID, Role: string(p.Role), SignalledAt: time.Now().UTC()}
		if err := syscall.Kill(p.PID, syscall.SIGUSR1); err != nil {
			d.Error = "signal: " + err.Error()
			dumps = append(dumps, d)
			continue
		}
		file, err := waitFile(ctx, dumpCandidates(env, p), d.SignalledAt.Add(-time.Second))
		if err != nil {
			d.Error = err.Error()
			out.Partial(fmt.Sprintf("%s %d: %v", p.Role, p.PID, err))
			dumps = append(dumps, d)
			continue
		}
		d.File = file
		data, _, _, err := tail.File(file, maxDump, time.Time{})
		if err != nil {
			d.Error = err.Error()
		} else {
			d.Stored, d.Bytes = fmt.Sprintf("%s-%d.stacks.txt", p.Role, p.PID), len(data)
			if werr := out.WriteFile(d.Stored, redact.Text, data); werr != nil {
				d.Error = werr.Error()
			}
		}
		dumps = append(dumps, d)
	}
	if len(dumps) == 0 {
		out.Skip("not present: no containerd or dockerd running")
		return nil
	}
	return out.WriteJSON("dumps.json", dumps)
}

func (s *Source) wanted(pid int) bool {
	if len(s.PIDs) == 0 {
		return true
	}
	for _, p := range s.PIDs {
		if p == pid {
			return true
		}
	}
	return false
}

// dumpCandidates are the globs a daemon writes its dump to: containerd
// <TMPDIR>/containerd.<pid>.stacks.log, dockerd <exec-root or /var/run/docker>/goroutine-stacks-*.log.
func dumpCandidates(env *collect.Env, p procscan.Process) []string {
	if p.Role == procscan.RoleContainerd {
		tmp := envVar(env.ProcRoot, p.PID, "TMPDIR")
		if tmp == "" {
			tmp = "/tmp"
		}
		return []string{filepath.Join(tmp, "containerd."+strconv.Itoa(p.PID)+".stacks.log")}
	}
	root := "/var/run/docker"
	if v, ok := procscan.FlagValue(p.Args, "exec-root"); ok {
		root = v
	}
	data := "/var/lib/docker"
	if v, ok := procscan.FlagValue(p.Args, "data-root"); ok {
		data = v
	}
	return []string{filepath.Join(root, "goroutine-stacks-*.log"), filepath.Join(data, "goroutine-stacks-*.log")}
}

// waitFile waits until one of the globs names a file modified after since.
func waitFile(ctx context.Context, globs []string, since time.Time) (string, error) {
	deadline := time.Now().Add(waitForDump)
	for {
		var cands []string
		for _, g := range globs {
			m, _ := filepath.Glob(g)
			cands = append(cands, m...)
		}
		sort.Strings(cands)
		for i := len(cands) - 1; i >= 0; i-- {
			if fi, err := os.Stat(cands[i]); err == nil && fi.ModTime().After(since) && fi.Size() > 0 {
				return cands[i], nil
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no dump file within %s (looked for %v)", waitForDump, globs)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func envVar(procRoot string, pid int, name string) string {
	raw, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "environ"))
	if err != nil {
		return ""
	}
	for _, kv := range bytes.Split(raw, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte(name+"=")); ok {
			return string(v)
		}
	}
	return ""
}

// The file types live in internal/schema/goroutines so the analyzer can read them
// without importing the collector.
type (
	Dump = schema.Dump
)
