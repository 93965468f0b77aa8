package collect

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A kubeadm-written KubeletConfiguration (the shape kubeadm 1.34 writes to
// /var/lib/kubelet/config.yaml, trimmed) names the runtime endpoint the
// sources must ask even when it is not a well-known path.
func TestConfigRuntimeEndpoint(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
containerRuntimeEndpoint: unix:///run/k3s/containerd/containerd.sock
authentication:
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
`), 0o644)
	if got, err := configRuntimeEndpoint(cfg); err != nil || got != "unix:///run/k3s/containerd/containerd.sock" {
		t.Fatalf("got %q, %v", got, err)
	}
	// No endpoint in the file: nothing (kubelet's default is well-known anyway).
	os.WriteFile(cfg, []byte("kind: KubeletConfiguration\ncgroupDriver: systemd\n"), 0o644)
	if got, err := configRuntimeEndpoint(cfg); err != nil || got != "" {
		t.Fatalf("no endpoint: got %q, %v", got, err)
	}
	// Hostile: a FIFO in its place is not opened for reading forever, and
	// a malformed file is an error, not a guess.
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := configRuntimeEndpoint(fifo); err == nil {
		t.Error("a FIFO was read as a kubelet config")
	}
	os.WriteFile(cfg, []byte("containerRuntimeEndpoint: [unclosed\n"), 0o644)
	if _, err := configRuntimeEndpoint(cfg); err == nil {
		t.Error("malformed config accepted")
	}
}
