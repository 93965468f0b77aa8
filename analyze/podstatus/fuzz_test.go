package podstatus

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"
)

var word = regexp.MustCompile(`^\w+$`)

// FuzzParseLineRoundTrip writes a sync error the way the kubelet does
// (SyncResult's fmt.Errorf("failed to %q for %q with %v: %q"), then klog's
// quoting of err="..."; pod_workers.go and sync_result.go, v1.34.4) and
// parses it back: whatever the names and message hold, the fields return.
func FuzzParseLineRoundTrip(f *testing.F) {
	f.Add("StartContainer", "crasher", "CrashLoopBackOff", "back-off 10s restarting failed container=crasher pod=crashloop_k8slab(u)", "k8slab", "crashloop")
	f.Add("StartContainer", "puller", "ImagePullBackOff", `Back-off pulling image "127.0.0.1:1/rtsnap/missing:1": ErrImagePull: failed to pull`, "k8slab", "pullfail")
	f.Add("CreatePodSandbox", "creating_k8slab(u)", "CreatePodSandboxError", `Failed to create pod sandbox: rpc error: code = Unknown desc = "x\" \\ ]", failed to "`, "ns", "p")
	f.Fuzz(func(t *testing.T, op, target, reason, msg, ns, name string) {
		if !word.MatchString(op) || !word.MatchString(reason) || len(msg) > maxMessage || !validName(ns) || !validName(name) {
			t.Skip()
		}
		inner := fmt.Sprintf("failed to %q for %q with %v: %q", op, target, reason, msg)
		line := fmt.Sprintf(`E1201 10:00:00.000001    6800 pod_workers.go:1324] "Error syncing pod, skipping" err=%s pod="%s/%s" podUID="u-1"`, strconv.Quote(inner), ns, name)
		k := &KubeletLog{}
		k.ParseLine("p", 1, 1, time.Time{}, line, time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC))
		if len(k.Errors) != 1 {
			t.Fatalf("%d errors from %s", len(k.Errors), line)
		}
		e := k.Errors[0]
		wantTarget := ""
		if op == "StartContainer" || op == "KillContainer" {
			wantTarget = target
		}
		if e.Op != op || e.Reason != reason || e.Message != msg || e.Container != wantTarget || e.PodNamespace != ns || e.PodName != name || e.PodUID != "u-1" {
			t.Fatalf("round trip of %s\n got %+v", line, e)
		}
	})
}

// validName: what a namespace or pod name can be (DNS labels and subdomains).
func validName(s string) bool {
	return regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,60}[a-z0-9])?$`).MatchString(s)
}

// FuzzParseLine: any line, no panic, bounded output.
func FuzzParseLine(f *testing.F) {
	f.Add(`E1023 18:56:20.145522   31070 pod_workers.go:765] "Error syncing pod, skipping" err="[failed to \"StartContainer\" for \"a\" with CrashLoopBackOff: \"x\", failed to \"StartContainer\" for \"b\" with ErrImagePull: \"y\"]" pod="n/p" podUID=u`)
	f.Add(`Error syncing pod 1234 ("p_n(1234)"), skipping: failed to "StartContainer" for "c" with ImagePullBackOff: "Back-off pulling image \"i\""`)
	f.Add(`I1201 10:18:00.413794    6800 kubelet.go:2515] "SyncLoop ADD" source="file" pods=["k8slab/static-web-lab-cd2"]`)
	f.Fuzz(func(t *testing.T, line string) {
		k := &KubeletLog{}
		k.ParseLine("p", 1, 1, time.Time{}, line, time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC))
		if len(k.Errors) > maxResults || len(k.Events) > 64 {
			t.Fatalf("unbounded: %d errors, %d events", len(k.Errors), len(k.Events))
		}
		for _, e := range k.Errors {
			if len(e.Message) > maxMessage {
				t.Fatalf("message of %d bytes", len(e.Message))
			}
		}
	})
}
