package collect

import (
	"fmt"
	"io"
	"os"
	"syscall"

	"sigs.k8s.io/yaml"

	"github.com/rtsnap/rtsnap/internal/crioconf"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/procscan"
)

// maxKubeletConfig bounds the kubelet config file read for its endpoint
// (real ones are a few KiB).
const maxKubeletConfig = 1 << 20

// Endpoints are the runtime sockets the CRI and containerd sources ask: the
// --runtime-endpoint ones when given, else the well-known ones that exist,
// the container runtime endpoint of every running kubelet, so a node whose
// runtime listens where only kubelet's config says is still collected, and
// the CRI sockets running daemons name (cri-dockerd's
// --container-runtime-endpoint, crio --listen). Docker's own sockets are the
// docker source's.
func (e *Env) Endpoints() []endpoints.Endpoint {
	if len(e.RuntimeEndpoints) > 0 {
		return endpoints.Discover(e.RuntimeEndpoints, e.HostPath)
	}
	var found []endpoints.Endpoint
	for _, k := range e.kubeletEndpoints() {
		ep := endpoints.Parse(k)
		ep.Origin = "kubelet"
		found = append(found, ep)
	}
	procs, _ := e.Processes()
	for _, ep := range endpoints.FromDaemons(procs) {
		if ep.CRI() {
			found = append(found, ep)
		}
	}
	eps := endpoints.Discover(nil, e.HostPath, found...)
	return endpoints.Append(eps, e.HostPath, endpoints.CRIO, "crio config", e.crioEndpoints()...)
}

// crioEndpoints are the sockets running CRI-O daemons listen on (crio.conf,
// its drop-ins, --listen).
func (e *Env) crioEndpoints() []string {
	var out []string
	for _, c := range e.CRIOConfigs() {
		if c.Config.Listen != "" {
			out = append(out, c.Config.Listen)
		}
	}
	return out
}

// CRIODaemon is one running crio and the configuration it was started with.
type CRIODaemon struct {
	Process procscan.Process
	Config  crioconf.Config
}

// CRIOConfigs is the effective configuration of every running crio; with
// none running, that of a crio started with no flags, when its config exists
// (a node whose CRI-O is down is still a CRI-O node).
func (e *Env) CRIOConfigs() []CRIODaemon {
	procs, _ := e.Processes()
	var out []CRIODaemon
	for _, p := range procs {
		if p.Role == procscan.RoleCRIO {
			out = append(out, CRIODaemon{Process: p, Config: crioconf.Load(p.Args, e.HostPath)})
		}
	}
	if len(out) == 0 {
		cfg, dir := crioconf.Files(nil)
		_, errc := os.Stat(e.HostPath(cfg))
		_, errd := os.Stat(e.HostPath(dir))
		if errc == nil || errd == nil {
			out = append(out, CRIODaemon{Config: crioconf.Load(nil, e.HostPath)})
		}
	}
	return out
}

// kubeletEndpoints are the running kubelets' runtime endpoints: the flag,
// else containerRuntimeEndpoint in the --config file (kubelet's own order).
func (e *Env) kubeletEndpoints() []string {
	procs, _ := e.Processes()
	var out []string
	for _, p := range procs {
		if p.Role != procscan.RoleKubelet {
			continue
		}
		if v, ok := procscan.FlagValue(p.Args, "container-runtime-endpoint"); ok && v != "" {
			out = append(out, v)
			continue
		}
		if cfg, ok := procscan.FlagValue(p.Args, "config"); ok {
			if v, err := configRuntimeEndpoint(e.HostPath(cfg)); err == nil && v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// configRuntimeEndpoint reads containerRuntimeEndpoint from a kubelet
// config file, bounded and only from a regular file (opened non-blocking:
// a FIFO in its place must not hold the source until its deadline).
func configRuntimeEndpoint(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s: not a regular file", path)
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxKubeletConfig))
	if err != nil {
		return "", err
	}
	var cfg struct {
		ContainerRuntimeEndpoint string `json:"containerRuntimeEndpoint"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return cfg.ContainerRuntimeEndpoint, nil
}
