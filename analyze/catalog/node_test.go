package catalog

import "testing"

// node.yaml (the node's classes the fresh sample of branch catalog-world
// found unnamed) is part of the loaded catalog and keeps the workload
// floors: RT1750-RT1799, real lines from more than one thread per class,
// every pattern fired by one of them, a held-out line from another thread.
func TestNodeCatalogFile(t *testing.T) {
	nc := checkFileFloors(t, "node.yaml", "RT1750", "RT1800", nil)
	if len(nc.Classes) < 9 || len(nc.Benign) < 12 {
		t.Fatalf("node.yaml: %d classes, %d benign lines", len(nc.Classes), len(nc.Benign))
	}
}

// TestNodePrecedence: real lines that a node.yaml class and another class
// both match; the cause the line is about wins.
func TestNodePrecedence(t *testing.T) {
	checkPrecedence(t, []precedenceCase{
		// https://github.com/k3s-io/k3s/issues/4085 (v1.20's fatal form): the
		// container manager failed because its kubepods cgroup sits under a
		// threaded parent; RT1764 has priority 1.
		{`F0927 22:39:54.054203       1 kubelet.go:1367] Failed to start ContainerManager cannot enter cgroupv2 "/sys/fs/cgroup/kubepods" with domain controllers -- it is in an invalid state`,
			"RT1764-cgroupv2-threaded-parent", "RT1711-kubelet-container-manager-failed"},
		// https://github.com/cilium/cilium/issues/35440: the i/o timeout is
		// to the API server's service IP, not a registry (RT1319 reads any
		// dial timeout as one); RT1750 has priority 1.
		{`time="2024-10-20T07:47:50Z" level=error msg="Unable to contact k8s api-server" error="Get \"https://10.43.0.1:443/api/v1/namespaces/kube-system\": dial tcp 10.43.0.1:443: i/o timeout" ipAddr="https://10.43.0.1:443" subsys=k8s-client`,
			"RT1750-apiserver-unreachable", "RT1319-registry-connect-timeout"},
		// https://github.com/kubernetes/kubernetes/issues/79362: a refused
		// connection on :443-like ports is RT1321's registry shape.
		{`Jun 25 09:45:54 kubernetes1 kubelet[9388]: E0625 09:45:54.974276    9388 reflector.go:126] k8s.io/kubernetes/pkg/kubelet/kubelet.go:451: Failed to list *v1.Node: Get https://10.132.0.2:6443/api/v1/nodes?fieldSelector=metadata.name%3Dkubernetes1&limit=500&resourceVersion=0: dial tcp 10.132.0.2:6443: connect: connection refused`,
			"RT1750-apiserver-unreachable", "RT1321-registry-connection-refused"},
		// RT1347's own example (Calico's CNI could not read its CRD): the
		// sandbox's network setup is what failed; RT1750's unless yields.
		{`Warning  FailedCreatePodSandBox  2m1s kubelet  Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "5d8c43f3b8179b87e01a6740a92bf485fe95cb16ca310e0c853ef731197f302b" network for pod "restic-2jsjf": networkPlugin cni failed to set up pod "restic-2jsjf_psc-velero" network: error getting ClusterInformation: Get "https://[10.43.0.1]:443/apis/crd.projectcalico.org/v1/clusterinformations/default": dial tcp 10.43.0.1:443: i/o timeout`,
			"RT1347-cni-setup-failed", "RT1750-apiserver-unreachable"},
		// https://github.com/tilt-dev/tilt/issues/6347 (a validation line of
		// RT1700 that an early RT1750 pattern took): an application's own
		// /api/v1/ping probed by kubelet is the workload's port, not the
		// API server; RT1750 now needs a core resource name after /api/v1/,
		// and the probe class still wins over the registry reading.
		{`[event: pod dev-nilesh/vuex-backend-prototyping-dev-56df545fc8-7fjrh] Liveness probe failed: Get "[http://10.51.230.85:8000/api/v1/ping":](http://10.51.230.85:8000/api/v1/ping:) dial tcp 10.51.230.85:8000: connect: connection refused`,
			"RT1700-liveness-probe-failed", "RT1321-registry-connection-refused"},
		// RT1759's own example (kubernetes-handbook#313): the memory cgroup
		// ids ran out; the disk is not full (RT1323).
		{`  Warning  FailedCreatePodContainer  25s (x70 over 15m)  kubelet, 10.10.252.4  unable to ensure pod container exists: failed to create container for [kubepods besteffort podc6eeec88-8664-11e9-9524-5254007057ba] : mkdir /sys/fs/cgroup/memory/kubepods/besteffort/podc6eeec88-8664-11e9-9524-5254007057ba: no space left on device`,
			"RT1759-memory-cgroup-ids-exhausted", "RT1323-no-space-left"},
		// RT1756's own example (kubernetes-handbook#31): systemd's 2xx
		// status is its own spawn failure, not the service's exit.
		{`Aug 15 14:52:29 docker-master systemd: kubelet.service: main process exited, code=exited, status=200/CHDIR`,
			"RT1756-systemd-service-spawn-failed", "RT1760-systemd-service-failing"},
		// https://github.com/rajch/weave/issues/15 (a validation line): the
		// iptables binary missing from Weave's image is a host tool of the
		// agent, not a container's command (RT1325).
		{`ERRO: 2024/11/07 10:38:46.303503 Error configuring iptables: creating iptables object while configuring: exec: "iptables": executable file not found in $PATH`,
			"RT1761-node-host-tool-missing", "RT1325-executable-not-found"},
		// https://github.com/rancher/elemental/issues/349 (RT1761's example):
		// containerd's apparmor_parser missing on the node is no container
		// command (RT1325).
		{`time="2022-09-22T11:13:25.630779894Z" level=error msg="CreateContainer within sandbox \"4be93975552749ec5339a0c85277dfc2b637b8471fab4a631ed54913ccc0397b\" for &ContainerMetadata{Name:etcd,Attempt:0,} failed" error="failed to create containerd container: get apparmor_parser version: exec: \"apparmor_parser\": executable file not found in $PATH"`,
			"RT1761-node-host-tool-missing", "RT1325-executable-not-found"},
		// https://github.com/kubernetes/minikube/issues/11966: kube-apiserver
		// refusing a client's expired certificate is not a registry's
		// certificate (RT1317 reads any "certificate has expired").
		{`E0713 04:31:22.339375       1 authentication.go:65] Unable to authenticate the request due to an error: x509: certificate has expired or is not yet valid`,
			"RT1656-kubelet-client-cert-expired", "RT1317-x509-certificate-expired"},
		// RT1657's own example: kubelet's registration names the operation.
		{`Aug 30 11:17:55 localhost.localdomain kubelet[2417]: E0830 11:17:55.780886    2417 kubelet_node_status.go:103] Unable to register node "localhost.localdomain" with API server: Post https://10.0.2.15:6443/api/v1/nodes: dial tcp 10.0.2.15:6443: connect: connection refused`,
			"RT1657-kubelet-node-not-registered", "RT1750-apiserver-unreachable"},
	})
}

