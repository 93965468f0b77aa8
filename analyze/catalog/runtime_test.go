package catalog

import (
	"strings"
	"testing"
)

// runtime.yaml (the runtime areas' classes added for issue #14) is part of
// the loaded catalog, keeps to its number range, and each class has real
// lines from more than one thread.
func TestRuntimeCatalogFile(t *testing.T) {
	rt := fileInCatalog(t, "runtime.yaml")
	for _, cl := range rt.Classes {
		if cl.ID < "RT1650" || cl.ID >= "RT1700" {
			t.Errorf("%s: runtime.yaml holds RT1650-RT1699 only", cl.ID)
		}
		if n := exampleThreads(cl); n < 2 {
			t.Errorf("%s: examples from %d thread(s), want >= 2", cl.ID, n)
		}
	}
	if len(rt.Classes) < 10 || len(rt.Benign) < 10 || len(rt.Ignore) == 0 {
		t.Fatalf("runtime.yaml: %d classes, %d benign lines, %d ignore entries", len(rt.Classes), len(rt.Benign), len(rt.Ignore))
	}
}

// TestRuntimePrecedence: real lines that two classes match, one of them a
// runtime.yaml class; the cause the line is about wins, by the innermost
// match or by priority, and the other class really matches too (so the
// case exercises precedence rather than a single match).
func TestRuntimePrecedence(t *testing.T) {
	checkPrecedence(t, []precedenceCase{
		// https://github.com/dyrnq/install-docker/issues/11: the unknown storage
		// option is nearer the cause than "error initializing graphdriver".
		{`failed to start daemon: error initializing graphdriver: overlay2: unknown option overlay2.override_kernel_check: overlay2`,
			"RT1658-dockerd-config-invalid", "RT1307-overlay-invalid-argument"},
		// https://github.com/kubernetes/kubernetes/issues/96256: kubelet's own
		// client certificate, not a registry's (priority).
		{`Nov 11 00:15:53 10.233.0.100 kubelet[66610]: E1111 00:15:53.851634   66610 transport.go:113] The currently active client certificate has expired, but the server is not responsive. A restart may be necessary to retrieve new initial credentials.`,
			"RT1656-kubelet-client-cert-expired", "RT1317-x509-certificate-expired"},
		// https://github.com/containerd/containerd/issues/5306: the CRI plugin
		// refused its config because of registry mirrors; the mirror class
		// (priority 1) names the fix, the plugin class does not take it.
		{`WARN[2021-04-03T12:08:38.809121400+08:00] failed to load plugin io.containerd.grpc.v1.cri  error="invalid plugin config: ` + "`mirrors` cannot be set when `config_path` is provided" + `"`,
			"RT1315-registry-mirror-misconfigured", "RT1661-containerd-cri-plugin-not-loaded"},
	})
}

// TestRuntimeQuietOnLabStartup: normal start-up lines of the lab's daemons
// that an early pattern of these classes claimed stay unclassified: the
// containerd 2.2.1 of the lab logs its erofs plugins at every start, and the
// lab's kube-controller-manager looks up nodes that were deleted (its own
// garbage collector, not a kubelet failing to register).
func TestRuntimeQuietOnLabStartup(t *testing.T) {
	c := load(t)
	for _, line := range []string{
		`time="2026-12-01T15:22:56.384010590Z" level=info msg="loading plugin" id=io.containerd.snapshotter.v1.erofs type=io.containerd.snapshotter.v1`,
		`E1201 16:22:57.692371   22778 gc_controller.go:151] "Failed to get node" err="node \"lab-crio\" not found" logger="pod-garbage-collector-controller" node="lab-crio"`,
	} {
		if m := c.ClassifyLine(line); m != nil {
			t.Errorf("lands in %s (matched %q): %s", m.Class.ID, m.Cause, line)
		}
	}
}

// exampleThreads is how many public threads a class's real lines come from.
func exampleThreads(cl *Class) int {
	threads := map[string]bool{}
	for _, ex := range cl.Examples {
		threads[strings.TrimSpace(ex.Source)] = true
	}
	return len(threads)
}
