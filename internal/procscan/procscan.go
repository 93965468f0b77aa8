// Package procscan lists processes from a /proc tree and picks out the
// container-runtime ones (daemons, shims, kubelet), so every source that needs
// "which containerd is running, with which --config" reads it the same way.
package procscan

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/internal/fanout"
	"github.com/rtsnap/rtsnap/internal/smallfile"
)

// Bounds of one read: a stat line is under 1 KiB (comm is at most 16
// bytes); a command line is at most the kernel's ARG_MAX, 2 MiB with the
// default 8 MiB stack limit, read whole up to twice that.
const (
	maxStat    = 8 << 10
	maxCmdline = 4 << 20
)

// Role says what a process is to the container runtime stack.
type Role string

const (
	RoleContainerd Role = "containerd"
	RoleDockerd    Role = "dockerd"
	RoleShim       Role = "shim"
	RoleKubelet    Role = "kubelet"
	RoleCRIO       Role = "crio"
	RoleCRIDockerd Role = "cri-dockerd"
	RoleConmon     Role = "conmon"
	RoleRunc       Role = "runc"
	RoleOther      Role = ""
)

// Process is one /proc/<pid> entry: identity and command line, not its state.
type Process struct {
	PID  int      `json:"pid"`
	PPID int      `json:"ppid"`
	Comm string   `json:"comm"`
	Args []string `json:"args"`
	// State is the one-letter state from /proc/<pid>/stat (R, S, D, Z, T...).
	State string `json:"state"`
	// StartTicks is field 22 of /proc/<pid>/stat: start time in clock ticks since boot.
	StartTicks uint64 `json:"start_ticks"`
	Role       Role   `json:"role,omitempty"`
}

// List reads every numeric entry under procRoot. Processes that exit while it
// reads are left out; nothing else is an error but an unreadable procRoot.
// The entries are read side by side (internal/fanout: a collection reads
// the table before any source starts, about 5,000 processes on a node of
// 2,000 containers) and listed in directory order.
func List(procRoot string) ([]Process, error) {
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", procRoot, err)
	}
	pids := make([]int, 0, len(entries))
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	read := make([]Process, len(pids))
	ok := make([]bool, len(pids))
	fanout.Each(len(pids), func() func(int) {
		return func(i int) {
			p, err := Read(procRoot, pids[i])
			read[i], ok[i] = p, err == nil
		}
	})
	var out []Process
	for i := range read {
		if ok[i] {
			out = append(out, read[i])
		}
	}
	return out, nil
}

// Read reads one process's stat and command line.
func Read(procRoot string, pid int) (Process, error) {
	dir := filepath.Join(procRoot, strconv.Itoa(pid))
	st, err := ReadStat(procRoot, pid)
	if err != nil {
		return Process{}, err
	}
	p := Process{PID: pid, PPID: st.PPID, Comm: st.Comm, State: st.State, StartTicks: st.StartTicks}
	if raw, err := smallfile.ReadRecord(filepath.Join(dir, "cmdline"), maxCmdline); err == nil {
		raw = bytes.TrimRight(raw, "\x00")
		if len(raw) > 0 {
			p.Args = strings.Split(string(raw), "\x00")
		}
	}
	p.Role = Classify(p.Comm, p.Args)
	return p, nil
}

// Stat is the part of /proc/<pid>/stat the collector uses.
type Stat struct {
	Comm       string
	State      string
	PPID       int
	StartTicks uint64
	// CPUTicks is user+system time (fields 14 and 15), in clock ticks.
	CPUTicks uint64
}

// ReadStat parses /proc/<pid>/stat. The comm field may hold spaces and
// parentheses, so the fields after it are found from the last ')'.
func ReadStat(procRoot string, pid int) (Stat, error) {
	raw, err := smallfile.ReadRecord(filepath.Join(procRoot, strconv.Itoa(pid), "stat"), maxStat)
	if err != nil {
		return Stat{}, err
	}
	return ParseStat(string(raw))
}

// ParseStat parses the text of a /proc/<pid>/stat file.
func ParseStat(s string) (Stat, error) {
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return Stat{}, fmt.Errorf("malformed stat: %.60q", s)
	}
	f := strings.Fields(s[closing+1:])
	// f[0] is field 3 (state); starttime is field 22, i.e. f[19].
	if len(f) < 20 {
		return Stat{}, fmt.Errorf("short stat: %d fields", len(f)+2)
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return Stat{}, fmt.Errorf("stat ppid %q: %w", f[1], err)
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return Stat{}, fmt.Errorf("stat starttime %q: %w", f[19], err)
	}
	utime, err := strconv.ParseUint(f[11], 10, 64)
	if err != nil {
		return Stat{}, fmt.Errorf("stat utime %q: %w", f[11], err)
	}
	stime, err := strconv.ParseUint(f[12], 10, 64)
	if err != nil {
		return Stat{}, fmt.Errorf("stat stime %q: %w", f[12], err)
	}
	return Stat{Comm: s[open+1 : closing], State: f[0], PPID: ppid, StartTicks: start, CPUTicks: utime + stime}, nil
}

