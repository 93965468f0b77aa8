package clitools

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/internal/endpoints"
	ctrschema "github.com/rtsnap/rtsnap/internal/schema/containerd"
)

// ctrSpec is a bundle with one containerd endpoint of the given version:
// the lab's cd2 records (ids, labels, the spec's head) in the shape the
// containerd source writes them.
func ctrSpec(t *testing.T, version string) (files map[string]string, sock string) {
	sock = "/run/rtsnap-lab/cd2/containerd.sock"
	dir := "containerd/" + endpoints.Parse(sock).Slug() + "/"
	at := time.Date(2026, 12, 1, 12, 52, 27, 461672066, time.UTC)
	cs := []ctrschema.Container{
		{ID: "2bd703308ac98e59010d421e1f2d3f0499f8812527294a7cd2b85ebd7e2460aa", Image: "docker.io/library/busybox:latest", Runtime: "io.containerd.runc.v2",
			Snapshotter: "overlayfs", SnapshotKey: "2bd703308ac98e59010d421e1f2d3f0499f8812527294a7cd2b85ebd7e2460aa", SandboxID: "41c1c18fe96354dbf20d94e1550ef8c0eed8ecdef49a0ab8699ef18d31d74141",
			Labels:    map[string]string{"io.cri-containerd.kind": "container", "io.kubernetes.container.name": "app", "rtsnap.lab": "app"},
			CreatedAt: at, UpdatedAt: at, Spec: json.RawMessage(`{"ociVersion":"1.3.0","process":{"args":["/bin/sh","-c","echo <app> & tick"]}}`)},
		{ID: "41c1c18fe96354dbf20d94e1550ef8c0eed8ecdef49a0ab8699ef18d31d74141", Image: "rtsnap.local/pause:1", Runtime: "io.containerd.runc.v2",
			Labels: map[string]string{"io.cri-containerd.kind": "sandbox"}, CreatedAt: at, UpdatedAt: at},
	}
	ims := []ctrschema.Image{
		{Name: "docker.io/library/busybox:latest", MediaType: "application/vnd.oci.image.index.v1+json", Digest: "sha256:e3652a00a2fabd16ce889f0aa32c38eec347b997e73bd09e69c962ec7f8732ee", Labels: map[string]string{"io.cri-containerd.image": "managed"}, PlatformSize: 2223685, Platforms: []string{"linux/amd64"}},
		{Name: "rtsnap.local/pause:1", MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: "sha256:d5c7202031c3f905ab33d2da3f279232b242ee9d3a37321eb2ad733d1246df59", PlatformSize: 2223685, Platforms: []string{"linux/amd64"}},
	}
	files = map[string]string{
		dir + "server.json":            mustJSON(t, ctrschema.Server{Endpoint: sock, Version: version}),
		dir + "namespaces.json":        `[{"name":"k8s.io"}]`,
		dir + "k8s.io/containers.json": mustJSON(t, cs),
		dir + "k8s.io/images.json":     mustJSON(t, ims),
	}
	return files, sock
}

