package facts

import (
	discschema "github.com/rtsnap/rtsnap/internal/schema/discovery"
	kubeletschema "github.com/rtsnap/rtsnap/internal/schema/kubelet"
)

// kubeletFromFiles completes the kubelet view the rules read
// (Discovery.Kubelet) from kubelet/kubelet.json: a stopped kubelet leaves
// discovery/kubelet.json empty, but its config still says which runtime
// endpoint and cgroup driver it will start with, and those rules must still
// work. A running kubelet's own answers (discovery) are kept; only what they
// lack is filled in.
func (n *Node) kubeletFromFiles() {
	if n.Kubelet == nil || len(n.Kubelet.Instances) == 0 {
		return
	}
	k := n.Discovery.Kubelet
	if k == nil {
		k = &discschema.Kubelet{}
	}
	inst := n.Kubelet.Instances[0]
	for _, in := range n.Kubelet.Instances {
		if k.Running && in.PID == k.PID {
			inst = in
			break
		}
	}
	e := inst.Effective
	filled := false
	if k.RuntimeEndpoint == "" && e.RuntimeEndpoint != "" {
		k.RuntimeEndpoint, k.EndpointFrom, filled = e.RuntimeEndpoint, fromWhat(inst, e.From["runtime_endpoint"]), true
	}
	if k.CgroupDriver == "" && e.CgroupDriver != "" {
		k.CgroupDriver, filled = e.CgroupDriver, true
	}
	if k.ConfigPath == "" {
		k.ConfigPath = e.ConfigPath
	}
	if filled {
		n.Discovery.Kubelet, n.Discovery.KubeletFrom = k, "kubelet/kubelet.json"
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
