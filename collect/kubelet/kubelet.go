// Package kubelet is the "kubelet" source: every kubelet's effective
// configuration and flags (from its process when it runs, else from the
// files it would start with: kubeadm's config.yaml and kubeadm-flags.env,
// /etc/default and /etc/sysconfig, systemd unit and drop-ins, k3s/rke2
// config), its static pod manifests, the pod directories under its root dir
// (names only, bounded) and its healthz answer. kubelet's journal stream and
// its log file are the journal source's. Every file passes the redactor.
package kubelet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
	schema "github.com/rtsnap/rtsnap/internal/schema/kubelet"
	"github.com/rtsnap/rtsnap/redact"
)

// The file types live in internal/schema/kubelet so the analyzer can read
// them without importing the collector.
type (
	Instances = schema.Instances
	Instance  = schema.Instance
	Effective = schema.Effective
	File      = schema.File
	Healthz   = schema.Healthz
	Pods      = schema.Pods
	Pod       = schema.Pod
)

// Bounds.
const (
	maxFile         = 1 << 20 // one config, manifest or env file
	maxStaticPods   = 100
	maxPods         = 2000
	maxPodEntries   = 200 // volumes or container entries of one pod
	maxHealthzBody  = 512
	healthzDeadline = 2 * time.Second
)

// Source collects kubelet's side of the node.
type Source struct{}

// New returns the kubelet source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "kubelet" }
func (Source) Description() string {
	return "kubelet's effective config and flags (running or not), static pod manifests, pod directories, healthz"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 8 << 20 }

type run struct {
	env    *collect.Env
	out    collect.Output
	stored map[string]string // host path -> bundle file
	files  []File
}

func (s Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	r := &run{env: env, out: out, stored: map[string]string{}}
	procs, perr := env.Processes()
	if perr != nil {
		out.Partial("process list: " + perr.Error())
	}
	// The default places are stored whether or not kubelet runs: a
	// running kubelet was started from them, and a stopped one will be.
	units := r.unitFiles()
	for _, p := range units {
		r.store(p, "systemd unit", redact.Text)
	}
	unitArgv, named := unitArgs(units, r.read)
	for _, p := range append(envFiles, named...) {
		r.store(p, "kubelet environment file", redact.Env)
	}
	var distroArgv []string
	for _, d := range distroConfigs {
		if raw := r.store(d.path, d.distro+" config", redact.YAML); raw != nil {
			distroArgv = append(distroArgv, distroArgs(raw)...)
		}
	}
	for _, d := range distroKubeletConfDirs {
		for _, p := range r.glob(filepath.Join(d, "*.conf")) {
			r.store(p, "kubelet config drop-in", redact.YAML)
		}
	}

	var insts []Instance
	for _, p := range procs {
		if p.Role == procscan.RoleKubelet {
			insts = append(insts, Instance{Running: true, PID: p.PID, Args: p.Args, ArgsFrom: "process"})
		}
	}
	if len(insts) == 0 {
		inst := Instance{ArgsFrom: "none"}
		switch env := map[string]string{}; {
		case unitArgv != nil:
			inst.Args, inst.ArgsFrom = unitArgv, "systemd unit"
		case len(distroArgv) > 0:
			inst.Args, inst.ArgsFrom = append([]string{"kubelet"}, distroArgv...), "k3s/rke2 config"
		default:
			for _, p := range envFiles {
				for k, v := range envFile(r.read(p)) {
					env[k] = v
				}
			}
			if a := envArgs(env); len(a) > 0 {
				inst.Args, inst.ArgsFrom = append([]string{"kubelet"}, a...), "environment files"
			}
		}
		insts = append(insts, inst)
	}

	found := false
	for i := range insts {
		if ctx.Err() != nil {
			break
		}
		if r.instance(ctx, i, &insts[i]) {
			found = true
		}
	}
	if !found && len(r.files) == 0 {
		out.Skip("not present: no kubelet process and no kubelet config, unit, environment or k3s/rke2 file in the default places")
		return nil
	}
	return out.WriteJSON("kubelet.json", Instances{Instances: insts, Files: r.files})
}

// instance fills one kubelet's effective settings and collects what they
// point at; false when there is nothing of this kubelet on the node.
func (r *run) instance(ctx context.Context, i int, inst *Instance) bool {
	configPath, ok := procscan.FlagValue(inst.Args, "config")
	if !ok && !inst.Running {
		configPath = defaultConfig // kubeadm's, when nothing says otherwise
	}
	var cfg kubeletConfig
	if configPath != "" {
		if raw := r.store(configPath, "kubelet config", redact.YAML); raw != nil {
			inst.ConfigFile = r.stored[filepath.Clean(configPath)]
			c, err := parseConfig(raw)
			if err != nil {
				inst.Errors = append(inst.Errors, "parsing "+configPath+": "+r.env.Redactor.String(err.Error()))
			}
			cfg = c
		} else if !ok {
			configPath = ""
		}
	}
	inst.Effective = effective(inst.Args, cfg, configPath)
	if r.env.KubeletRoot != "" {
		inst.Effective.RootDir, inst.Effective.From["root_dir"] = r.env.KubeletRoot, "--kubelet-root"
	}
	if r.env.PodLogsDir != "" {
		inst.Effective.PodLogsDir, inst.Effective.From["pod_logs_dir"] = r.env.PodLogsDir, "--pod-logs-dir"
	}
	for j, a := range inst.Args {
		inst.Args[j] = r.env.Redactor.String(a)
	}
	dir := "instance-" + strconv.Itoa(i)
	if sp := inst.Effective.StaticPodPath; sp != "" {
		for _, p := range r.glob(filepath.Join(sp, "*")) {
			if len(inst.StaticPodFiles) >= maxStaticPods {
				inst.Errors = append(inst.Errors, fmt.Sprintf("static pods cut at %d", maxStaticPods))
				break
			}
			if r.store(p, "static pod manifest", redact.YAML) != nil {
				inst.StaticPodFiles = append(inst.StaticPodFiles, r.stored[filepath.Clean(p)])
			}
		}
	}
	pods := r.pods(inst.Effective.RootDir)
	if err := r.out.WriteJSON(dir+"/pods.json", pods); err != nil {
		inst.Errors = append(inst.Errors, err.Error())
	} else {
		inst.PodsFile = "kubelet/" + dir + "/pods.json"
	}
	if inst.Running && inst.Effective.HealthzPort > 0 {
		inst.Healthz = healthz(ctx, inst.Effective, r.env.Redactor)
	}
	return inst.Running || inst.ConfigFile != "" || len(pods.Pods) > 0 || inst.ArgsFrom != "none"
}

