package facts

import (
	"encoding/json"
	"sort"
	"strings"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/internal/endpoints"
)

// Runtime is one container runtime in the bundle, as inspect shows it: every
// view of one endpoint (containerd's own API, CRI, Docker's API) merged.
type Runtime struct {
	// Kind is containerd, cri-dockerd, docker, cri-o, or the name a CRI
	// runtime gives itself.
	Kind       string `json:"kind"`
	Version    string `json:"version,omitempty"`
	APIVersion string `json:"api_version,omitempty"`
	Endpoint   string `json:"endpoint"`
	// CgroupDriver is systemd or cgroupfs, as the runtime itself says
	// (CRI RuntimeConfig, containerd's CRI config, Docker's info).
	CgroupDriver string `json:"cgroup_driver,omitempty"`
	// Views are the bundle directories read for it.
	Views  []string     `json:"views"`
	States []StateCount `json:"states"`
	// Error is why a view has no answer (its version call failed).
	Error string `json:"error,omitempty"`
}

// StateCount counts pods or containers of one state in one namespace.
type StateCount struct {
	// What is "pods" or "containers" (CRI and Docker), "tasks" (containerd).
	What string `json:"what"`
	// Namespace is the Kubernetes namespace (CRI; Docker containers of pods)
	// or the containerd namespace ("" for a Docker container of no pod).
	Namespace string `json:"namespace"`
	State     string `json:"state"`
	Count     int    `json:"count"`
}

// runtimeSource reads the runtimes of one kind of view. Each runtime a
// bundle can hold has one; rows of one endpoint are merged.
type runtimeSource func(*Node) []Runtime

// runtimeSources lists them: a new runtime's facts plug in here.
func runtimeSources() []runtimeSource {
	return []runtimeSource{containerdRuntimes, criRuntimes, dockerRuntimes}
}

// Runtimes lists every runtime in the bundle, one row per endpoint, sorted by
// kind then endpoint.
func (n *Node) Runtimes() []Runtime {
	byEndpoint := map[string]*Runtime{}
	var order []string
	for _, src := range runtimeSources() {
		for _, r := range src(n) {
			cur := byEndpoint[r.Endpoint]
			if cur == nil {
				r := r
				byEndpoint[r.Endpoint] = &r
				order = append(order, r.Endpoint)
				continue
			}
			cur.merge(r)
		}
	}
	out := make([]Runtime, 0, len(order))
	for _, ep := range order {
		r := byEndpoint[ep]
		sort.Slice(r.States, func(i, j int) bool {
			a, b := r.States[i], r.States[j]
			if a.What != b.What {
				return a.What < b.What
			}
			if a.Namespace != b.Namespace {
				return a.Namespace < b.Namespace
			}
			return a.State < b.State
		})
		out = append(out, *r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Endpoint < out[j].Endpoint
	})
	return out
}

// merge adds another view of the same endpoint: the first view's kind and
// version stay (containerd's own API names itself better than CRI does),
// empty fields are filled, states and views added.
func (r *Runtime) merge(o Runtime) {
	r.Kind = first(r.Kind, o.Kind)
	r.Version = first(r.Version, o.Version)
	r.APIVersion = first(r.APIVersion, o.APIVersion)
	r.CgroupDriver = first(r.CgroupDriver, o.CgroupDriver)
	r.Error = first(r.Error, o.Error)
	r.Views = append(r.Views, o.Views...)
	r.States = append(r.States, o.States...)
}

// counter builds StateCounts in one pass.
type counter map[StateCount]int

func (c counter) add(what, ns, state string) {
	c[StateCount{What: what, Namespace: ns, State: state}]++
}

func (c counter) counts() []StateCount {
	out := make([]StateCount, 0, len(c))
	for k, v := range c {
		k.Count = v
		out = append(out, k)
	}
	return out
}

func containerdRuntimes(n *Node) []Runtime {
	var out []Runtime
	for _, slug := range sortedKeys(n.Containerd) {
		ep := n.Containerd[slug]
		r := Runtime{Kind: "containerd", Endpoint: ep.Endpoint(), Views: []string{ep.Dir}}
		if ep.Server != nil {
			r.Version, r.Error = ep.Server.Version, ep.Server.Error
		}
		c := counter{}
		for _, nsName := range sortedKeys(ep.Namespaces) {
			ns := ep.Namespaces[nsName]
			if ns.Tasks == nil {
				continue
			}
			for _, t := range ns.Tasks.Tasks {
				c.add("tasks", nsName, strings.ToLower(first(t.Status, "unknown")))
			}
			for range ns.Tasks.WithoutTask {
				c.add("tasks", nsName, "none")
			}
		}
		r.States = c.counts()
		out = append(out, r)
	}
	return out
}

// criKind names a CRI runtime: cri-dockerd answers as "docker".
func criKind(name string) string {
	switch name {
	case "docker":
		return "cri-dockerd"
	case "cri-o":
		return "cri-o"
	}
	return name
}

