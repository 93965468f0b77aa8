package catalog

import (
	"os"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rtsnap/rtsnap/analyze/logrec"
)

// Floors of workload.yaml: each class is backed by this many real lines,
// from more than one thread, and has held-out lines of its own.
const (
	workloadMinExamples = 4
	workloadMinThreads  = 2
	workloadMinHeldOut  = 1
)

// workload.yaml (the classes for the lines real clusters print most, issue
// #14 follow-up) is part of the loaded catalog, keeps to RT1700-RT1749, and
// each class has real lines from more than one thread and at least one
// held-out line in testdata/validation.yaml that is not one of its examples.
func TestWorkloadCatalogFile(t *testing.T) {
	wl := checkFileFloors(t, "workload.yaml", "RT1700", "RT1750", workloadLabLines)
	if len(wl.Classes) < 12 || len(wl.Benign) < 12 {
		t.Fatalf("workload.yaml: %d classes, %d benign lines", len(wl.Classes), len(wl.Benign))
	}
}

// checkFileFloors holds a file of added classes to the workload floors:
// ids in [lo, hi), each class backed by workloadMinExamples real lines from
// workloadMinThreads threads, every match pattern fired by one of its real
// lines (an example, or one of labLines: none is a guess nothing backs),
// and workloadMinHeldOut held-out lines. It returns the file's catalog.
func checkFileFloors(t *testing.T, file, lo, hi string, labLines map[string][]string) *Catalog {
	t.Helper()
	fc := fileInCatalog(t, file)
	heldOut := heldOutPerClass(t)
	for _, cl := range fc.Classes {
		if cl.ID < lo || cl.ID >= hi {
			t.Errorf("%s: %s holds %s-%s only", cl.ID, file, lo, hi)
		}
		if n := exampleThreads(cl); len(cl.Examples) < workloadMinExamples || n < workloadMinThreads {
			t.Errorf("%s: %d examples from %d thread(s), want >= %d from >= %d", cl.ID, len(cl.Examples), n, workloadMinExamples, workloadMinThreads)
		}
		for i, p := range cl.match {
			fired := false
			for _, ex := range cl.Examples {
				fired = fired || p.re.MatchString(logrec.Parse(ex.Line).Text)
			}
			for _, l := range labLines[cl.ID] {
				fired = fired || p.re.MatchString(logrec.Parse(l).Text)
			}
			if !fired {
				t.Errorf("%s: pattern %q matches none of its real lines", cl.ID, cl.Match[i])
			}
		}
		if heldOut[cl.ID] < workloadMinHeldOut {
			t.Errorf("%s: %d held-out lines in testdata/validation.yaml, want >= %d", cl.ID, heldOut[cl.ID], workloadMinHeldOut)
		}
	}
	return fc
}

