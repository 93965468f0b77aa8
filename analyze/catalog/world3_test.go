package catalog

import "testing"

// The classes and widenings of branch catalog-world3 (batch 23's open
// list, docs/analyzer.md): each fires on real lines and stays quiet on the
// real lines that share its words but not its cause.

// TestWorld3Precedence: real lines two classes match; the cause wins.
func TestWorld3Precedence(t *testing.T) {
	checkPrecedence(t, []precedenceCase{
		// https://github.com/kubernetes-retired/bootkube/issues/741:
		// kube-proxy's own modprobe of ip_vs is a host tool missing from
		// its image, not a container's command.
		{`time="2017-10-19T22:42:27Z" level=warning msg="Running modprobe ip_vs failed with message: ` + "``" + `, error: exec: \"modprobe\": executable file not found in $PATH"`,
			"RT1761-node-host-tool-missing", "RT1325-executable-not-found"},
		// https://github.com/kubernetes/kubeadm/issues/2852: kubectl
		// refusing the API server's certificate is the cluster's PKI, not
		// a registry's (RT1317 reads any "certificate has expired").
		{`Unable to connect to the server: x509: certificate has expired or is not yet valid: current time 2023-03-31T09:11:37+03:00 is after 2023-03-25T05:32:30Z`,
			"RT1805-apiserver-certificate-expired", "RT1317-x509-certificate-expired"},
		// https://github.com/minio/minio/issues/15609: CRI-O's "name is
		// reserved" behind its own diagnosis of a create still running
		// under load is the slow runtime, not a leftover name.
		{`Warning Failed 53s (x36 over 149m) kubelet (combined from similar events): Error: Kubelet may be retrying requests that are timing out in CRI-O due to system load: context deadline exceeded: error reserving ctr name k8s_minio_data-analytics-prod-pool-0-3_oci-prod-data-analytics_8dec4302-e6b4-4874-9a60-ea305b96347f_0 for id 8424e8fdc1a42daec5810b43a8baf7a9a80f7835a843fc104fe9f621a14983cb: name is reserved`,
			"RT1336-runtime-slow", "RT1330-container-name-reserved"},
		// https://github.com/siderolabs/talos/pull/8641: containerd's
		// profile load failing because apparmor_parser is missing is the
		// missing tool (priority 1), not the parser refusing the profile.
		{`kubelet[1706]: E0430 16:35:26.865258    1706 pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"kube-apiserver\" with CreateContainerError: \"failed to create containerd container: load apparmor profile /tmp/cri-containerd.apparmor.d3636700873: parser error(\\\"\\\"): exec: \\\"apparmor_parser\\\": executable file not found in $PATH\""`,
			"RT1761-node-host-tool-missing", "RT1342-apparmor-denied"},
		// https://github.com/kubernetes/kubernetes/issues/33084: image GC
		// quoting the daemon's refusal is GC that cannot free the disk,
		// not a cleanup script's rmi.
		{`E0920 12:54:55.094797     725 kubelet.go:933] Image garbage collection failed: Error response from daemon: conflict: unable to delete 8078e9a95c44 (cannot be forced) - image is being used by running container 1223d63c4e50`,
			"RT1324-image-gc-failed", "RT1714-image-in-use"},
	})
}

