package rules

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze/finding"
)

// kubeletStartError wraps a runtime's error the way kubelet 1.2x logs a
// container that failed to start (structured klog from pod_workers.go, as in
// https://github.com/kubernetes/kubernetes/issues/112548 and the catalog's
// kubelet examples): the pod is in pod=, the runtime's error inside err=.
func kubeletStartError(cause string) string {
	inner := `failed to "StartContainer" for "app" with RunContainerError: "failed to create containerd task: failed to create shim task: OCI runtime create failed: ` + cause + `"`
	return fmt.Sprintf(`E1201 09:59:00.000000    2235 pod_workers.go:1301] "Error syncing pod, skipping" err=%q pod="shop/web-1" podUID="0f1c2d3e"`, inner)
}

// podClassNode is one pod shop/web-1 with a READY sandbox and its container
// app running (state 1) or exited with the 128 containerd gives a container
// whose start failed (state 2), and the kubelet's line a minute before the
// collection.
func podClassNode(at time.Time, line string, state, exit int) map[string]string {
	dir := "cri/run_containerd_containerd.sock"
	return map[string]string{
		"journal/kubelet.jsonl": fmt.Sprintf(`{"__REALTIME_TIMESTAMP":"%d","_SYSTEMD_UNIT":"kubelet.service","MESSAGE":%q}`+"\n", at.Add(-time.Minute).UnixMicro(), line),
		dir + "/version.json":   `{"endpoint":"/run/containerd/containerd.sock","version":{"runtime_name":"containerd","runtime_version":"v1.7.1"}}`,
		dir + "/pods.json":      `{"pods":[{"pod":{"id":"p1","metadata":{"name":"web-1","uid":"0f1c2d3e","namespace":"shop"},"state":0},"status":{"id":"p1","metadata":{"name":"web-1","uid":"0f1c2d3e","namespace":"shop"},"state":0}}]}`,
		dir + "/containers.json": fmt.Sprintf(`{"containers":[{"container":{"id":"c10000000000000","pod_sandbox_id":"p1","metadata":{"name":"app","attempt":0},"state":%d},"status":{"id":"c10000000000000","metadata":{"name":"app","attempt":0},"state":%d,"exit_code":%d,"reason":"StartError"}}]}`,
			state, state, exit),
		"redaction-report.json": `{"rule_set_version":"1","total":0}`,
	}
}

// TestStartClassesJudgedAgainstCRI: the pod-scoped classes of a container
// that cannot start are current while the pod's container is exited with
// its start error, and resolved history (info) once every container of the
// pod runs. The causes are runc's and containerd's wording in the catalog's
// real examples (sources there: moby/moby#51405, rook/rook#3139,
// zedeus/nitter#1392, HonuRobotics/dockwater#10).
func TestStartClassesJudgedAgainstCRI(t *testing.T) {
	causes := map[string]string{
		"RT1651-runtime-privilege-denied": `runc create failed: unable to start container process: error during container init: open sysctl net.ipv4.ip_unprivileged_port_start file: reopen fd 8: permission denied: unknown`,
		"RT1659-read-only-filesystem":     `failed to mkdir log: mkdir log: read-only file system`,
		"RT1663-bind-mount-type-mismatch": `runc create failed: unable to start container process: error during container init: error mounting "/root/nitter.conf" to rootfs at "/src/nitter.conf": mount src=/root/nitter.conf, dst=/src/nitter.conf, dstFd=/proc/thread-self/fd/11, flags=MS_BIND|MS_REC: not a directory: Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type`,
		"RT1664-oci-hook-failed":          `runc create failed: unable to start container process: error during container init: error running hook #0: error running hook: exit status 1, stdout: , stderr: nvidia-container-cli: initialization error: nvml error: driver not loaded: unknown`,
		// runc's words from a real report (docker/compose#2301 style, as
		// workload.yaml's examples): a CRLF shebang or a missing interpreter.
		"RT1704-exec-interpreter-missing": `standard_init_linux.go:228: exec user process caused: no such file or directory: unknown`,
	}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for id, cause := range causes {
		for _, c := range []struct {
			name        string
			state, exit int
			when        finding.When
			sev         finding.Severity
		}{
			{"still failing", 2, 128, finding.Current, finding.Error},
			{"running now", 1, 0, finding.History, finding.Info},
		} {
			t.Run(id+"/"+c.name, func(t *testing.T) {
				m := healthy()
				m.StartedAt = at
				var got *finding.Finding
				for _, f := range Default().Run(node(m, podClassNode(at, kubeletStartError(cause), c.state, c.exit))) {
					if f.ID == id {
						got = &f
					}
				}
				if got == nil {
					t.Fatalf("no %s finding", id)
				}
				if got.When != c.when || got.Severity != c.sev || got.Subject.Pod != "shop/web-1" {
					t.Fatalf("when %s severity %s subject %+v, want %s %s for pod shop/web-1 (%s)", got.When, got.Severity, got.Subject, c.when, c.sev, got.Explanation)
				}
				if c.when == finding.History && !strings.Contains(got.Explanation, "every container of it is running") {
					t.Errorf("resolved without saying why: %s", got.Explanation)
				}
			})
		}
	}
}

