// Package host is the "host" source: kernel, OS, uptime, memory, load, disk
// and inode use of the runtime roots, kernel modules and sysctls the runtimes
// need, LSM state, runtime binary versions and runtime processes with their
// age and parent (to spot orphaned shims).
package host

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	schema "github.com/rtsnap/rtsnap/internal/schema/host"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/capped"
	"github.com/rtsnap/rtsnap/internal/childenv"
	"github.com/rtsnap/rtsnap/internal/fanout"
	"github.com/rtsnap/rtsnap/internal/procscan"
)

// Source collects host facts.
type Source struct{}

// New returns the host source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "host" }
func (Source) Description() string {
	return "kernel, OS, resources, runtime roots' disk use, sysctls, LSMs, runtime versions and processes"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 4 << 20 }

// Identity returns what the manifest records about the node. The machine id
// is hashed: it is stable and some treat it as sensitive.
func Identity(procRoot, sysRoot, machineIDFile string) (hostname, bootID, machineIDSHA256, kernel, cgroupMode string) {
	hostname, _ = os.Hostname()
	bootID = readTrim(filepath.Join(procRoot, "sys/kernel/random/boot_id"))
	if id := readTrim(machineIDFile); id != "" {
		sum := sha256.Sum256([]byte(id))
		machineIDSHA256 = hex.EncodeToString(sum[:])
	}
	kernel = readTrim(filepath.Join(procRoot, "sys/kernel/osrelease"))
	cgroupMode = CgroupMode(sysRoot)
	return
}

// CgroupMode is "v2" (unified only), "hybrid" (v1 controllers plus a v2
// mount) or "v1", read from the filesystem types under /sys/fs/cgroup.
func CgroupMode(sysRoot string) string {
	root := filepath.Join(sysRoot, "fs/cgroup")
	var st syscall.Statfs_t
	if err := syscall.Statfs(root, &st); err != nil {
		return "unknown"
	}
	const cgroup2Magic = 0x63677270
	if st.Type == cgroup2Magic {
		return "v2"
	}
	if err := syscall.Statfs(filepath.Join(root, "unified"), &st); err == nil && st.Type == cgroup2Magic {
		return "hybrid"
	}
	return "v1"
}

var sysctls = []string{"net.ipv4.ip_forward", "net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables",
	"fs.inotify.max_user_watches", "fs.inotify.max_user_instances", "kernel.pid_max", "vm.overcommit_memory", "fs.file-max", "user.max_user_namespaces"}

func (Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	f := Facts{Modules: map[string]bool{}, Sysctls: map[string]string{}, NumCPU: numCPU(env.ProcRoot)}
	f.Hostname, f.BootID, f.MachineIDSHA256, f.Kernel, f.CgroupMode = Identity(env.ProcRoot, env.SysRoot, env.HostPath("/etc/machine-id"))
	f.KernelVersion = readTrim(filepath.Join(env.ProcRoot, "sys/kernel/version"))
	osRelease := readTrim(env.HostPath("/etc/os-release"))
	if osRelease == "" {
		osRelease = readTrim(env.HostPath("/usr/lib/os-release"))
	}
	f.OSRelease = parseOSRelease(osRelease)
	if up := strings.Fields(readTrim(filepath.Join(env.ProcRoot, "uptime"))); len(up) > 0 {
		f.UptimeSeconds, _ = strconv.ParseFloat(up[0], 64)
	}
	f.BootTime = procscan.BootTime(env.ProcRoot)
	load := strings.Fields(readTrim(filepath.Join(env.ProcRoot, "loadavg")))
	for _, l := range load[:min(3, len(load))] {
		v, _ := strconv.ParseFloat(l, 64)
		f.Load = append(f.Load, v)
	}
	f.MemInfoKiB = parseMeminfo(readTrim(filepath.Join(env.ProcRoot, "meminfo")))
	procs, perr := env.Processes()
	if perr != nil {
		out.Partial("process list: " + perr.Error())
	}
	runtimeProcs := procscan.Runtime(procs)
	for _, p := range diskPaths(runtimeProcs) {
		d := diskUsage(env.HostPath(p))
		d.Path = p
		f.Disks = append(f.Disks, d)
	}
	fss := readTrim(filepath.Join(env.ProcRoot, "filesystems"))
	for _, fs := range []string{"overlay", "cgroup2", "cgroup", "tmpfs", "btrfs", "xfs", "zfs"} {
		if strings.Contains(fss, "\t"+fs+"\n") || strings.HasSuffix(fss, "\t"+fs) {
			f.Filesystems = append(f.Filesystems, fs)
		}
	}
	mods := readTrim(filepath.Join(env.ProcRoot, "modules"))
	for _, m := range []string{"overlay", "br_netfilter", "nf_conntrack", "veth", "bridge", "ip_tables", "nf_tables"} {
		f.Modules[m] = strings.HasPrefix(mods, m+" ") || strings.Contains(mods, "\n"+m+" ")
	}
	f.Sysctls = readSysctls(env.ProcRoot, sysctls)
	f.SELinux = lsmState(filepath.Join(env.SysRoot, "fs/selinux/enforce"), map[string]string{"1": "enforcing", "0": "permissive"})
	f.AppArmor = lsmState(filepath.Join(env.SysRoot, "module/apparmor/parameters/enabled"), map[string]string{"Y": "enabled", "N": "disabled"})
	if err := out.WriteJSON("host.json", f); err != nil {
		return err
	}
	if err := out.WriteJSON("versions.json", versions(ctx, runtimeProcs, env)); err != nil {
		return err
	}
	if err := out.WriteJSON("packages.json", packages(ctx, env.HostPath)); err != nil {
		return err
	}
	if err := out.WriteJSON("units.json", unitStates(ctx, env)); err != nil {
		return err
	}
	return out.WriteJSON("processes.json", processes(runtimeProcs, env.ProcRoot, time.Now()))
}

