package rules

import (
	"strings"
	"testing"
)

// A kubeadm node whose kubelet is stopped (the usual state when it crashes on
// start-up for exactly this reason): discovery has no kubelet process, the
// kubelet source rebuilt its settings from the systemd drop-in and
// /var/lib/kubelet/config.yaml. The log line kubelet prints in that case:
// "failed to run Kubelet: misconfiguration: kubelet cgroup driver: \"systemd\" is different from docker cgroup driver: \"cgroupfs\""
// (https://github.com/kubernetes/kubernetes/issues/43805).
func kubeletDownFiles(driver, endpoint string, socketExists bool) map[string]string {
	exists := "false"
	if socketExists {
		exists = "true"
	}
	return map[string]string{
		"discovery/kubelet.json": `{"running":false}`,
		"kubelet/kubelet.json": `{"instances":[{"running":false,"args_from":"systemd unit","config_file":"kubelet/files/var/lib/kubelet/config.yaml",
			"effective":{"config_path":"/var/lib/kubelet/config.yaml","root_dir":"/var/lib/kubelet","pod_logs_dir":"/var/log/pods",
			"runtime_endpoint":"` + endpoint + `","cgroup_driver":"` + driver + `","healthz_bind_address":"127.0.0.1","healthz_port":10248,
			"from":{"cgroup_driver":"config","runtime_endpoint":"flag"}}}]}`,
		"discovery/endpoints.json": `[{"path":"/run/containerd/containerd.sock","kind":"containerd","origin":"well-known","exists":` + exists + `,"is_socket":` + exists + `,"answers":` + exists + `,"code":"OK"}]`,
		"configs/containerd.json":  `[{"pid":501,"config_path":"/etc/containerd/config.toml","address":"/run/containerd/containerd.sock","dump":"containerd-dump/run_containerd_containerd.toml"}]`,
		"configs/containerd-dump/run_containerd_containerd.toml": "version = 2\n[grpc]\n  address = \"/run/containerd/containerd.sock\"\n" +
			"[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = false\n",
		"redaction-report.json": `{"rule_set_version":"1","total":0}`,
	}
}

func TestCgroupDriverMismatchWithKubeletDown(t *testing.T) {
	fs := cgroupDriverMismatch(node(healthy(), kubeletDownFiles("systemd", "unix:///run/containerd/containerd.sock", true)))
	if len(fs) != 1 || !strings.Contains(fs[0].Title, "kubelet of /var/lib/kubelet/config.yaml uses the systemd cgroup driver, containerd (pid 501) uses cgroupfs") {
		t.Fatalf("findings: %+v", fs)
	}
	if fs[0].Evidence[0].Path != "kubelet/kubelet.json" {
		t.Errorf("evidence %+v, want kubelet/kubelet.json", fs[0].Evidence[0])
	}
	// Same driver on both sides: quiet.
	if fs := cgroupDriverMismatch(node(healthy(), kubeletDownFiles("cgroupfs", "unix:///run/containerd/containerd.sock", true))); len(fs) != 0 {
		t.Fatalf("matching drivers: %+v", fs)
	}
}

func TestKubeletEndpointMissingWithKubeletDown(t *testing.T) {
	fs := kubeletEndpointMissing(node(healthy(), kubeletDownFiles("cgroupfs", "unix:///run/containerd/containerd.sock", false)))
	if len(fs) != 1 || !strings.Contains(fs[0].Title, "/run/containerd/containerd.sock does not exist") ||
		!strings.Contains(fs[0].Explanation, "kubelet not running") {
		t.Fatalf("findings: %+v", fs)
	}
	// An endpoint not among the sockets discovered fires too.
	if fs := kubeletEndpointMissing(node(healthy(), kubeletDownFiles("cgroupfs", "unix:///run/crio/crio.sock", true))); len(fs) != 1 {
		t.Fatalf("undiscovered endpoint: %+v", fs)
	}
	// The socket is there and answers: quiet.
	if fs := kubeletEndpointMissing(node(healthy(), kubeletDownFiles("cgroupfs", "unix:///run/containerd/containerd.sock", true))); len(fs) != 0 {
		t.Fatalf("healthy endpoint: %+v", fs)
	}
}

// A running kubelet's own view (discovery) wins over the files.
func TestRunningKubeletViewKept(t *testing.T) {
	files := kubeletDownFiles("systemd", "unix:///run/containerd/containerd.sock", true)
	files["discovery/kubelet.json"] = `{"running":true,"pid":812,"runtime_endpoint":"unix:///run/containerd/containerd.sock","endpoint_from":"config","cgroup_driver":"cgroupfs"}`
	if fs := cgroupDriverMismatch(node(healthy(), files)); len(fs) != 0 {
		t.Fatalf("files overrode the running kubelet: %+v", fs)
	}
}

// A stopped kubelet the node is set up for (its unit and config file are
// in the bundle) is a finding quoting its last journal lines; a running one,
// or a host with no kubelet set up at all, is quiet.
func TestKubeletNotRunning(t *testing.T) {
	files := kubeletDownFiles("systemd", "unix:///run/containerd/containerd.sock", true)
	// The line kubelet exits with in kubernetes/kubernetes#43805.
	files["journal/kubelet.jsonl"] = `{"__REALTIME_TIMESTAMP":"1700000000000000","_SYSTEMD_UNIT":"kubelet.service","MESSAGE":"error: failed to run Kubelet: failed to create kubelet: misconfiguration: kubelet cgroup driver: \"systemd\" is different from docker cgroup driver: \"cgroupfs\""}` + "\n"
	fs := kubeletNotRunning(node(healthy(), files), unbounded())
	if len(fs) != 1 || !strings.Contains(fs[0].Title, "is not running (set up by systemd unit and kubelet/files/var/lib/kubelet/config.yaml)") {
		t.Fatalf("findings: %+v", fs)
	}
	if e := fs[0].Evidence; len(e) != 2 || e[1].Path != "journal/kubelet.jsonl" || !strings.Contains(e[1].Excerpt, "failed to run Kubelet") {
		t.Errorf("evidence %+v: want the instance and the kubelet's last journal line", e)
	}
	running := kubeletDownFiles("systemd", "unix:///run/containerd/containerd.sock", true)
	running["discovery/kubelet.json"] = `{"running":true,"pid":812,"runtime_endpoint":"unix:///run/containerd/containerd.sock","cgroup_driver":"systemd"}`
	running["kubelet/kubelet.json"] = `{"instances":[{"running":true,"pid":812,"args_from":"process","effective":{"runtime_endpoint":"unix:///run/containerd/containerd.sock","cgroup_driver":"systemd"}}]}`
	if fs := kubeletNotRunning(node(healthy(), running), unbounded()); len(fs) != 0 {
		t.Errorf("running kubelet: %+v", fs)
	}
	none := map[string]string{"kubelet/kubelet.json": `{"instances":[{"running":false,"args_from":"none","effective":{}}]}`, "redaction-report.json": `{"rule_set_version":"1","total":0}`}
	if fs := kubeletNotRunning(node(healthy(), none), unbounded()); len(fs) != 0 {
		t.Errorf("no kubelet set up: %+v", fs)
	}
	if fs := kubeletNotRunning(node(healthy(), nil), unbounded()); len(fs) != 0 {
		t.Errorf("no kubelet files: %+v", fs)
	}
}
