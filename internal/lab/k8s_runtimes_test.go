package lab_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	cri "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/podstatus"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/internal/lab"
	discschema "github.com/rtsnap/rtsnap/internal/schema/discovery"
)

// The pods lab/k8s/runtimes.yaml places on the CRI-O and cri-dockerd nodes.
var runtimePods = map[string]string{"crio": "web-crio", "cri-dockerd": "web-dockerd"}

// The kubelets on CRI-O and cri-dockerd: Ready, reporting their runtime,
// tainted so only their own pods go there, running their API-made pod and
// their static pod; the CRI-made pods of the CRI-O and cri-dockerd lab
// (other instances of the same daemons) are left alone by them.
func TestK8sRuntimeNodesUp(t *testing.T) {
	k := lab.RequireK8s(t)
	env := lab.Require(t)
	if len(k.RuntimeNodes) != 2 {
		t.Fatalf("want lab-crio and lab-dockerd, lab.sh env has %+v", k.RuntimeNodes)
	}
	wantRuntime := map[string]string{"crio": "cri-o://1.34.", "cri-dockerd": "docker://28.5."}
	for _, n := range k.RuntimeNodes {
		out, err := k.Kubectl(context.Background(), "get", "node", n.Name, "-o", "json")
		if err != nil {
			t.Fatal(err)
		}
		var node struct {
			Metadata struct{ Labels map[string]string }
			Spec     struct {
				Taints []struct{ Key, Value, Effect string }
			}
			Status struct {
				NodeInfo struct {
					ContainerRuntimeVersion string `json:"containerRuntimeVersion"`
				} `json:"nodeInfo"`
			}
		}
		if err := json.Unmarshal(out, &node); err != nil {
			t.Fatal(err)
		}
		if v := node.Status.NodeInfo.ContainerRuntimeVersion; !strings.HasPrefix(v, wantRuntime[n.Runtime]) {
			t.Errorf("%s: runtime %q, want %s*", n.Name, v, wantRuntime[n.Runtime])
		}
		if st := nodeReady(t, k, n.Name); st != "True" {
			t.Errorf("%s: Ready=%s", n.Name, st)
		}
		if node.Metadata.Labels["rtsnap.lab/runtime"] != n.Runtime || len(node.Spec.Taints) != 1 ||
			node.Spec.Taints[0].Key != "rtsnap.lab/runtime" || node.Spec.Taints[0].Effect != "NoSchedule" {
			t.Errorf("%s: labels %v taints %+v", n.Name, node.Metadata.Labels, node.Spec.Taints)
		}
		for _, pod := range []string{runtimePods[n.Runtime], "static-web-" + n.Name} {
			out, err := k.Kubectl(context.Background(), "get", "pod", "-n", k.Namespace, pod, "-o", "jsonpath={.spec.nodeName} {.status.phase} {.status.containerStatuses[*].ready}")
			if err != nil {
				t.Fatal(err)
			}
			if f := strings.Fields(string(out)); len(f) < 3 || f[0] != n.Name || f[1] != "Running" || slices.Contains(f[2:], "false") {
				t.Errorf("pod %s: %q, want Running and ready on %s", pod, out, n.Name)
			}
		}
	}
	// The CRI lab's pods on the other CRI-O and cri-dockerd: still READY.
	for sock, pod := range map[string]string{env["RTSNAP_LAB_CRIO_SOCK"]: "web-crio", env["RTSNAP_LAB_CRIDOCKERD_SOCK"]: env["RTSNAP_LAB_CRIDOCKERD_POD"]} {
		pods, err := criClient(t, sock).ListPodSandbox(ctx(t, 20*time.Second), &cri.ListPodSandboxRequest{})
		if err != nil {
			t.Fatal(err)
		}
		ready := false
		for _, p := range pods.Items {
			ready = ready || (p.Metadata.Name == pod && p.Metadata.Namespace == "lab" && p.State == cri.PodSandboxState_SANDBOX_READY)
		}
		if !ready {
			t.Errorf("%s: lab/%s not READY: a kubelet took the CRI lab's pod", sock, pod)
		}
	}
}

