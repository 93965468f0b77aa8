package discovery

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
)

func serveCRI(t *testing.T, name string, srv criapi.RuntimeServiceServer) string {
	t.Helper()
	p, l := listen(t, name)
	g := grpc.NewServer()
	criapi.RegisterRuntimeServiceServer(g, srv)
	go g.Serve(l)
	t.Cleanup(g.Stop)
	return p
}

// fakeProc writes /proc/<pid>/stat and cmdline under root for one process.
func fakeProc(t *testing.T, root string, pid int, args ...string) {
	t.Helper()
	dir := filepath.Join(root, strconv.Itoa(pid))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	comm := filepath.Base(args[0])
	stat := fmt.Sprintf("%d (%s) S 1 %d %d 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %d 0 0", pid, comm, pid, pid, 1000+pid)
	os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644)
	os.WriteFile(filepath.Join(dir, "cmdline"), []byte(strings.Join(args, "\x00")+"\x00"), 0o644)
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Four kubelets on one host, as in the lab (lab/k8s.sh) or a kind-like node:
// each one's config, endpoint and cgroup driver is recorded, and each
// endpoint matched to the socket it leads to (each its own), with the daemon
// serving it.
// Command lines: the lab's kubelet (lab/k8s.sh start_kubelet, the endpoint
// only in the config file), kubeadm's flags-in-argv form
// (https://github.com/kubernetes/kubeadm/issues/1328: --container-runtime-endpoint
// on the command line, the config file beside it) and cri-dockerd's
// (https://mirantis.github.io/cri-dockerd/usage/install-manually/).
func TestCollectRecordsEveryKubelet(t *testing.T) {
	cdSock := serveCRI(t, "containerd.sock", fakeCRI{})
	crioSock := serveCRI(t, "crio.sock", fakeCRI{})
	cridSock := serveCRI(t, "cri-dockerd.sock", fakeCRI{})
	missing := filepath.Join(t.TempDir(), "gone.sock")

	cfgs, proc := t.TempDir(), t.TempDir()
	cfgA := writeFile(t, cfgs, "a.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: cgroupfs\ncontainerRuntimeEndpoint: unix://"+cdSock+"\n")
	cfgB := writeFile(t, cfgs, "b.yaml", "kind: KubeletConfiguration\ncgroupDriver: systemd\ncontainerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n")
	cfgD := writeFile(t, cfgs, "d.yaml", "kind: KubeletConfiguration\ncgroupDriver: cgroupfs\ncontainerRuntimeEndpoint: "+missing+"\n")
	fakeProc(t, proc, 100, "/var/cache/rtsnap-lab/kubernetes-1.34.4/kubelet", "--config", cfgA, "--kubeconfig", "/x/kubelet-lab-cd2.kubeconfig",
		"--root-dir", "/x/root", "--hostname-override", "lab-cd2", "--node-ip", "10.232.1.1", "--v=2")
	fakeProc(t, proc, 200, "/usr/bin/kubelet", "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf", "--kubeconfig=/etc/kubernetes/kubelet.conf",
		"--config="+cfgB, "--container-runtime=remote", "--container-runtime-endpoint=unix://"+crioSock, "--hostname-override=node-b")
	fakeProc(t, proc, 300, "/usr/bin/cri-dockerd", "--container-runtime-endpoint", "unix://"+cridSock, "--network-plugin=cni", "--pod-infra-container-image=registry.k8s.io/pause:3.10")
	fakeProc(t, proc, 301, "/usr/bin/kubelet", "--container-runtime-endpoint=unix://"+cridSock, "--cgroup-driver=cgroupfs", "--hostname-override", "node-c")
	fakeProc(t, proc, 400, "/usr/bin/kubelet", "--config", cfgD, "--hostname-override", "node-d")

	env := collect.NewTestEnv()
	env.ProcRoot = proc
	env.CallTimeout = 2 * time.Second
	out := collect.NewCapture()
	if err := (Source{crictlPath: filepath.Join(cfgs, "absent.yaml")}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var kubs []KubeletRuntime
	if err := json.Unmarshal(out.Files["kubelets.json"], &kubs); err != nil {
		t.Fatalf("kubelets.json: %v: %s", err, out.Files["kubelets.json"])
	}
	byNode := map[string]KubeletRuntime{}
	for _, k := range kubs {
		byNode[k.NodeName] = k
	}
	if len(kubs) != 4 || len(byNode) != 4 {
		t.Fatalf("want 4 kubelets, got %d: %s", len(kubs), out.Files["kubelets.json"])
	}
	type want struct {
		pid                int
		path, from, driver string
		answers            bool
		servedBy           string
	}
	for node, w := range map[string]want{
		"lab-cd2": {100, cdSock, "config", "cgroupfs", true, ""},
		"node-b":  {200, crioSock, "command line", "systemd", true, ""},
		"node-c":  {301, cridSock, "command line", "cgroupfs", true, "cri-dockerd pid 300"},
		"node-d":  {400, missing, "config", "cgroupfs", false, ""},
	} {
		k := byNode[node]
		if k.PID != w.pid || !k.Running || k.EndpointFrom != w.from || k.CgroupDriver != w.driver || k.Endpoint == nil {
			t.Errorf("%s: %+v", node, k)
			continue
		}
		e := k.Endpoint
		if e.Path != w.path || e.Answers != w.answers || strings.Join(e.ServedBy, ",") != w.servedBy {
			t.Errorf("%s endpoint: %+v", node, e)
		}
		if w.answers && (e.Runtime != "fake 9.9" || e.Code != "OK" || !e.Exists) {
			t.Errorf("%s endpoint: %+v", node, e)
		}
		if !w.answers && (e.Exists || !strings.Contains(e.Error, "does not exist")) {
			t.Errorf("%s endpoint: %+v", node, e)
		}
	}
	if byNode["lab-cd2"].ConfigPath != cfgA {
		t.Errorf("config path: %+v", byNode["lab-cd2"])
	}

	// kubelet.json keeps one kubelet, the first; endpoints.json lists each
	// kubelet's endpoint under its own origin.
	var first Kubelet
	json.Unmarshal(out.Files["kubelet.json"], &first)
	if first.PID != 100 || first.RuntimeEndpoint != "unix://"+cdSock {
		t.Errorf("kubelet.json: %+v", first)
	}
	var socks []Socket
	json.Unmarshal(out.Files["endpoints.json"], &socks)
	origins := map[string]bool{}
	for _, s := range socks {
		origins[s.Origin+" "+s.Path] = true
	}
	for _, o := range []string{"kubelet pid 100 " + cdSock, "kubelet pid 200 " + crioSock, "kubelet pid 301 " + cridSock, "kubelet pid 400 " + missing, "cri-dockerd pid 300 " + cridSock} {
		if !origins[o] {
			t.Errorf("endpoints.json lacks %q: %v", o, origins)
		}
	}
}

// No kubelet: kubelets.json is an empty list (not null), kubelet.json says
// not running, and nothing is matched.
func TestCollectNoKubelet(t *testing.T) {
	proc := t.TempDir()
	fakeProc(t, proc, 300, "/usr/bin/cri-dockerd", "--container-runtime-endpoint", "unix:///nonexistent/cri-dockerd.sock")
	env := collect.NewTestEnv()
	env.ProcRoot = proc
	env.CallTimeout = time.Second
	out := collect.NewCapture()
	if err := (Source{crictlPath: filepath.Join(proc, "absent.yaml")}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out.Files["kubelets.json"])); got != "[]" {
		t.Errorf("kubelets.json: %s", got)
	}
	var k Kubelet
	json.Unmarshal(out.Files["kubelet.json"], &k)
	if k.Running || k.RuntimeEndpoint != "" {
		t.Errorf("kubelet.json: %+v", k)
	}
}

