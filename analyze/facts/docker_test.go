package facts

import (
	"strconv"
	"strings"
	"testing"
)

// Names as `docker ps` prints them on dockershim and cri-dockerd nodes; the
// format is cri-dockerd's core/naming.go
// (https://github.com/Mirantis/cri-dockerd/blob/v0.4.0/core/naming.go), the
// random seventh field is what it appends when a name is taken.
func TestParseKubeName(t *testing.T) {
	for name, want := range map[string]string{
		"/k8s_POD_coredns-668d6bf9bc-85c62_kube-system_6d391263-14dc-4c63-be6a-714f7b199569_2": "POD coredns-668d6bf9bc-85c62 kube-system 6d391263-14dc-4c63-be6a-714f7b199569 2",
		"k8s_kube-proxy_kube-proxy-8cp4h_kube-system_26bed127-e359-44f8-9768-64673aefbcc5_2":   "kube-proxy kube-proxy-8cp4h kube-system 26bed127-e359-44f8-9768-64673aefbcc5 2",
		"k8s_app_web_lab_uid-1_0_8a3f2c": "app web lab uid-1 0",
		"lab-docker28-web":               "",
		"k8s_app_web_lab_uid_x":          "", // attempt not a number
		"k8s_app_web_lab_uid_-1":         "",
		"k8s__web_lab_uid_0":             "",
		"k8s_a_b_c_d_0_e_f":              "",
		"/kube_POD_coredns-668d6bf9bc-85c62_kube-system_6d391263-14dc-4c63-be6a-714f7b199569_2": "",
		strings.Repeat("k8s_", 100000): "",
	} {
		k, ok := ParseKubeName(name)
		got := ""
		if ok {
			got = strings.Join([]string{k.Container, k.Pod, k.Namespace, k.UID, itoa(k.Attempt)}, " ")
		}
		if got != want {
			t.Errorf("ParseKubeName(%.60q) = %q, want %q", name, got, want)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// containerd 1.7 has no RuntimeConfig: the cgroup driver is the default
// runtime's SystemdCgroup option in Status(verbose)'s config (the shape
// `crictl info` prints, https://github.com/containerd/containerd/blob/release/1.7/docs/cri/config.md);
// its own API and CRI views of one socket are one runtime.
func TestRuntimesContainerd17(t *testing.T) {
	n := nodeWith(map[string]string{
		"containerd/run_cd_containerd/server.json":       `{"endpoint":"/run/cd/containerd.sock","version":"1.7.35"}`,
		"containerd/run_cd_containerd/k8s.io/tasks.json": `{"tasks":[{"id":"a","status":"RUNNING"},{"id":"b","status":"STOPPED"}],"containers_without_task":[{"container_id":"c","get_code":"NotFound"}]}`,
		"cri/run_cd_containerd/version.json":             `{"endpoint":"/run/cd/containerd.sock","version":{"runtime_name":"containerd","runtime_version":"v1.7.35"}}`,
		"cri/run_cd_containerd/runtime_config.json":      `{"code":"Unimplemented"}`,
		"cri/run_cd_containerd/status.json":              `{"status":{},"info":{"config":{"systemdCgroup":false,"containerd":{"defaultRuntimeName":"runc","runtimes":{"runc":{"options":{"SystemdCgroup":true}}}}}}}`,
		"cri/run_cd_containerd/pods.json":                `{"pods":[{"pod":{"id":"p","metadata":{"name":"w","namespace":"default"},"state":1}}]}`,
	}, DefaultParsers())
	rts := n.Runtimes()
	if len(rts) != 1 {
		t.Fatalf("runtimes %+v", rts)
	}
	r := rts[0]
	if r.Kind != "containerd" || r.Version != "1.7.35" || r.CgroupDriver != "systemd" || len(r.Views) != 2 ||
		states(r) != "pods default notready 1; tasks k8s.io none 1; tasks k8s.io running 1; tasks k8s.io stopped 1" {
		t.Errorf("%+v (%s)", r, states(r))
	}
}

// A cri-dockerd node's bundle: docker/ holds a plain dockerd, docker/<slug>/
// the one cri-dockerd drives. Its containers join the CRI pod by sandbox id
// (the sandbox's own id, the containers' io.kubernetes.sandbox.id label), a
// container without that label by its k8s_ name; the plain container and a
// pod no CRI endpoint lists stay unjoined.
func TestDockerPodContainersJoin(t *testing.T) {
	sb := strings.Repeat("a", 64)
	files := map[string]string{
		"docker/endpoints.json":              `[{"path":"/var/run/docker.sock","dir":"docker"},{"path":"/run/d28/docker.sock","dir":"docker/run_d28_docker"}]`,
		"docker/version.json":                `{"Version":"20.10.24","ApiVersion":"1.41"}`,
		"docker/inspect.json":                `[{"Id":"p1","Name":"/web","State":{"Status":"running"},"Config":{"Labels":{"rtsnap.lab":"docker"}}}]`,
		"docker/run_d28_docker/version.json": `{"Version":"28.5.2","ApiVersion":"1.51"}`,
		"docker/run_d28_docker/info.json":    `{"CgroupDriver":"systemd"}`,
		"docker/run_d28_docker/containers.json": `[{"Id":"` + sb + `","Names":["/k8s_POD_web_lab_u1_0"],"State":"running","Labels":{"io.kubernetes.pod.namespace":"lab"}},
			{"Id":"c1","Names":["/k8s_app_web_lab_u1_0"],"State":"running","Labels":{}},{"Id":"c2","Names":["/k8s_side_web_lab_u1_1"],"State":"exited"},{"Id":"p1","Names":["/web"],"State":"running"}]`,
		"docker/run_d28_docker/inspect.json": `[
			{"Id":"` + sb + `","Name":"/k8s_POD_web_lab_u1_0","State":{"Status":"running"},"Config":{"Labels":{"io.kubernetes.docker.type":"podsandbox","io.kubernetes.pod.name":"web","io.kubernetes.pod.namespace":"lab","io.kubernetes.pod.uid":"u1","io.kubernetes.container.name":"POD"}}},
			{"Id":"c1","Name":"/k8s_app_web_lab_u1_0","State":{"Status":"running"},"Config":{"Labels":{"io.kubernetes.docker.type":"container","io.kubernetes.sandbox.id":"` + sb + `","io.kubernetes.container.name":"app"}}},
			{"Id":"c2","Name":"/k8s_side_web_lab_u1_1","State":{"Status":"exited"},"Config":{"Labels":{}}},
			{"Id":"c3","Name":"/k8s_x_gone_lab_u9_0","State":{"Status":"exited"},"Config":{"Labels":null}},
			{"Id":"p1","Name":"/web","State":{"Status":"running"},"Config":{}}]`,
		"cri/run_cri-dockerd/version.json":        `{"endpoint":"/run/cri-dockerd.sock","version":{"runtime_name":"docker","runtime_version":"28.5.2"}}`,
		"cri/run_cri-dockerd/runtime_config.json": `{"config":{"linux":{"cgroup_driver":0}},"code":"OK"}`,
		"cri/run_cri-dockerd/pods.json":           `{"pods":[{"pod":{"id":"` + sb + `","metadata":{"name":"web","namespace":"lab","uid":"u1"},"state":0}}]}`,
		"cri/run_cri-dockerd/containers.json":     `{"containers":[{"container":{"id":"c1","pod_sandbox_id":"` + sb + `","metadata":{"name":"app"},"state":1}},{"container":{"id":"c2","pod_sandbox_id":"` + sb + `","metadata":{"name":"side"},"state":2}}]}`,
	}
	n := nodeWith(files, DefaultParsers())
	if len(n.ParseErrors) > 0 {
		t.Fatalf("parse errors %+v", n.ParseErrors)
	}
	got := map[string]DockerPodContainer{}
	for _, c := range n.DockerPodContainers() {
		got[c.ID] = c
	}
	if len(got) != 4 {
		t.Fatalf("pod containers %+v", got)
	}
	for _, id := range []string{sb, "c1", "c2"} {
		c := got[id]
		if !c.Joined() || c.CRIPodID != sb || c.CRIEndpoint != "/run/cri-dockerd.sock" || c.CRIPodState != "SANDBOX_READY" || c.DockerEndpoint != "/run/d28/docker.sock" || c.Pod != "web" || c.Namespace != "lab" {
			t.Errorf("%s not joined: %+v", id, c)
		}
	}
	if !got[sb].Sandbox || got["c1"].Sandbox || got["c1"].Container != "app" || got["c2"].Container != "side" || got["c2"].Attempt != 1 {
		t.Errorf("names: %+v %+v %+v", got[sb], got["c1"], got["c2"])
	}
	if c := got["c3"]; c.Joined() || c.Pod != "gone" {
		t.Errorf("a pod no CRI endpoint lists: %+v", c)
	}

	rts := map[string]Runtime{}
	for _, r := range n.Runtimes() {
		rts[r.Endpoint] = r
	}
	if r := rts["/run/d28/docker.sock"]; r.Kind != "docker" || r.Version != "28.5.2" || r.APIVersion != "1.51" || r.CgroupDriver != "systemd" ||
		states(r) != "containers - running 1; containers lab exited 1; containers lab running 2" {
		t.Errorf("dockerd 28: %+v (%s)", r, states(r))
	}
	if r := rts["/var/run/docker.sock"]; r.Kind != "docker" || r.Version != "20.10.24" || r.CgroupDriver != "" || len(r.States) != 0 {
		t.Errorf("dockerd 20.10: %+v", r)
	}
	if r := rts["/run/cri-dockerd.sock"]; r.Kind != "cri-dockerd" || r.Version != "28.5.2" || r.CgroupDriver != "systemd" ||
		states(r) != "containers lab exited 1; containers lab running 1; pods lab ready 1" {
		t.Errorf("cri-dockerd: %+v (%s)", r, states(r))
	}
}

func states(r Runtime) string {
	var out []string
	for _, s := range r.States {
		ns := s.Namespace
		if ns == "" {
			ns = "-"
		}
		out = append(out, s.What+" "+ns+" "+s.State+" "+itoa(s.Count))
	}
	return strings.Join(out, "; ")
}
