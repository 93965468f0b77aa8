package kubelet

import (
	"bufio"
	"bytes"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rtsnap/rtsnap/internal/procscan"
	"sigs.k8s.io/yaml"
)

// Kubelet's own defaults (k8s.io/kubernetes pkg/kubelet/apis/config and
// cmd/kubelet/app/options, v1.34) for the settings read here.
const (
	defaultRootDir         = "/var/lib/kubelet"
	defaultPodLogsDir      = "/var/log/pods"
	defaultRuntimeEndpoint = "unix:///run/containerd/containerd.sock"
	defaultCgroupDriver    = "cgroupfs"
	defaultHealthzAddress  = "127.0.0.1"
	defaultHealthzPort     = 10248
	// defaultConfig is where kubeadm writes the KubeletConfiguration.
	defaultConfig = "/var/lib/kubelet/config.yaml"
)

// Places kubelet's start-up settings live when it is not running, in the
// order systemd and the distributions apply them.
var (
	unitFiles  = []string{"/etc/systemd/system/kubelet.service", "/usr/lib/systemd/system/kubelet.service", "/lib/systemd/system/kubelet.service"}
	dropInDirs = []string{"/usr/lib/systemd/system/kubelet.service.d", "/lib/systemd/system/kubelet.service.d",
		"/etc/systemd/system/kubelet.service.d", "/run/systemd/system/kubelet.service.d"}
	// envFiles are read for their variables even when no unit names them
	// (kubeadm's and the packages' defaults).
	envFiles = []string{"/var/lib/kubelet/kubeadm-flags.env", "/etc/default/kubelet", "/etc/sysconfig/kubelet"}
	// k3s and rke2 run kubelet inside their own process; its flags are the
	// kubelet-arg list of their config file.
	distroConfigs = []struct{ path, distro string }{
		{"/etc/rancher/k3s/config.yaml", "k3s"},
		{"/etc/rancher/rke2/config.yaml", "rke2"},
	}
	distroKubeletConfDirs = []string{"/var/lib/rancher/k3s/agent/etc/kubelet.conf.d", "/var/lib/rancher/rke2/agent/etc/kubelet.conf.d"}
)

// kubeletConfig is the part of a KubeletConfiguration read here.
type kubeletConfig struct {
	ContainerRuntimeEndpoint string `json:"containerRuntimeEndpoint"`
	CgroupDriver             string `json:"cgroupDriver"`
	CgroupRoot               string `json:"cgroupRoot"`
	PodLogsDir               string `json:"podLogsDir"`
	StaticPodPath            string `json:"staticPodPath"`
	HealthzBindAddress       string `json:"healthzBindAddress"`
	HealthzPort              *int   `json:"healthzPort"`
}

func parseConfig(raw []byte) (kubeletConfig, error) {
	var c kubeletConfig
	err := yaml.Unmarshal(raw, &c)
	return c, err
}

// effective merges flags over the config file over kubelet's defaults, the
// way kubelet itself does (flags win over --config).
func effective(args []string, cfg kubeletConfig, configPath string) Effective {
	e := Effective{ConfigPath: configPath, From: map[string]string{}}
	pick := func(field, flagName, fromConfig, def string) string {
		if v, ok := procscan.FlagValue(args, flagName); ok && flagName != "" {
			e.From[field] = "flag"
			return v
		}
		if fromConfig != "" {
			e.From[field] = "config"
			return fromConfig
		}
		e.From[field] = "default"
		return def
	}
	e.RootDir = pick("root_dir", "root-dir", "", defaultRootDir)
	e.PodLogsDir = pick("pod_logs_dir", "", cfg.PodLogsDir, defaultPodLogsDir)
	e.RuntimeEndpoint = pick("runtime_endpoint", "container-runtime-endpoint", cfg.ContainerRuntimeEndpoint, defaultRuntimeEndpoint)
	e.CgroupDriver = pick("cgroup_driver", "cgroup-driver", cfg.CgroupDriver, defaultCgroupDriver)
	e.CgroupRoot = pick("cgroup_root", "cgroup-root", cfg.CgroupRoot, "")
	e.StaticPodPath = pick("static_pod_path", "pod-manifest-path", cfg.StaticPodPath, "")
	e.HealthzBindAddress = pick("healthz_bind_address", "healthz-bind-address", cfg.HealthzBindAddress, defaultHealthzAddress)
	port := ""
	if cfg.HealthzPort != nil {
		port = strconv.Itoa(*cfg.HealthzPort)
	}
	e.HealthzPort, _ = strconv.Atoi(pick("healthz_port", "healthz-port", port, strconv.Itoa(defaultHealthzPort)))
	e.Kubeconfig, _ = procscan.FlagValue(args, "kubeconfig")
	e.NodeName, _ = procscan.FlagValue(args, "hostname-override")
	return e
}

