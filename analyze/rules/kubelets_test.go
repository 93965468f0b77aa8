package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// kubeletFixture reads testdata/kubelets/<name>: the kubelet, discovery and
// containerd config files of real lab bundles with four kubelets (see
// testdata/kubelets/README.md), with edits applied as the lab's faults make
// them.
func kubeletFixture(t *testing.T, name string, edits map[string][2]string) *facts.Node {
	t.Helper()
	dir := filepath.Join("testdata", "kubelets", name)
	files := map[string]string{"redaction-report.json": `{"rule_set_version":"1","total":0}`}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "README.md" {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, e := range edits {
		s, ok := files[p]
		if !ok || !strings.Contains(s, e[0]) {
			t.Fatalf("%s/%s has no %q to edit", name, p, e[0])
		}
		files[p] = strings.Replace(s, e[0], e[1], 1)
	}
	return node(healthy(), files)
}

var allLabKubelets = []string{"lab-cd2", "lab-cd17", "lab-crio", "lab-dockerd"}

func TestEveryKubeletInTheFacts(t *testing.T) {
	// "old": a bundle from before discovery/kubelets.json (discovery knew
	// the first kubelet only; kubelet/kubelet.json has all four).
	for _, name := range []string{"old", "new"} {
		n := kubeletFixture(t, name, nil)
		got := map[string]facts.Kubelet{}
		for _, k := range n.Kubelets {
			got[k.NodeName] = k
		}
		for _, want := range allLabKubelets {
			k, ok := got[want]
			if !ok || !k.Running || k.CgroupDriver != "cgroupfs" || !strings.Contains(k.RuntimeEndpoint, "/run/rtsnap-lab/k8s") || len(k.Refs) == 0 {
				t.Errorf("%s: kubelet %s: %+v (found %v)", name, want, k, ok)
			}
		}
		if len(n.Kubelets) != 4 {
			t.Errorf("%s: %d kubelets, want 4", name, len(n.Kubelets))
		}
		if name == "new" && (got["lab-dockerd"].Probe == nil || len(got["lab-dockerd"].Probe.ServedBy) == 0) {
			t.Errorf("new: lab-dockerd's endpoint probe lost: %+v", got["lab-dockerd"].Probe)
		}
	}
}

func kubeletsNamed(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		for _, k := range allLabKubelets {
			if strings.Contains(f.Title, "kubelet "+k+" ") || strings.Contains(f.Title, "kubelet "+k+"'s") {
				out = append(out, k)
			}
		}
	}
	return out
}

// The lab's k8s-cgroup-driver fault: lab.sh sets SystemdCgroup = true in
// lab-cd17's containerd (k8s17) and leaves its kubelet on cgroupfs. Named
// for lab-cd17 alone, in old and new bundles alike; quiet before the edit.
func TestCgroupDriverJudgedPerKubelet(t *testing.T) {
	dump := "configs/containerd-dump/run_rtsnap-lab_k8s17_containerd.toml"
	for _, name := range []string{"old", "new"} {
		if fs := cgroupDriverMismatch(kubeletFixture(t, name, nil)); len(fs) != 0 {
			t.Errorf("%s healthy: %v", name, kubeletsNamed(fs))
		}
		fs := cgroupDriverMismatch(kubeletFixture(t, name, map[string][2]string{dump: {"SystemdCgroup = false", "SystemdCgroup = true"}}))
		if got := kubeletsNamed(fs); len(fs) != 1 || len(got) != 1 || got[0] != "lab-cd17" {
			t.Fatalf("%s: findings name %v, want lab-cd17 once: %+v", name, got, fs)
		}
		if e := fs[0].Evidence; len(e) < 2 || !strings.Contains(e[0].Excerpt, "kubelet lab-cd17") || e[len(e)-1].Path != dump {
			t.Errorf("%s: evidence %+v", name, e)
		}
	}
}

// CRI-O (and cri-dockerd) answer their cgroup driver through CRI
// RuntimeConfig: lab-crio's kubelet is judged against it.
func TestCgroupDriverFromRuntimeConfig(t *testing.T) {
	rc := "cri/run_rtsnap-lab_k8scrio_crio/runtime_config.json"
	fs := cgroupDriverMismatch(kubeletFixture(t, "new", map[string][2]string{rc: {`"cgroup_driver": 1`, `"cgroup_driver": 0`}}))
	if got := kubeletsNamed(fs); len(got) != 1 || got[0] != "lab-crio" || !strings.Contains(fs[0].Title, "uses systemd") || fs[0].Evidence[len(fs[0].Evidence)-1].Path != rc {
		t.Fatalf("findings name %v: %+v", got, fs)
	}
}

// A kubelet whose endpoint is gone is named; the other three are not.
func TestKubeletEndpointJudgedPerKubelet(t *testing.T) {
	for _, name := range []string{"old", "new"} {
		if fs := kubeletEndpointMissing(kubeletFixture(t, name, nil)); len(fs) != 0 {
			t.Errorf("%s healthy: %v", name, kubeletsNamed(fs))
		}
	}
	// lab-dockerd's cri-dockerd stopped: its socket is left without a
	// listener, so the probe finds it there and unanswered (the lab's
	// cridockerd-down fault; endpoints.json entry as discovery writes it).
	n := kubeletFixture(t, "new", nil)
	for i, e := range n.Discovery.Endpoints {
		if e.Path == "/run/rtsnap-lab/k8scri-dockerd/cri-dockerd.sock" {
			n.Discovery.Endpoints[i].Answers, n.Discovery.Endpoints[i].Code = false, "Unavailable"
		}
	}
	fs := kubeletEndpointMissing(n)
	if got := kubeletsNamed(fs); len(got) != 1 || got[0] != "lab-dockerd" || !strings.Contains(fs[0].Title, "does not answer (Unavailable)") {
		t.Fatalf("findings name %v: %+v", got, fs)
	}
}

// A crafted discovery/kubelets.json listing 100,000 kubelets: the facts keep
// maxKubelets of them and say so (a cut, reported by RT1511), and the
// kubelet rules run over the kept ones only.
func TestManyKubeletsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < 100000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"running":true,"pid":%d,"runtime_endpoint":"unix:///run/k%d.sock","cgroup_driver":"systemd","node_name":"n%d"}`, i+1, i, i)
	}
	b.WriteString("]")
	n := node(healthy(), map[string]string{"discovery/kubelets.json": b.String(), "redaction-report.json": `{"rule_set_version":"1","total":0}`})
	if len(n.Kubelets) != 256 || len(n.Cuts) == 0 || n.Cuts[0].Path != "discovery/kubelets.json" {
		t.Fatalf("%d kubelets, cuts %+v: want 256 and a cut naming discovery/kubelets.json", len(n.Kubelets), n.Cuts)
	}
	if fs := kubeletEndpointMissing(n); len(fs) != 256 {
		t.Errorf("%d endpoint findings, want one per kept kubelet (none of their sockets was discovered)", len(fs))
	}
	cgroupDriverMismatch(n)
	sandboxMismatch(n)
}
