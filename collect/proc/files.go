package proc

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/rtsnap/rtsnap/internal/smallfile"
)

// statusFields are the /proc/<pid>/status lines kept.
var statusFields = map[string]bool{"State": true, "NSpid": true, "CapEff": true, "CapBnd": true, "NoNewPrivs": true,
	"Seccomp": true, "Cpus_allowed_list": true, "VmRSS": true, "VmHWM": true, "Threads": true, "Uid": true,
	"voluntary_ctxt_switches": true, "nonvoluntary_ctxt_switches": true}

// limitKeys maps the /proc/<pid>/limits names kept to their JSON keys.
var limitKeys = []struct{ name, key string }{
	{"Max open files", "open_files"},
	{"Max processes", "processes"},
	{"Max locked memory", "locked_memory"},
	{"Max core file size", "core_file_size"},
}

var namespaceNames = []string{"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts"}

// maxProcFile bounds one /proc file read (environ can be large).
const maxProcFile = 1 << 20

// procFiles reads the files of one /proc/<pid> directory, each relative to
// it (smallfile.Dir), keeping the errors that matter (a missing optional
// file is not one). The directory, once open, stays the process it was:
// when the process exits and its pid is reused, the reads fail rather than
// describe the newcomer.
type procFiles struct {
	dir  smallfile.Dir
	ok   bool // dir is open
	errs []string
}

func openProcFiles(path string) *procFiles {
	d, err := smallfile.OpenDir(path)
	f := &procFiles{dir: d, ok: err == nil}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		f.errs = append(f.errs, err.Error())
	}
	return f
}

func (f *procFiles) close() {
	if f.ok {
		f.dir.Close()
	}
}

// read reads one file; record: the kernel formats it whole on each read
// (smallfile.ReadRecord).
func (f *procFiles) read(name string, record bool) ([]byte, bool) {
	if !f.ok {
		return nil, false
	}
	var raw []byte
	var err error
	if record {
		raw, err = f.dir.ReadRecord(name, maxProcFile)
	} else {
		raw, err = f.dir.Read(name, maxProcFile)
	}
	if err != nil {
		var pe *fs.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case errors.As(err, &pe) && pe.Op == "read":
			f.errs = append(f.errs, fmt.Sprintf("reading %s: %v", name, err))
		default:
			f.errs = append(f.errs, err.Error())
		}
		return nil, false
	}
	return raw, true
}

// readlink is where the link name points ("" when it cannot be read).
func (f *procFiles) readlink(name string) string {
	if !f.ok {
		return ""
	}
	l, _ := f.dir.Readlink(name)
	return l
}

func (f *procFiles) status() map[string]string {
	out := map[string]string{}
	raw, ok := f.read("status", true)
	if !ok {
		return out
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && statusFields[k] {
			out[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	return out
}

func (f *procFiles) cgroup() []string {
	raw, ok := f.read("cgroup", true)
	if !ok {
		return nil
	}
	return strings.Split(strings.TrimSpace(string(raw)), "\n")
}

func (f *procFiles) namespaces() map[string]string {
	out := map[string]string{}
	for _, n := range namespaceNames {
		if l := f.readlink("ns/" + n); l != "" {
			out[n] = l
		}
	}
	return out
}

func (f *procFiles) oomScoreAdj() string {
	raw, _ := f.read("oom_score_adj", true)
	return strings.TrimSpace(string(raw))
}

// limits parses the kept lines of /proc/<pid>/limits:
// "Max open files            1048576              1048576              files".
func (f *procFiles) limits() map[string]Limit {
	raw, ok := f.read("limits", true)
	if !ok {
		return nil
	}
	out := map[string]Limit{}
	for _, l := range strings.Split(string(raw), "\n") {
		for _, k := range limitKeys {
			rest, ok := strings.CutPrefix(l, k.name)
			if !ok {
				continue
			}
			fs := strings.Fields(rest)
			if len(fs) < 2 {
				continue
			}
			lim := Limit{Soft: fs[0], Hard: fs[1]}
			if len(fs) > 2 {
				lim.Units = fs[2]
			}
			out[k.key] = lim
		}
	}
	return out
}

// fd is where a file descriptor points ("/var/log/x.log", "pipe:[123]", "socket:[9]").
func (f *procFiles) fd(n int) string {
	return f.readlink("fd/" + strconv.Itoa(n))
}

// proxyEnv returns only the proxy variables of a daemon's environment,
// values redacted (proxy URLs carry credentials). Nothing else of the
// environment leaves this function.
func (f *procFiles) proxyEnv(redact func(string) string) map[string]string {
	raw, ok := f.read("environ", false)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, kv := range bytes.Split(raw, []byte{0}) {
		k, v, ok := strings.Cut(string(kv), "=")
		if !ok {
			continue
		}
		switch strings.ToUpper(k) {
		case "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY":
			out[k] = redact(v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