// read returns a host file's contents, or nil (absent, not regular, too large).
func (r *run) read(p string) []byte {
	if p == "" {
		return nil
	}
	fh, err := os.Open(r.env.HostPath(p))
	if err != nil {
		return nil
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxFile {
		return nil
	}
	raw, err := io.ReadAll(io.LimitReader(fh, maxFile))
	if err != nil {
		return nil
	}
	return raw
}

// store keeps a host file under files/<path>, once, and returns its raw bytes.
func (r *run) store(p, role string, kind redact.Kind) []byte {
	p = filepath.Clean(p)
	if !filepath.IsAbs(p) {
		return nil
	}
	fi, err := os.Stat(r.env.HostPath(p))
	if err != nil {
		return nil
	}
	raw := r.read(p)
	if _, done := r.stored[p]; done {
		return raw
	}
	f := File{Path: p, Role: role, Size: fi.Size()}
	switch {
	case !fi.Mode().IsRegular():
		f.Error = "not a regular file"
	case raw == nil:
		f.Error = "unreadable or larger than " + strconv.Itoa(maxFile) + " bytes"
	default:
		name := "files" + p
		if err := r.out.WriteFile(name, kind, raw); err != nil {
			f.Error = err.Error()
		} else {
			f.Stored = "kubelet/" + name
		}
	}
	r.stored[p] = f.Stored
	r.files = append(r.files, f)
	return raw
}

func (r *run) glob(pattern string) []string {
	m, _ := filepath.Glob(r.env.HostPath(pattern))
	out := make([]string, 0, len(m))
	for _, p := range m {
		out = append(out, r.env.Host.Host(p))
	}
	sort.Strings(out)
	return out
}

func (r *run) unitFiles() []string {
	var units []string
	for _, u := range unitFiles {
		if _, err := os.Stat(r.env.HostPath(u)); err == nil {
			units = append(units, u) // the first found is the unit systemd loads
			break
		}
	}
	return append(units, dropIns(r.glob)...)
}

// pods lists <root>/pods/<uid>: volume and container entry names only.
func (r *run) pods(root string) Pods {
	res := Pods{RootDir: root, Pods: []Pod{}}
	dir := r.env.HostPath(filepath.Join(root, "pods"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			res.Error = r.env.Redactor.String(err.Error())
		}
		return res
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if len(res.Pods) >= maxPods {
			res.Truncated = true
			break
		}
		p := Pod{UID: e.Name(), Containers: map[string][]string{}}
		if fi, err := e.Info(); err == nil {
			p.ModTime = fi.ModTime().UTC()
		}
		base := filepath.Join(dir, e.Name())
		plugins, _ := os.ReadDir(filepath.Join(base, "volumes"))
		for _, pl := range plugins {
			vols, _ := os.ReadDir(filepath.Join(base, "volumes", pl.Name()))
			for _, v := range vols {
				if len(p.Volumes) >= maxPodEntries {
					p.Truncated = true
					break
				}
				p.Volumes = append(p.Volumes, pl.Name()+"/"+v.Name())
			}
		}
		ctrs, _ := os.ReadDir(filepath.Join(base, "containers"))
		n := 0
		for _, c := range ctrs {
			runs, _ := os.ReadDir(filepath.Join(base, "containers", c.Name()))
			for _, rn := range runs {
				if n >= maxPodEntries {
					p.Truncated = true
					break
				}
				p.Containers[c.Name()] = append(p.Containers[c.Name()], rn.Name())
				n++
			}
		}
		res.Pods = append(res.Pods, p)
	}
	return res
}

// healthz asks kubelet's healthz endpoint, bounded by healthzDeadline. On a
// node, or in a pod with hostNetwork, the bind address is reachable.
func healthz(ctx context.Context, e Effective, red collect.Redactor) *Healthz {
	addr := e.HealthzBindAddress
	if addr == "" || addr == "0.0.0.0" || addr == "::" {
		addr = "127.0.0.1"
	}
	h := &Healthz{URL: "http://" + net.JoinHostPort(addr, strconv.Itoa(e.HealthzPort)) + "/healthz"}
	cctx, cancel := context.WithTimeout(ctx, healthzDeadline)
	defer cancel()
	start := time.Now()
	defer func() { h.Duration = time.Since(start) }()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, h.URL, nil)
	if err != nil {
		h.Error = err.Error()
		return h
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		h.Error = red.String(err.Error())
		return h
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxHealthzBody))
	h.StatusCode, h.Body = resp.StatusCode, red.String(strings.TrimSpace(string(body)))
	return h
}

func sortStrings(s []string) { sort.Strings(s) }
