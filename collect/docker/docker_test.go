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
	env.DockerHost = le["RTSNAP_LAB_DOCKER_SOCK"]
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
	env.DockerHost = le["RTSNAP_LAB_HANG_SOCK"]
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
