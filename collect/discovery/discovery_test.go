package discovery

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func collectLab(t *testing.T, env *collect.Env) (map[string]Socket, []Daemon) {
	t.Helper()
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var ss []Socket
	if err := json.Unmarshal(out.Files["endpoints.json"], &ss); err != nil {
		t.Fatal(err)
	}
	m := map[string]Socket{}
	for _, s := range ss {
		m[s.Path] = s
	}
	var ds []Daemon
	if err := json.Unmarshal(out.Files["daemons.json"], &ds); err != nil {
		t.Fatal(err)
	}
	return m, ds
}

func TestLabEndpoints(t *testing.T) {
	le := lab.Require(t)
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{le["RTSNAP_LAB_CD16_SOCK"], "unix://" + le["RTSNAP_LAB_CD2_SOCK"]}
	m, ds := collectLab(t, env)
	for k, want := range map[string]string{"RTSNAP_LAB_CD16_SOCK": "containerd 1.6.", "RTSNAP_LAB_CD2_SOCK": "containerd 2."} {
		s := m[le[k]]
		if !s.Answers || !s.IsSocket || s.Owner != "root" || s.Group != "root" || s.Code != "OK" || s.Origin != "flag" || !strings.HasPrefix(s.Runtime, want) {
			t.Errorf("%s: %+v", k, s)
		}
	}
	if s := m["/var/run/docker.sock"]; !s.Answers || !strings.HasPrefix(s.Runtime, "docker ") {
		t.Errorf("docker: %+v", s)
	}
	if s := m["/run/crio/crio.sock"]; s.Exists || s.Answers || s.Origin != "well-known" || s.Error != "/run/crio/crio.sock does not exist" {
		t.Errorf("crio socket: %+v", s)
	}
	// Every lab daemon, with the command line it runs with.
	lines := map[string]bool{}
	for _, d := range ds {
		if d.Role == "shim" {
			t.Errorf("shim listed as a daemon: %+v", d)
		}
		lines[d.Role+" "+strings.Join(d.CommandLine, " ")] = true
	}
	for _, tag := range []string{"cd16", "cd17", "cd2"} {
		found := false
		for l := range lines {
			if strings.HasPrefix(l, "containerd ") && strings.HasSuffix(l, "--config /var/lib/rtsnap-lab/"+tag+"/config.toml") {
				found = true
			}
		}
		if !found {
			t.Errorf("daemon %s missing from %v", tag, lines)
		}
	}
	dockerd := false
	for l := range lines {
		dockerd = dockerd || strings.HasPrefix(l, "dockerd dockerd ")
	}
	if !dockerd {
		t.Errorf("dockerd missing from %v", lines)
	}
}

func TestDownAndHungEndpoints(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "down")
	lab.Fault(t, "hang")
	env := collect.NewTestEnv()
	env.CallTimeout = time.Second
	env.RuntimeEndpoints = []string{le["RTSNAP_LAB_CD17_SOCK"], le["RTSNAP_LAB_HANG_SOCK"], le["RTSNAP_LAB_CD2_SOCK"]}
	start := time.Now()
	m, _ := collectLab(t, env)
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("took %s", el)
	}
	if s := m[le["RTSNAP_LAB_CD17_SOCK"]]; s.Answers || s.Code != "Unavailable" && s.Exists {
		t.Errorf("stopped cd17: %+v", s)
	} else {
		t.Logf("stopped cd17: exists=%v code=%s error=%s", s.Exists, s.Code, s.Error)
	}
	if s := m[le["RTSNAP_LAB_HANG_SOCK"]]; s.Answers || s.Code != "DeadlineExceeded" || s.LatencyMS < 900 {
		t.Errorf("hang socket: %+v", s)
	}
	if s := m[le["RTSNAP_LAB_CD2_SOCK"]]; !s.Answers {
		t.Errorf("cd2 next to the dead ones: %+v", s)
	}
}