// One collection of the lab shows, for the CRI-O and the cri-dockerd node:
// the kubelet's flags and config, its endpoint matched to its runtime's
// socket, the cgroup driver both use, the API-made pod in that runtime's CRI view, the Docker containers
// of the cri-dockerd pod joined to it, and the pod's kubelet-reported state.
func TestK8sRuntimeNodesCollected(t *testing.T) {
	k := lab.RequireK8s(t)
	if rtsnapBin == "" {
		t.Fatal("rtsnap binary was not built (see TestMain output)")
	}
	args := []string{"--since", "15m", "--only", "discovery,kubelet,cri,docker"}
	for _, n := range k.RuntimeNodes {
		args = append(args, "--runtime-endpoint", n.Socket)
	}
	path := lab.Collect(t, rtsnapBin, args...)
	a, err := analyze.Load(path, analyze.Options{})
	if err != nil {
		t.Fatalf("analyzing the lab bundle: %v", err)
	}
	node := a.Node
	// The raw files, read from the bundle itself: the analyzer keeps only
	// what its parsers read.
	b, err := bundle.OpenFile(path, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	raw, ok := b.File("discovery/kubelets.json")
	if !ok {
		t.Fatal("no discovery/kubelets.json in the bundle")
	}
	var kubs []discschema.KubeletRuntime
	if err := json.Unmarshal(raw, &kubs); err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]podstatus.Verdict{}
	for _, v := range podstatus.Verdicts(node) {
		verdicts[v.Namespace+"/"+v.Pod] = v
	}
	for _, n := range k.RuntimeNodes {
		pod := runtimePods[n.Runtime]
		t.Run(n.Name, func(t *testing.T) {
			// kubelet/kubelet.json: this kubelet's flags and config file.
			found := false
			for _, in := range node.Kubelet.Instances {
				e := in.Effective
				if e.ConfigPath != n.KubeletConfig {
					continue
				}
				found = true
				if !in.Running || !slices.Contains(in.Args, n.Name) || !slices.Contains(in.Args, "--hostname-override") || in.ConfigFile == "" {
					t.Errorf("kubelet instance: running=%v args=%q config file %q", in.Running, in.Args, in.ConfigFile)
				}
				if cfg, ok := b.File(in.ConfigFile); !ok || !strings.Contains(string(cfg), "containerRuntimeEndpoint: unix://"+n.Socket) {
					t.Errorf("stored config %s: %q", in.ConfigFile, cfg)
				}
				if e.RuntimeEndpoint != "unix://"+n.Socket || e.CgroupDriver != "cgroupfs" || e.NodeName != n.Name {
					t.Errorf("effective settings: %+v", e)
				}
			}
			if !found {
				t.Errorf("no kubelet instance with config %s", n.KubeletConfig)
			}
			// discovery/kubelets.json: endpoint matched to the runtime's socket.
			matched := false
			for _, kr := range kubs {
				if kr.NodeName != n.Name {
					continue
				}
				matched = kr.Endpoint != nil && kr.Endpoint.Path == n.Socket && kr.Endpoint.Answers
				if n.Runtime == "cri-dockerd" && (kr.Endpoint == nil || len(kr.Endpoint.ServedBy) == 0 || !strings.HasPrefix(kr.Endpoint.ServedBy[0], "cri-dockerd pid ")) {
					t.Errorf("cri-dockerd's socket not matched to its daemon: %+v", kr.Endpoint)
				}
			}
			if !matched {
				t.Errorf("kubelets.json does not match %s to %s: %s", n.Name, n.Socket, raw)
			}
			// kubelet and runtime agree on the cgroup driver (the runtime's
			// own word: CRI RuntimeConfig, Docker's info).
			driver := ""
			for _, r := range node.Runtimes() {
				if r.Endpoint == n.Socket {
					driver = r.CgroupDriver
				}
			}
			if driver != "cgroupfs" {
				t.Errorf("runtime at %s: cgroup driver %q, the kubelet's is cgroupfs", n.Socket, driver)
			}
			// The CRI view of the node's runtime: the pod and its two
			// containers, each in its newest attempt (a restarted pod keeps
			// its exited attempts and its NOTREADY sandboxes beside the
			// live ones, in any order).
			states, newest := map[string]string{}, map[string]int64{}
			for _, c := range node.Containers {
				if c.Endpoint == n.Socket && c.PodNamespace == k.Namespace && c.Pod == pod {
					name := c.Name
					if c.Sandbox {
						name = "sandbox"
					}
					if at, seen := newest[name]; !seen || criCreated(c) > at {
						states[name], newest[name] = c.CRIState(), criCreated(c)
					}
				}
			}
			if states["sandbox"] != "SANDBOX_READY" || states["web"] != "CONTAINER_RUNNING" || states["sidecar"] != "CONTAINER_RUNNING" {
				t.Errorf("CRI view of %s/%s on %s: %v", k.Namespace, pod, n.Socket, states)
			}
			// Docker's view, joined to the CRI pod (cri-dockerd only).
			if n.Runtime == "cri-dockerd" {
				joined, attempt := map[string]bool{}, map[string]int{}
				for _, d := range node.DockerPodContainers() {
					if d.Pod == pod && d.Namespace == k.Namespace && d.DockerEndpoint == n.DockerSocket {
						if a, seen := attempt[d.Container]; !seen || d.Attempt > a {
							joined[d.Container], attempt[d.Container] = d.Joined() && d.CRIEndpoint == n.Socket && d.State == "running", d.Attempt
						}
					}
				}
				if !joined["POD"] || !joined["web"] || !joined["sidecar"] {
					t.Errorf("Docker containers of %s on %s joined to the CRI pod: %v", pod, n.DockerSocket, joined)
				}
			}
			// The kubelet-reported state of the pod and of the static pod
			// (kubectl shows both Running).
			for _, p := range []string{pod, "static-web-" + n.Name} {
				if v, ok := verdicts[k.Namespace+"/"+p]; !ok || v.Status != podstatus.PhaseRunning || v.Endpoint != n.Socket {
					t.Errorf("pod verdict of %s: %+v (found %v)", p, v, ok)
				}
			}
		})
	}
}

// criCreated is when the runtime created a CRI container or sandbox (ns).
func criCreated(c *facts.Container) int64 {
	switch {
	case c.CRI != nil && c.CRI.Container != nil:
		return c.CRI.Container.CreatedAt
	case c.CRIPod != nil && c.CRIPod.Pod != nil:
		return c.CRIPod.Pod.CreatedAt
	}
	return 0
}
