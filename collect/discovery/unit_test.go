package discovery

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/redact"
)

func TestParseCrictl(t *testing.T) {
	c := parseCrictl([]byte("runtime-endpoint: unix:///run/k3s/containerd/containerd.sock\nimage-endpoint: unix:///run/img.sock\ntimeout: 10\ndebug: false\n"))
	if !c.Present || c.RuntimeEndpoint != "unix:///run/k3s/containerd/containerd.sock" || c.ImageEndpoint != "unix:///run/img.sock" || c.Timeout != 10 {
		t.Fatalf("%+v", c)
	}
	if c := parseCrictl([]byte(":\n\t- not yaml")); !c.Present || c.RuntimeEndpoint != "" {
		t.Fatalf("malformed file: %+v", c)
	}
}

func TestKubeletCommandLineWinsOverConfig(t *testing.T) {
	cfg := parseKubeletConfig([]byte("kind: KubeletConfiguration\ncontainerRuntimeEndpoint: unix:///run/containerd/containerd.sock\ncgroupDriver: systemd\n"))
	k := kubeletFrom([]string{"kubelet", "--container-runtime-endpoint=unix:///run/crio/crio.sock", "--config", "/x"}, cfg, Kubelet{Running: true})
	if k.RuntimeEndpoint != "unix:///run/crio/crio.sock" || k.EndpointFrom != "command line" || k.CgroupDriver != "systemd" {
		t.Fatalf("%+v", k)
	}
	k = kubeletFrom([]string{"kubelet", "--config", "/x", "--cgroup-driver", "cgroupfs"}, cfg, Kubelet{Running: true})
	if k.RuntimeEndpoint != "unix:///run/containerd/containerd.sock" || k.EndpointFrom != "config" || k.CgroupDriver != "cgroupfs" {
		t.Fatalf("%+v", k)
	}
	if k := kubeletFrom([]string{"kubelet"}, kubeletConfig{}, Kubelet{}); k.RuntimeEndpoint != "" || k.EndpointFrom != "" {
		t.Fatalf("no endpoint configured: %+v", k)
	}
}

func TestCandidatesKeepEveryWellKnownPathAndConfiguredOnes(t *testing.T) {
	cands := candidates([]string{"unix:///tmp/x.sock"},
		Crictl{RuntimeEndpoint: "unix:///run/containerd/containerd.sock", ImageEndpoint: "tcp://10.0.0.1:1"},
		[]Kubelet{{RuntimeEndpoint: "/run/crio/crio.sock"}}, nil)
	origins := map[string][]string{}
	for _, c := range cands {
		origins[c.Path] = append(origins[c.Path], c.Origin)
	}
	for _, w := range endpoints.WellKnown() {
		if len(origins[w.Path]) == 0 {
			t.Errorf("well-known %s left out", w.Path)
		}
	}
	if strings.Join(origins["/run/containerd/containerd.sock"], ",") != "well-known,crictl.yaml" ||
		strings.Join(origins["/run/crio/crio.sock"], ",") != "well-known,kubelet" ||
		strings.Join(origins["/tmp/x.sock"], ",") != "flag" {
		t.Fatalf("origins: %v", origins)
	}
	for _, c := range cands {
		if strings.Contains(c.Path, "10.0.0.1") {
			t.Fatalf("tcp endpoint probed as a path: %+v", c)
		}
	}
}

// A kubelet on cri-dockerd at a path of its own: kubelet's endpoint and the
// daemon serving it are one path with both origins. Command lines as
// cri-dockerd's docs give them (https://mirantis.github.io/cri-dockerd/usage/install-manually/,
// flags of `cri-dockerd --help`), and dockerd's -H list.
func TestCandidatesMatchKubeletToItsDaemon(t *testing.T) {
	procs := []procscan.Process{
		{PID: 7, Role: procscan.RoleCRIDockerd, Args: []string{"/usr/bin/cri-dockerd", "--container-runtime-endpoint", "unix:///run/k/cri-dockerd.sock", "--docker-endpoint", "unix:///run/d28/docker.sock", "--network-plugin=cni"}},
		{PID: 8, Role: procscan.RoleDockerd, Args: []string{"/usr/bin/dockerd", "-H", "fd://", "-H", "unix:///run/d28/docker.sock"}},
	}
	cands := candidates(nil, Crictl{}, []Kubelet{{PID: 6, RuntimeEndpoint: "unix:///run/k/cri-dockerd.sock"}}, endpoints.FromDaemons(procs))
	origins := map[string][]string{}
	kinds := map[string]endpoints.Kind{}
	for _, c := range cands {
		origins[c.Path] = append(origins[c.Path], c.Origin)
		kinds[c.Path] = c.Kind
	}
	if got := strings.Join(origins["/run/k/cri-dockerd.sock"], ","); got != "kubelet pid 6,cri-dockerd pid 7" {
		t.Errorf("cri-dockerd socket origins %q", got)
	}
	if got := strings.Join(origins["/run/d28/docker.sock"], ","); got != "cri-dockerd pid 7,dockerd pid 8" || kinds["/run/d28/docker.sock"] != endpoints.Docker {
		t.Errorf("dockerd socket origins %q kind %s", got, kinds["/run/d28/docker.sock"])
	}
	if len(origins["fd://"]) != 0 {
		t.Error("fd:// listed as a socket")
	}
}

