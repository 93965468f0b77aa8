package configs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/capped"
	"github.com/rtsnap/rtsnap/internal/childenv"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/fanout"
	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/redact"
)

const defaultContainerdAddress = "/run/containerd/containerd.sock"

// containerd stores one running daemon's config with its imports and
// drop-ins, reads the settings that point at other files (registry
// config_path, CNI dirs) and stores `containerd config dump`.
func (r *run) containerd(p procscan.Process) Daemon {
	cfg, ok := procscan.FlagValue(p.Args, "config", "c")
	if !ok {
		cfg = "/etc/containerd/config.toml"
	}
	d := Daemon{PID: p.PID, ConfigPath: cfg}
	var doc map[string]any
	if raw := r.file(cfg, "containerd config", redact.TOML); raw != nil {
		if err := toml.Unmarshal(raw, &doc); err != nil {
			r.out.Partial("parsing " + cfg + ": " + r.env.Redactor.String(err.Error()))
		}
	}
	d.Imports = stringList(doc["imports"])
	d.Address, _ = procscan.FlagValue(p.Args, "address", "a")
	if d.Address == "" {
		d.Address = firstString(doc, "grpc", "address")
	}
	if d.Address == "" {
		d.Address = defaultContainerdAddress
	}
	d.Slug = endpoints.Endpoint{Path: d.Address}.Slug()
	// 1.x: the CRI plugin; 2.x: the images and runtime plugins.
	d.RegistryPath = firstNonEmpty(
		firstString(doc, "plugins", "io.containerd.grpc.v1.cri", "registry", "config_path"),
		firstString(doc, "plugins", "io.containerd.cri.v1.images", "registry", "config_path"),
		"/etc/containerd/certs.d")
	d.CNIConfDir = firstNonEmpty(
		firstString(doc, "plugins", "io.containerd.grpc.v1.cri", "cni", "conf_dir"),
		firstString(doc, "plugins", "io.containerd.cri.v1.runtime", "cni", "conf_dir"))
	for _, b := range append([]string{
		firstString(doc, "plugins", "io.containerd.grpc.v1.cri", "cni", "bin_dir"),
		firstString(doc, "plugins", "io.containerd.cri.v1.runtime", "cni", "bin_dir")},
		stringList(dig(doc, "plugins", "io.containerd.cri.v1.runtime", "cni", "bin_dirs"))...) {
		if b != "" {
			d.CNIBinDirs = append(d.CNIBinDirs, b)
		}
	}
	if d.CNIConfDir != "" {
		r.cniConf[d.CNIConfDir] = true
	}
	for _, b := range d.CNIBinDirs {
		r.cniBin[b] = true
	}
	d.DropIns = r.dropIns(cfg, d.Imports)
	return d
}

// dropIns stores the files the config imports (globs, relative to the
// config's directory as containerd resolves them) and the conf.d next to it.
func (r *run) dropIns(cfg string, imports []string) []string {
	patterns := append([]string(nil), imports...)
	patterns = append(patterns, filepath.Join(filepath.Dir(cfg), "conf.d", "*.toml"))
	var stored []string
	for _, imp := range patterns {
		if !filepath.IsAbs(imp) {
			imp = filepath.Join(filepath.Dir(cfg), imp)
		}
		matches, _ := filepath.Glob(r.path(imp))
		sort.Strings(matches)
		for _, m := range matches {
			p := r.hostPath(m)
			if r.seen[filepath.Clean(p)] {
				continue
			}
			r.file(p, "containerd config import", redact.TOML)
			stored = append(stored, p)
		}
	}
	return stored
}

// dumpResult is one `containerd config dump`: its output, or why there is none.
type dumpResult struct {
	out    []byte
	failed string
}

// dumps runs `containerd config dump` of every daemon side by side (each
// is a child process that mostly starts up: nine of them one after the
// other ended the source 0.26 s after every other source on the lab's
// node) and then stores them in the daemons' order.
func (r *run) dumps(ctx context.Context, daemons []Daemon) {
	res := make([]dumpResult, len(daemons))
	fanout.Each(len(daemons), func() func(int) {
		return func(i int) { res[i] = r.dump(ctx, daemons[i].PID, daemons[i].ConfigPath) }
	})
	for i := range daemons {
		d := &daemons[i]
		if res[i].failed != "" {
			d.DumpError = res[i].failed
			continue
		}
		d.Dump, d.DumpError = r.storeDump(d.Slug, res[i].out)
	}
}

// dump runs `containerd config dump` with the daemon's own binary and config:
// read-only, bounded in time and size. It only runs the child, so that
// several can run at once; storeDump stores what it printed.
func (r *run) dump(ctx context.Context, pid int, cfg string) dumpResult {
	exe, err := os.Readlink(filepath.Join(r.env.ProcRoot, strconv.Itoa(pid), "exe"))
	if err != nil {
		return dumpResult{failed: "daemon binary unknown: " + err.Error()}
	}
	exe = strings.TrimSuffix(exe, " (deleted)")
	cctx, cancel := context.WithTimeout(ctx, dumpTimeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, exe, "--config", cfg, "config", "dump")
	cmd.WaitDelay = time.Second
	cmd.Env = childenv.Short(os.Environ())
	if !r.env.Host.IsHost() {
		// Under --host-root the binary, its libraries and its config are
		// the host's: run it chrooted there (still read-only: a dump).
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: r.env.Host.Dir()}
		cmd.Dir = "/"
	}
	var stdout, stderr bytes.Buffer
	out := &capped.Writer{W: &stdout, Left: maxFile}
	cmd.Stdout, cmd.Stderr = out, &capped.Writer{W: &stderr, Left: capped.StderrBytes}
	if err := cmd.Run(); err != nil {
		return dumpResult{failed: r.env.Redactor.String(strings.TrimSpace(err.Error() + ": " + lastLine(stderr.String())))}
	}
	if out.Cut {
		return dumpResult{failed: "dump larger than " + strconv.Itoa(maxFile) + " bytes: not stored"}
	}
	return dumpResult{out: stdout.Bytes()}
}

// storeDump writes one daemon's dump: the bundle name, or why it is not stored.
func (r *run) storeDump(slug string, dump []byte) (string, string) {
	name := "containerd-dump/" + slug + ".toml"
	if err := r.out.WriteFile(name, redact.TOML, dump); err != nil {
		if errors.Is(err, collect.ErrBudget) {
			return "", "byte budget spent"
		}
		return "", err.Error()
	}
	return name, ""
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
