package logs

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func run(t *testing.T, env *collect.Env) (*collect.Capture, Index) {
	t.Helper()
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var idx Index
	if err := json.Unmarshal(out.Files["index.json"], &idx); err != nil {
		t.Fatal(err)
	}
	return out, idx
}

func TestLabContainerLogs(t *testing.T) {
	lab.Require(t)
	lab.Fault(t, "crashloop")
	out, idx := run(t, collect.NewTestEnv())
	kinds := map[string]int{}
	crashAttempts := 0
	for _, f := range idx.Files {
		kinds[f.Kind]++
		data := string(out.Files[f.Stored])
		if f.Kind == "cri" && f.Pod == "web-cd2" && f.Container == "app" && !strings.Contains(data, "app tick") {
			t.Errorf("web-cd2/app log lacks its output: %.200q", data)
		}
		if f.Kind == "cri" && f.Namespace == "lab" && strings.Contains(f.Pod, "crash") {
			crashAttempts++
		}
		if f.Kind == "docker" && f.KeptBytes > 0 && !strings.Contains(data, "docker tick") {
			t.Errorf("docker log lacks its output: %.200q", data)
		}
	}
	if kinds["cri"] < 6 || kinds["docker"] < 1 {
		t.Fatalf("log files by kind: %v", kinds)
	}
	if crashAttempts < 2 {
		t.Fatalf("crashloop attempts' logs: %d", crashAttempts)
	}
}

func TestPodNamespaceFilter(t *testing.T) {
	lab.Require(t)
	env := collect.NewTestEnv()
	env.PodNamespaces = []string{"tenant-a"}
	_, idx := run(t, env)
	for _, f := range idx.Files {
		if f.Kind == "cri" || f.Kind == "docker" {
			t.Fatalf("filtered log collected: %+v", f)
		}
	}
}