func criRuntimes(n *Node) []Runtime {
	var out []Runtime
	for _, slug := range sortedKeys(n.CRI) {
		ep := n.CRI[slug]
		// Kind from the socket path until the runtime names itself.
		r := Runtime{Kind: string(endpoints.KindOf(ep.Endpoint())), Endpoint: ep.Endpoint(), Views: []string{ep.Dir}, CgroupDriver: criCgroupDriver(ep)}
		if v := ep.Version; v != nil {
			if v.Version != nil {
				r.Kind, r.Version = first(criKind(v.Version.RuntimeName), r.Kind), v.Version.RuntimeVersion
			}
			if v.Error != "" {
				r.Error = ep.Dir + ": " + v.Error
			}
		}
		c := counter{}
		podNS := map[string]string{}
		if ep.Pods != nil {
			for _, p := range ep.Pods.Pods {
				if p == nil || p.Pod == nil {
					continue
				}
				ns := p.Pod.GetMetadata().GetNamespace()
				podNS[p.Pod.Id] = ns
				c.add("pods", ns, strings.ToLower(strings.TrimPrefix(p.Pod.State.String(), "SANDBOX_")))
			}
		}
		if ep.Containers != nil {
			for _, rec := range ep.Containers.Containers {
				if rec == nil || rec.Container == nil {
					continue
				}
				st := rec.Container.State
				if rec.Status != nil {
					st = rec.Status.State
				}
				ns, ok := podNS[rec.Container.PodSandboxId]
				if !ok {
					ns = rec.Container.Labels["io.kubernetes.pod.namespace"]
				}
				c.add("containers", ns, strings.ToLower(strings.TrimPrefix(st.String(), "CONTAINER_")))
			}
		}
		r.States = c.counts()
		out = append(out, r)
	}
	return out
}

// criCgroupDriver is the driver a CRI runtime uses (CgroupDriver, without
// where it was read).
func criCgroupDriver(ep *CRIEndpoint) string {
	d, _ := ep.CgroupDriver()
	return d
}

// CgroupDriver is the driver a CRI runtime uses and the file that says so:
// RuntimeConfig's answer (containerd 2.x, cri-dockerd, CRI-O), else
// containerd's CRI config in Status(verbose) (1.6 and 1.7 lack
// RuntimeConfig): the default runtime's SystemdCgroup option, else the old
// top-level systemdCgroup. "" when neither says.
func (ep *CRIEndpoint) CgroupDriver() (string, Ref) {
	if rc := ep.RuntimeConfig; rc != nil && rc.Code == "OK" && rc.Config != nil && rc.Config.Linux != nil {
		ref := Ref{Path: ep.Dir + "/runtime_config.json"}
		switch rc.Config.Linux.CgroupDriver {
		case criapi.CgroupDriver_SYSTEMD:
			return "systemd", ref
		case criapi.CgroupDriver_CGROUPFS:
			return "cgroupfs", ref
		}
	}
	if ep.Status == nil {
		return "", Ref{}
	}
	raw, ok := ep.Status.Info["config"]
	if !ok {
		return "", Ref{}
	}
	var cfg struct {
		SystemdCgroup *bool `json:"systemdCgroup"`
		Containerd    struct {
			DefaultRuntimeName string `json:"defaultRuntimeName"`
			Runtimes           map[string]struct {
				Options struct {
					SystemdCgroup *bool `json:"SystemdCgroup"`
				} `json:"options"`
			} `json:"runtimes"`
		} `json:"containerd"`
	}
	if json.Unmarshal(raw, &cfg) != nil {
		return "", Ref{}
	}
	b := cfg.SystemdCgroup
	if rt, ok := cfg.Containerd.Runtimes[cfg.Containerd.DefaultRuntimeName]; ok && rt.Options.SystemdCgroup != nil {
		b = rt.Options.SystemdCgroup
	}
	ref := Ref{Path: ep.Dir + "/status.json", Pointer: "/info/config"}
	switch {
	case b == nil:
		return "", Ref{}
	case *b:
		return "systemd", ref
	}
	return "cgroupfs", ref
}

func dockerRuntimes(n *Node) []Runtime {
	var out []Runtime
	for _, d := range n.Dockers() {
		r := Runtime{Kind: "docker", Endpoint: first(d.Endpoint, "/var/run/docker.sock"), Views: []string{d.Dir},
			Version: DockerString(d.Version, "Version"), APIVersion: DockerString(d.Version, "ApiVersion"),
			CgroupDriver: DockerString(d.Info, "CgroupDriver")}
		c := counter{}
		for _, ct := range d.Containers {
			ns := dockerLabels(ct, "Labels")["io.kubernetes.pod.namespace"]
			if names, ok := ct["Names"].([]any); ns == "" && ok && len(names) > 0 {
				if s, ok := names[0].(string); ok {
					if kn, ok := ParseKubeName(s); ok {
						ns = kn.Namespace
					}
				}
			}
			c.add("containers", ns, first(DockerString(ct, "State"), "unknown"))
		}
		r.States = c.counts()
		out = append(out, r)
	}
	return out
}
