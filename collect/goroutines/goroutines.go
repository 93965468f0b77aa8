// Package goroutines is the "goroutines" source, the one action that is not
// read-only and so runs only with --active: it asks containerd and dockerd
// for a goroutine dump (SIGUSR1, which both handle by dumping and carrying
// on) and collects the dump file each writes. For diagnosing a hung daemon.
package goroutines

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
	schema "github.com/rtsnap/rtsnap/internal/schema/goroutines"
	"github.com/rtsnap/rtsnap/internal/tail"
	"github.com/rtsnap/rtsnap/redact"
)

// The file types live in internal/schema/goroutines so the analyzer can read
// them without importing the collector.
type (
	Dump = schema.Dump
)

// Bounds: how long to wait for a dump file, how much of it to keep.
const (
	waitForDump = 3 * time.Second
	maxDump     = 4 << 20
)

// Source collects goroutine dumps.
type Source struct {
	// PIDs, when set, limits which daemons are signalled (tests: signal one
	// lab daemon, not every daemon on the machine).
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
	procs, err := env.Processes()
	if err != nil {
		return fmt.Errorf("process list: %w", err)
	}
	dumps := []Dump{}
	taken := map[string]bool{}
	for _, p := range procs {
		if (p.Role != procscan.RoleContainerd && p.Role != procscan.RoleDockerd) || !s.wanted(p.PID) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		d := dump(ctx, env, p, taken)
		if d.File != "" {
			taken[d.File] = true
		}
		var storeErr error
		if d.Stored != "" {
			storeErr = storeDump(out, &d)
		}
		if d.Error != "" {
			out.Partial(fmt.Sprintf("%s %d: %s", p.Role, p.PID, d.Error))
		}
		dumps = append(dumps, d)
		if errors.Is(storeErr, collect.ErrBudget) {
			// Nothing more fits: signalling other daemons would disturb
			// them for a dump that could not be stored.
			break
		}
	}
	if len(dumps) == 0 {
		out.Skip("not present: no containerd or dockerd running")
		return nil
	}
	return out.WriteJSON("dumps.json", dumps)
}

// dump signals one daemon and finds the file it wrote. Stored is set to the
// bundle name when there is something to store.
func dump(ctx context.Context, env *collect.Env, p procscan.Process, taken map[string]bool) Dump {
	d := Dump{PID: p.PID, Role: string(p.Role)}
	logPath := stderrFile(env.ProcRoot, p.PID)
	logOffset := fileSize(logPath)
	d.SignalledAt = time.Now().UTC()
	if err := syscall.Kill(p.PID, syscall.SIGUSR1); err != nil {
		d.Error = "signal: " + err.Error()
		return d
	}
	globs := dumpCandidates(env.ProcRoot, p)
	// The daemon's own log names the file it wrote: that finds it whatever
	// the daemon's temp or exec dir.
	named := func() string { return writtenTo(logPath, logOffset) }
	file, err := waitFile(ctx, globs, named, d.SignalledAt.Add(-50*time.Millisecond), taken, waitForDump)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	d.File = file
	d.Stored = fmt.Sprintf("%s-%d.stacks.txt", p.Role, p.PID)
	return d
}

// storeDump keeps the end of the dump file (bounded) as text.
func storeDump(out collect.Output, d *Dump) error {
	data, _, _, err := tail.File(d.File, maxDump, time.Time{})
	if err != nil {
		d.Stored, d.Error = "", "reading dump: "+err.Error()
		return nil
	}
	d.Bytes = len(data)
	if err := out.WriteFile(d.Stored, redact.Text, data); err != nil {
		d.Error = err.Error()
		return err
	}
	return nil
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