// diskPaths are the runtime roots to report: the defaults plus every
// --root/--data-root a running daemon uses.
func diskPaths(procs []procscan.Process) []string {
	set := map[string]bool{"/var/lib/containerd": true, "/var/lib/docker": true, "/run": true, "/var/lib/kubelet": true, "/var/log": true, "/dev/shm": true}
	for _, p := range procs {
		if v, ok := procscan.FlagValue(p.Args, "root", "data-root"); ok && filepath.IsAbs(v) {
			set[v] = true
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func diskUsage(p string) Disk {
	d := Disk{Path: p}
	var st syscall.Statfs_t
	if err := syscall.Statfs(p, &st); err != nil {
		return d
	}
	d.Exists = true
	d.TotalBytes = int64(st.Blocks) * st.Bsize
	d.FreeBytes = int64(st.Bavail) * st.Bsize
	if st.Blocks > 0 {
		d.UsedPercent = round1(100 * float64(st.Blocks-st.Bfree) / float64(st.Blocks))
	}
	d.Inodes, d.InodesFree = int64(st.Files), int64(st.Ffree)
	if st.Files > 0 {
		d.InodesUsedP = round1(100 * float64(st.Files-st.Ffree) / float64(st.Files))
	}
	d.FSType = fsTypeName(st.Type)
	return d
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

func fsTypeName(t int64) string {
	switch t {
	case 0xEF53:
		return "ext4"
	case 0x58465342:
		return "xfs"
	case 0x9123683E:
		return "btrfs"
	case 0x01021994:
		return "tmpfs"
	case 0x794c7630:
		return "overlay"
	}
	return fmt.Sprintf("0x%x", t)
}

// readSysctls reads sysctls from <procRoot>/sys; "(absent)" for those the
// kernel does not have (net.bridge.* until br_netfilter is loaded).
func readSysctls(procRoot string, names []string) map[string]string {
	out := make(map[string]string, len(names))
	for _, s := range names {
		v := readTrim(filepath.Join(procRoot, "sys", strings.ReplaceAll(s, ".", "/")))
		if v == "" {
			v = "(absent)"
		}
		out[s] = strings.Join(strings.Fields(v), " ")
	}
	return out
}

func lsmState(path string, names map[string]string) string {
	v := readTrim(path)
	if v == "" {
		return "absent"
	}
	if n, ok := names[v]; ok {
		return n
	}
	return v
}

// versionTimeout bounds one `--version` run.
const versionTimeout = 3 * time.Second

// maxVersionOutput bounds what of one `--version` run is kept: a version
// is a line or three, and a binary that prints more is cut, not buffered.
const maxVersionOutput = 2048

// versions runs --version of the runtime binaries: each running daemon's own
// executable and the ones on PATH.
func versions(ctx context.Context, procs []procscan.Process, env *collect.Env) []Version {
	paths := map[string]string{}
	for _, p := range procs {
		if p.Role == procscan.RoleContainerd || p.Role == procscan.RoleDockerd || p.Role == procscan.RoleShim || p.Role == procscan.RoleKubelet || p.Role == procscan.RoleCRIO {
			if exe, err := os.Readlink(filepath.Join(env.ProcRoot, strconv.Itoa(p.PID), "exe")); err == nil {
				paths[strings.TrimSuffix(exe, " (deleted)")] = filepath.Base(exe)
			}
		}
	}
	for _, b := range []string{"runc", "crun", "containerd", "containerd-shim-runc-v2", "dockerd", "docker", "kubelet", "crio", "cri-dockerd"} {
		if p, err := exec.LookPath(b); err == nil {
			paths[p] = b
		}
	}
	keys := make([]string, 0, len(paths))
	for p := range paths {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	// Side by side: each run is a child process that mostly starts up
	// (dockerd's and kubelet's take 30–60 ms), and the lab's node has
	// fifteen binaries.
	out := make([]Version, len(keys))
	fanout.Each(len(keys), func() func(int) {
		return func(i int) { out[i] = version(ctx, env, keys[i], paths[keys[i]]) }
	})
	return out
}

// version runs one binary's --version (a shim's -v).
func version(ctx context.Context, env *collect.Env, path, binary string) Version {
	v := Version{Binary: binary, Path: path}
	cctx, cancel := context.WithTimeout(ctx, versionTimeout)
	defer cancel()
	arg := "--version"
	if strings.HasPrefix(v.Binary, "containerd-shim") {
		arg = "-v"
	}
	cmd := exec.CommandContext(cctx, path, arg)
	cmd.WaitDelay = time.Second
	cmd.Env = childenv.Short(os.Environ())
	var buf bytes.Buffer
	out := &capped.Writer{W: &buf, Left: maxVersionOutput}
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	v.Output = strings.TrimSpace(buf.String())
	if err != nil {
		v.Error = env.Redactor.String(err.Error())
	}
	return v
}

// processes lists runtime processes with their age and parent, and marks
// shims no containerd owns (see Process.Orphaned).
func processes(procs []procscan.Process, procRoot string, now time.Time) []Process {
	boot := procscan.BootTime(procRoot)
	listening := listeningUnixSockets(procRoot)
	out := make([]Process, 0, len(procs))
	for _, p := range procs {
		started := procscan.StartTime(boot, p.StartTicks)
		pr := Process{Process: p, StartedAt: started.UTC(), AgeSeconds: round1(now.Sub(started).Seconds())}
		if p.Role == procscan.RoleShim {
			pr.ShimAddress, _ = procscan.FlagValue(p.Args, "address")
			pr.Orphaned = p.PPID <= 1 && listening != nil && pr.ShimAddress != "" && !listening[strings.TrimPrefix(pr.ShimAddress, "unix://")]
		}
		out = append(out, pr)
	}
	return out
}

// listeningUnixSockets are the paths of listening unix sockets in
// <procRoot>/net/unix (nil when it cannot be read: then no shim is judged).
func listeningUnixSockets(procRoot string) map[string]bool {
	raw, err := os.ReadFile(filepath.Join(procRoot, "net/unix"))
	if err != nil {
		return nil
	}
	return parseUnixSockets(string(raw))
}

// parseUnixSockets reads /proc/net/unix lines:
// "Num RefCount Protocol Flags Type St Inode Path"; Flags 00010000 is
// __SO_ACCEPTCON (listening).
func parseUnixSockets(s string) map[string]bool {
	out := map[string]bool{}
	for _, l := range strings.Split(s, "\n")[1:] {
		f := strings.Fields(l)
		if len(f) >= 8 && f[3] == "00010000" {
			out[f[7]] = true
		}
	}
	return out
}

func parseOSRelease(s string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			out[k] = strings.Trim(v, `"`)
		}
	}
	return out
}

func parseMeminfo(s string) map[string]int64 {
	out := map[string]int64{}
	for _, l := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		switch k {
		case "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapTotal", "SwapFree", "Shmem", "Committed_AS", "Dirty":
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			out[k] = n
		}
	}
	return out
}

func numCPU(procRoot string) int {
	raw, err := os.ReadFile(filepath.Join(procRoot, "cpuinfo"))
	if err != nil {
		return 0
	}
	return bytes.Count(raw, []byte("\nprocessor\t")) + boolInt(bytes.HasPrefix(raw, []byte("processor\t")))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func readTrim(p string) string {
	raw, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(raw))
}

// The file types live in internal/schema/host so the analyzer can read them
// without importing the collector.
type (
	Facts   = schema.Facts
	Disk    = schema.Disk
	Version = schema.Version
	Process = schema.Process
)
