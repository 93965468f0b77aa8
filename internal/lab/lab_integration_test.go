package lab_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/internal/lab"
)

func criClient(t *testing.T, sock string) cri.RuntimeServiceClient {
	t.Helper()
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return cri.NewRuntimeServiceClient(conn)
}

func ctx(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}

func TestCRIPodsOnEveryContainerd(t *testing.T) {
	env := lab.Require(t)
	for _, d := range []string{"cd16", "cd17", "cd2"} {
		t.Run(d, func(t *testing.T) {
			rt := criClient(t, env["RTSNAP_LAB_"+strings.ToUpper(d)+"_SOCK"])
			c := ctx(t, 20*time.Second)
			pods, err := rt.ListPodSandbox(c, &cri.ListPodSandboxRequest{})
			if err != nil {
				t.Fatal(err)
			}
			var podID string
			for _, p := range pods.Items {
				if p.Metadata.Name == "web-"+d && p.Metadata.Namespace == "lab" && p.State == cri.PodSandboxState_SANDBOX_READY {
					podID = p.Id
				}
			}
			if podID == "" {
				t.Fatalf("no READY pod lab/web-%s among %d pods", d, len(pods.Items))
			}
			cs, err := rt.ListContainers(c, &cri.ListContainersRequest{Filter: &cri.ContainerFilter{PodSandboxId: podID}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]cri.ContainerState{}
			for _, x := range cs.Containers {
				got[x.Metadata.Name] = x.State
			}
			for _, name := range []string{"app", "sidecar"} {
				if got[name] != cri.ContainerState_CONTAINER_RUNNING {
					t.Errorf("container %s in web-%s: state %v, want RUNNING (all: %v)", name, d, got[name], got)
				}
			}
		})
	}
}

func nativeTask(t *testing.T, env lab.Env) (containerd.Task, context.Context) {
	t.Helper()
	cl, err := containerd.New(env["RTSNAP_LAB_CD2_SOCK"], containerd.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	c := namespaces.WithNamespace(ctx(t, 20*time.Second), env["RTSNAP_LAB_NATIVE_NS"])
	ctr, err := cl.LoadContainer(c, "native-sleeper")
	if err != nil {
		t.Fatalf("native container: %v", err)
	}
	task, err := ctr.Task(c, nil)
	if err != nil {
		t.Fatalf("native task: %v", err)
	}
	return task, c
}

func TestNativeContainer(t *testing.T) {
	env := lab.Require(t)
	task, c := nativeTask(t, env)
	st, err := task.Status(c)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != containerd.Running {
		t.Fatalf("native-sleeper task: %s, want running", st.Status)
	}
}

func TestDockerContainer(t *testing.T) {
	env := lab.Require(t)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(c context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(c, "unix", env["RTSNAP_LAB_DOCKER_SOCK"])
		}}}
	resp, err := hc.Get("http://docker/containers/json?all=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		Names []string
		State string
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if len(c.Names) > 0 && c.Names[0] == "/lab-docker-web" {
			if c.State != "running" {
				t.Fatalf("lab-docker-web: %s, want running", c.State)
			}
			return
		}
	}
	t.Fatalf("lab-docker-web not among %d docker containers", len(list))
}

func TestJournalDirectory(t *testing.T) {
	env := lab.Require(t)
	out, err := exec.Command("journalctl", "--directory="+env["RTSNAP_LAB_JOURNAL_DIR"], "-u", "kubelet.service", "-o", "cat").CombinedOutput()
	if err != nil {
		t.Fatalf("journalctl: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "CrashLoopBackOff") {
		t.Fatalf("kubelet entries lack the staged CrashLoopBackOff line:\n%s", out)
	}
}

// freezerState reads the v1 freezer state of a process's cgroup.
func freezerState(t *testing.T, pid uint32) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if parts := strings.SplitN(line, ":", 3); len(parts) == 3 && parts[1] == "freezer" {
			s, err := os.ReadFile("/sys/fs/cgroup/freezer" + parts[2] + "/freezer.state")
			if err != nil {
				t.Fatal(err)
			}
			return strings.TrimSpace(string(s))
		}
	}
	t.Fatalf("no freezer cgroup for pid %d", pid)
	return ""
}

func TestFaultPaused(t *testing.T) {
	env := lab.Require(t)
	task, _ := nativeTask(t, env)
	lab.Fault(t, "paused")
	if got := freezerState(t, task.Pid()); got != "FROZEN" {
		t.Fatalf("freezer state %q, want FROZEN", got)
	}
}

func TestFaultDeadButRunning(t *testing.T) {
	env := lab.Require(t)
	out := lab.Fault(t, "dead")
	m := regexp.MustCompile(`container=(\w+) pid=(\d+) shim=(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("staging printed no ids: %s", out)
	}
	pid, _ := strconv.Atoi(m[2])
	// The shim is stopped, so the killed init is at most an unreaped zombie.
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		s := string(b)
		if state := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])[0]; state != "Z" {
			t.Fatalf("init pid %d is still alive (state %s)", pid, state)
		}
	}
	st, err := criClient(t, env["RTSNAP_LAB_CD16_SOCK"]).ContainerStatus(ctx(t, 10*time.Second), &cri.ContainerStatusRequest{ContainerId: m[1]})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status.State != cri.ContainerState_CONTAINER_RUNNING {
		t.Fatalf("runtime says %v, want RUNNING for the dead container", st.Status.State)
	}
}

func TestFaultCrashLoop(t *testing.T) {
	env := lab.Require(t)
	lab.Fault(t, "crashloop")
	rt := criClient(t, env["RTSNAP_LAB_CD16_SOCK"])
	c := ctx(t, 10*time.Second)
	cs, err := rt.ListContainers(c, &cri.ListContainersRequest{Filter: &cri.ContainerFilter{LabelSelector: map[string]string{"rtsnap.lab": "crasher"}}})
	if err != nil {
		t.Fatal(err)
	}
	attempts := map[uint32]int32{}
	for _, x := range cs.Containers {
		st, err := rt.ContainerStatus(c, &cri.ContainerStatusRequest{ContainerId: x.Id})
		if err != nil {
			t.Fatal(err)
		}
		attempts[x.Metadata.Attempt] = st.Status.ExitCode
	}
	if len(attempts) != 2 || attempts[0] != 3 || attempts[1] != 3 {
		t.Fatalf("attempts → exit codes %v, want attempts 0 and 1 exiting 3", attempts)
	}
}

func TestFaultPullFail(t *testing.T) {
	lab.Require(t)
	out := lab.Fault(t, "pullfail")
	if !strings.Contains(out, "connection refused") {
		t.Fatalf("pull did not fail against the closed port: %s", out)
	}
}

func TestFaultDaemonDown(t *testing.T) {
	env := lab.Require(t)
	lab.Fault(t, "down")
	_, err := criClient(t, env["RTSNAP_LAB_CD17_SOCK"]).Version(ctx(t, 3*time.Second), &cri.VersionRequest{})
	if code := status.Code(err); code != codes.Unavailable && code != codes.DeadlineExceeded {
		t.Fatalf("CRI Version on the stopped daemon: %v, want Unavailable", err)
	}
}

func TestFaultHungSocket(t *testing.T) {
	env := lab.Require(t)
	lab.Fault(t, "hang")
	start := time.Now()
	_, err := criClient(t, env["RTSNAP_LAB_HANG_SOCK"]).Version(ctx(t, 2*time.Second), &cri.VersionRequest{})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("CRI Version on the hung socket: %v, want DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("deadline not honoured: %s", took)
	}
}
