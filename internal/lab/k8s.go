package lab

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// K8s is the lab cluster's coordinates (lab/k8s.sh), from the lab's Env.
type K8s struct {
	Kubeconfig, KubectlBin, Namespace string
	// Nodes are the kubelets on containerd (lab-cd2, lab-cd17, in that
	// order: the fault node last); RuntimeNodes those on CRI-O and
	// cri-dockerd (lab-crio, lab-dockerd), kept apart because tests of the
	// containerd nodes import images with ctr and count their web pods.
	Nodes, RuntimeNodes []K8sNode
}

// K8sNode is one kubelet node of the lab cluster.
type K8sNode struct {
	Name, Socket, KubeletRoot, PodLogs, KubeletConfig, KubeletLog string
	// Runtime is "containerd", "crio" or "cri-dockerd"; DockerSocket is
	// the dockerd behind a cri-dockerd node.
	Runtime, DockerSocket string
}

// All is every kubelet node: Nodes, then RuntimeNodes.
func (k K8s) All() []K8sNode { return append(append([]K8sNode{}, k.Nodes...), k.RuntimeNodes...) }

// Node returns the node named name, or fails the test.
func (k K8s) Node(t testing.TB, name string) K8sNode {
	t.Helper()
	for _, n := range k.All() {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no lab node %s among %+v", name, k.All())
	return K8sNode{}
}

// RequireK8s returns the lab cluster or stops the test the way Require does
// when the lab (or its Kubernetes part) is not up.
func RequireK8s(t testing.TB) K8s {
	t.Helper()
	env := Require(t)
	k := K8s{Kubeconfig: env["RTSNAP_LAB_KUBECONFIG"], KubectlBin: env["RTSNAP_LAB_KUBECTL"], Namespace: env["RTSNAP_LAB_K8S_NAMESPACE"]}
	if k.Kubeconfig == "" || env["RTSNAP_LAB_K8S_NODES"] == "" {
		msg := "the lab runs without Kubernetes (RTSNAP_LAB_K8S=0?): `lab.sh env` has no RTSNAP_LAB_KUBECONFIG"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	k.Nodes = k8sNodes(env, env["RTSNAP_LAB_K8S_NODES"])
	k.RuntimeNodes = k8sNodes(env, env["RTSNAP_LAB_K8S_RUNTIME_NODES"])
	return k
}

// k8sNodes reads the per-node variables of a comma-separated node list.
func k8sNodes(env Env, list string) []K8sNode {
	var out []K8sNode
	for _, n := range strings.Split(list, ",") {
		if n == "" {
			continue
		}
		u := "RTSNAP_LAB_NODE_" + strings.ToUpper(strings.ReplaceAll(n, "-", "_")) + "_"
		out = append(out, K8sNode{Name: n, Socket: env[u+"SOCK"], KubeletRoot: env[u+"KUBELET_ROOT"],
			PodLogs: env[u+"POD_LOGS"], KubeletConfig: env[u+"KUBELET_CONFIG"], KubeletLog: env[u+"KUBELET_LOG"],
			Runtime: env[u+"RUNTIME"], DockerSocket: env[u+"DOCKER_SOCK"]})
	}
	return out
}

// Kubectl runs kubectl against the lab cluster (30 s bound) and returns stdout.
func (k K8s) Kubectl(ctx context.Context, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, k.KubectlBin, append([]string{"--kubeconfig", k.Kubeconfig}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// RunWithCollector is a TestMain body for lab test packages: unless the run
// is -short, it builds cmd/rtsnap into a temporary dir and sets *bin (left
// empty when the build fails: the tests needing it then fail saying so),
// runs the tests and returns their exit code.
func RunWithCollector(m *testing.M, bin *string) int {
	if !short() {
		dir, err := os.MkdirTemp("", "rtsnap-lab-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		if *bin, err = BuildCollector(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	return m.Run()
}

// short reads -test.short from the command line: TestMain runs before
// flag.Parse, so testing.Short cannot be asked yet.
func short() bool {
	for _, a := range os.Args {
		if a == "-test.short" || a == "-test.short=true" {
			return true
		}
	}
	return false
}

// BuildCollector builds cmd/rtsnap into dir (for TestMain of lab tests) and
// returns the binary's path.
func BuildCollector(dir string) (string, error) {
	_, file, _, _ := callerFile()
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	bin := filepath.Join(dir, "rtsnap")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/rtsnap")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building rtsnap: %w\n%s", err, out)
	}
	return bin, nil
}

// Collect runs the collector bin with args (output on a fresh tmpfs dir,
// removed when the test ends; 3 min bound) and returns the bundle's path.
func Collect(t testing.TB, bin string, args ...string) string {
	t.Helper()
	out, err := os.MkdirTemp("/dev/shm", "rtsnap-lab-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(out) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"collect", "--quiet", "--output", out}, args...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		// A partial collection (a runtime down) still writes a bundle.
		t.Logf("rtsnap collect: %v\n%s", err, b)
	}
	bundles, _ := filepath.Glob(filepath.Join(out, "*.tar.zst"))
	if len(bundles) != 1 {
		t.Fatalf("want one bundle in %s, got %v", out, bundles)
	}
	return bundles[0]
}
