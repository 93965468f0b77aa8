package discovery

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"

	"github.com/rtsnap/rtsnap/internal/procscan"
)

// maxConfig bounds the config files read here; real ones are a few KiB.
const maxConfig = 1 << 20

// readCrictl parses crictl's config and returns its raw bytes to store
// (redacted). Absent or oversized: Present false, nothing to store.
func readCrictl(path string) (Crictl, []byte) {
	raw, err := readBounded(path)
	if err != nil {
		return Crictl{}, nil
	}
	return parseCrictl(raw), raw
}

func parseCrictl(raw []byte) Crictl {
	var c struct {
		RuntimeEndpoint string `json:"runtime-endpoint"`
		ImageEndpoint   string `json:"image-endpoint"`
		Timeout         int    `json:"timeout"`
	}
	// A malformed file still counts as present: crictl would fail on it,
	// which is worth seeing, and the raw file is stored.
	_ = yaml.Unmarshal(raw, &c)
	return Crictl{Present: true, RuntimeEndpoint: c.RuntimeEndpoint, ImageEndpoint: c.ImageEndpoint, Timeout: c.Timeout}
}

// maxKubelets bounds kubelets.json: a host runs one kubelet, a lab or a
// kind-like setup a few; more than this is a respawn loop, and the first
// ones show it.
const maxKubelets = 64

// kubeletsOf finds every running kubelet's runtime endpoint and cgroup
// driver, in process order: its command line wins over its config file, as
// in kubelet itself (flags override the file). resolve maps kubelet's
// --config (a host path) to where it is read here.
func kubeletsOf(procs []procscan.Process, resolve func(string) string) []Kubelet {
	out := []Kubelet{}
	for _, p := range procs {
		if p.Role != procscan.RoleKubelet {
			continue
		}
		if len(out) == maxKubelets {
			break
		}
		k := Kubelet{Running: true, PID: p.PID}
		var cfg kubeletConfig
		if v, ok := procscan.FlagValue(p.Args, "config"); ok {
			k.ConfigPath = v
			if raw, err := readBounded(resolve(filepath.Clean(v))); err == nil {
				cfg = parseKubeletConfig(raw)
			}
		}
		out = append(out, kubeletFrom(p.Args, cfg, k))
	}
	return out
}

// kubeletConfig is the part of a KubeletConfiguration file read here.
type kubeletConfig struct {
	ContainerRuntimeEndpoint string `json:"containerRuntimeEndpoint"`
	CgroupDriver             string `json:"cgroupDriver"`
}

func parseKubeletConfig(raw []byte) kubeletConfig {
	var cfg kubeletConfig
	_ = yaml.Unmarshal(raw, &cfg)
	return cfg
}

// kubeletFrom merges command line and config file the way kubelet does.
func kubeletFrom(args []string, cfg kubeletConfig, k Kubelet) Kubelet {
	k.PodInfraImage, _ = procscan.FlagValue(args, "pod-infra-container-image")
	k.NodeName, _ = procscan.FlagValue(args, "hostname-override")
	k.CgroupDriver = cfg.CgroupDriver
	if v, ok := procscan.FlagValue(args, "cgroup-driver"); ok {
		k.CgroupDriver = v
	}
	if v, ok := procscan.FlagValue(args, "container-runtime-endpoint"); ok {
		k.RuntimeEndpoint, k.EndpointFrom = v, "command line"
	} else if cfg.ContainerRuntimeEndpoint != "" {
		k.RuntimeEndpoint, k.EndpointFrom = cfg.ContainerRuntimeEndpoint, "config"
	}
	return k
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxConfig+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(raw) > maxConfig {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxConfig)
	}
	return raw, nil
}
