package rules

import (
	"fmt"
	"testing"
)

// "no space left on device" is a full filesystem only when a filesystem
// wrote it: inotify's watch limit and cgroup mkdirs and writes say the same
// (ENOSPC) and are other causes, which the catalog names (RT1341, RT1759).
// Lines from the threads the catalog cites.
func TestNoSpaceLeftIsAFullDiskOnly(t *testing.T) {
	for _, c := range []struct {
		line  string
		fires bool
	}{
		// containerd#7542-shaped: a layer extract on a full /var.
		{`failed to pull and unpack image "docker.io/library/nginx:1.25": failed to extract layer sha256:2a3ebcb7fbcc: write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/41/fs/usr/lib/x86_64-linux-gnu/libcrypto.so.3: no space left on device: unknown`, true},
		{`Failed to create pod sandbox: open /var/log/pods/lab_web_1f2e/web/0.log: no space left on device`, true},
		// kubernetes#112940: memory cgroup ids exhausted.
		{`Failed to create existing container: mkdir /sys/fs/cgroup/memory/kubepods/burstable/pod0a1b: no space left on device`, false},
		// kubernetes#10421-shaped: inotify.
		{`Failed to watch directory "/sys/fs/cgroup/devices/system.slice": inotify_add_watch /sys/fs/cgroup/devices/system.slice/run-r1.scope: no space left on device`, false},
		{`error setting cgroup config for procHooks process: failed to write "0-3": write /sys/fs/cgroup/cpuset/kubepods/cpuset.cpus: no space left on device`, false},
	} {
		n := node(healthy(), map[string]string{
			"journal/kubelet.jsonl": fmt.Sprintf(`{"MESSAGE":%q,"_SYSTEMD_UNIT":"kubelet.service","__REALTIME_TIMESTAMP":"1764547200000000"}`+"\n", c.line),
		})
		if got := len(noSpaceLeft(n, unbounded())) > 0; got != c.fires {
			t.Errorf("fires %v, want %v: %s", got, c.fires, c.line)
		}
	}
}
