package docker

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
)

// fakeProc writes /proc/<pid>/{stat,cmdline} for each command line.
func fakeProc(t *testing.T, cmdlines ...[]string) string {
	t.Helper()
	root := t.TempDir()
	for i, args := range cmdlines {
		dir := filepath.Join(root, strconv.Itoa(100+i))
		os.MkdirAll(dir, 0o755)
		stat := strconv.Itoa(100+i) + " (" + filepath.Base(args[0]) + ") S 1 " + strings.Repeat("0 ", 17) + "12345 0 0\n"
		os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644)
		os.WriteFile(filepath.Join(dir, "cmdline"), []byte(strings.Join(args, "\x00")+"\x00"), 0o644)
	}
	return root
}

// The command lines a node runs: dockerd listening on fd:// and a second
// socket (the systemd unit's form, https://docs.docker.com/engine/daemon/remote-access/),
// and cri-dockerd pointed at a dockerd with --docker-endpoint (its README's
// form, https://github.com/Mirantis/cri-dockerd).
func TestDaemonSockets(t *testing.T) {
	procs := []procscan.Process{
		{Role: procscan.RoleDockerd, Args: []string{"/usr/bin/dockerd", "-H", "fd://", "-H", "unix:///run/d2/docker.sock", "--host=tcp://0.0.0.0:2375", "--containerd=/run/containerd/containerd.sock"}},
		{Role: procscan.RoleCRIDockerd, Args: []string{"/usr/local/bin/cri-dockerd", "--container-runtime-endpoint", "unix:///run/cri-dockerd.sock", "--docker-endpoint=unix:///var/run/docker.sock"}},
		{Role: procscan.RoleContainerd, Args: []string{"containerd", "-H", "unix:///not/docker.sock"}},
		{Role: procscan.RoleDockerd, Args: []string{"dockerd"}},
	}
	got := strings.Join(daemonSockets(procs), " ")
	if want := "/run/d2/docker.sock /var/run/docker.sock"; got != want {
		t.Fatalf("daemonSockets = %q, want %q", got, want)
	}
}

// Two daemons: the default socket writes docker/*.json, the second one (named
// by a running dockerd's -H) docker/<slug>/*.json; endpoints.json maps them.
func TestTwoDaemons(t *testing.T) {
	def := (&fakeDaemon{}).serve(t)
	second := (&fakeDaemon{}).serve(t)
	env := collect.NewTestEnv()
	env.ProcRoot = fakeProc(t, []string{"/usr/bin/dockerd", "-H", "unix://" + second}, []string{"/usr/bin/dockerd", "-H", "unix://" + def})
	out := collect.NewCapture()
	if err := (Source{defaultSocket: def}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var eps []Endpoint
	if err := json.Unmarshal(out.Files["endpoints.json"], &eps); err != nil {
		t.Fatal(err)
	}
	slug := strings.NewReplacer("/", "_").Replace(strings.TrimSuffix(strings.Trim(second, "/"), ".sock"))
	if len(eps) != 2 || eps[0].Path != def || eps[0].Dir != "docker" || eps[1].Path != second || eps[1].Dir != "docker/"+slug {
		t.Fatalf("endpoints %+v", eps)
	}
	for _, f := range []string{"version.json", "inspect.json", "calls.json", slug + "/version.json", slug + "/inspect.json", slug + "/calls.json"} {
		if _, ok := out.Files[f]; !ok {
			t.Errorf("no %s in %v", f, keys(out.Files))
		}
	}
}

// One of two daemons not answering: the other is collected and the source is
// partial, not failed; the dead one's error is in endpoints.json.
func TestOneOfTwoDaemonsDown(t *testing.T) {
	def := (&fakeDaemon{}).serve(t)
	dir := t.TempDir()
	dead := filepath.Join(dir, "dead.sock")
	deadSocket(t, dead)
	env := collect.NewTestEnv()
	env.DockerHosts = []string{def, dead}
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatalf("one daemon down failed the source: %v", err)
	}
	var eps []Endpoint
	json.Unmarshal(out.Files["endpoints.json"], &eps)
	if len(eps) != 2 || eps[0].Error != "" || !strings.Contains(eps[1].Error, "does not answer") {
		t.Fatalf("endpoints %+v", eps)
	}
	if !strings.Contains(strings.Join(out.Partials, ";"), dead) {
		t.Errorf("partials %v do not name %s", out.Partials, dead)
	}
	// Both down: the source fails.
	env = collect.NewTestEnv()
	env.DockerHosts = []string{dead}
	if err := New().Collect(context.Background(), env, collect.NewCapture()); err == nil {
		t.Fatal("no daemon answering and no error")
	}
}

// deadSocket leaves a socket file nobody listens on (connection refused).
func deadSocket(t *testing.T, path string) {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
