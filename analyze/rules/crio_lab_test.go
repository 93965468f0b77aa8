package rules_test

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// collectCRIO collects the real lab with CRI-O's socket among the endpoints,
// with the default --max-containers: when other engineers' scale faults run
// thousands of containerd containers, the node-wide runc and cgroup lists are
// cut before CRI-O's, and crio/runc.json and crio/cgroups.json (CRI-O's roots
// read whole) are what the rules use, which is the case these tests must pass.
func collectCRIO(t *testing.T, env lab.Env) *analyze.Analysis {
	t.Helper()
	if env["RTSNAP_LAB_CRIO_SOCK"] == "" {
		t.Fatal("lab.sh env has no RTSNAP_LAB_CRIO_SOCK: the lab has no CRI-O (lab/crio.sh)")
	}
	return collectLab(t, env, "15m", "--runtime-endpoint", env["RTSNAP_LAB_CRIO_SOCK"])
}

// faultID is the container= value a fault staging printed.
func faultID(t *testing.T, msg string) string {
	t.Helper()
	for _, f := range strings.Fields(msg) {
		if v, ok := strings.CutPrefix(f, "container="); ok {
			return v
		}
	}
	t.Fatalf("no container= in the fault output %q", msg)
	return ""
}

// A healthy CRI-O: its facts are there for inspect, and the state rules
// stay quiet about its containers (the faults below make them fire).
func TestLabCRIOHealthyFactsAndQuiet(t *testing.T) {
	env := lab.Require(t)
	a := collectCRIO(t, env)
	// The Kubernetes lab's node lab-crio runs a CRI-O of its own (k8scrio):
	// the CRI-O lab's is the one at its socket, found once.
	rts := a.Node.CRIORuntimes()
	at := -1
	for i := range rts {
		if rts[i].Endpoint == env["RTSNAP_LAB_CRIO_SOCK"] {
			if at >= 0 {
				t.Fatalf("the CRI-O at %s listed twice: %+v", env["RTSNAP_LAB_CRIO_SOCK"], rts)
			}
			at = i
		}
	}
	if at < 0 {
		t.Fatalf("want the lab's CRI-O at %s, got %+v", env["RTSNAP_LAB_CRIO_SOCK"], rts)
	}
	r := rts[at]
	if r.Kind != "cri-o" || r.Version != "1.34.0" || r.Endpoint != env["RTSNAP_LAB_CRIO_SOCK"] || !r.Answers ||
		r.CgroupManager != "cgroupfs" || r.CgroupDriver != "cgroupfs" || r.DefaultRuntime != "runc" ||
		r.RuntimeRoot != env["RTSNAP_LAB_CRIO_RUNTIME_ROOT"] || r.StorageDriver != "overlay" || r.StorageRoot != env["RTSNAP_LAB_CRIO_ROOT"] || r.PID == 0 {
		t.Fatalf("CRI-O facts %+v", r)
	}
	for _, f := range a.Findings {
		if f.Subject.Endpoint != env["RTSNAP_LAB_CRIO_SOCK"] {
			continue
		}
		for _, id := range []string{"RT0201-running-but-init-gone", "RT0301-frozen-while-running", "RT1201-container-oom-killed"} {
			if f.ID == id {
				t.Errorf("healthy CRI-O: %s fired: %s", id, f.Title)
			}
		}
	}
	// The pods labctl made on CRI-O joined CRI, runc and cgroup views.
	joined := 0
	for _, c := range a.Node.Containers {
		if c.Endpoint == env["RTSNAP_LAB_CRIO_SOCK"] && c.Pod == "web-crio" && !c.Sandbox && c.Runc != nil && c.Cgroup != nil && c.CRIRunning() {
			joined++
		}
	}
	if joined != 2 {
		t.Fatalf("web-crio's app and sidecar: %d joined with runc state and cgroup, want 2", joined)
	}
}

func TestLabCRIOFaultDead(t *testing.T) {
	env := lab.Require(t)
	id := faultID(t, lab.Fault(t, "crio-dead"))
	a := collectCRIO(t, env)
	f := requireFinding(t, a, "RT0201-running-but-init-gone", "lab/victim/victim", "conmon", "is stopped")
	if f.Subject.Endpoint != env["RTSNAP_LAB_CRIO_SOCK"] || !strings.Contains(f.Subject.String(), "victim") {
		t.Fatalf("subject %+v", f.Subject)
	}
	if c := a.Node.ContainerByID(id); c == nil || c.Runc == nil || c.Runc.Liveness.Alive() {
		t.Fatalf("victim %s: runc state %+v", id, c)
	}
}

func TestLabCRIOFaultPaused(t *testing.T) {
	env := lab.Require(t)
	faultID(t, lab.Fault(t, "crio-paused"))
	a := collectCRIO(t, env)
	requireFinding(t, a, "RT0301-frozen-while-running", "lab/frozen/sleeper", "CONTAINER_RUNNING")
}

func TestLabCRIOFaultOOM(t *testing.T) {
	env := lab.Require(t)
	faultID(t, lab.Fault(t, "crio-oom"))
	a := collectCRIO(t, env)
	requireFinding(t, a, "RT1201-container-oom-killed", "lab/oom/hog")
}

// No planted secret of the CRI-O vault pod (env, labels, annotations, log
// lines) reaches the bundle, while its carriers were read: the pod's CRI
// status (CRI-O's verbose info holds the runtime spec with the env) and
// the crio source's container inspect (labels and annotations).
func TestLabCRIOPlantedSecretsAbsent(t *testing.T) {
	env := lab.Require(t)
	a := collectCRIO(t, env)
	b, err := bundle.OpenFile(a.Path, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	for _, p := range b.Paths() {
		if d, ok := b.File(p); ok {
			all.Write(d)
		}
	}
	if !bytes.Contains(all.Bytes(), []byte("vault-crio")) || !bytes.Contains(all.Bytes(), []byte("webhook.lab.example/url")) ||
		!bytes.Contains(all.Bytes(), []byte("DB_PASSWORD")) {
		t.Fatal("the CRI-O vault pod's carriers are not in the bundle: the test would prove nothing")
	}
	f, err := os.Open("../../lab/planted-secrets.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		p := strings.SplitN(l, "|", 3)
		n++
		if bytes.Contains(all.Bytes(), []byte(p[2])) {
			t.Errorf("planted %s (%s) is in the bundle", p[0], p[1])
		}
	}
	if n < 15 {
		t.Fatalf("only %d planted secrets read", n)
	}
}