func TestCtrFiltersAndInfo(t *testing.T) {
	f, sock := ctrSpec(t, "2.2.1")
	s := labSpec(t)
	for k, v := range f {
		s.Files[k] = v
	}
	b := open(t, s)
	ctr := func(args ...string) (string, error) {
		out, _, err := run(t, b, "ctr", append([]string{"-a", sock, "-n", "k8s.io"}, args...)...)
		return out, err
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"containers", "ls", "-q"}, "2bd703308ac98e59010d421e1f2d3f0499f8812527294a7cd2b85ebd7e2460aa\n41c1c18fe96354dbf20d94e1550ef8c0eed8ecdef49a0ab8699ef18d31d74141\n"},
		{[]string{"containers", "ls", "-q", `labels."io.kubernetes.container.name"==app`}, "2bd703308ac98e59010d421e1f2d3f0499f8812527294a7cd2b85ebd7e2460aa\n"},
		{[]string{"containers", "ls", "-q", "image~=pause"}, "41c1c18fe96354dbf20d94e1550ef8c0eed8ecdef49a0ab8699ef18d31d74141\n"},
		// Two filters are alternatives (containerd's ParseAll), comma-joined terms all apply.
		{[]string{"containers", "ls", "-q", "image~=pause", "id==nomatch"}, "41c1c18fe96354dbf20d94e1550ef8c0eed8ecdef49a0ab8699ef18d31d74141\n"},
		{[]string{"containers", "ls", "-q", "image~=pause,runtime.name==other"}, ""},
		{[]string{"images", "ls", "-q", `labels."io.cri-containerd.image"==managed`}, "docker.io/library/busybox:latest\n"},
		{[]string{"images", "ls", "-q", "target.mediatype~=manifest"}, "rtsnap.local/pause:1\n"},
	} {
		if out, err := ctr(c.args...); err != nil || out != c.want {
			t.Errorf("ctr %v: %q (%v), want %q", c.args, out, err, c.want)
		}
	}
	if _, err := ctr("containers", "ls", "labels.==("); err == nil {
		t.Error("a bad filter parsed")
	}
	out, err := ctr("containers", "info", "2bd703308ac98e59010d421e1f2d3f0499f8812527294a7cd2b85ebd7e2460aa")
	want := `{
    "ID": "2bd703308ac98e59010d421e1f2d3f0499f8812527294a7cd2b85ebd7e2460aa",
    "Labels": {
        "io.cri-containerd.kind": "container",
        "io.kubernetes.container.name": "app",
        "rtsnap.lab": "app"
    },
    "Image": "docker.io/library/busybox:latest",
    "Runtime": {
        "Name": "io.containerd.runc.v2",
        "Options": null
    },
    "SnapshotKey": "2bd703308ac98e59010d421e1f2d3f0499f8812527294a7cd2b85ebd7e2460aa",
    "Snapshotter": "overlayfs",
    "CreatedAt": "2026-12-01T12:52:27.461672066Z",
    "UpdatedAt": "2026-12-01T12:52:27.461672066Z",
    "Extensions": null,
    "SandboxID": "41c1c18fe96354dbf20d94e1550ef8c0eed8ecdef49a0ab8699ef18d31d74141",
    "Spec": {
        "ociVersion": "1.3.0",
        "process": {
            "args": [
                "/bin/sh",
                "-c",
                "echo \u003capp\u003e \u0026 tick"
            ]
        }
    }
}
`
	if err != nil || out != want {
		t.Errorf("containers info:\n%s(%v)", out, err)
	}
	if out, err = ctr("containers", "info", "--spec", "2bd703308ac98e59010d421e1f2d3f0499f8812527294a7cd2b85ebd7e2460aa"); err != nil || !strings.HasPrefix(out, "{\n    \"ociVersion\": \"1.3.0\",") {
		t.Errorf("containers info --spec:\n%s(%v)", out, err)
	}
	if _, err = ctr("containers", "info", "nothere"); err == nil {
		t.Error("info of an absent container succeeded")
	}
}

// containerd 1.6's record has no SandboxID: ctr 1.6 prints none.
func TestCtrInfoBefore17(t *testing.T) {
	f, sock := ctrSpec(t, "1.6.20~ds1")
	s := labSpec(t)
	for k, v := range f {
		s.Files[k] = v
	}
	out, _, err := run(t, open(t, s), "ctr", "-a", sock, "-n", "k8s.io", "containers", "info", "41c1c18fe96354dbf20d94e1550ef8c0eed8ecdef49a0ab8699ef18d31d74141")
	if err != nil || strings.Contains(out, "SandboxID") || !strings.Contains(out, "\"Extensions\": null\n}") {
		t.Errorf("1.6 info:\n%s(%v)", out, err)
	}
}