// heldOutPerClass counts testdata/validation.yaml's lines per class (the
// analyzer-level test in analyze/rules checks they are named).
func heldOutPerClass(t *testing.T) map[string]int {
	t.Helper()
	raw, err := os.ReadFile("testdata/validation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Lines []struct {
			Class string `json:"class"`
		} `json:"lines"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, l := range doc.Lines {
		n[l.Class]++
	}
	return n
}

// precedenceCase is a line two classes match: win is the class it must
// land in, lose one whose match patterns match it too (so the case tests
// precedence, not a single match).
type precedenceCase struct{ line, win, lose string }

func checkPrecedence(t *testing.T, cases []precedenceCase) {
	t.Helper()
	c := load(t)
	byID := map[string]*Class{}
	for _, cl := range c.Classes {
		byID[cl.ID] = cl
	}
	for _, tc := range cases {
		r := logrec.Parse(tc.line)
		lose := byID[tc.lose]
		if lose == nil || !anyMatch(lose.match, r.Text, c.lits.find(foldLower(r.Text))) {
			t.Errorf("%s does not match, so this case tests nothing: %s", tc.lose, tc.line)
		}
		if m := c.Classify(r); m == nil || m.Class.ID != tc.win {
			t.Errorf("want %s, got %+v: %s", tc.win, m, tc.line)
		}
	}
}

// TestWorkloadPrecedence: real lines where a workload class and another
// class both match; the cause the line is about wins.
func TestWorkloadPrecedence(t *testing.T) {
	checkPrecedence(t, []precedenceCase{
		// https://github.com/kubernetes/kubernetes/issues/62594: a probe to
		// port 5000 refused is the app not listening, not a registry (RT1321
		// reads :5000 as one); the probe class has priority 1.
		{`Liveness probe failed: Get http://100.96.11.194:5000/: dial tcp 100.96.11.194:5000: getsockopt: connection refused`,
			"RT1700-liveness-probe-failed", "RT1321-registry-connection-refused"},
		// https://github.com/ManageIQ/manageiq-pods/issues/475: the exec
		// probe's command is missing; the probe is what fails, not the
		// container's entrypoint (RT1325).
		{`  Warning  Unhealthy  5m44s  kubelet, worker1.gyliu-ocp-1.os.fyre.ibm.com  Liveness probe errored: rpc error: code = Unknown desc = command error: time="2020-04-30T03:10:44Z" level=error msg="exec failed: container_linux.go:349: starting container process caused \"exec: \\\"pidof\\\": executable file not found in $PATH\""`,
			"RT1700-liveness-probe-failed", "RT1325-executable-not-found"},
		// RT1358's own example (longhorn): the probe could not run because
		// the node cannot fork; the probe class's unless yields to it.
		{`longhorn-p-j9wh7    18m         Warning   Unhealthy          pod/engine-image-ei-9bea8a9c-cnf8x                        Readiness probe failed: OCI runtime state failed: fork/exec /usr/bin/runc: cannot allocate memory: : unknown`,
			"RT1358-fork-cannot-allocate-memory", "RT1701-readiness-probe-failed"},
		// https://github.com/containerd/containerd/issues/3334: the exit
		// handling failed on a stop deadline; the stop timeout (RT1331,
		// priority 1) names it (validation.yaml labels it so), RT1713 keeps
		// the exits that fail for other reasons.
		{`May 16 15:05:02 containerd[29581]: time="2019-05-16T15:05:02.894458282-07:00" level=error msg="Failed to handle event &TaskExit{ContainerID:5e1cdf132517df24402e476e0f3b25db9ca5514928d6b0028cd51fd40ea50fce,ID:5e1cdf132517df24402e476e0f3b25db9ca5514928d6b0028cd51fd40ea50fce,Pid:21976,ExitStatus:255,ExitedAt:2019-05-16 22:04:19.073921379 +0000 UTC,} for 5e1cdf132517df24402e476e0f3b25db9ca5514928d6b0028cd51fd40ea50fce" error="failed to handle container TaskExit event: failed to stop container: context deadline exceeded: unknown"`,
			"RT1331-stop-timeout", "RT1713-task-exit-not-handled"},
		// https://github.com/kubernetes/kubernetes/issues/57006: kubelet's
		// image GC could not free the disk because images are in use; RT1324
		// names the disk, RT1714's unless leaves the GC summary to it.
		{`  Warning  ImageGCFailed            11m                 kubelet, host  wanted to free 24121289113 bytes, but freed 0 bytes space with errors in image deletion: rpc error: code = 2 desc = Error response from daemon: {"message":"conflict: unable to delete 99e59f495ffa (cannot be forced) - image is being used by running container 2c6622239d05"}`,
			"RT1324-image-gc-failed", "RT1714-image-in-use"},
		// https://github.com/kubernetes/kubernetes/issues/41573: the volume
		// mount failed because the key is missing; the key is the cause.
		{`MountVolume.SetUp failed for volume "kubernetes.io/configmap/b690cfd1-7386-11e7-b005-080027f96241-config" (spec.Name: "config") pod "b690cfd1-7386-11e7-b005-080027f96241" (UID: "b690cfd1-7386-11e7-b005-080027f96241") with: references non-existent config key.`,
			"RT1706-config-key-missing", "RT1362-volume-mount-failed"},
	})
	// Lines a workload pattern matches that its unless hands back: the
	// class must not take them (where they land is another file's business).
	c := load(t)
	for _, tc := range []struct{ line, not string }{
		// https://github.com/NVIDIA/nvidia-docker/issues/686: the runtime
		// binary is missing, not an entrypoint's interpreter (RT1704 keeps
		// to a command that was exec'd). RT1326 does not name this wording.
		{`docker: Error response from daemon: OCI runtime create failed: unable to retrieve OCI runtime error (open /run/docker/containerd/daemon/io.containerd.runtime.v1.linux/moby/97b8b155759b7e79892eb809697d0ad09d2f256c49e08d4132315e776519a972/log.json: no such file or directory): fork/exec /usr/bin/nvidia-container-runtime: no such file or directory: unknown.`,
			"RT1704-exec-interpreter-missing"},
	} {
		r := logrec.Parse(tc.line)
		var cl *Class
		for _, k := range c.Classes {
			if k.ID == tc.not {
				cl = k
			}
		}
		if cl == nil || !anyMatch(cl.match, r.Text, c.lits.find(foldLower(r.Text))) {
			t.Errorf("%s does not match, so this case tests nothing: %s", tc.not, tc.line)
		}
		if m := c.Classify(r); m != nil && m.Class.ID == tc.not {
			t.Errorf("lands in %s: %s", tc.not, tc.line)
		}
	}
}

