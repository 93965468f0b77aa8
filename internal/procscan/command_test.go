package procscan

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// Daemons and the same binaries run as commands, from where each command
// line comes from. A daemon keeps its role; a command is RoleOther.
func TestDaemonOrCommand(t *testing.T) {
	cases := []struct {
		from string
		args []string
		want Role
	}{
		// The lab's daemons (lab/lab.sh start_containerd, start_dockerd).
		{"lab", []string{"/var/cache/rtsnap-lab/bin/cd16/containerd", "--config", "/var/lib/rtsnap-lab/cd16/config.toml"}, RoleContainerd},
		{"lab", []string{"dockerd", "--iptables=false", "--ip-masq=false", "--bridge=none", "--log-level=info", "--label", "api_token=x"}, RoleDockerd},
		// k3s runs its containerd with short flags (k3s agent, pkg/agent/containerd).
		{"k3s", []string{"containerd", "-c", "/var/lib/rancher/k3s/agent/etc/containerd/config.toml", "-a", "/run/k3s/containerd/containerd.sock", "--state", "/run/k3s/containerd", "--root", "/var/lib/rancher/k3s/agent/containerd"}, RoleContainerd},
		// Docker's systemd unit (docker-ce's docker.service ExecStart).
		{"docker.service", []string{"/usr/bin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock"}, RoleDockerd},
		// kubeadm's kubelet drop-in (10-kubeadm.conf) with its flags file.
		{"kubeadm", []string{"/usr/bin/kubelet", "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf", "--kubeconfig=/etc/kubernetes/kubelet.conf", "--config=/var/lib/kubelet/config.yaml", "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock", "--pod-infra-container-image=registry.k8s.io/pause:3.9", "-v", "2"}, RoleKubelet},
		{"cri-dockerd.service", []string{"/usr/bin/cri-dockerd", "--container-runtime-endpoint", "fd://", "--network-plugin=cni", "--v", "2"}, RoleCRIDockerd},
		{"crio.service", []string{"/usr/bin/crio", "--log-level", "info"}, RoleCRIO},

		// Shims that publish by exec (containerd's shim remoteEventsPublisher:
		// exec.Command(containerdBinaryFlag, "--address", address, "publish",
		// "--topic", topic, "--namespace", ns)).
		{"shim publisher", []string{"/usr/bin/containerd", "--address", "/run/containerd/containerd.sock", "publish", "--topic", "/tasks/exit", "--namespace", "k8s.io"}, RoleOther},
		// rtsnap's configs source and version probes.
		{"rtsnap configs", []string{"/usr/bin/containerd", "--config", "/etc/containerd/config.toml", "config", "dump"}, RoleOther},
		{"rtsnap version", []string{"containerd", "--version"}, RoleOther},
		{"rtsnap version", []string{"/usr/bin/kubelet", "--version"}, RoleOther},
		{"kubelet --version=raw", []string{"kubelet", "--version=raw"}, RoleOther},
		{"docker docs", []string{"dockerd", "-v"}, RoleOther},
		{"containerd docs", []string{"containerd", "config", "default"}, RoleOther},
		{"containerd oci-hook", []string{"containerd", "oci-hook", "--", "/usr/bin/hook"}, RoleOther},
		{"CRI-O docs", []string{"crio", "--config", "/etc/crio/crio.conf", "config"}, RoleOther},
		{"CRI-O docs", []string{"crio", "status", "info"}, RoleOther},
		{"CRI-O docs", []string{"crio", "version"}, RoleOther},
		{"cri-dockerd --version", []string{"cri-dockerd", "--version"}, RoleOther},
		// Not a daemon's binary: subcommands are runc's normal form.
		{"runc", []string{"runc", "--root", "/run/containerd/runc/k8s.io", "state", "abc"}, RoleRunc},
	}
	for _, c := range cases {
		if got := Classify("x", c.args); got != c.want {
			t.Errorf("%s: Classify(%q) = %q, want %q", c.from, c.args, got, c.want)
		}
	}
}

// helperEnv makes the test binary a process that only sleeps, so a test can
// give it any command line.
const helperEnv = "RTSNAP_PROCSCAN_SLEEP"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A process table read from /proc gives a live `containerd ... publish`
// no daemon role and the same binary's daemon command line the daemon's.
func TestListTellsACommandFromTheDaemon(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	start := func(args ...string) int {
		cmd := exec.Command(self)
		cmd.Args = args
		cmd.Env = append(os.Environ(), helperEnv+"=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd.Process.Pid
	}
	daemon := start("containerd", "--config", "/etc/containerd/config.toml")
	publish := start("containerd", "--address", "/run/containerd/containerd.sock", "publish", "--topic", "/tasks/exit", "--namespace", "k8s.io")
	want := map[int]Role{daemon: RoleContainerd, publish: RoleOther}
	// The kernel shows a child's new command line once it has exec'd.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ps, err := List("/proc")
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]Role{}
		for _, p := range ps {
			if _, ok := want[p.PID]; ok && len(p.Args) > 1 {
				got[p.PID] = p.Role
			}
		}
		if len(got) == len(want) {
			for pid, role := range want {
				if got[pid] != role {
					t.Errorf("pid %d: role %q, want %q", pid, got[pid], role)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("helpers %v not listed with their command lines: %v", want, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
