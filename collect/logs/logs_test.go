package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func run(t *testing.T, s *Source, env *collect.Env) (*collect.Capture, Index) {
	t.Helper()
	out := collect.NewCapture()
	if err := s.Collect(context.Background(), env, out); err != nil {
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
	out, idx := run(t, &Source{}, collect.NewTestEnv())
	seen := map[string]bool{}
	// The crashloop pod of this run is the newest "crash" pod; older ones
	// are left over from earlier runs (no kubelet cleans them up here).
	var crashUID string
	var crashMod time.Time
	for _, f := range idx.Files {
		data := string(out.Files[f.Stored])
		if f.Kind == "cri" && f.Namespace == "lab" && strings.HasPrefix(f.Pod, "web-cd") {
			seen[f.Pod+"/"+f.Container] = true
			if f.Container == "app" && (!strings.Contains(data, "stdout F app tick") || f.Last == nil || f.First == nil) {
				t.Errorf("%s/app: %+v\n%.200q", f.Pod, f, data)
			}
		}
		if f.Kind == "cri" && f.Pod == "crash" && f.ModTime.After(crashMod) {
			crashUID, crashMod = f.PodUID, f.ModTime
		}
	}
	for _, p := range []string{"web-cd16", "web-cd17", "web-cd2"} {
		for _, c := range []string{"app", "sidecar"} {
			if !seen[p+"/"+c] {
				t.Errorf("no log of %s/%s", p, c)
			}
		}
	}
	attempts := 0
	for _, f := range idx.Files {
		if f.PodUID == crashUID && f.Container == "crasher" && strings.Contains(string(out.Files[f.Stored]), "stderr F fatal: config missing") {
			attempts++
		}
	}
	if attempts < 2 {
		t.Errorf("crashloop pod %s: %d attempts' logs with the crasher's error", crashUID, attempts)
	}
	id, err := exec.Command("docker", "inspect", "-f", "{{.Id}}", "lab-docker-web").Output()
	if err != nil {
		t.Fatalf("docker inspect: %v", err)
	}
	data := string(out.Files["docker/"+strings.TrimSpace(string(id))+".jsonl"])
	if !strings.Contains(data, `"log":"docker tick`) {
		t.Errorf("lab-docker-web json log: %.200q", data)
	}
}

func TestPodNamespaceFilter(t *testing.T) {
	lab.Require(t)
	env := collect.NewTestEnv()
	env.PodNamespaces = []string{"tenant-a"}
	_, idx := run(t, &Source{}, env)
	for _, f := range idx.Files {
		if f.Kind == "cri" || f.Kind == "docker" {
			t.Fatalf("filtered log collected: %+v", f)
		}
	}
	env = collect.NewTestEnv()
	env.PodNamespaces = []string{"lab"}
	_, idx = run(t, &Source{}, env)
	lab := 0
	for _, f := range idx.Files {
		if f.Kind == "cri" && f.Namespace == "lab" {
			lab++
		}
	}
	if lab < 6 {
		t.Fatalf("--pod-namespace lab kept %d lab log files", lab)
	}
}

// fakeRoots builds a pod log tree in a temp dir and points the source at it.
func fakeRoots(t *testing.T) (*Source, string) {
	t.Helper()
	root := t.TempDir()
	return &Source{PodLogRoot: filepath.Join(root, "pods"), DockerRoot: filepath.Join(root, "docker"), ShimStateDirs: []string{}}, root
}

func writeLog(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHugeLogTailedWithinBudget(t *testing.T) {
	s, root := fakeRoots(t)
	path := filepath.Join(s.PodLogRoot, "big_huge_uid-1", "app", "0.log")
	writeLog(t, path)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A 10 GiB sparse file whose last megabyte holds stamped lines.
	const size = 10 << 30
	now := time.Now().UTC()
	var tailLines strings.Builder
	for i := 0; tailLines.Len() < 1<<20; i++ {
		fmt.Fprintf(&tailLines, "%s stdout F line %07d\n", now.Add(time.Duration(i)*time.Millisecond-time.Minute).Format(time.RFC3339Nano), i)
	}
	if _, err := f.WriteAt([]byte(tailLines.String()), size-int64(tailLines.Len())); err != nil {
		t.Skipf("cannot make a sparse file in %s: %v", root, err)
	}
	f.Close()
	start := time.Now()
	out, idx := run(t, s, collect.NewTestEnv())
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("tail of a 10 GiB file took %v", d)
	}
	if len(idx.Files) != 1 {
		t.Fatalf("index: %+v", idx.Files)
	}
	rec := idx.Files[0]
	data := out.Files[rec.Stored]
	if rec.SizeBytes != size || !rec.Truncated || rec.KeptBytes > perContainerBytes || len(data) != rec.KeptBytes || rec.KeptBytes < perContainerBytes/2 {
		t.Fatalf("record %+v, stored %d bytes", rec, len(data))
	}
	if !strings.HasSuffix(string(data), strings.SplitAfterN(tailLines.String()[tailLines.Len()-60:], "\n", 2)[1]) {
		t.Fatalf("the last line is not kept: ...%q", data[len(data)-80:])
	}
	if !strings.Contains(string(data[:60]), " stdout F line ") || data[4] != '-' {
		t.Fatalf("does not start at a line boundary: %q", data[:60])
	}
}

func TestSinceAndMaxContainers(t *testing.T) {
	s, _ := fakeRoots(t)
	old := time.Now().Add(-3 * time.Hour).UTC().Format(time.RFC3339Nano)
	recent := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	writeLog(t, filepath.Join(s.PodLogRoot, "ns1_a_u1", "c", "0.log"), old+" stdout F old line", recent+" stdout F new line")
	writeLog(t, filepath.Join(s.PodLogRoot, "ns1_b_u2", "c", "0.log"), old+" stdout F only old")
	writeLog(t, filepath.Join(s.DockerRoot, "containers", "abc", "abc-json.log"), `{"log":"hi\n","stream":"stdout","time":"`+recent+`"}`)
	env := collect.NewTestEnv()
	out, idx := run(t, s, env)
	byPod := map[string]File{}
	for _, f := range idx.Files {
		byPod[f.Pod+f.Container] = f
	}
	if a := string(out.Files[byPod["ac"].Stored]); strings.Contains(a, "old line") || !strings.Contains(a, "new line") || byPod["ac"].First == nil {
		t.Fatalf("--since not applied: %q %+v", a, byPod["ac"])
	}
	if b := byPod["bc"]; b.KeptBytes != 0 || b.Stored != "" {
		t.Fatalf("a log with nothing in the window was stored: %+v", b)
	}
	if d := byPod["abc"]; d.Kind != "docker" || d.Lines != 1 || d.Last == nil {
		t.Fatalf("docker log: %+v", d)
	}
	env.MaxContainers = 1
	_, idx = run(t, s, env)
	if len(idx.Files) != 1 || idx.Skipped != 2 {
		t.Fatalf("--max-containers 1: %d files, %d skipped", len(idx.Files), idx.Skipped)
	}
}

func TestLineStamp(t *testing.T) {
	for l, ok := range map[string]bool{
		"2024-01-01T00:00:00.123456789Z stdout F msg":                      true,
		`{"log":"x\n","stream":"stdout","time":"2024-01-01T00:00:00.1Z"}`:  true,
		`{"level":"info","msg":"shim","time":"2024-01-01T00:00:00+01:00"}`: true,
		"I0101 00:00:00.000000 1 main.go:1] klog without a year":           false,
		`{"log":"no time"}`: false,
	} {
		if _, got := lineStamp([]byte(l)); got != ok {
			t.Errorf("lineStamp(%q) = %v", l, got)
		}
	}
}