// A crash loop's container runs between its exits: a running container does
// not resolve it (RT1352 is a pod class, not a start class).
func TestCrashLoopNotResolvedByARunningContainer(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	line := `E1201 09:59:00.000000    2235 pod_workers.go:1301] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"app\" with CrashLoopBackOff: \"back-off 5m0s restarting failed container=app pod=web-1_shop(0f1c2d3e)\"" pod="shop/web-1" podUID="0f1c2d3e"`
	m := healthy()
	m.StartedAt = at
	for _, f := range Default().Run(node(m, podClassNode(at, line, 1, 0))) {
		if f.ID == "RT1352-crashloop-backoff" {
			if f.When == finding.History {
				t.Fatalf("crash loop resolved by a running attempt: %s", f.Explanation)
			}
			return
		}
	}
	t.Fatal("no RT1352 finding")
}

// A failing liveness probe restarts its container, which runs between the
// kills: a running attempt does not resolve it, an exited one keeps it current.
func TestLivenessProbeJudgedAgainstCRI(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	// kubelet's prober line (kubernetes/kubernetes#89898 shape, as
	// workload.yaml's RT1700 examples), with the pod field kubelet writes.
	line := `I1201 09:59:00.000000    2235 prober.go:107] "Probe failed" probeType="Liveness" pod="shop/web-1" podUID="0f1c2d3e" containerName="app" probeResult="failure" output="Get \"http://10.244.1.7:8080/healthz\": dial tcp 10.244.1.7:8080: connect: connection refused"`
	for _, c := range []struct {
		name        string
		state, exit int
		when        finding.When
	}{
		{"killed by the probe", 2, 137, finding.Current},
		// Running: the state neither backs nor clears it (recent, from the logs).
		{"running between kills", 1, 0, finding.Recent},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := healthy()
			m.StartedAt = at
			var got *finding.Finding
			for _, f := range Default().Run(node(m, podClassNode(at, line, c.state, c.exit))) {
				if f.ID == "RT1700-liveness-probe-failed" {
					got = &f
				}
			}
			if got == nil {
				t.Fatal("no RT1700 finding")
			}
			if got.When != c.when || got.Subject.Pod != "shop/web-1" {
				t.Fatalf("when %s subject %+v, want %s for pod shop/web-1 (%s)", got.When, got.Subject, c.when, got.Explanation)
			}
		})
	}
}

// RT1334 and kubelet's start-up: every kubelet logs "PLEG is not healthy:
// pleg has yet to be successful" before its first relist (cri-o/cri-o#5549,
// rootless-containers/usernetes#156); only a stall ("pleg was last seen
// active 3m2s ago; threshold is 3m0s", moby/moby#44300) is a finding.
func TestPLEGStartupLineQuietStallFires(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	startup := `E0118 10:19:44.767958  197889 kubelet.go:1877] "Skipping pod synchronization" err="[container runtime status check may not have completed yet, PLEG is not healthy: pleg has yet to be successful]"`
	stall := `E1014 17:14:42.470286    2261 kubelet.go:1765] skipping pod synchronization - PLEG is not healthy: pleg was last seen active 3m2.325658446s ago; threshold is 3m0s`
	run := func(line string) []finding.Finding {
		m := healthy()
		m.StartedAt = at
		files := map[string]string{
			"journal/kubelet.jsonl": fmt.Sprintf(`{"__REALTIME_TIMESTAMP":"%d","_SYSTEMD_UNIT":"kubelet.service","MESSAGE":%q}`+"\n", at.Add(-time.Minute).UnixMicro(), line),
			"redaction-report.json": `{"rule_set_version":"1","total":0}`,
		}
		var out []finding.Finding
		for _, f := range Default().Run(node(m, files)) {
			if strings.HasPrefix(f.ID, "RT13") || strings.HasPrefix(f.ID, "RT16") {
				out = append(out, f)
			}
		}
		return out
	}
	if fs := run(startup); len(fs) != 0 {
		t.Errorf("start-up line classified: %s %s", fs[0].ID, fs[0].Title)
	}
	if fs := run(stall); len(fs) != 1 || fs[0].ID != "RT1334-pleg-not-healthy" {
		t.Errorf("stall: %v", ids(fs))
	}
}
