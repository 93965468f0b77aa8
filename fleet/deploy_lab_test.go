package fleet

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func kubectl(t *testing.T, ctx context.Context, kc string, le map[string]string, stdin []byte, args ...string) (string, error) {
	t.Helper()
	bin := le["RTSNAP_LAB_KUBECTL"]
	if bin == "" {
		bin = "kubectl"
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", kc}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The recipe of docs/kubernetes.md, step by step: kubectl debug node with the
// sysadmin profile and rtsnap's image, wait for the ready line, copy the
// bundle out with `rtsnap fleet send` (the image has no tar), check its hash.
func TestKubectlDebugRecipe(t *testing.T) {
	le, kc, nodes := labCluster(t)
	image := labImage(t, le, nodes[:1])
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	// The sysadmin profile shares the node's IPC namespace: /dev/shm is the
	// node's tmpfs, so each case gets its own directory, pruned at the end.
	outDir := "/dev/shm/rtsnap-debug-" + strings.TrimPrefix(image, "rtsnap.local/rtsnap:")
	out, err := kubectl(t, ctx, kc, le, nil, "debug", "node/"+nodes[0], "--profile=sysadmin", "--image="+image, "--image-pull-policy=IfNotPresent",
		"--", "/rtsnap", "fleet", "agent", "--hold", "10m", "--", "collect", "--host-root", "/host", "--output", outDir, "--quiet")
	if err != nil {
		t.Fatalf("kubectl debug: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`pod (node-debugger-\S+) with`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no pod name in %q", out)
	}
	pod := m[1]
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		kubectl(t, ctx, kc, le, nil, "delete", "pod", pod, "--wait=false")
	})
	var sum string
	for sum == "" {
		logs, _ := kubectl(t, ctx, kc, le, nil, "logs", pod)
		if _, s, ok := ParseReady(logs); ok {
			sum = s
			break
		}
		select {
		case <-ctx.Done():
			st, _ := kubectl(t, context.Background(), kc, le, nil, "get", "pod", pod, "-o", "wide")
			t.Fatalf("no ready line: %s\n%s", logs, st)
		case <-time.After(time.Second):
		}
	}
	bin := le["RTSNAP_LAB_KUBECTL"]
	cmd := exec.CommandContext(ctx, bin, "--kubeconfig", kc, "exec", pod, "--", "/rtsnap", "fleet", "send", "--dir", outDir)
	stream, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl exec send: %v", err)
	}
	dir := t.TempDir()
	got, err := receive(bytes.NewReader(stream), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify(got, sum); err != nil {
		t.Fatal(err)
	}
	// Leave nothing on the node's tmpfs.
	time.Sleep(1100 * time.Millisecond)
	if out, err := kubectl(t, ctx, kc, le, nil, "exec", pod, "--", "/rtsnap", "prune", "--output", outDir, "--retain", "1s"); err != nil {
		t.Errorf("prune: %v\n%s", err, out)
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 0 { // the lab's node is this machine
		t.Errorf("%s still holds %d files", outDir, len(ents))
	}
	os.Remove(outDir)
}

// deploy/: kustomize builds, the namespace, service account and RBAC apply,
// the RBAC grants what fleet needs and nothing else, and the Job and
// DaemonSet pass the API server's validation.
func TestDeployManifests(t *testing.T) {
	le, kc, nodes := labCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := kubectl(t, ctx, kc, le, nil, "apply", "-k", "../deploy"); err != nil {
		t.Fatalf("apply -k: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		kubectl(t, ctx, kc, le, nil, "delete", "-k", "../deploy", "--wait=false")
	})
	as := []string{"--as", "alice", "--as-group", "rtsnap-operators"}
	for _, c := range []struct {
		verb, res, ns string
		want          bool
	}{
		{"list", "nodes", "", true}, {"create", "jobs.batch", "rtsnap", true}, {"delete", "jobs.batch", "rtsnap", true},
		{"create", "pods --subresource=exec", "rtsnap", true}, {"get", "pods --subresource=log", "rtsnap", true}, {"list", "pods", "rtsnap", true},
		// Least privilege: no secrets, no pods made directly, nothing outside the namespace, no node changes.
		{"get", "secrets", "rtsnap", false}, {"create", "pods", "rtsnap", false}, {"create", "jobs.batch", "default", false},
		{"create", "pods --subresource=exec", "kube-system", false}, {"patch", "nodes", "", false}, {"delete", "namespaces", "", false},
	} {
		args := append(append([]string{"auth", "can-i", c.verb}, strings.Fields(c.res)...), as...)
		if c.ns != "" {
			args = append(args, "-n", c.ns)
		}
		out, _ := kubectl(t, ctx, kc, le, nil, args...)
		lines := strings.Split(strings.TrimSpace(out), "\n") // a warning may come first
		if got := lines[len(lines)-1] == "yes"; got != c.want {
			t.Errorf("can-i %s %s -n %q: %q, want %v", c.verb, c.res, c.ns, strings.TrimSpace(out), c.want)
		}
	}
	// The collector's own service account can do nothing with the API.
	if out, _ := kubectl(t, ctx, kc, le, nil, "auth", "can-i", "--list", "-n", "rtsnap", "--as", "system:serviceaccount:rtsnap:rtsnap-collector"); strings.Contains(out, "jobs") || strings.Contains(out, "secrets") {
		t.Errorf("collector service account has rights:\n%s", out)
	}
	job, err := os.ReadFile(filepath.Join("..", "deploy", "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := kubectl(t, ctx, kc, le, bytes.ReplaceAll(job, []byte("NODE_NAME"), []byte(nodes[0])), "create", "--dry-run=server", "-f", "-"); err != nil {
		t.Errorf("job.yaml: %v\n%s", err, out)
	}
	if out, err := kubectl(t, ctx, kc, le, nil, "apply", "--dry-run=server", "-f", "../deploy/daemonset.yaml"); err != nil {
		t.Errorf("daemonset.yaml: %v\n%s", err, out)
	}
}
