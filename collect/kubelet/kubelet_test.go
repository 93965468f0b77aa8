package kubelet

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/hostroot"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// kubeadm's systemd drop-in as the kubernetes packages ship it:
// https://github.com/kubernetes/release/blob/master/cmd/krel/templates/latest/kubeadm/10-kubeadm.conf
const kubeadmDropIn = `# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`

// The base unit of the same packages:
// https://github.com/kubernetes/release/blob/master/cmd/krel/templates/latest/kubelet/kubelet.service
const kubeletUnit = `[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
`

// What kubeadm 1.29+ writes (https://github.com/kubernetes/kubeadm/issues/2986 shows the same shape).
const kubeadmFlags = `KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9"
`

// A kubeadm KubeletConfiguration, trimmed (kubeadm sets cgroupDriver: systemd since 1.22).
const kubeadmConfig = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
staticPodPath: /etc/kubernetes/manifests
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: false
`

// kubeadm's static pod manifest shape, with a secret-looking flag the redactor must mask.
const staticPod = `apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.34.4
    command:
    - kube-apiserver
    - --token-auth-file=/etc/kubernetes/tokens.csv
`

func write(t *testing.T, root, p, data string) {
	t.Helper()
	full := filepath.Join(root, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestUnitArgsKubeadm(t *testing.T) {
	files := map[string]string{"/lib/systemd/system/kubelet.service": kubeletUnit,
		"/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf": kubeadmDropIn,
		"/var/lib/kubelet/kubeadm-flags.env":                        kubeadmFlags,
		"/etc/default/kubelet":                                      "KUBELET_EXTRA_ARGS='--node-ip=10.0.0.5 --cgroup-driver=cgroupfs'\n"}
	read := func(p string) []byte {
		if v, ok := files[p]; ok {
			return []byte(v)
		}
		return nil
	}
	args, named := unitArgs([]string{"/lib/systemd/system/kubelet.service", "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"}, read)
	want := "/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9 --node-ip=10.0.0.5 --cgroup-driver=cgroupfs"
	if got := strings.Join(args, " "); got != want {
		t.Fatalf("args\n got %s\nwant %s", got, want)
	}
	if strings.Join(named, ",") != "/var/lib/kubelet/kubeadm-flags.env,/etc/default/kubelet" {
		t.Fatalf("environment files %v", named)
	}
	// Without the drop-in the unit's bare ExecStart stays: no flags.
	args, _ = unitArgs([]string{"/lib/systemd/system/kubelet.service"}, read)
	if strings.Join(args, " ") != "/usr/bin/kubelet" {
		t.Fatalf("bare unit: %v", args)
	}
}

func TestEffectiveFlagsOverConfigOverDefaults(t *testing.T) {
	cfg, err := parseConfig([]byte(kubeadmConfig))
	if err != nil {
		t.Fatal(err)
	}
	e := effective([]string{"kubelet", "--config=/var/lib/kubelet/config.yaml", "--container-runtime-endpoint", "unix:///run/crio/crio.sock"}, cfg, "/var/lib/kubelet/config.yaml")
	if e.CgroupDriver != "systemd" || e.From["cgroup_driver"] != "config" {
		t.Errorf("cgroup driver %s from %s", e.CgroupDriver, e.From["cgroup_driver"])
	}
	if e.RuntimeEndpoint != "unix:///run/crio/crio.sock" || e.From["runtime_endpoint"] != "flag" {
		t.Errorf("endpoint %s from %s", e.RuntimeEndpoint, e.From["runtime_endpoint"])
	}
	if e.RootDir != defaultRootDir || e.From["root_dir"] != "default" || e.PodLogsDir != defaultPodLogsDir || e.HealthzPort != 10248 {
		t.Errorf("defaults: %+v", e)
	}
	// A flag beats the config file for the cgroup driver too.
	e = effective([]string{"kubelet", "--cgroup-driver=cgroupfs"}, cfg, "")
	if e.CgroupDriver != "cgroupfs" || e.From["cgroup_driver"] != "flag" {
		t.Errorf("flag override: %s from %s", e.CgroupDriver, e.From["cgroup_driver"])
	}
	// Nothing at all: kubelet's defaults.
	e = effective(nil, kubeletConfig{}, "")
	if e.CgroupDriver != "cgroupfs" || e.RuntimeEndpoint != defaultRuntimeEndpoint {
		t.Errorf("empty: %+v", e)
	}
}

func TestShellWordsAndExpand(t *testing.T) {
	for in, want := range map[string]string{
		`a "b c" 'd e' f`:          "a|b c|d e|f",
		`--x="y z"`:                "--x=y z",
		`  `:                       "",
		`""`:                       "",
		`"say \"hi\""`:             `say "hi"`,
		`unterminated "quote here`: "unterminated|quote here",
	} {
		if got := strings.Join(shellWords(in), "|"); got != want {
			t.Errorf("shellWords(%q) = %q, want %q", in, got, want)
		}
	}
	env := map[string]string{"A": "1", "B_2": "two"}
	for in, want := range map[string]string{"$A ${B_2} $MISSING x": "1 two  x", "${A": "${A", "$": "$", "a$": "a$"} {
		if got := expand(in, env); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}