// A kubelet without an endpoint, or with a tcp:// one, has no socket to
// match: Endpoint stays nil rather than borrowing another kubelet's.
func TestMatchKubeletsLeavesUnmatchedAlone(t *testing.T) {
	socks := []Socket{}
	got := matchKubelets([]Kubelet{{PID: 1}, {PID: 2, RuntimeEndpoint: "tcp://10.0.0.1:1"}, {PID: 3, RuntimeEndpoint: "unix:///run/x.sock"}}, socks)
	for _, k := range got {
		if k.Endpoint != nil {
			t.Errorf("pid %d matched %+v", k.PID, k.Endpoint)
		}
	}
}

// A respawn loop of kubelets: kubelets.json is bounded, and matching
// thousands of kubelets against thousands of sockets stays linear (one
// index of the sockets, not a scan per kubelet).
func TestKubeletsBounded(t *testing.T) {
	var procs []procscan.Process
	var socks []Socket
	for i := 0; i < 5000; i++ {
		procs = append(procs, procscan.Process{PID: i + 1, Role: procscan.RoleKubelet, Args: []string{"kubelet", fmt.Sprintf("--container-runtime-endpoint=unix:///run/k%d.sock", i)}})
		s := Socket{Exists: true}
		s.Path, s.Origin = fmt.Sprintf("/run/k%d.sock", i), "well-known"
		socks = append(socks, s)
	}
	kubs := kubeletsOf(procs, func(p string) string { return p })
	if len(kubs) != maxKubelets {
		t.Fatalf("%d kubelets kept, want the first %d", len(kubs), maxKubelets)
	}
	got := matchKubelets(kubs, socks)
	for i, k := range got {
		if k.Endpoint == nil || k.Endpoint.Path != fmt.Sprintf("/run/k%d.sock", i) {
			t.Fatalf("kubelet %d: %+v", i, k.Endpoint)
		}
	}
}
