package fleet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/internal/imagebuild"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// labCluster returns the lab's kubeconfig and nodes (lab.sh env, from the
// Kubernetes part of the lab), or skips when the lab runs no cluster.
func labCluster(t *testing.T) (lab.Env, string, []string) {
	t.Helper()
	le := lab.Require(t)
	kc, nodes := le["RTSNAP_LAB_KUBECONFIG"], le["RTSNAP_LAB_K8S_NODES"]
	if kc == "" || nodes == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("the lab runs no Kubernetes (lab.sh env has no RTSNAP_LAB_KUBECONFIG)")
		}
		t.Skip("the lab runs no Kubernetes (lab.sh env has no RTSNAP_LAB_KUBECONFIG)")
	}
	return le, kc, strings.Split(nodes, ",")
}

func nodeVar(node, what string) string {
	return "RTSNAP_LAB_NODE_" + strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToUpper(node)) + "_" + what
}

// labImage builds rtsnap's image from this tree and imports it into every
// node's containerd (namespace k8s.io, as deploy/import-image.sh does).
func labImage(t *testing.T, le lab.Env, nodes []string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rtsnap")
	build := exec.Command("go", "build", "-o", bin, "../cmd/rtsnap")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("static build: %v\n%s", err, out)
	}
	id := make([]byte, 3)
	rand.Read(id)
	name := "rtsnap.local/rtsnap:fleettest-" + hex.EncodeToString(id)
	tarPath := filepath.Join(t.TempDir(), "image.tar")
	f, _ := os.Create(tarPath)
	if _, err := imagebuild.Build(imagebuild.Options{Name: name, Binaries: map[string]string{"linux/" + runtime.GOARCH: bin}, Created: time.Unix(0, 0)}, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, n := range nodes {
		sock := le[nodeVar(n, "SOCK")]
		// The daemon's own ctr: a 2.x ctr imports into a 1.x containerd
		// without error, but its CRI plugin then does not see the image.
		ctr := le["RTSNAP_LAB_CD2_CTR"]
		for _, v := range []string{"16", "17"} {
			if strings.Contains(sock, "k8s"+v+"/") || strings.Contains(sock, "cd"+v+"/") {
				ctr = le["RTSNAP_LAB_CD"+v+"_CTR"]
			}
		}
		if out, err := exec.Command("bash", "../deploy/import-image.sh", tarPath, sock, ctr).CombinedOutput(); err != nil {
			t.Fatalf("import into %s: %v\n%s", n, err, out)
		}
		t.Cleanup(func() { exec.Command(ctr, "-a", sock, "-n", "k8s.io", "images", "rm", name).Run() })
	}
	return name
}

func labClient(t *testing.T, kc string) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// testNamespace makes a namespace for the test's Jobs and deletes it after.
func testNamespace(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	id := make([]byte, 3)
	rand.Read(id)
	ns := "rtsnap-fleet-test-" + hex.EncodeToString(id)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
	})
	return ns
}

func jobsLeft(t *testing.T, cs kubernetes.Interface, ns string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	jobs, err := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, j := range jobs.Items {
		if j.DeletionTimestamp == nil {
			n++
		}
	}
	return n
}