// TestNodeQuiet: real lines with node.yaml's words that are another cause.
func TestNodeQuiet(t *testing.T) {
	c := load(t)
	for _, tc := range []struct{ line, not string }{
		// https://github.com/kubernetes/kubernetes/issues/103542: a missing
		// devices cgroup (ENOENT), not exhausted memory cgroup ids.
		{`unable to ensure pod container exists: failed to create container for [kubepods burstable pod247ca13b-bc17-4709-ab2c-4d98b5ad4fb2] : mkdir /sys/fs/cgroup/devices/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod247ca13b_bc17_4709_ab2c_4d98b5ad4fb2.slice: no such file or directory`,
			"RT1759-memory-cgroup-ids-exhausted"},
		// https://github.com/tilt-dev/tilt/issues/6347: an application's own
		// /api/v1/ping, not the API server.
		{`[event: pod dev-nilesh/vuex-backend-prototyping-dev-56df545fc8-7fjrh] Liveness probe failed: Get "[http://10.51.230.85:8000/api/v1/ping":](http://10.51.230.85:8000/api/v1/ping:) dial tcp 10.51.230.85:8000: connect: connection refused`,
			"RT1750-apiserver-unreachable"},
		// https://github.com/systemd/systemd/issues/13372 (its title; "these
		// aren't warning messages"): a unit stopped on purpose dies of its
		// SIGTERM, which is no failure.
		{`systemd[1]: ssss.service: Main process exited, code=killed, status=15/TERM`,
			"RT1760-systemd-service-failing"},
	} {
		if m := c.ClassifyLine(tc.line); m != nil && m.Class.ID == tc.not {
			t.Errorf("lands in %s (matched %q): %s", tc.not, m.Cause, tc.line)
		}
	}
	// The container's own command not found (RT1325's real lines) is not
	// a host tool of the node, whatever the binary is called.
	for _, cl := range c.Classes {
		if cl.ID != "RT1325-executable-not-found" {
			continue
		}
		for _, ex := range cl.Examples {
			if m := c.ClassifyLine(ex.Line); m != nil && m.Class.ID == "RT1761-node-host-tool-missing" {
				t.Errorf("RT1325 example lands in RT1761: %s", ex.Line)
			}
		}
	}
}
