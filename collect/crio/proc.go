package crio

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
	schema "github.com/rtsnap/rtsnap/internal/schema/crio"
)

// maxConmons bounds the conmon processes recorded (one per container).
const maxConmons = 10000

// conmons lists the conmon processes with their container and cgroups.
func conmons(env *collect.Env) schema.Conmons {
	procs, _ := env.Processes()
	var res schema.Conmons
	for _, p := range procs {
		if p.Role != procscan.RoleConmon || len(res.Conmons) >= maxConmons {
			continue
		}
		c := schema.Conmon{PID: p.PID, PPID: p.PPID, State: p.State, CommandLine: p.Args}
		c.ContainerID, _ = procscan.FlagValue(p.Args, "cid", "c")
		c.Runtime, _ = procscan.FlagValue(p.Args, "runtime", "r")
		c.ExitDir, _ = procscan.FlagValue(p.Args, "exit-dir")
		c.LogPath, _ = procscan.FlagValue(p.Args, "log-path", "l")
		c.Cgroups = readLines(filepath.Join(env.ProcRoot, strconv.Itoa(p.PID), "cgroup"), 64)
		res.Conmons = append(res.Conmons, c)
	}
	return res
}

// pinnedTypes are the subdirectories pinns uses under namespaces_dir.
var pinnedTypes = []struct{ dir, typ string }{
	{"netns", "net"}, {"ipcns", "ipc"}, {"utsns", "uts"}, {"userns", "user"}, {"pidns", "pid"},
}

// namespaces lists the files pinns bind-mounted under each namespaces_dir,
// and whether each is still a mount (a live namespace).
func namespaces(env *collect.Env, dirs []string) schema.Namespaces {
	var res schema.Namespaces
	mounted := mountPoints(env)
	seen := map[string]bool{}
	for _, d := range dirs {
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		res.Dirs = append(res.Dirs, d)
		for _, t := range pinnedTypes {
			dir := filepath.Join(d, t.dir)
			entries, err := os.ReadDir(env.HostPath(dir))
			if err != nil {
				continue
			}
			for _, e := range entries {
				if len(res.Namespaces) >= maxNamespaces {
					res.Truncated = true
					return res
				}
				p := filepath.Join(dir, e.Name())
				ns := schema.Namespace{Type: t.typ, Path: p, Mounted: mounted[p]}
				var st syscall.Stat_t
				if ns.Mounted && syscall.Stat(env.HostPath(p), &st) == nil {
					ns.Inode = st.Ino
				}
				res.Namespaces = append(res.Namespaces, ns)
			}
		}
	}
	sort.Slice(res.Namespaces, func(i, j int) bool { return res.Namespaces[i].Path < res.Namespaces[j].Path })
	return res
}

// mountPoints is the set of mount points in our mount namespace (field 5 of
// /proc/self/mountinfo), as host paths.
func mountPoints(env *collect.Env) map[string]bool {
	out := map[string]bool{}
	prefix := ""
	if !env.Host.IsHost() {
		prefix = env.Host.Dir()
	}
	for _, l := range readLines(filepath.Join(env.ProcRoot, "self", "mountinfo"), 200000) {
		f := strings.Fields(l)
		if len(f) > 4 {
			p := unescapeMount(f[4])
			if prefix != "" {
				p = strings.TrimPrefix(p, prefix)
			}
			out[p] = true
		}
	}
	return out
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// readLines reads at most max lines of a small file.
func readLines(p string, max int) []string {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() && len(out) < max {
		out = append(out, sc.Text())
	}
	return out
}