func TestRedactArgsReadsFlagWithItsValue(t *testing.T) {
	r, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	got := redactArgs(r, []string{"dockerd", "--password", "hunter2xyz", "--label", "api_token=CmdlineTokenRtsnap55", "--debug"})
	joined := strings.Join(got, " ")
	if len(got) != 6 || strings.Contains(joined, "hunter2xyz") || strings.Contains(joined, "CmdlineTokenRtsnap55") {
		t.Fatalf("%q", got)
	}
	if got[0] != "dockerd" || got[1] != "--password" || got[3] != "--label" || got[5] != "--debug" {
		t.Fatalf("benign arguments changed: %q", got)
	}
}

// fakeCRI serves Version on a unix socket in a temp dir.
type fakeCRI struct {
	criapi.UnimplementedRuntimeServiceServer
}

func (fakeCRI) Version(context.Context, *criapi.VersionRequest) (*criapi.VersionResponse, error) {
	return &criapi.VersionResponse{RuntimeName: "fake", RuntimeVersion: "9.9"}, nil
}

func listen(t *testing.T, name string) (string, net.Listener) {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return p, l
}

func TestProbe(t *testing.T) {
	env := collect.NewTestEnv()
	env.CallTimeout = 300 * time.Millisecond

	answering, l := listen(t, "fake.sock")
	srv := grpc.NewServer()
	criapi.RegisterRuntimeServiceServer(srv, fakeCRI{})
	go srv.Serve(l)
	t.Cleanup(srv.Stop)

	// A socket that accepts and never answers, like the lab's hang socket.
	hung, hl := listen(t, "hang.sock")
	go func() {
		for {
			c, err := hl.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	notSock := filepath.Join(t.TempDir(), "plain.sock")
	os.WriteFile(notSock, nil, 0o600)

	start := time.Now()
	got := probeAll(context.Background(), env, []endpoints.Endpoint{
		endpoints.Parse(answering), endpoints.Parse(hung), endpoints.Parse(hung + "-missing"), endpoints.Parse(notSock),
		{Path: hung, Kind: endpoints.Unknown, Origin: "kubelet"},
	})
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("probes took %s", el)
	}
	if s := got[0]; !s.Answers || s.Code != "OK" || s.Runtime != "fake 9.9" || !s.IsSocket || s.Mode == "" {
		t.Errorf("answering: %+v", s)
	}
	if s := got[1]; s.Answers || s.Code != "DeadlineExceeded" || !s.Exists {
		t.Errorf("hung: %+v", s)
	}
	if s := got[2]; s.Exists || s.Answers || s.Error != hung+"-missing does not exist" {
		t.Errorf("missing: %+v", s)
	}
	if s := got[3]; !s.Exists || s.IsSocket || s.Answers || s.Error != notSock+" is a regular file, not a socket" {
		t.Errorf("regular file: %+v", s)
	}
	if s := got[4]; s.Origin != "kubelet" || s.Code != "DeadlineExceeded" {
		t.Errorf("second origin of the hung socket: %+v", s)
	}
}

// A tcp:// endpoint is probed by dialling it, and shown as given: the issue
// had tcp://1.2.3.4:1 printed as tcp:/1.2.3.4:1 and "stat"ed as a file.
func TestProbeDialsATCPEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := "tcp://" + l.Addr().String()
	l.Close()
	env := collect.NewTestEnv()
	env.CallTimeout = 2 * time.Second
	got := probeAll(context.Background(), env, []endpoints.Endpoint{endpoints.Parse(refusing)})
	if s := got[0]; s.Path != refusing || s.Answers || s.Code != "Unavailable" || !strings.Contains(s.Error, "connection refused") || strings.Contains(s.Error, "stat ") {
		t.Fatalf("tcp endpoint: %+v", s)
	}
}

func TestCollectStoresCrictlYAML(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "crictl.yaml")
	os.WriteFile(p, []byte("runtime-endpoint: unix:///nonexistent/rtsnap-test.sock\n"), 0o600)
	env := collect.NewTestEnv()
	env.ProcRoot = dir // no processes: no kubelet, no daemons
	env.CallTimeout = time.Second
	out := collect.NewCapture()
	if err := (Source{crictlPath: p}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if out.Kinds["crictl.yaml"] != redact.YAML || !strings.Contains(string(out.Files["crictl.yaml"]), "rtsnap-test.sock") {
		t.Fatalf("crictl.yaml: %q (%v)", out.Files["crictl.yaml"], out.Kinds["crictl.yaml"])
	}
	var socks []Socket
	if err := json.Unmarshal(out.Files["endpoints.json"], &socks); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range socks {
		if s.Origin == "crictl.yaml" && s.Path == "/nonexistent/rtsnap-test.sock" && !s.Exists {
			found = true
		}
	}
	if !found {
		t.Fatalf("crictl's endpoint not probed: %+v", socks)
	}

	out = collect.NewCapture()
	if err := (Source{crictlPath: filepath.Join(dir, "absent.yaml")}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if _, ok := out.Files["crictl.yaml"]; ok {
		t.Fatal("crictl.yaml stored although absent")
	}
	var c Crictl
	json.Unmarshal(out.Files["crictl.json"], &c)
	if c.Present {
		t.Fatalf("absent crictl.yaml reported present: %+v", c)
	}
}