// TestWorkloadLabLines: lines the rtsnap lab's own daemons printed
// (/var/log/rtsnap-lab, 2026-12-01) when dockerd 28 restored its containers
// against a containerd that was not serving yet (k8sdocker28.log,
// cri-dockerd.log, k8s/kubelet-lab-dockerd.log: the lab
// start-up fault that failed CI) and when the scale lab's containerd could
// not clean up exited containers in time (scale2.log).
// They are the lab's wording, so they are tests, not catalog examples
// (those come from public threads).
func TestWorkloadLabLines(t *testing.T) {
	checkPrecedence(t, []precedenceCase{
		// The restore is the context; the refused socket inside it alone
		// would be "runtime down" (RT1335).
		{`time="2026-12-01T18:37:24.568479319Z" level=error msg="failed to restore container with containerd" container=fa9488dcc895465664b7e7e7abd8d1f5703537678e6468d22615bde04acaa84b error="Unavailable: connection error: desc = \"transport: Error while dialing: dial unix /run/rtsnap-lab/k8sdocker28/containerd/containerd.sock: connect: connection refused\"" paused=false restarting=false running=true`,
			"RT1712-dockerd-restore-failed", "RT1335-runtime-down"},
		// The same boundary as containerd#3334 above, on the scale lab.
		{`time="2026-12-01T19:06:23.262277495Z" level=error msg="failed to handle container TaskExit event container_id:\"58072243d438685e77423b8198b3cbeabde5c297a1efce60efe161c2052267a1\" id:\"58072243d438685e77423b8198b3cbeabde5c297a1efce60efe161c2052267a1\" pid:1985 exit_status:137 exited_at:{seconds:1796151973 nanos:66489141}" error="failed to stop container: failed to delete task: context deadline exceeded"`,
			"RT1331-stop-timeout", "RT1713-task-exit-not-handled"},
	})
	c := load(t)
	for want, lines := range workloadLabLines {
		for _, line := range lines {
			if m := c.ClassifyLine(line); m == nil || m.Class.ID != want {
				t.Errorf("want %s, got %+v: %s", want, m, line)
			}
		}
	}
}

// workloadLabLines are lines of the lab's logs (see TestWorkloadLabLines)
// that no public thread quotes, by the class they must land in.
var workloadLabLines = map[string][]string{
	"RT1712-dockerd-restore-failed": {
		`time="2026-12-01T18:37:30.369295710Z" level=error msg="collecting stats for container /k8s_web_static-web-lab-dockerd_k8slab_74cffa41efb520eaafd546005cea2f2b_0: container 028ba5862ef2f6cbdfb2c8472d5d32ac9e976f8b569048f7c33fe5d2a2c30186 is in Running state but has no containerd Task set"`,
	},
	"RT1707-pod-sandbox-changed": {
		`I1201 18:37:55.413178   19413 util.go:48] "Multiple sandboxes are ready for Pod. Need to reconcile them" pod="k8slab/web-dockerd"`,
	},
	"RT1708-sandbox-network-status-failed": {
		`time="2026-12-01T18:40:04Z" level=info msg="Failed to read pod IP from plugin/docker: networkPlugin cni failed on the status hook for pod \"web-cridockerd_lab\": unexpected command output nsenter: cannot open /proc/19462/ns/net: No such file or directory\n with error: exit status 1"`,
	},
}

// TestWorkloadQuietOnStartup: what every healthy node prints with the same
// words stays unclassified. kubelet says "Node became not ready" at each
// start before its first runtime check (kubernetes#122338) and "No ready
// sandbox for pod ... Need to start a new one" for every pod whose sandbox
// stopped, as the lab's kubelets do for their healthy static pods after a
// lab restart (the second line); a probe's configuration in kubectl
// describe names the probe without a failure.
func TestWorkloadQuietOnStartup(t *testing.T) {
	c := load(t)
	for _, line := range []string{
		`Dec 15 17:25:41 single1 kubenswrapper[1832249]: I1215 17:25:41.121883 1832249 setters.go:549] "Node became not ready" node="single1" condition={Type:Ready Status:False LastHeartbeatTime:2023-12-15 17:25:41.121753163 +0800 CST m=+0.403692528 LastTransitionTime:2023-12-15 17:25:41.121753163 +0800 CST m=+0.403692528 Reason:KubeletNotReady Message:[container runtime status check may not have completed yet, PLEG is not healthy: pleg has yet to be successful]}`,
		`I1201 18:37:31.578297   19255 util.go:52] "No ready sandbox for pod can be found. Need to start a new one" pod="k8slab/static-web-lab-cd2"`,
		`    Liveness:       http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`,
		`    Readiness:      exec [cat /tmp/healthy] delay=5s timeout=1s period=5s #success=1 #failure=3`,
		`Tolerations:                 node.kubernetes.io/disk-pressure:NoSchedule op=Exists`,
	} {
		if m := c.ClassifyLine(line); m != nil {
			t.Errorf("lands in %s (matched %q): %s", m.Class.ID, m.Cause, line)
		}
	}
}