// Classify names a process's role from its comm and argv[0]. A daemon's
// binary run as a command (a subcommand or a version or help flag) is not
// the daemon: see invokedAsCommand.
func Classify(comm string, args []string) Role {
	role := classifyBinary(comm, args)
	if invokedAsCommand(role, args) {
		return RoleOther
	}
	return role
}

// classifyBinary names the role of the program a process runs.
func classifyBinary(comm string, args []string) Role {
	exe := comm
	if len(args) > 0 {
		exe = filepath.Base(args[0])
	}
	switch {
	case strings.HasPrefix(exe, "containerd-shim") || strings.HasPrefix(comm, "containerd-shim"):
		return RoleShim
	case exe == "containerd" || comm == "containerd":
		return RoleContainerd
	case exe == "dockerd" || comm == "dockerd":
		return RoleDockerd
	case exe == "kubelet" || comm == "kubelet":
		return RoleKubelet
	case exe == "crio" || comm == "crio":
		return RoleCRIO
	case exe == "cri-dockerd" || comm == "cri-dockerd":
		return RoleCRIDockerd
	case exe == "conmon" || comm == "conmon":
		return RoleConmon
	case exe == "runc" || comm == "runc" || exe == "crun":
		return RoleRunc
	}
	return RoleOther
}

// exitFlags are a daemon's "print and exit" flags. -v is only containerd's,
// dockerd's and CRI-O's: to the kubelet and cri-dockerd it is log
// verbosity, which takes a value.
func exitFlags(role Role) []string {
	switch role {
	case RoleContainerd, RoleDockerd, RoleCRIO:
		return []string{"-v", "--version", "-h", "--help"}
	case RoleKubelet, RoleCRIDockerd:
		return []string{"--version", "-h", "--help"}
	}
	return nil
}

// invokedAsCommand tells a daemon from its binary run as a short-lived
// command: none of the daemons takes a positional argument, while every
// command form has one or a version flag. Such processes are common on a
// busy node: shims that publish events by exec run `containerd --address
// A publish --topic T --namespace N` for each event (containerd's shim
// publisher), and rtsnap itself runs `containerd --config C config dump`
// and `kubelet --version`. Read as daemons they would be signalled for
// goroutine dumps (SIGUSR1 kills a `containerd publish`) and recorded as
// second daemons on the same socket whose binary is gone a moment later.
//
// A positional argument is a word that does not begin with "-" and does not
// follow a flag written without "=" (that word is the flag's value). A
// boolean flag followed by a subcommand (`crio --profile config`) therefore
// reads as a daemon: the cost of not knowing every daemon's flag set.
func invokedAsCommand(role Role, args []string) bool {
	flags := exitFlags(role)
	if flags == nil {
		return false
	}
	afterFlag := false
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return i+1 < len(args)
		}
		if strings.HasPrefix(a, "-") {
			name, _, hasValue := strings.Cut(a, "=")
			if slices.Contains(flags, name) {
				return true
			}
			afterFlag = !hasValue
			continue
		}
		if !afterFlag {
			return true
		}
		afterFlag = false
	}
	return false
}

// Runtime returns the processes with a runtime role.
func Runtime(ps []Process) []Process {
	var out []Process
	for _, p := range ps {
		if p.Role != RoleOther {
			out = append(out, p)
		}
	}
	return out
}

// FlagValue finds a flag's value in argv: "--name value", "--name=value",
// "-name value" (Go flag style). The first matching name wins.
func FlagValue(args []string, names ...string) (string, bool) {
	if vs := FlagValues(args, names...); len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// FlagValues returns every value of a repeatable flag (dockerd's -H), in
// command-line order, in the forms FlagValue accepts. A value given as the
// next argument is not read as a flag itself.
func FlagValues(args []string, names ...string) []string {
	var out []string
next:
	for i := 1; i < len(args); i++ {
		a := args[i]
		for _, n := range names {
			for _, dash := range []string{"--", "-"} {
				f := dash + n
				if a == f && i+1 < len(args) {
					out = append(out, args[i+1])
					i++
					continue next
				}
				if v, ok := strings.CutPrefix(a, f+"="); ok {
					out = append(out, v)
					continue next
				}
			}
		}
	}
	return out
}

// ClockTicks is USER_HZ, 100 on every Linux architecture rtsnap runs on.
const ClockTicks = 100

// BootTime is the btime line of /proc/stat: process start ticks count from it.
func BootTime(procRoot string) time.Time {
	f, err := os.Open(filepath.Join(procRoot, "stat"))
	if err != nil {
		return time.Time{}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "btime "); ok {
			s, _ := strconv.ParseInt(v, 10, 64)
			return time.Unix(s, 0).UTC()
		}
	}
	return time.Time{}
}

// StartTime converts a start time in ticks since boot to wall-clock time.
func StartTime(boot time.Time, ticks uint64) time.Time {
	return boot.Add(time.Duration(ticks) * time.Second / ClockTicks)
}