// TestWorld3Fires: real lines of the new shapes land in their class.
func TestWorld3Fires(t *testing.T) {
	c := load(t)
	for _, tc := range []struct{ line, want string }{
		// https://github.com/containerd/containerd/issues/11071: the dead
		// shim's cleanup failed (the ignore entry for containerd's
		// "shim disconnected" narration must not swallow it).
		{`"failed to clean up after shim disconnected" error="io.containerd.runc.v2: open /run/containerd/io.containerd.runtime.v2.task/k8s.io/83bf797db1414d96259aa29a7325f107360383ff418ffbd3c356b14ef09f6aa2/runtime: no such file or directory: exit status 1" id=83bf797db1414d96259aa29a7325f107360383ff418ffbd3c356b14ef09f6aa2 namespace=k8s.io`,
			"RT1303-shim-died"},
		// https://github.com/IceWhaleTech/CasaOS/issues/76: dockerd in an
		// LXC container cannot load docker-default.
		{`Error response from daemon: AppArmor enabled on system but the docker-default profile could not be loaded: running ` + "`/sbin/apparmor_parser apparmor_parser -Kr /var/lib/docker/tmp/docker-default401788521`" + ` failed with output: apparmor_parser: Unable to replace "docker-default". Permission denied; attempted to load a profile while confined? error: exit status 243`,
			"RT1342-apparmor-denied"},
		// https://github.com/NVIDIA/k8s-device-plugin/issues/444 (CRI log).
		{`2023-10-19T11:11:54.957723331+08:00 stderr F 2023/10/19 03:11:54 Failed to initialize NVML: could not load NVML library.`,
			"RT1763-nvidia-nvml-unavailable"},
		// https://github.com/kubernetes-sigs/aws-ebs-csi-driver/issues/795
		{`E0312 23:34:38.526557       1 driver.go:115] GRPC error: rpc error: code = Internal desc = Could not attach volume "vol-0210b73b6a589c69b" to node "i-0deb566b98a30ac3b": RequestCanceled: request context canceled`,
			"RT1362-volume-mount-failed"},
		// https://github.com/cilium/cilium/issues/10627: the agent's IPAM
		// pool is empty; the CNI setup failure around it is the symptom.
		{`networkPlugin cni failed to set up pod network: unable to allocate IP via local cilium agent: [POST /ipam][502] postIpamFailure range is full`,
			"RT1600-cni-ipam-exhausted"},
		// https://github.com/k3s-io/k3s/issues/12028: the kernel's OOM
		// killer header without its memcg line (a global OOM).
		{`[ 3690.421554] StreamTrans #72 invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=167`,
			"RT1344-host-oom"},
		// https://github.com/weaveworks/weave/issues/2632 (weave-npc's own format)
		{`FATA: 2017/02/09 10:21:17.414638 add pod: ipset [add weave-iuZcey(5DeXbzgRFs8Szo]<@p 192.168.64.178] failed: ipset v6.29: Element cannot be added to the set: it's already added`,
			"RT1601-cni-agent-not-ready"},
	} {
		if m := c.ClassifyLine(tc.line); m == nil || m.Class.ID != tc.want {
			t.Errorf("want %s, got %+v: %s", tc.want, m, tc.line)
		}
	}
}

// TestWorld3Quiet: real lines with the new patterns' words that are not
// their cause.
func TestWorld3Quiet(t *testing.T) {
	c := load(t)
	for _, tc := range []struct{ line, not string }{
		// https://github.com/docker/docker-ce-packaging/pull/1121: dockerd
		// without modprobe logs this at every start and carries on; no
		// container's command (RT1325), and not kube-proxy's IPVS (RT1761).
		{`time="2024-11-29T20:04:58.538404376Z" level=warning msg="Running modprobe bridge br_netfilter failed with message: , error: exec: \"modprobe\": executable file not found in $PATH"`,
			"RT1325-executable-not-found"},
		{`time="2024-11-29T20:04:58.538404376Z" level=warning msg="Running modprobe bridge br_netfilter failed with message: , error: exec: \"modprobe\": executable file not found in $PATH"`,
			"RT1761-node-host-tool-missing"},
		// https://github.com/kubernetes/kubernetes/issues/127588: the
		// Service ClusterIP range is full, not the node's pod IPAM.
		{`Error from server (InternalError): error when creating "test-service.yaml": Internal error occurred: failed to allocate a serviceIP: range is full`,
			"RT1600-cni-ipam-exhausted"},
		// https://github.com/kubernetes/kubeadm/issues/2293: kubelet on a
		// node without GPUs.
		{`Sep 16 23:26:36 expr-etcd1.node kubelet[522]: W0916 23:26:36.305730     522 nvidia.go:61] NVIDIA GPU metrics will not be available: no NVIDIA devices found`,
			"RT1763-nvidia-nvml-unavailable"},
	} {
		if m := c.ClassifyLine(tc.line); m != nil && m.Class.ID == tc.not {
			t.Errorf("lands in %s (matched %q): %s", tc.not, m.Cause, tc.line)
		}
	}
	// containerd's narration of every container exit stays in no class.
	for _, line := range []string{
		// https://github.com/containerd/containerd/issues/6402
		`containerd[3905483]: time="2022-01-02T21:53:01.309515034+08:00" level=info msg="shim disconnected" id=6ce9d405aaae9dfae615d0810ba46b4726c60607dd940233fe824b651158372e`,
		// https://github.com/containerd/containerd/pull/3206
		`INFO[2019-04-11T10:39:37.413880563-07:00] shim disconnected                             id=753143c31aa85fe7f1424f1e13cf1891510d377bbc86b8daa520c72b084051b6`,
	} {
		if m := c.ClassifyLine(line); m != nil {
			t.Errorf("lands in %s (matched %q): %s", m.Class.ID, m.Cause, line)
		}
	}
}