// End to end on the lab cluster: every node's bundle comes back verified,
// a node given an image it cannot have fails with kubelet's reason while the
// others still come back, no Job is left, and rtsnap-analyze prints the
// node-by-finding matrix of the directory.
func TestFleetOnLabCluster(t *testing.T) {
	le, kc, nodes := labCluster(t)
	image := labImage(t, le, nodes)
	cs := labClient(t, kc)
	ns := testNamespace(t, cs)
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	// The containerd nodes (labImage imports there): the CRI-O and
	// cri-dockerd nodes have no way to get the image without a registry.
	rep, err := Run(ctx, Options{Kubeconfig: kc, Namespace: ns, Image: image, OutDir: out, Parallel: 2, Nodes: nodes,
		NodeTimeout: 3 * time.Minute, CollectArgs: []string{"--since", "30m"}, Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Nodes) != len(nodes) {
		t.Fatalf("%d results for %d nodes", len(rep.Nodes), len(nodes))
	}
	for _, r := range rep.Nodes {
		if !r.OK {
			t.Errorf("%s: %s", r.Node, r.Reason)
			continue
		}
		b, err := bundle.OpenFile(r.Bundle, bundle.DefaultLimits())
		if err != nil {
			t.Errorf("%s: %s does not verify: %v", r.Node, r.Bundle, err)
			continue
		}
		found := map[string]string{}
		for _, s := range b.Manifest.Sources {
			found[s.Name] = s.Status
		}
		if found["kubelet"] != bundle.StatusOK || found["journal"] == "" || found["cri"] == "" {
			t.Errorf("%s: sources %v", r.Node, found)
		}
		if !strings.Contains(strings.Join(b.Manifest.CommandLine, " "), "--host-root /host") {
			t.Errorf("%s: command line %v", r.Node, b.Manifest.CommandLine)
		}
	}
	if n := jobsLeft(t, cs, ns); n != 0 {
		t.Errorf("%d Jobs left after the run", n)
	}
	if _, err := os.Stat(filepath.Join(out, "fleet-"+rep.RunID+".json")); err != nil {
		t.Error(err)
	}
	// The analyzer reads the directory: one matrix row per node.
	an := exec.CommandContext(ctx, "go", "run", "../cmd/rtsnap-analyze", "findings", out)
	msg, _ := an.CombinedOutput()
	for _, r := range rep.Nodes {
		if r.OK && !strings.Contains(string(msg), filepath.Base(r.Bundle)) && !strings.Contains(string(msg), r.Node) {
			t.Errorf("matrix lacks %s:\n%s", r.Node, msg)
		}
	}
	t.Logf("rtsnap-analyze findings %s:\n%s", out, msg)

	// --encrypt-to: the bundle is encrypted on the node, before it crosses
	// the network; what comes back is the .age file and its hash.
	keys := t.TempDir()
	if msg, err := exec.Command("go", "run", "../cmd/rtsnap", "keygen", "--out", keys).CombinedOutput(); err != nil {
		t.Fatalf("keygen: %v\n%s", err, msg)
	}
	pub, _ := os.ReadFile(filepath.Join(keys, "rtsnap-age.pub"))
	encOut := t.TempDir()
	erep, err := Run(ctx, Options{Kubeconfig: kc, Namespace: ns, Image: image, OutDir: encOut, Nodes: nodes[:1], NodeTimeout: 3 * time.Minute,
		CollectArgs: []string{"--since", "30m", "--encrypt-to", strings.TrimSpace(string(pub))}})
	if err != nil || !erep.Nodes[0].OK || !strings.HasSuffix(erep.Nodes[0].Bundle, ".tar.zst.age") {
		t.Errorf("encrypted run: %v %+v", err, erep)
	} else if data, _ := os.ReadFile(erep.Nodes[0].Bundle); !bytes.HasPrefix(data, []byte("age-encryption.org/v1")) {
		t.Errorf("%s is not age-encrypted", erep.Nodes[0].Bundle)
	}

	// One node given an image no node has: listed with the reason, quickly.
	rep, err = Run(ctx, Options{Kubeconfig: kc, Namespace: ns, Image: "rtsnap.local/rtsnap:absent-" + rep.RunID, OutDir: out,
		Nodes: nodes[:1], NodeTimeout: 45 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Nodes[0]; r.OK || !strings.Contains(r.Reason, "Image") {
		t.Errorf("absent image: %+v", r)
	}
	if n := jobsLeft(t, cs, ns); n != 0 {
		t.Errorf("%d Jobs left after the failed run", n)
	}
}

// Interrupted (Ctrl-C) while the Jobs run: Run returns within its call
// deadlines and deletes every Job it made.
func TestFleetInterruptedCleansUp(t *testing.T) {
	le, kc, nodes := labCluster(t)
	image := labImage(t, le, nodes)
	cs := labClient(t, kc)
	ns := testNamespace(t, cs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	// Interrupted as soon as the first Job exists (a collection takes ~2 s here).
	rep, err := Run(ctx, Options{Kubeconfig: kc, Namespace: ns, Image: image, OutDir: t.TempDir(), NodeTimeout: 3 * time.Minute,
		CollectArgs: []string{"--since", "30m"}, Log: cancelOn{"created", cancel}})
	if err == nil {
		t.Fatalf("no error after the interrupt: %+v", rep)
	}
	if el := time.Since(start); el > 40*time.Second {
		t.Errorf("took %s after the interrupt", el)
	}
	for _, r := range rep.Nodes {
		if r.OK {
			t.Errorf("%s collected after the interrupt", r.Node)
		}
	}
	if n := jobsLeft(t, cs, ns); n != 0 {
		t.Errorf("%d Jobs left after the interrupt", n)
	}
}

// cancelOn cancels when a log line holds the word.
type cancelOn struct {
	word   string
	cancel context.CancelFunc
}

func (c cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.word) {
		c.cancel()
	}
	return len(p), nil
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
