package rules_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// collectCRIDockerd collects the lab with cri-dockerd's socket named too
// (the Docker daemons are found without flags).
func collectCRIDockerd(t *testing.T, env lab.Env, since string) *analyze.Analysis {
	t.Helper()
	if env["RTSNAP_LAB_CRIDOCKERD_SOCK"] == "" {
		t.Fatal("lab.sh env names no cri-dockerd socket (RTSNAP_LAB_CRIDOCKERD=0?)")
	}
	return collectLab(t, env, since, "--runtime-endpoint", env["RTSNAP_LAB_CRIDOCKERD_SOCK"])
}

// inspect's runtime table on a lab bundle lists every runtime with its
// version, endpoint and cgroup driver, and counts cri-dockerd's pod.
func TestLabInspectRuntimes(t *testing.T) {
	env := lab.Require(t)
	a := collectCRIDockerd(t, env, "1m")
	doc := render.NewInspectDoc(a)
	byEndpoint := map[string]facts.Runtime{}
	for _, r := range doc.Runtimes {
		byEndpoint[r.Endpoint] = r
	}
	want := []struct{ sock, kind, version, api string }{
		{env["RTSNAP_LAB_CD16_SOCK"], "containerd", "1.6.", ""},
		{env["RTSNAP_LAB_CD17_SOCK"], "containerd", "1.7.35", ""},
		{env["RTSNAP_LAB_CD2_SOCK"], "containerd", "2.2.1", ""},
		{env["RTSNAP_LAB_CRIDOCKERD_SOCK"], "cri-dockerd", "28.5.2", ""},
		{env["RTSNAP_LAB_DOCKER28_SOCK"], "docker", "28.5.2", "1.51"},
		{env["RTSNAP_LAB_DOCKER_SOCK"], "docker", "20.10.", "1.41"},
	}
	for _, w := range want {
		r, ok := byEndpoint[w.sock]
		switch {
		case !ok:
			t.Errorf("no runtime at %s in %+v", w.sock, doc.Runtimes)
		case r.Kind != w.kind || !strings.HasPrefix(r.Version, w.version) || r.APIVersion != w.api:
			t.Errorf("%s: kind %q version %q api %q, want %s %s* %q", w.sock, r.Kind, r.Version, r.APIVersion, w.kind, w.version, w.api)
		case r.CgroupDriver != "cgroupfs": // the lab runs every runtime on cgroupfs
			t.Errorf("%s: cgroup driver %q", w.sock, r.CgroupDriver)
		}
	}
	crid := byEndpoint[env["RTSNAP_LAB_CRIDOCKERD_SOCK"]]
	if n := count(crid.States, "pods", "lab", "ready"); n < 1 {
		t.Errorf("cri-dockerd ready pods in lab: %d (%+v)", n, crid.States)
	}
	if n := count(crid.States, "containers", "lab", "running"); n < 2 {
		t.Errorf("cri-dockerd running containers in lab: %d (%+v)", n, crid.States)
	}
	if n := count(byEndpoint[env["RTSNAP_LAB_CD2_SOCK"]].States, "tasks", "rtsnap-native", "running"); n != 1 {
		t.Errorf("containerd 2.x running tasks in rtsnap-native: %d", n)
	}
	var text bytes.Buffer
	render.InspectText(&text, doc)
	for _, w := range want {
		if !strings.Contains(text.String(), w.sock) {
			t.Errorf("inspect text does not name %s:\n%s", w.sock, text.String())
		}
	}
}

// Each of cri-dockerd's pod's Docker containers (sandbox, app, sidecar) is
// joined to the CRI pod cri-dockerd lists; the plain container is not a pod's.
func TestLabDockerJoinedToCRIDockerdPod(t *testing.T) {
	env := lab.Require(t)
	a := collectCRIDockerd(t, env, "1m")
	joined := map[string]bool{}
	for _, c := range a.Node.DockerPodContainers() {
		if c.Name == env["RTSNAP_LAB_DOCKER28_CONTAINER"] {
			t.Errorf("plain container taken for a pod's: %+v", c)
		}
		if c.Pod != env["RTSNAP_LAB_CRIDOCKERD_POD"] || c.DockerEndpoint != env["RTSNAP_LAB_DOCKER28_SOCK"] {
			continue
		}
		if !c.Joined() || c.CRIEndpoint != env["RTSNAP_LAB_CRIDOCKERD_SOCK"] || c.CRIPodState != "SANDBOX_READY" || c.Namespace != "lab" {
			t.Errorf("not joined to its CRI pod: %+v", c)
			continue
		}
		joined[c.Container] = true
	}
	if !joined["POD"] || !joined["app"] || !joined["sidecar"] {
		t.Errorf("joined containers of %s: %v", env["RTSNAP_LAB_CRIDOCKERD_POD"], joined)
	}
}

func count(states []facts.StateCount, what, ns, state string) int {
	for _, s := range states {
		if s.What == what && s.Namespace == ns && s.State == state {
			return s.Count
		}
	}
	return 0
}
