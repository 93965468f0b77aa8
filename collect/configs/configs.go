// Package configs is the "configs" source: the runtime and kubelet
// configuration files a runtime engineer reads, redacted by format — for
// certificates and keys only names, sizes, fingerprints and expiry.
package configs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	schema "github.com/rtsnap/rtsnap/internal/schema/configs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/redact"
)

// maxFile bounds one config file; dumpTimeout one `containerd config dump`.
const (
	maxFile     = 1 << 20
	dumpTimeout = 5 * time.Second
)

// Source collects configuration files.
type Source struct {
	// Root prefixes every absolute path read (tests point it at a tree).
	Root string
}

// New returns the configs source.
func New() collect.Source { return &Source{} }

func (*Source) Name() string { return "configs" }
func (*Source) Description() string {
	return "containerd, Docker, CRI-O, kubelet, crictl, registry, CNI and DNS configuration (redacted); certificates by fingerprint only"
}
func (*Source) DefaultEnabled() bool { return true }
func (*Source) Budget() int64        { return 16 << 20 }

type run struct {
	s       *Source
	env     *collect.Env
	out     collect.Output
	index   []Entry
	seen    map[string]bool
	certs   []Cert
	cniConf map[string]bool
	cniBin  map[string]bool
}

func (s *Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	r := &run{s: s, env: env, out: out, seen: map[string]bool{},
		cniConf: map[string]bool{"/etc/cni/net.d": true}, cniBin: map[string]bool{"/opt/cni/bin": true, "/usr/lib/cni": true}}
	procs, _ := env.Processes()
	var daemons []Daemon
	registryDirs := map[string]bool{}
	for _, p := range procs {
		if p.Role != procscan.RoleContainerd {
			continue
		}
		d := r.containerd(p)
		for _, dir := range strings.Split(d.RegistryPath, ":") {
			if dir != "" {
				registryDirs[dir] = true
			}
		}
		daemons = append(daemons, d)
	}
	r.dumps(ctx, daemons)
	if len(daemons) == 0 {
		r.file("/etc/containerd/config.toml", "containerd config", redact.TOML)
		registryDirs["/etc/containerd/certs.d"] = true
	}
	for _, d := range sortedKeys(registryDirs) {
		r.registryDir(d)
	}
	r.kubelet(procs)
	r.docker(procs)
	r.file("/etc/crictl.yaml", "crictl config", redact.YAML)
	r.file("/etc/crio/crio.conf", "CRI-O config", redact.TOML)
	r.glob("/etc/crio/crio.conf.d/*", "CRI-O drop-in", redact.TOML)
	r.file("/etc/containers/registries.conf", "registries.conf", redact.TOML)
	r.glob("/etc/containers/registries.conf.d/*", "registries.conf drop-in", redact.TOML)
	r.file("/etc/resolv.conf", "DNS", redact.Text)
	for _, d := range sortedKeys(r.cniConf) {
		r.glob(filepath.Join(d, "*"), "CNI config", redact.JSON)
	}
	var plugins []Plugin
	for _, d := range sortedKeys(r.cniBin) {
		entries, err := os.ReadDir(r.path(d))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
				plugins = append(plugins, Plugin{Dir: d, Name: e.Name(), Size: fi.Size(), Mode: fi.Mode().String()})
			}
		}
	}
	for name, v := range map[string]any{"containerd.json": daemons, "certs.json": r.certs, "cni-plugins.json": plugins, "index.json": r.index} {
		if err := out.WriteJSON(name, v); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// path is where host path p is read: under Root (tests), else under
// --host-root (symlinks resolved inside it).
func (r *run) path(p string) string {
	if r.s.Root != "" {
		return filepath.Join(r.s.Root, p)
	}
	return r.env.HostPath(p)
}

// hostPath is the inverse of path, for names found by listing.
func (r *run) hostPath(m string) string {
	if r.s.Root != "" {
		return strings.TrimPrefix(m, r.s.Root)
	}
	return r.env.Host.Host(m)
}

// file stores one config file under its mirrored path and returns its raw
// bytes for parsing (nil when absent).
func (r *run) file(p, role string, kind redact.Kind) []byte {
	p = filepath.Clean(p)
	if r.seen[p] {
		return nil
	}
	r.seen[p] = true
	e := Entry{Path: p, Role: role}
	defer func() { r.index = append(r.index, e) }()
	fi, err := os.Stat(r.path(p))
	if err != nil {
		return nil
	}
	e.Found, e.Size = true, fi.Size()
	if !fi.Mode().IsRegular() {
		e.Error = "not a regular file"
		return nil
	}
	if fi.Size() > maxFile {
		e.Error = "larger than " + strconv.Itoa(maxFile) + " bytes: not stored"
		return nil
	}
	raw, err := os.ReadFile(r.path(p))
	if err != nil {
		e.Error = r.env.Redactor.String(err.Error())
		return nil
	}
	e.Stored = strings.TrimPrefix(p, "/")
	if werr := r.out.WriteFile(e.Stored, kind, raw); werr != nil {
		e.Error = werr.Error()
		e.Stored = ""
	}
	return raw
}

func (r *run) glob(pattern, role string, kind redact.Kind) {
	matches, _ := filepath.Glob(r.path(pattern))
	sort.Strings(matches)
	for i, m := range matches {
		if i >= 200 {
			break
		}
		if fi, err := os.Stat(m); err == nil && fi.Mode().IsRegular() {
			r.file(r.hostPath(m), role, kindFor(m, kind))
		}
	}
}

func kindFor(p string, def redact.Kind) redact.Kind {
	if k := redact.KindOf(p); k != redact.Text {
		return k
	}
	return def
}

// registryDir stores every hosts.toml of a certs.d tree and only describes
// certificates and keys.
func (r *run) registryDir(dir string) {
	hosts, _ := os.ReadDir(r.path(dir))
	for _, h := range hosts {
		if !h.IsDir() {
			continue
		}
		files, _ := os.ReadDir(r.path(filepath.Join(dir, h.Name())))
		for _, f := range files {
			p := filepath.Join(dir, h.Name(), f.Name())
			if f.Name() == "hosts.toml" {
				r.file(p, "registry hosts.toml", redact.TOML)
				continue
			}
			c := describe(r.path(p), p)
			c.Expired = c.Kind == "certificate" && r.env.Now.After(c.NotAfter)
			r.certs = append(r.certs, c)
		}
	}
}

// describe reads a certificate for its fingerprint, subject and expiry; a
// private key (or anything else) is only named and sized.
func describe(fsPath, p string) Cert {
	c := Cert{Path: p, Kind: "other"}
	fi, err := os.Stat(fsPath)
	if err != nil {
		c.ParseError = err.Error()
		return c
	}
	c.Size = fi.Size()
	if fi.Size() > maxFile {
		return c
	}
	raw, err := os.ReadFile(fsPath)
	if err != nil {
		return c
	}
	if bytes.Contains(raw, []byte("PRIVATE KEY")) || strings.HasSuffix(p, ".key") {
		c.Kind = "key"
		return c
	}
	block, _ := pem.Decode(raw)
	der := raw
	if block != nil {
		der = block.Bytes
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		if block != nil && block.Type == "CERTIFICATE" {
			c.Kind, c.ParseError = "certificate", err.Error()
		}
		return c
	}
	sum := sha256.Sum256(cert.Raw)
	c.Kind, c.SHA256 = "certificate", hex.EncodeToString(sum[:])
	c.Subject, c.Issuer, c.NotAfter = cert.Subject.String(), cert.Issuer.String(), cert.NotAfter.UTC()
	return c
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// kubelet stores its config, flags file and command line.
// Several kubelets on one host (test clusters, the rtsnap lab) give one
// command line each in kubelet-cmdline.txt and each its own config file.
func (r *run) kubelet(procs []procscan.Process) {
	// A node may run several kubelets (the lab runs two): one line each.
	var cfgs, lines []string
	for _, p := range procs {
		if p.Role == procscan.RoleKubelet {
			if v, ok := procscan.FlagValue(p.Args, "config"); ok && !slices.Contains(cfgs, v) {
				cfgs = append(cfgs, v)
			}
			lines = append(lines, r.env.Redactor.String(strings.Join(p.Args, " ")))
		}
	}
	if len(lines) > 0 {
		if err := r.out.WriteFile("kubelet-cmdline.txt", redact.Text, []byte(strings.Join(lines, "\n")+"\n")); err != nil {
			r.out.Partial(err.Error())
		}
	}
	if len(cfgs) == 0 {
		cfgs = []string{"/var/lib/kubelet/config.yaml"}
	}
	for _, cfg := range cfgs {
		r.file(cfg, "kubelet config", redact.YAML)
	}
	r.file("/var/lib/kubelet/kubeadm-flags.env", "kubeadm flags", redact.Env)
	r.file("/etc/default/kubelet", "kubelet defaults", redact.Env)
	r.file("/var/lib/kubelet/config.json", "kubelet registry credentials", redact.JSON)
}

// docker stores daemon.json and the client config.json dockerd's
// environment points at (DOCKER_CONFIG), else root's.
func (r *run) docker(procs []procscan.Process) {
	r.file("/etc/docker/daemon.json", "Docker daemon config", redact.JSON)
	dirs := map[string]bool{"/root/.docker": true}
	for _, p := range procs {
		if p.Role != procscan.RoleDockerd {
			continue
		}
		if v, ok := procscan.FlagValue(p.Args, "config-file"); ok {
			r.file(v, "Docker daemon config", redact.JSON)
		}
		raw, err := os.ReadFile(filepath.Join(r.env.ProcRoot, strconv.Itoa(p.PID), "environ"))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(raw, []byte{0}) {
			if v, ok := strings.CutPrefix(string(kv), "DOCKER_CONFIG="); ok && filepath.IsAbs(v) {
				dirs[v] = true
			}
		}
	}
	for _, d := range sortedKeys(dirs) {
		r.file(filepath.Join(d, "config.json"), "Docker client config", redact.JSON)
	}
}

func dig(doc map[string]any, keys ...string) any {
	var cur any = doc
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func firstString(doc map[string]any, keys ...string) string {
	s, _ := dig(doc, keys...).(string)
	return s
}

func stringList(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// The file types live in internal/schema/configs so the analyzer can read them
// without importing the collector.
type (
	Entry  = schema.Entry
	Cert   = schema.Cert
	Plugin = schema.Plugin
	Daemon = schema.Daemon
)