// With no flags: cri-dockerd's socket (a path of its own in the lab) is found
// from its command line and answers CRI; dockerd 28's from dockerd's -H and
// cri-dockerd's --docker-endpoint, answering Docker's API 1.51.
func TestLabCRIDockerdDiscovered(t *testing.T) {
	le := lab.Require(t)
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), collect.NewTestEnv(), out); err != nil {
		t.Fatal(err)
	}
	var ss []Socket
	if err := json.Unmarshal(out.Files["endpoints.json"], &ss); err != nil {
		t.Fatal(err)
	}
	origins := map[string][]string{}
	for _, s := range ss {
		switch s.Path {
		case le["RTSNAP_LAB_CRIDOCKERD_SOCK"]:
			if !s.Answers || s.Kind != "cri-dockerd" || !strings.HasPrefix(s.Runtime, "docker ") {
				t.Errorf("cri-dockerd: %+v", s)
			}
		case le["RTSNAP_LAB_DOCKER28_SOCK"]:
			if !s.Answers || s.Runtime != "docker 1.51" {
				t.Errorf("dockerd 28: %+v", s)
			}
		default:
			continue
		}
		origins[s.Path] = append(origins[s.Path], strings.Fields(s.Origin)[0])
	}
	if got := strings.Join(origins[le["RTSNAP_LAB_CRIDOCKERD_SOCK"]], ","); got != "cri-dockerd" {
		t.Errorf("cri-dockerd socket origins %q", got)
	}
	if got := strings.Join(origins[le["RTSNAP_LAB_DOCKER28_SOCK"]], ","); !strings.Contains(got, "dockerd") || !strings.Contains(got, "cri-dockerd") {
		t.Errorf("dockerd 28 socket origins %q", got)
	}
}

// Every kubelet of the lab (two on containerd, one on CRI-O, one on
// cri-dockerd: lab/k8s.sh) is in kubelets.json with its config file, its
// endpoint matched to the socket of its own runtime, answering, and its
// cgroup driver; cri-dockerd's socket is served by the cri-dockerd process
// that names it.
func TestLabEveryKubeletDiscovered(t *testing.T) {
	k := lab.RequireK8s(t)
	env := collect.NewTestEnv()
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var kubs []KubeletRuntime
	if err := json.Unmarshal(out.Files["kubelets.json"], &kubs); err != nil {
		t.Fatal(err)
	}
	byNode := map[string]KubeletRuntime{}
	for _, kr := range kubs {
		byNode[kr.NodeName] = kr
	}
	nodes := k.All()
	if len(nodes) != 4 {
		t.Fatalf("want the lab's 4 kubelet nodes, lab.sh env has %+v", nodes)
	}
	runtimeName := map[string]string{"containerd": "containerd ", "crio": "cri-o 1.34.", "cri-dockerd": "docker "}
	for _, n := range nodes {
		kr, ok := byNode[n.Name]
		if !ok {
			t.Errorf("%s: no kubelet in kubelets.json (%d found)", n.Name, len(kubs))
			continue
		}
		if !kr.Running || kr.PID == 0 || kr.ConfigPath != n.KubeletConfig || kr.EndpointFrom != "config" || kr.CgroupDriver != "cgroupfs" {
			t.Errorf("%s: %+v", n.Name, kr.Kubelet)
		}
		e := kr.Endpoint
		if e == nil || e.Path != n.Socket || !e.Answers || !strings.HasPrefix(e.Runtime, runtimeName[n.Runtime]) {
			t.Errorf("%s (%s on %s): endpoint %+v", n.Name, n.Runtime, n.Socket, e)
			continue
		}
		if n.Runtime == "cri-dockerd" && (len(e.ServedBy) != 1 || !strings.HasPrefix(e.ServedBy[0], "cri-dockerd pid ")) {
			t.Errorf("%s: served by %v, want its cri-dockerd", n.Name, e.ServedBy)
		}
	}
}
