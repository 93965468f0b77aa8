package clitools

import (
	"errors"
	"strings"
	"testing"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/analyze/bundletest"
)

// statsSpec adds the cri source's stats files to labSpec. The figures are
// a public crictl stats output's (https://github.com/cri-o/cri-o/issues/3580:
// nginx 5.49 % 30.65MB 8.194kB 3 inodes, kube-proxy 0.15 % 30.58MB
// 32.77kB 10 inodes), given to the running "app" and to a third container;
// the exited sidecar reports zeros, as containerd does.
func statsSpec(t *testing.T) (s struct{ bundletest.Spec }) {
	s.Spec = labSpec(t)
	u := func(v uint64) *criapi.UInt64Value { return &criapi.UInt64Value{Value: v} }
	mk := func(id, name string, nanoCores, coreNs, mem, disk, inodes uint64) *criapi.ContainerStats {
		return &criapi.ContainerStats{
			Attributes:    &criapi.ContainerAttributes{Id: id, Metadata: &criapi.ContainerMetadata{Name: name}, Labels: map[string]string{"io.kubernetes.container.name": name}},
			Cpu:           &criapi.CpuUsage{Timestamp: 1, UsageCoreNanoSeconds: u(coreNs), UsageNanoCores: u(nanoCores)},
			Memory:        &criapi.MemoryUsage{Timestamp: 1, WorkingSetBytes: u(mem)},
			WritableLayer: &criapi.FilesystemUsage{Timestamp: 1, UsedBytes: u(disk), InodesUsed: u(inodes)},
			Swap:          &criapi.SwapUsage{Timestamp: 1, SwapUsageBytes: u(0)},
		}
	}
	s.Files["cri/"+slug+"/container_stats.json"] = mustJSON(t, []*criapi.ContainerStats{
		mk("ffff0000aaaa1111"+strings.Repeat("0", 48), "kube-proxy", 1_500_000, 9e9, 30_580_000, 32_770, 10),
		mk(ctrID, "app", 54_900_000, 2e9, 30_650_000, 8_194, 3),
		mk("47e9054f96b301ce028b0b71529a6ae50d843f68b0d06b5c1f6a880d0644e74e", "sidecar", 0, 0, 0, 0, 0),
	})
	s.Files["cri/"+slug+"/pod_stats.json"] = mustJSON(t, []*criapi.PodSandboxStats{{
		Attributes: &criapi.PodSandboxAttributes{Id: podID, Metadata: &criapi.PodSandboxMetadata{Name: "web-cd17", Namespace: "lab"}},
		Linux: &criapi.LinuxPodSandboxStats{Cpu: &criapi.CpuUsage{UsageCoreNanoSeconds: u(11e9), UsageNanoCores: u(56_400_000)},
			Memory: &criapi.MemoryUsage{WorkingSetBytes: u(61_230_000)}},
	}})
	return s
}

func TestCrictlStats(t *testing.T) {
	b := open(t, statsSpec(t).Spec)
	head := "CONTAINER           NAME                CPU %               MEM                 DISK                INODES              SWAP\n"
	app := "0874e91f1c7c2       app                 5.49                30.65MB             8.194kB             3                   0B\n"
	proxy := "ffff0000aaaa1       kube-proxy          0.15                30.58MB             32.77kB             10                  0B\n"
	side := "47e9054f96b30       sidecar             0.00                0B                  0B                  0                   0B\n"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"stats"}, head + app + proxy}, // sorted by id, the exited sidecar left out
		{[]string{"stats", "-a"}, head + app + side + proxy},
		{[]string{"stats", "0874e"}, head + app},
		{[]string{"stats", "--id", "ffff"}, head + proxy},
		{[]string{"stats", "-a", "--pod", podID[:6]}, head + app + side}, // kube-proxy is in no held pod
		{[]string{"stats", "--label", "io.kubernetes.container.name=app"}, head + app},
		{[]string{"stats", "--id", "nothere"}, head},
		{[]string{"statsp"}, "POD                 POD ID              CPU %               MEM\nweb-cd17            78fff269f0c12       5.64                61.23MB\n"},
		{[]string{"statsp", "--id", "0000"}, "POD                 POD ID              CPU %               MEM\n"},
	} {
		out, notes, err := run(t, b, "crictl", c.args...)
		if err != nil || out != c.want {
			t.Errorf("crictl %v:\n%s\nwant\n%s(%v)", c.args, out, c.want, err)
		}
		if !strings.Contains(notes, "UsageNanoCores") {
			t.Errorf("crictl %v: no note on CPU %%: %q", c.args, notes)
		}
	}
	out, _, err := run(t, b, "crictl", "stats", "-o", "json", "0874e")
	if err != nil || !strings.Contains(out, `"usageCoreNanoSeconds": {`) || !strings.Contains(out, `"value": "30650000"`) || strings.Contains(out, "kube-proxy") {
		t.Errorf("stats -o json:\n%s (%v)", out, err)
	}
	out, _, err = run(t, b, "crictl", "statsp", "-o", "yaml")
	if err != nil || !strings.HasPrefix(out, "stats:\n- attributes:\n") || !strings.Contains(out, "workingSetBytes:\n        value: \"61230000\"") {
		t.Errorf("statsp -o yaml:\n%s (%v)", out, err)
	}
	for _, bad := range [][]string{{"stats", "-w"}, {"stats", "-o", "csv"}, {"stats", "a", "b"}, {"statsp", "x"}, {"stats", "--label", "a"}} {
		if _, _, err := run(t, b, "crictl", bad...); err == nil {
			t.Errorf("crictl %v: no error", bad)
		}
	}
}

