package docker

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func TestLabDockerContainer(t *testing.T) {
	le := lab.Require(t)
	env := collect.NewTestEnv()
	env.DockerHosts = []string{le["RTSNAP_LAB_DOCKER_SOCK"]}
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var inspects []struct {
		Name   string
		State  struct{ Running bool }
		Config struct {
			Image  string
			Labels map[string]string
		}
	}
	if err := json.Unmarshal(out.Files["inspect.json"], &inspects); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, in := range inspects {
		if in.Name == "/lab-docker-web" && in.State.Running && in.Config.Image == "rtsnap-lab/busybox:1" && in.Config.Labels["rtsnap.lab"] == "docker" {
			found = true
		}
	}
	if !found {
		t.Fatalf("lab-docker-web not found running in %d inspects", len(inspects))
	}
	var v struct{ Version string }
	json.Unmarshal(out.Files["version.json"], &v)
	if !strings.HasPrefix(v.Version, "20.10") {
		t.Fatalf("version %q", v.Version)
	}
	if _, ok := out.Files["events.json"]; !ok {
		t.Fatal("no events.json")
	}
	if !strings.Contains(string(out.Files["images.json"]), "rtsnap-lab/busybox:1") {
		t.Fatal("images.json lacks rtsnap-lab/busybox:1")
	}
	var calls []Call
	json.Unmarshal(out.Files["calls.json"], &calls)
	for _, c := range calls[1:] { // calls[0] is the unversioned /_ping
		if !strings.HasPrefix(c.Path, "/v1.") || (c.Code != "OK" && c.Path != "/v1.41/system/df") {
			t.Errorf("call %+v", c)
		}
	}
}

func TestHungDockerReturnsPromptly(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "hang")
	env := collect.NewTestEnv()
	env.DockerHosts = []string{le["RTSNAP_LAB_HANG_SOCK"]}
	env.CallTimeout = time.Second
	out := collect.NewCapture()
	start := time.Now()
	err := New().Collect(context.Background(), env, out)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("hung docker: err=%v after %s", err, time.Since(start))
	}
	var calls []Call
	if jerr := json.Unmarshal(out.Files["calls.json"], &calls); jerr != nil || len(calls) == 0 || calls[0].Code != "DeadlineExceeded" {
		t.Fatalf("hung call not recorded as a timeout: %s (%v)", out.Files["calls.json"], jerr)
	}
}

// Without --docker-socket the source reads the lab's dockerd 20.10 at the
// default socket and dockerd 28, found from its own -H and cri-dockerd's
// --docker-endpoint, with the containers cri-dockerd made for its pod.
func TestLabDocker28(t *testing.T) {
	le := lab.Require(t)
	sock28 := le["RTSNAP_LAB_DOCKER28_SOCK"]
	if sock28 == "" {
		t.Fatal("lab.sh env names no dockerd 28 socket (RTSNAP_LAB_CRIDOCKERD=0?)")
	}
	env := collect.NewTestEnv()
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var eps []Endpoint
	if err := json.Unmarshal(out.Files["endpoints.json"], &eps); err != nil {
		t.Fatal(err)
	}
	dir := ""
	for _, e := range eps {
		if e.Path == sock28 {
			dir = strings.TrimPrefix(e.Dir, "docker/") + "/"
		}
	}
	if len(eps) < 2 || eps[0].Path != le["RTSNAP_LAB_DOCKER_SOCK"] || dir == "" {
		t.Fatalf("endpoints %+v: want the default socket first and %s", eps, sock28)
	}
	var v struct{ Version, APIVersion string }
	json.Unmarshal(out.Files[dir+"version.json"], &v)
	if v.Version != "28.5.2" || v.APIVersion != "1.51" {
		t.Fatalf("dockerd 28: version %+v", v)
	}
	var info struct{ CgroupDriver, DefaultRuntime string }
	json.Unmarshal(out.Files[dir+"info.json"], &info)
	if info.CgroupDriver == "" || info.DefaultRuntime != "lab-runc" {
		t.Errorf("info %+v", info)
	}
	var inspects []struct {
		Name   string
		State  struct{ Status string }
		Config struct{ Labels map[string]string }
	}
	if err := json.Unmarshal(out.Files[dir+"inspect.json"], &inspects); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, in := range inspects {
		seen[in.Name] = in.State.Status
		if strings.HasPrefix(in.Name, "/k8s_POD_"+le["RTSNAP_LAB_CRIDOCKERD_POD"]+"_lab_") && in.Config.Labels["io.kubernetes.docker.type"] != "podsandbox" {
			t.Errorf("sandbox %s labels %v", in.Name, in.Config.Labels)
		}
	}
	if seen["/"+le["RTSNAP_LAB_DOCKER28_CONTAINER"]] != "running" {
		t.Errorf("plain container %s: %v", le["RTSNAP_LAB_DOCKER28_CONTAINER"], seen)
	}
	n := 0
	for name, st := range seen {
		if strings.HasPrefix(name, "/k8s_") && strings.Contains(name, "_"+le["RTSNAP_LAB_CRIDOCKERD_POD"]+"_lab_") && st == "running" {
			n++
		}
	}
	if n < 3 { // POD, app, sidecar
		t.Errorf("%d running containers of pod %s: %v", n, le["RTSNAP_LAB_CRIDOCKERD_POD"], seen)
	}
	// The 20.10 daemon's files stay where they were.
	var v20 struct{ Version string }
	json.Unmarshal(out.Files["version.json"], &v20)
	if !strings.HasPrefix(v20.Version, "20.10") {
		t.Errorf("default socket version %q", v20.Version)
	}
}

// paused: the app container of cri-dockerd's pod paused through dockerd 28
// shows as paused in its inspect; cri-dockerd down does not hide dockerd 28,
// which is found from its own -H.
func TestLabDocker28PausedAndCRIDockerdDown(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "cridockerd-paused")
	lab.Fault(t, "cridockerd-down")
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), collect.NewTestEnv(), out); err != nil {
		t.Fatal(err)
	}
	var eps []Endpoint
	json.Unmarshal(out.Files["endpoints.json"], &eps)
	dir := ""
	for _, e := range eps {
		if e.Path == le["RTSNAP_LAB_DOCKER28_SOCK"] {
			dir = strings.TrimPrefix(e.Dir, "docker/") + "/"
		}
	}
	if dir == "" {
		t.Fatalf("dockerd 28 not found with cri-dockerd down: %+v", eps)
	}
	var inspects []struct {
		Name  string
		State struct {
			Status string
			Paused bool
		}
	}
	json.Unmarshal(out.Files[dir+"inspect.json"], &inspects)
	paused := map[string]bool{}
	for _, in := range inspects {
		if strings.HasPrefix(in.Name, "/k8s_") && strings.Contains(in.Name, "_"+le["RTSNAP_LAB_CRIDOCKERD_POD"]+"_") {
			paused[strings.Split(in.Name, "_")[1]] = in.State.Paused && in.State.Status == "paused"
		}
	}
	if !paused["app"] || paused["sidecar"] || paused["POD"] {
		t.Fatalf("paused containers of %s: %v", le["RTSNAP_LAB_CRIDOCKERD_POD"], paused)
	}
}
