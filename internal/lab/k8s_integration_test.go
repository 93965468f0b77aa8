package lab_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/internal/lab"
)

// nodeReady is the node's Ready condition status ("True", "False", "Unknown").
func nodeReady(t *testing.T, k lab.K8s, node string) string {
	t.Helper()
	out, err := k.Kubectl(context.Background(), "get", "node", node, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func poll(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(time.Second)
	}
}

// The lab cluster: two containerd nodes, Ready, each kubelet on its own
// containerd of a different version, with the baseline workloads running
// through the API; with the CRI-O and cri-dockerd nodes, four runtimes.
func TestK8sClusterUp(t *testing.T) {
	k := lab.RequireK8s(t)
	if len(k.Nodes) != 2 {
		t.Fatalf("want two lab nodes, got %+v", k.Nodes)
	}
	out, err := k.Kubectl(context.Background(), "get", "nodes", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var nodes struct {
		Items []struct {
			Metadata struct{ Name string }
			Status   struct {
				NodeInfo struct {
					KubeletVersion          string `json:"kubeletVersion"`
					ContainerRuntimeVersion string `json:"containerRuntimeVersion"`
				} `json:"nodeInfo"`
			}
		}
	}
	if err := json.Unmarshal(out, &nodes); err != nil {
		t.Fatal(err)
	}
	runtimes := map[string]bool{}
	for _, n := range nodes.Items {
		if !strings.HasPrefix(n.Status.NodeInfo.KubeletVersion, "v1.34.") {
			t.Errorf("%s: kubelet %s, want v1.34.x (version-stamped build)", n.Metadata.Name, n.Status.NodeInfo.KubeletVersion)
		}
		runtimes[n.Status.NodeInfo.ContainerRuntimeVersion] = true
		if st := nodeReady(t, k, n.Metadata.Name); st != "True" {
			t.Errorf("%s: Ready=%s", n.Metadata.Name, st)
		}
	}
	if len(runtimes) != len(k.All()) || len(nodes.Items) != len(k.All()) {
		t.Errorf("want %d different runtimes behind %d nodes, got %v", len(k.All()), len(nodes.Items), runtimes)
	}
	for _, n := range k.All() {
		// The kubelet's pod logs must not be where the emulated CRI pods
		// keep theirs: it deletes pod log dirs it does not own.
		if n.PodLogs == "" || strings.HasPrefix(n.PodLogs, "/var/log/pods") {
			t.Errorf("%s: podLogsDir %q shares /var/log/pods with the emulated pods", n.Name, n.PodLogs)
		}
		if _, err := os.Stat(n.KubeletConfig); err != nil {
			t.Errorf("%s: kubelet config: %v", n.Name, err)
		}
	}
	out, err = k.Kubectl(context.Background(), "get", "pods", "-n", k.Namespace, "--no-headers", "-o", "custom-columns=N:.metadata.name,NODE:.spec.nodeName,S:.status.phase")
	if err != nil {
		t.Fatal(err)
	}
	perNode := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		if len(f) == 3 && strings.HasPrefix(f[0], "web-") && f[2] == "Running" {
			perNode[f[1]]++
		}
	}
	for _, n := range k.All() {
		if perNode[n.Name] != 1 {
			t.Errorf("want one running web pod on each node, got %v", perNode)
			break
		}
	}
}

// kubelet stopped: its healthz stops answering and the node goes NotReady.
func TestK8sFaultKubeletDown(t *testing.T) {
	k := lab.RequireK8s(t)
	lab.Fault(t, "k8s-kubelet-down")
	node := k.Nodes[len(k.Nodes)-1] // the fault node, lab-cd17
	cfg, err := os.ReadFile(node.KubeletConfig)
	if err != nil {
		t.Fatal(err)
	}
	port := ""
	for _, l := range strings.Split(string(cfg), "\n") {
		if v, ok := strings.CutPrefix(l, "healthzPort: "); ok {
			port = v
		}
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second); err == nil {
		c.Close()
		t.Errorf("kubelet healthz on :%s still answers with the kubelet stopped", port)
	}
	// The node lifecycle controller marks it after its grace period (50 s).
	poll(t, 2*time.Minute, node.Name+" NotReady/Unknown", func() bool { return nodeReady(t, k, node.Name) != "True" })
	if st := nodeReady(t, k, k.Nodes[0].Name); st != "True" {
		t.Errorf("the other node went %s", st)
	}
}

// kubelet (cgroupfs) and runtime (runc with the systemd driver) disagree:
// the kubelet keeps running and the node stays Ready, but a new pod's
// sandbox fails with runc's cgroupsPath error.
func TestK8sFaultCgroupDriver(t *testing.T) {
	k := lab.RequireK8s(t)
	node := k.Nodes[len(k.Nodes)-1]
	// The kubelet's log outlives lab restarts: only what it writes after
	// the fault is staged counts.
	var from int64
	if fi, err := os.Stat(node.KubeletLog); err == nil {
		from = fi.Size()
	}
	lab.Fault(t, "k8s-cgroup-driver")
	poll(t, 90*time.Second, "runc's cgroupsPath error in the kubelet's log", func() bool {
		f, err := os.Open(node.KubeletLog)
		if err != nil {
			return false
		}
		defer f.Close()
		if _, err := f.Seek(from, io.SeekStart); err != nil {
			return false
		}
		b, _ := io.ReadAll(io.LimitReader(f, 64<<20))
		return strings.Contains(string(b), "expected cgroupsPath to be of format")
	})
	var got string
	poll(t, 60*time.Second, "the cgroupdriver pod waiting in ContainerCreating", func() bool {
		out, err := k.Kubectl(context.Background(), "get", "pod", "-n", k.Namespace, "cgroupdriver", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}")
		got = strings.TrimSpace(string(out))
		return err == nil && got == "ContainerCreating"
	})
	if st := nodeReady(t, k, node.Name); st != "True" {
		t.Errorf("%s went %s: the kubelet should keep running", node.Name, st)
	}
	fmt.Fprintln(os.Stderr, "cgroup-driver fault staged on", node.Name)
}
