package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// sample is one run of one command: what the issue asks to compare.
type sample struct {
	Wall    time.Duration `json:"wall_ns"`
	CPU     time.Duration `json:"cpu_ns"` // user + system, the command and the children it waited for
	MaxRSS  int64         `json:"max_rss_bytes"`
	Archive int64         `json:"archive_bytes,omitempty"`
	// RuntimeCPU is what the scale lab's containerd and its shims used
	// meanwhile (user + system, /proc/PID/stat), for the scale collections.
	RuntimeCPU time.Duration `json:"runtime_cpu_ns,omitempty"`
	// ChildrenCPU is the part of CPU its child processes used (for rtsnap
	// collect: the --version probes, containerd config dump, the metadata
	// DB checks; about a fifth of a collection at 2,000 containers).
	ChildrenCPU time.Duration `json:"children_cpu_ns,omitempty"`
}

// measure runs a command to completion under a deadline and reads its cost
// from wait4's rusage. Maxrss is the largest single process among the
// command and its waited-for children (for a shell script: its biggest tool).
// Exit codes up to maxOK are success: rtsnap-analyze says the worst severity
// it found through its exit code.
func measure(ctx context.Context, timeout time.Duration, maxOK int, env []string, name string, args ...string) (sample, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, nil, fmt.Errorf("%s: %w", filepath.Base(name), err)
	}
	// Once it has exited, before it is reaped, /proc/PID/stat still says
	// how much of its CPU its children used (cutime, cstime).
	children := exitedChildrenCPU(cmd.Process.Pid)
	err := cmd.Wait()
	s := sample{Wall: time.Since(start), ChildrenCPU: children}
	if cmd.ProcessState == nil {
		return s, nil, fmt.Errorf("%s: %w", filepath.Base(name), err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		s.MaxRSS = ru.Maxrss << 10 // KiB on Linux
	}
	if code := cmd.ProcessState.ExitCode(); err != nil && (code < 0 || code > maxOK) {
		return s, out.Bytes(), fmt.Errorf("%s: %w: %s", filepath.Base(name), err, tail(errb.Bytes(), 400))
	}
	return s, out.Bytes(), nil
}

// exitedChildrenCPU waits for pid to exit without reaping it and returns
// the user and system time of the children it waited for (0 when that
// cannot be read). The caller's Wait reaps it.
func exitedChildrenCPU(pid int) time.Duration {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EINTR) {
			return 0
		}
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return childrenCPU(string(raw))
}

// childrenCPU is cutime + cstime (fields 16 and 17) of a /proc/PID/stat line.
func childrenCPU(stat string) time.Duration {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 15 {
		return 0
	}
	cu, err1 := strconv.ParseInt(f[13], 10, 64)
	cs, err2 := strconv.ParseInt(f[14], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(cu+cs) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture rtsnap builds for.
const clockTicks = 100

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(bytes.TrimSpace(b))
}

// series is the runs of one command, summarised by medians: the machines are
// shared and noisy, so a mean would carry every hiccup.
type series struct {
	Name    string   `json:"name"`
	Command string   `json:"command"`
	Runs    []sample `json:"runs"`
	NA      string   `json:"not_applicable,omitempty"`
}

func (s *series) median() sample {
	return sample{
		Wall:        time.Duration(medianOf(s.Runs, func(x sample) int64 { return int64(x.Wall) })),
		CPU:         time.Duration(medianOf(s.Runs, func(x sample) int64 { return int64(x.CPU) })),
		MaxRSS:      medianOf(s.Runs, func(x sample) int64 { return x.MaxRSS }),
		Archive:     medianOf(s.Runs, func(x sample) int64 { return x.Archive }),
		RuntimeCPU:  time.Duration(medianOf(s.Runs, func(x sample) int64 { return int64(x.RuntimeCPU) })),
		ChildrenCPU: time.Duration(medianOf(s.Runs, func(x sample) int64 { return int64(x.ChildrenCPU) })),
	}
}

func medianOf(runs []sample, f func(sample) int64) int64 {
	v := make([]int64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	return median(v)
}

// median of v (the lower middle for an even count, so it is a value that
// was measured); 0 for none.
func median(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]int64(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)/2]
}

// percentile by nearest rank: p in (0, 100].
func percentile(v []time.Duration, p float64) time.Duration {
	if len(v) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(p/100*float64(len(s)) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	if rank > len(s) {
		rank = len(s)
	}
	return s[rank-1]
}

// dirSize is the bytes of regular files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