// unitArgs rebuilds kubelet's command line from its systemd unit, drop-ins
// and environment files: the last ExecStart= with $VAR and ${VAR} expanded
// from Environment= and EnvironmentFile= (kubeadm's layout:
// $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS).
// units are the unit file, then the drop-ins in order; read returns a
// file's contents (nil when absent).
func unitArgs(units []string, read func(string) []byte) ([]string, []string) {
	env := map[string]string{}
	var named []string // environment files the units name
	exec := ""
	for _, u := range units {
		raw := read(u)
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			k, v, ok := strings.Cut(line, "=")
			if !ok || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
				continue
			}
			switch strings.TrimSpace(k) {
			case "Environment":
				for _, a := range shellWords(v) {
					if ek, ev, ok := strings.Cut(a, "="); ok {
						env[ek] = ev
					}
				}
			case "EnvironmentFile":
				p := strings.TrimPrefix(strings.TrimSpace(v), "-")
				named = append(named, p)
				for ek, ev := range envFile(read(p)) {
					env[ek] = ev
				}
			case "ExecStart":
				exec = strings.TrimSpace(v) // "ExecStart=" alone resets; the last wins
			}
		}
	}
	if exec == "" {
		return nil, named
	}
	words := shellWords(expand(strings.TrimLeft(exec, "-@+!:"), env))
	return words, named
}

// envFile parses KEY=VALUE lines (kubeadm-flags.env, /etc/default/kubelet).
func envFile(raw []byte) map[string]string {
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		if k, v, ok := strings.Cut(line, "="); ok {
			env[strings.TrimSpace(k)] = unquote(strings.TrimSpace(v))
		}
	}
	return env
}

// envArgs are the kubelet flags the environment files hold when no unit
// says how they are used (kubeadm's variable names).
func envArgs(env map[string]string) []string {
	var words []string
	for _, k := range []string{"KUBELET_KUBECONFIG_ARGS", "KUBELET_CONFIG_ARGS", "KUBELET_KUBEADM_ARGS", "KUBELET_EXTRA_ARGS", "KUBELET_OPTS", "KUBELET_ARGS"} {
		words = append(words, shellWords(env[k])...)
	}
	return words
}

// distroArgs turns k3s/rke2's kubelet-arg list ("key=value" each) into flags.
func distroArgs(raw []byte) []string {
	var doc struct {
		KubeletArg []string `json:"kubelet-arg"`
	}
	if yaml.Unmarshal(raw, &doc) != nil {
		return nil
	}
	var out []string
	for _, a := range doc.KubeletArg {
		out = append(out, "--"+strings.TrimLeft(a, "-"))
	}
	return out
}

// expand replaces $VAR and ${VAR} (systemd's ExecStart expansion).
func expand(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		j, name := i+1, ""
		if s[j] == '{' {
			end := strings.IndexByte(s[j:], '}')
			if end < 0 {
				b.WriteString(s[i:])
				break
			}
			name, i = s[j+1:j+end], j+end
		} else {
			k := j
			for k < len(s) && (s[k] == '_' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= 'a' && s[k] <= 'z' || s[k] >= '0' && s[k] <= '9') {
				k++
			}
			name, i = s[j:k], k-1
		}
		b.WriteString(env[name])
	}
	return b.String()
}

// shellWords splits on spaces outside single or double quotes (systemd's
// and the env files' quoting; no escapes beyond \" inside double quotes).
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	in, quote, has := false, byte(0), false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == '"' && c == '\\' && i+1 < len(s) && s[i+1] == '"':
			cur.WriteByte('"')
			i++
		case quote != 0:
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote, has = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if in || has {
				out = append(out, cur.String())
				cur.Reset()
			}
			in, has = false, false
			continue
		default:
			cur.WriteByte(c)
		}
		in = true
	}
	if in || has {
		out = append(out, cur.String())
	}
	return out
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		return v[1 : len(v)-1]
	}
	return v
}

// dropIns lists the *.conf files of the drop-in dirs, ordered by file name
// across dirs as systemd does (a later dir's file of the same name wins).
func dropIns(list func(string) []string) []string {
	byName := map[string]string{}
	for _, d := range dropInDirs {
		for _, f := range list(filepath.Join(d, "*.conf")) {
			byName[filepath.Base(f)] = f
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sortStrings(names)
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, byName[n])
	}
	return out
}