// Without --cri-stats the bundle holds no stats: the error names the
// source and the flag.
func TestCrictlStatsNotCollected(t *testing.T) {
	b := open(t, labSpec(t))
	for _, sub := range []string{"stats", "statsp"} {
		_, _, err := run(t, b, "crictl", sub)
		var nc *NotCollectedError
		if !errors.As(err, &nc) || !strings.Contains(err.Error(), "--cri-stats") || !strings.Contains(err.Error(), `source "cri"`) {
			t.Errorf("crictl %s without stats: %v", sub, err)
		}
	}
}

// A stats call that failed at the collection is named with its code.
func TestCrictlStatsCallFailed(t *testing.T) {
	s := statsSpec(t).Spec
	delete(s.Files, "cri/"+slug+"/pod_stats.json")
	s.Files["cri/"+slug+"/calls.json"] = `[{"method":"ListPodSandboxStats","duration_ms":30000,"code":"DeadlineExceeded","error":"context deadline exceeded"}]`
	_, _, err := run(t, open(t, s), "crictl", "statsp")
	if err == nil || !strings.Contains(err.Error(), "ListPodSandboxStats failed at the collection: DeadlineExceeded") {
		t.Errorf("statsp after a failed call: %v", err)
	}
}

// imagefsinfo: the ImageFsInfo answer under "status", as crictl prints it;
// the figures are containerd 1.7's from the lab's imagefs.json.
func TestCrictlImageFsInfo(t *testing.T) {
	s := labSpec(t)
	s.Files["cri/"+slug+"/imagefs.json"] = `{"image_filesystems":[{"timestamp":1764596400000000000,"fs_id":{"mountpoint":"/var/lib/rtsnap-lab/cd17/io.containerd.snapshotter.v1.overlayfs"},"used_bytes":{"value":8192},"inodes_used":{"value":5}}]}`
	b := open(t, s)
	out, _, err := run(t, b, "crictl", "imagefsinfo")
	want := "{\n  \"status\": {\n    \"containerFilesystems\": [],\n    \"imageFilesystems\": [\n      {\n        \"fsId\": {\n          \"mountpoint\": \"/var/lib/rtsnap-lab/cd17/io.containerd.snapshotter.v1.overlayfs\"\n        },\n        \"inodesUsed\": {\n          \"value\": \"5\"\n        },\n        \"timestamp\": \"1764596400000000000\",\n        \"usedBytes\": {\n          \"value\": \"8192\"\n        }\n      }\n    ]\n  }\n}\n"
	if err != nil || out != want {
		t.Errorf("imagefsinfo:\n%s\nwant\n%s(%v)", out, want, err)
	}
	if _, _, err := run(t, open(t, labSpec(t)), "crictl", "imagefsinfo"); err == nil || !strings.Contains(err.Error(), "imagefs.json") {
		t.Errorf("imagefsinfo without imagefs.json: %v", err)
	}
}
