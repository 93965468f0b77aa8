package analyze_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/bundletest"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/internal/lab"
)

const brokenNode = "../testdata/bundles/broken-node.tar.zst"

// TestMakeFixtures rewrites testdata/bundles/broken-node.tar.zst: a real lab
// bundle (cd16 only, namespace lab) edited to show what the lab cannot run —
// kubelet, bad socket permissions, a full disk, a corrupt meta.db, leaks, an
// OOM kill, a skip_verify hosts.toml. Only with RTSNAP_MAKE_FIXTURES=1.
func TestMakeFixtures(t *testing.T) {
	if os.Getenv("RTSNAP_MAKE_FIXTURES") != "1" {
		t.Skip("set RTSNAP_MAKE_FIXTURES=1 to rebuild the fixture bundles from the lab")
	}
	env := lab.Require(t)
	tmp, err := os.MkdirTemp("/dev/shm", "rtsnap-fixture-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "rtsnap")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/rtsnap")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out := filepath.Join(tmp, "out")
	os.Mkdir(out, 0o700)
	coll := exec.CommandContext(ctx, bin, "collect", "--output", out, "--since", "1s", "--pod-namespace", "lab",
		"--runtime-endpoint", env["RTSNAP_LAB_CD16_SOCK"], "--journal-dir", env["RTSNAP_LAB_JOURNAL_DIR"],
		"--only", "discovery,host,cri,containerd,runc,proc,cgroup,journal,configs,metadb")
	if b, err := coll.CombinedOutput(); err != nil {
		t.Logf("collect: %v\n%s", err, b)
	}
	paths, _ := filepath.Glob(filepath.Join(out, "*.tar.zst"))
	if len(paths) != 1 {
		t.Fatalf("bundles: %v", paths)
	}
	b, err := bundle.OpenFile(paths[0], bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	spec := bundletest.Spec{Manifest: *b.Manifest, Files: map[string]string{}}
	spec.Manifest.Files = nil
	for _, f := range b.Manifest.Files {
		data, _ := b.File(f.Path)
		spec.Files[f.Path] = string(data)
	}
	editBrokenNode(t, spec.Files)
	os.Remove(brokenNode)
	os.Remove(brokenNode + ".sha256")
	written := bundletest.Write(t, tmp, "broken-node.tar.zst", spec)
	for _, suffix := range []string{"", ".sha256"} {
		data, err := os.ReadFile(written + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(brokenNode+suffix, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// editBrokenNode applies the fixture's faults to a real bundle's files.
func editBrokenNode(t *testing.T, files map[string]string) {
	edit := func(path string, fn func(v any) any) {
		var v any
		if err := json.Unmarshal([]byte(files[path]), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		nb, _ := json.MarshalIndent(fn(v), "", "  ")
		files[path] = string(nb)
	}
	// Keep cd16's containers only: the lab also runs a busy node's worth on
	// cd17 and Docker, which would make the fixture too large to commit.
	keep := map[string]bool{}
	edit("runc/states.json", func(v any) any {
		m := v.(map[string]any)
		var states []any
		for _, s := range m["states"].([]any) {
			st := s.(map[string]any)
			if b, _ := st["bundle"].(string); strings.Contains(b, "/cd16/") {
				states = append(states, st)
				keep[st["id"].(string)] = true
			}
		}
		m["states"] = states
		return m
	})
	filter := func(path, idKey string, always func(map[string]any) bool) {
		edit(path, func(v any) any {
			var out []any
			for _, e := range v.([]any) {
				m := e.(map[string]any)
				if id, _ := m[idKey].(string); keep[id] || (always != nil && always(m)) {
					out = append(out, m)
				}
			}
			return out
		})
	}
	filter("cgroup/containers.json", "id", nil)
	filter("proc/processes.json", "container_id", func(m map[string]any) bool { return m["role"] != "init" && m["role"] != "shim" })
	filter("host/processes.json", "-", func(m map[string]any) bool { r, _ := m["role"].(string); return r != "" && r != "shim" })
	// kubelet as kubeadm sets it up, pointed at docker.sock after a botched
	// migration, with the systemd driver and an older pause image.
	files["discovery/kubelet.json"] = `{"running":true,"pid":812,"config_path":"/var/lib/kubelet/config.yaml","runtime_endpoint":"unix:///var/run/docker.sock","endpoint_from":"--container-runtime-endpoint","cgroup_driver":"systemd","pod_infra_container_image":"registry.k8s.io/pause:3.9"}`
	edit("discovery/endpoints.json", func(v any) any {
		eps := v.([]any)
		for _, e := range eps {
			m := e.(map[string]any)
			if strings.Contains(m["path"].(string), "cd16") {
				m["mode"], m["uid"], m["owner"] = "Srw-------", 1000, "build"
			}
		}
		return append(eps, map[string]any{"path": "/var/run/docker.sock", "kind": "docker", "origin": "kubelet", "exists": true, "is_socket": true,
			"mode": "Srw-rw----", "uid": 0, "gid": 0, "owner": "root", "group": "docker", "answers": false, "code": "Unimplemented",
			"error": "rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService"})
	})
	edit("host/host.json", func(v any) any {
		m := v.(map[string]any)
		m["disks"] = append(m["disks"].([]any), map[string]any{"path": "/var/lib/containerd", "exists": true, "total_bytes": 53687091200,
			"free_bytes": 1503238553, "used_percent": 97.2, "inodes": 3276800, "inodes_free": 294912, "inodes_used_percent": 91.0, "fs_type": "ext4"})
		return m
	})
	for p := range files {
		if strings.HasPrefix(p, "metadb/") {
			edit(p, func(v any) any {
				m := v.(map[string]any)
				m["ok"] = false
				m["errors"] = []string{"page 37: unreachable unfreed", "page 41: multiple references (stack: [41])"}
				return m
			})
		}
		if strings.HasSuffix(p, "/k8s.io/leases.json") {
			files[p] = `[{"id":"pull-1795550000000000000","created_at":"2026-11-20T08:00:00Z","resources":["content/sha256:d5c7202031c3f905ab33d2da3f279232b242ee9d3a37321eb2ad733d1246df59","ingests/default-1795550000"]}]`
		}
		if strings.HasSuffix(p, "/k8s.io/content.json") {
			edit(p, func(v any) any {
				m := v.(map[string]any)
				m["ingests"] = []any{map[string]any{"ref": "k8s.io/1/layer-sha256:4b35f584bb4f", "offset": 1048576, "total": 2596864,
					"started_at": "2026-11-20T08:00:01Z", "updated_at": "2026-11-20T08:00:09Z"}}
				return m
			})
		}
	}
	edit("cgroup/containers.json", func(v any) any {
		for _, c := range v.([]any) {
			m := c.(map[string]any)
			mem := m["memory"].(map[string]any)
			mem["limit"], mem["oom_events"], mem["oom_kills"], mem["failcnt"] = "67108864", 2, 2, 311
			break
		}
		return v
	})
	files["journal/containerd.jsonl"] += `{"time":"2026-11-24T22:10:01.5Z","realtime_usec":1795558201500000,"unit":"containerd.service","identifier":"containerd","priority":"3","message":"time=\"2026-11-24T22:10:01.500000000Z\" level=error msg=\"failed to prepare extraction snapshot \\\"extract-1795558201-abcd sha256:4b35f584bb4f\\\"\" error=\"mkdir /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/412: no space left on device\"","journal":"/var/log/journal"}` + "\n"
	files["configs/etc/containerd/certs.d/registry.lab.example/hosts.toml"] = "server = \"https://registry.lab.example\"\n\n[host.\"https://mirror.lab.example:5000\"]\n  capabilities = [\"pull\", \"resolve\"]\n  skip_verify = true\n"
}

func TestFixtureBrokenNode(t *testing.T) {
	a, err := analyze.Load(brokenNode, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range a.Findings {
		got[f.ID] = true
	}
	for _, id := range []string{"RT0501-cgroup-driver-mismatch", "RT0601-sandbox-image-mismatch", "RT0802-kubelet-endpoint-not-cri",
		"RT0803-socket-permissions", "RT0901-disk-pressure", "RT0902-inode-pressure", "RT0903-no-space-left", "RT1001-metadb-check-failed",
		"RT1101-lease-holds-content", "RT1103-stale-ingests", "RT1201-container-oom-killed", "RT1323-no-space-left",
		"RT0703-registry-skip-verify", "RT0701-registry-inline-config"} {
		if !got[id] {
			t.Errorf("fixture: %s did not fire", id)
		}
	}
	for _, pe := range a.Node.ParseErrors {
		t.Errorf("parse error: %+v", pe)
	}
	a.Path = "broken-node.tar.zst"
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(render.NewBundleFindings(a.Path, a, nil)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden", "findings-broken-node.json")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./analyze -run Fixture -update)", err)
	}
	if d := cmp.Diff(string(want), b.String()); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}