// k3s's kubelet-arg list, as its docs show it:
// https://docs.k3s.io/cli/agent#customized-flags-for-kubernetes-processes
func TestDistroArgs(t *testing.T) {
	got := distroArgs([]byte("kubelet-arg:\n  - \"cgroup-driver=systemd\"\n  - \"--max-pods=250\"\n"))
	if strings.Join(got, " ") != "--cgroup-driver=systemd --max-pods=250" {
		t.Fatalf("%v", got)
	}
	if distroArgs([]byte("{{{")) != nil {
		t.Fatal("garbage parsed")
	}
}

// A kubeadm node whose kubelet is stopped: the config, flags and static pods
// still come back, from the files kubelet would start with, read under
// --host-root.
func TestStoppedKubeletUnderHostRoot(t *testing.T) {
	root := t.TempDir()
	write(t, root, "/lib/systemd/system/kubelet.service", kubeletUnit)
	write(t, root, "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", kubeadmDropIn)
	write(t, root, "/var/lib/kubelet/kubeadm-flags.env", kubeadmFlags)
	write(t, root, "/var/lib/kubelet/config.yaml", kubeadmConfig)
	write(t, root, "/etc/kubernetes/manifests/kube-apiserver.yaml", staticPod)
	write(t, root, "/var/lib/kubelet/pods/0d7c1bde-0000-4000-8000-000000000001/volumes/kubernetes.io~projected/kube-api-access-abcde/token", "eyJhbGciOi.secret.value")
	write(t, root, "/var/lib/kubelet/pods/0d7c1bde-0000-4000-8000-000000000001/containers/app/1a2b3c4d", "")

	env := collect.NewTestEnv()
	env.ProcRoot = t.TempDir() // no processes: kubelet is down
	var err error
	if env.Host, err = hostroot.New(root); err != nil {
		t.Fatal(err)
	}
	out := collect.NewCapture()
	if err := (Source{}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var got Instances
	if err := json.Unmarshal(out.Files["kubelet.json"], &got); err != nil {
		t.Fatalf("%v: %s", err, out.Files["kubelet.json"])
	}
	if len(got.Instances) != 1 {
		t.Fatalf("instances: %+v", got.Instances)
	}
	in := got.Instances[0]
	e := in.Effective
	if in.Running || in.ArgsFrom != "systemd unit" || e.CgroupDriver != "systemd" ||
		e.RuntimeEndpoint != "unix:///var/run/containerd/containerd.sock" || e.From["runtime_endpoint"] != "flag" ||
		e.ConfigPath != "/var/lib/kubelet/config.yaml" || e.StaticPodPath != "/etc/kubernetes/manifests" {
		t.Fatalf("effective: %+v", in)
	}
	if in.ConfigFile != "kubelet/files/var/lib/kubelet/config.yaml" || string(out.Files["files/var/lib/kubelet/config.yaml"]) != kubeadmConfig {
		t.Errorf("config file %q stored as %q", in.ConfigFile, out.Files["files/var/lib/kubelet/config.yaml"])
	}
	if len(in.StaticPodFiles) != 1 || out.Files["files/etc/kubernetes/manifests/kube-apiserver.yaml"] == nil {
		t.Errorf("static pods %v", in.StaticPodFiles)
	}
	if in.Healthz != nil {
		t.Errorf("healthz asked of a stopped kubelet: %+v", in.Healthz)
	}
	var pods Pods
	json.Unmarshal(out.Files["instance-0/pods.json"], &pods)
	if len(pods.Pods) != 1 || len(pods.Pods[0].Volumes) != 1 || pods.Pods[0].Containers["app"][0] != "1a2b3c4d" {
		t.Errorf("pods: %+v", pods)
	}
	for name, data := range out.Files {
		if strings.Contains(string(data), "eyJhbGciOi.secret.value") {
			t.Errorf("%s holds a volume's content", name)
		}
	}
	// Paths recorded are the host's, never the root's.
	if strings.Contains(string(out.Files["kubelet.json"]), root) {
		t.Errorf("kubelet.json names the host root %s", root)
	}
}

// An empty node: no kubelet, no files: skipped, saying what was looked for.
func TestNoKubelet(t *testing.T) {
	env := collect.NewTestEnv()
	env.ProcRoot = t.TempDir()
	env.Host, _ = hostroot.New(t.TempDir())
	out := collect.NewCapture()
	if err := (Source{}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if out.Skipped == "" || out.Files["kubelet.json"] != nil {
		t.Fatalf("skipped %q, %d files", out.Skipped, len(out.Files))
	}
}

// The lab's kubelets run (started by hand, no systemd): their flags, config,
// pods and healthz come from the processes.
func TestLabKubelets(t *testing.T) {
	lab.Require(t)
	env := collect.NewTestEnv()
	out := collect.NewCapture()
	if err := (Source{}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var got Instances
	if err := json.Unmarshal(out.Files["kubelet.json"], &got); err != nil {
		t.Skipf("no kubelet in this lab: %v", err)
	}
	running := 0
	for _, in := range got.Instances {
		if !in.Running {
			continue
		}
		running++
		e := in.Effective
		if !strings.HasPrefix(e.RuntimeEndpoint, "unix:///run/rtsnap-lab/") || e.From["runtime_endpoint"] != "config" ||
			e.CgroupDriver != "cgroupfs" || !strings.HasPrefix(e.RootDir, "/var/lib/rtsnap-lab/") || e.From["root_dir"] != "flag" ||
			!strings.Contains(e.PodLogsDir, "rtsnap-lab") {
			t.Errorf("kubelet %d: %+v", in.PID, e)
		}
		if in.Healthz == nil || in.Healthz.StatusCode != 200 || in.Healthz.Body != "ok" {
			t.Errorf("kubelet %d healthz: %+v", in.PID, in.Healthz)
		}
		var pods Pods
		json.Unmarshal(out.Files[strings.TrimPrefix(in.PodsFile, "kubelet/")], &pods)
		if len(pods.Pods) == 0 {
			t.Errorf("kubelet %d: no pod dirs under %s", in.PID, e.RootDir)
		}
		if len(in.StaticPodFiles) == 0 {
			t.Logf("kubelet %d: no static pods (staticPodPath %s)", in.PID, e.StaticPodPath)
		}
	}
	if running == 0 {
		t.Skip("no kubelet running in this lab")
	}
}
