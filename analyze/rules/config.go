package rules

import (
	"fmt"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/rtsnap/rtsnap/analyze/facts"
)

// daemonConfig is one containerd's effective configuration: its config dump
// when the collector got one (what the daemon really uses), else its config file.
type daemonConfig struct {
	PID      int
	Path     string // bundle path read
	Endpoint string
	Version  string
	Tree     map[string]any
	Err      error
}

// maxTOMLBytes bounds one config parsed as TOML.
const maxTOMLBytes = 1 << 20

func containerdConfigs(n *facts.Node) []daemonConfig {
	byPID := map[int]*facts.ContainerdEndpoint{}
	for _, ep := range n.Containerd {
		if ep.Server != nil && ep.Server.PID != 0 {
			byPID[int(ep.Server.PID)] = ep
		}
	}
	var out []daemonConfig
	for _, d := range n.Configs.Containerd {
		dc := daemonConfig{PID: d.PID}
		if ep := byPID[d.PID]; ep != nil {
			dc.Endpoint = ep.Endpoint()
			dc.Version = ep.Server.Version
		}
		for _, p := range []string{"configs/" + d.Dump, "configs" + d.ConfigPath} {
			if data, ok := n.File(p); ok && d.Dump+d.ConfigPath != "" && p != "configs/" && p != "configs" {
				dc.Path = p
				if len(data) > maxTOMLBytes {
					dc.Err = fmt.Errorf("over %d bytes", maxTOMLBytes)
					break
				}
				dc.Err = toml.Unmarshal(data, &dc.Tree)
				// containerd 1.6 does not report its pid: the config's own
				// grpc address names the endpoint.
				if addr, ok := lookup(dc.Tree, "grpc", "address").(string); ok && dc.Endpoint == "" {
					dc.Endpoint = addr
				}
				break
			}
		}
		if dc.Path != "" {
			out = append(out, dc)
		}
	}
	return out
}

// lookup walks nested tables; it returns nil when any step is missing.
func lookup(tree map[string]any, path ...string) any {
	var cur any = tree
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// criPath finds a CRI setting in a 1.x (io.containerd.grpc.v1.cri) or 2.x
// (io.containerd.cri.v1.images / .runtime) config.
func (dc daemonConfig) criPath(v1 []string, v2plugin string, v2 []string) (any, string) {
	if v := lookup(dc.Tree, append([]string{"plugins", "io.containerd.grpc.v1.cri"}, v1...)...); v != nil {
		return v, `plugins."io.containerd.grpc.v1.cri".` + strings.Join(v1, ".")
	}
	if v := lookup(dc.Tree, append([]string{"plugins", v2plugin}, v2...)...); v != nil {
		return v, `plugins."` + v2plugin + `".` + strings.Join(v2, ".")
	}
	return nil, ""
}

func (dc daemonConfig) sandboxImage() (string, string) {
	v, where := dc.criPath([]string{"sandbox_image"}, "io.containerd.cri.v1.images", []string{"pinned_images", "sandbox"})
	s, _ := v.(string)
	return s, where
}

func (dc daemonConfig) systemdCgroup() (bool, bool, string) {
	v, where := dc.criPath([]string{"containerd", "runtimes", "runc", "options", "SystemdCgroup"}, "io.containerd.cri.v1.runtime", []string{"containerd", "runtimes", "runc", "options", "SystemdCgroup"})
	b, ok := v.(bool)
	return b, ok, where
}

func (dc daemonConfig) registry() (map[string]any, string) {
	v, where := dc.criPath([]string{"registry"}, "io.containerd.cri.v1.images", []string{"registry"})
	m, _ := v.(map[string]any)
	return m, where
}

// lineOf finds the first line of a text file containing needle, for evidence.
func lineOf(n *facts.Node, path, needle string) (int, string) {
	data, ok := n.File(path)
	if !ok {
		return 0, ""
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, needle) {
			return i + 1, strings.TrimSpace(l)
		}
	}
	return 0, ""
}
