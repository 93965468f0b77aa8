package facts

import (
	"fmt"
	"strconv"
	"strings"

	discschema "github.com/rtsnap/rtsnap/internal/schema/discovery"
	kubeletschema "github.com/rtsnap/rtsnap/internal/schema/kubelet"

	"github.com/rtsnap/rtsnap/internal/procscan"
)

// Kubelet is one kubelet of the node, running or not: its runtime endpoint,
// cgroup driver and pause image as the rules judge them. A host may run
// several (kind-like setups, the lab's four), each a Kubernetes node of its
// own on a runtime of its own, so every kubelet-scoped rule judges each.
type Kubelet struct {
	discschema.Kubelet
	// Probe is what discovery found at its runtime endpoint
	// (discovery/kubelets.json); nil in bundles that predate that file and
	// for endpoints that are not unix sockets.
	Probe *discschema.KubeletEndpoint
	// Refs are the bundle entries it was read from, the first the main one
	// (discovery's entry, else kubelet/kubelet.json's instance).
	Refs []Ref
	// Discovered: the discovery source listed it, so it probed its
	// endpoint. A running kubelet of an older bundle past the first was
	// not listed: its endpoint's absence from endpoints.json says nothing.
	Discovered bool
	// Instance is its kubelet/kubelet.json entry (where its settings were
	// read from, its healthz answer), nil when that file lacks it.
	Instance *kubeletschema.Instance
}

// Name names the kubelet in findings: its node name (--hostname-override
// or nodeName), else its pid, else its config file.
func (k Kubelet) Name() string {
	switch {
	case k.NodeName != "":
		return "kubelet " + k.NodeName
	case k.PID > 0:
		return "kubelet pid " + strconv.Itoa(k.PID)
	case k.ConfigPath != "":
		return "kubelet of " + k.ConfigPath
	}
	return "kubelet"
}

// Endpoint is its runtime endpoint as a socket path ("" when it has none).
func (k Kubelet) Endpoint() string { return strings.TrimPrefix(k.RuntimeEndpoint, "unix://") }

// buildKubelets fills Node.Kubelets from, in order: discovery/kubelets.json
// (every running kubelet with its endpoint probe), else the one-kubelet
// discovery/kubelet.json of older bundles; then kubelet/kubelet.json, whose
// instances complete the running ones (same pid) and add those discovery
// does not list: kubelets of an older bundle past the first, and a stopped
// kubelet, whose settings come from the files it will start with (then
// exactly when they matter). n kubelets cost n map lookups.
func (n *Node) buildKubelets() {
	var out []Kubelet
	byPID := map[int]int{}
	cut := false
	add := func(k Kubelet) {
		if len(out) >= maxKubelets {
			if !cut {
				cut = true
				n.cut(k.Refs[0].Path, "kubelets", fmt.Sprintf("more than %d kubelets; the rest are not judged", maxKubelets))
			}
			return
		}
		if k.PID > 0 {
			if _, dup := byPID[k.PID]; dup {
				return // a crafted file listing one process twice
			}
			byPID[k.PID] = len(out)
		}
		out = append(out, k)
	}
	switch d := n.Discovery; {
	case d.Kubelets != nil:
		for i, kr := range d.Kubelets {
			add(Kubelet{Kubelet: kr.Kubelet, Probe: kr.Endpoint, Discovered: true, Refs: []Ref{{Path: "discovery/kubelets.json", Pointer: "/" + strconv.Itoa(i)}}})
		}
	case d.Kubelet != nil && (d.Kubelet.Running || d.Kubelet.RuntimeEndpoint != ""):
		add(Kubelet{Kubelet: *d.Kubelet, Discovered: true, Refs: []Ref{{Path: "discovery/kubelet.json"}}})
	}
	if n.Kubelet != nil {
		for j, in := range n.Kubelet.Instances {
			ref := Ref{Path: "kubelet/kubelet.json", Pointer: fmt.Sprintf("/instances/%d", j)}
			if i, ok := byPID[in.PID]; ok && in.Running && in.PID > 0 {
				out[i].complete(in, ref)
				continue
			}
			// Settings read from files describe the kubelet that would
			// start (the collector reads them only when none runs): with a
			// running one known they only fill its gaps.
			if !in.Running && runningKubelet(out) {
				if len(out) == 1 {
					out[0].complete(in, ref)
				}
				continue
			}
			k := Kubelet{Kubelet: discschema.Kubelet{Running: in.Running, PID: in.PID}}
			k.complete(in, ref)
			add(k)
		}
	}
	n.Kubelets = out
}

func runningKubelet(ks []Kubelet) bool {
	for _, k := range ks {
		if k.Running {
			return true
		}
	}
	return false
}

// maxKubelets bounds the kubelets judged (each rule compares every one with
// the runtimes): the collector keeps at most 64 per file; a crafted bundle
// may list a million.
const maxKubelets = 256

// complete fills what discovery's entry lacks from a kubelet.json instance:
// the running kubelet's own answers are kept.
func (k *Kubelet) complete(in kubeletschema.Instance, ref Ref) {
	if k.Instance == nil {
		k.Instance = &in
	}
	e := in.Effective
	used := false
	if k.RuntimeEndpoint == "" && e.RuntimeEndpoint != "" {
		k.RuntimeEndpoint, k.EndpointFrom, used = e.RuntimeEndpoint, fromWhat(in, e.From["runtime_endpoint"]), true
	}
	if k.CgroupDriver == "" && e.CgroupDriver != "" {
		k.CgroupDriver, used = e.CgroupDriver, true
	}
	if k.ConfigPath == "" && e.ConfigPath != "" {
		k.ConfigPath, used = e.ConfigPath, true
	}
	if k.NodeName == "" && e.NodeName != "" {
		k.NodeName, used = e.NodeName, true
	}
	if k.PodInfraImage == "" {
		if v, ok := procscan.FlagValue(in.Args, "pod-infra-container-image"); ok && v != "" {
			k.PodInfraImage, used = v, true
		}
	}
	if used || len(k.Refs) == 0 {
		k.Refs = append(k.Refs, ref)
	}
}

// fromWhat says where a setting of a kubelet that may not run comes from.
func fromWhat(in kubeletschema.Instance, from string) string {
	where := "kubelet " + from
	if from == "" {
		where = "kubelet"
	}
	if !in.Running {
		return where + " (kubelet not running; read from " + in.ArgsFrom + " and its config file)"
	}
	return where
}
