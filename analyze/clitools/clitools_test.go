package clitools

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/analyze/bundletest"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/internal/schema/cri"
)

// The records below have the shape the cri source writes on containerd
// 1.7 (ids, labels and times taken from a lab collection); the golden
// comparison against the real tools is lab_test.go.

const (
	podID = "78fff269f0c121946a92acc374d609bce1a2cf0e074ff530af66368667e9be50"
	ctrID = "0874e91f1c7c2ce331e41249b8294578cbb5236a00311bfb8287ca2f9bada6ae"
	imgID = "sha256:d5c7202031c3f905ab33d2da3f279232b242ee9d3a37321eb2ad733d1246df59"
	slug  = "run_rtsnap-lab_cd17_containerd"
)

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// labSpec is a healthy bundle with one CRI endpoint holding one pod, a
// running and an exited container, one image and a log tail.
func labSpec(t *testing.T) bundletest.Spec {
	s := bundletest.Healthy()
	delete(s.Files, "cri/run-containerd-containerd-sock/version.json") // not the cri source's record format
	created := bundletest.T0.Add(-90 * time.Minute).UnixNano()
	labels := map[string]string{"io.kubernetes.pod.name": "web-cd17", "io.kubernetes.pod.namespace": "lab"}
	mk := func(id, name string, state criapi.ContainerState, at int64) *cri.ContainerRecord {
		return &cri.ContainerRecord{
			Container: &criapi.Container{Id: id, PodSandboxId: podID, Metadata: &criapi.ContainerMetadata{Name: name},
				Image: &criapi.ImageSpec{Image: "docker.io/library/busybox:latest"}, ImageRef: imgID, State: state, CreatedAt: at, Labels: labels},
			Status: &criapi.ContainerStatus{Id: id, Metadata: &criapi.ContainerMetadata{Name: name}, State: state, CreatedAt: at, StartedAt: at,
				LogPath: "/var/log/pods/lab_web-cd17_uid/" + name + "/0.log", Labels: labels},
			Info: map[string]json.RawMessage{"info": json.RawMessage(`{"pid":12193,"sandboxID":"` + podID + `"}`)},
		}
	}
	s.Files["cri/"+slug+"/version.json"] = mustJSON(t, cri.VersionRecord{Endpoint: "/run/rtsnap-lab/cd17/containerd.sock",
		Version: &criapi.VersionResponse{Version: "0.1.0", RuntimeName: "containerd", RuntimeVersion: "1.7.35", RuntimeApiVersion: "v1"}})
	s.Files["cri/"+slug+"/containers.json"] = mustJSON(t, cri.ContainerList{Containers: []*cri.ContainerRecord{
		mk(ctrID, "app", criapi.ContainerState_CONTAINER_RUNNING, created),
		mk("47e9054f96b301ce028b0b71529a6ae50d843f68b0d06b5c1f6a880d0644e74e", "sidecar", criapi.ContainerState_CONTAINER_EXITED, created-1),
	}})
	s.Files["cri/"+slug+"/pods.json"] = mustJSON(t, cri.PodList{Pods: []*cri.PodRecord{{
		Pod:    &criapi.PodSandbox{Id: podID, Metadata: &criapi.PodSandboxMetadata{Name: "web-cd17", Namespace: "lab", Uid: "uid"}, CreatedAt: created},
		Status: &criapi.PodSandboxStatus{Id: podID, Metadata: &criapi.PodSandboxMetadata{Name: "web-cd17", Namespace: "lab", Uid: "uid"}, CreatedAt: created},
	}}})
	s.Files["cri/"+slug+"/images.json"] = mustJSON(t, cri.ImageList{Images: []*cri.ImageRecord{{Image: &criapi.Image{Id: imgID,
		RepoTags: []string{"docker.io/library/busybox:latest"}, RepoDigests: []string{"docker.io/library/busybox@sha256:e3652a00a2fabd16ce889f0aa32c38eec347b997e73bd09e69c962ec7f8732ee"}, Size: 2223685}}}})
	s.Files["logs/index.json"] = `{"files":[{"kind":"cri","path":"/var/log/pods/lab_web-cd17_uid/app/0.log","stored":"pods/lab/web-cd17/app/0.log","lines":3,"kept_bytes":170,"size_bytes":9000,"truncated":true}]}`
	s.Files["logs/pods/lab/web-cd17/app/0.log"] = "2026-11-24T09:00:00.000000001Z stdout F app ok\n" +
		"2026-11-24T09:00:01.5Z stdout P part one, \n2026-11-24T09:00:01.6Z stdout F part two\n" +
		"2026-11-24T09:00:02Z stderr F warn: slow\n"
	s.Manifest.Sources = append(s.Manifest.Sources,
		bundle.SourceStatus{Name: "logs", Status: bundle.StatusOK, StartedAt: bundletest.T0},
		bundle.SourceStatus{Name: "docker", Status: bundle.StatusSkipped, Reason: "not present: /var/run/docker.sock", StartedAt: bundletest.T0})
	return s
}

func open(t *testing.T, s bundletest.Spec) *bundle.Bundle {
	t.Helper()
	p := bundletest.Write(t, t.TempDir(), "b.tar.zst", s)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := bundle.Read(f, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func run(t *testing.T, b *bundle.Bundle, tool string, args ...string) (string, string, error) {
	t.Helper()
	var out, notes bytes.Buffer
	err := Run(tool, b, args, &out, &notes)
	return out.String(), notes.String(), err
}

func TestCrictlPsTable(t *testing.T) {
	b := open(t, labSpec(t))
	out, _, err := run(t, b, "crictl", "ps")
	if err != nil {
		t.Fatal(err)
	}
	// crictl v1.37.0: tabwriter(20, 1, 3), ids cut to 13, ages from the collection start (90 minutes round to "2 hours" in go-units).
	want := "CONTAINER           IMAGE                              CREATED             STATE               NAME                ATTEMPT             POD ID              POD                 NAMESPACE\n" +
		"0874e91f1c7c2       docker.io/library/busybox:latest   2 hours ago         Running             app                 0                   78fff269f0c12       web-cd17            lab\n"
	if out != want {
		t.Errorf("crictl ps:\n%s\nwant:\n%s", out, want)
	}
	// -a shows the exited one too, newest first; combined short flags parse.
	out, _, err = run(t, b, "crictl", "ps", "-aq")
	if err != nil || out != ctrID+"\n47e9054f96b301ce028b0b71529a6ae50d843f68b0d06b5c1f6a880d0644e74e\n" {
		t.Errorf("crictl ps -aq = %q, %v", out, err)
	}
	// --name is a regular expression; --pod an id prefix.
	if out, _, _ = run(t, b, "crictl", "ps", "-a", "-q", "--name", "^side"); out != "47e9054f96b301ce028b0b71529a6ae50d843f68b0d06b5c1f6a880d0644e74e\n" {
		t.Errorf("--name ^side = %q", out)
	}
	if out, _, _ = run(t, b, "crictl", "ps", "-q", "--pod", "0000"); out != "" {
		t.Errorf("--pod of another pod = %q", out)
	}
	if out, _, _ = run(t, b, "crictl", "ps", "-q", "--pod", podID[:13]); out != ctrID+"\n" {
		t.Errorf("--pod prefix = %q", out)
	}
}

func TestCrictlJSONIsLatestCRI(t *testing.T) {
	b := open(t, labSpec(t))
	out, _, err := run(t, b, "crictl", "ps", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	// v0.37's ImageSpec.imageRef, last in the image object; int64 as strings (protojson).
	if !strings.Contains(out, `"runtimeHandler": "",`+"\n"+`        "imageRef": ""`) || !strings.Contains(out, `"createdAt": "`) {
		t.Errorf("ps -o json lacks v0.37's imageRef or protojson int64:\n%s", out)
	}
	if out, _, _ = run(t, b, "crictl", "ps", "-o", "yaml"); !strings.Contains(out, "containers:\n- annotations: {}\n") {
		t.Errorf("ps -o yaml:\n%s", out)
	}
	// inspect: crictl's marshalMapInOrder gives every status field, null when unset.
	out, _, err = run(t, b, "crictl", "inspect", ctrID[:6])
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Info   map[string]any `json:"info"`
		Status map[string]any `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if v, ok := doc.Status["resources"]; !ok || v != nil {
		t.Errorf("inspect status.resources = %v, %v: want null", v, ok)
	}
	if doc.Status["createdAt"] != time.Unix(0, bundletest.T0.Add(-90*time.Minute).UnixNano()).Format(time.RFC3339Nano) || doc.Info["pid"] != 12193.0 {
		t.Errorf("inspect = %s", out)
	}
	if got := latestSignal(t, `{"stopSignal":"SIGKILL"}`); got != `{"stopSignal":"SIGNAL_SIGKILL"}` {
		t.Errorf("stopSignal = %s", got)
	}
	if got := latestSignal(t, `{"stopSignal":"SIGNAL_SIGKILL","a":[1,"x",{"b":null}]}`); got != `{"stopSignal":"SIGNAL_SIGKILL","a":[1,"x",{"b":null}]}` {
		t.Errorf("already v0.37 = %s", got)
	}
}

func latestSignal(t *testing.T, in string) string {
	out, err := latestJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestCrictlImagesAndVersion(t *testing.T) {
	b := open(t, labSpec(t))
	out, _, _ := run(t, b, "crictl", "images", "--digests")
	want := "IMAGE                       TAG                 DIGEST              IMAGE ID            SIZE\n" +
		"docker.io/library/busybox   latest              e3652a00a2fab       d5c7202031c3f       2.22MB\n"
	if out != want {
		t.Errorf("images --digests:\n%q\nwant\n%q", out, want)
	}
	out, _, _ = run(t, b, "crictl", "version")
	if out != "Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  1.7.35\nRuntimeApiVersion:  v1\n" {
		t.Errorf("version = %q", out)
	}
	if out, _, err := run(t, b, "crictl", "inspecti", "busybox"); err != nil || !strings.Contains(out, `"size": "2223685"`) {
		t.Errorf("inspecti busybox = %v\n%s", err, out)
	}
	if _, _, err := run(t, b, "crictl", "inspecti", "alpine"); err == nil {
		t.Error("inspecti of an image the bundle does not hold succeeded")
	}
}

func TestCrictlLogs(t *testing.T) {
	b := open(t, labSpec(t))
	out, notes, err := run(t, b, "crictl", "logs", ctrID)
	if err != nil {
		t.Fatal(err)
	}
	if out != "app ok\npart one, part two\nwarn: slow\n" {
		t.Errorf("logs = %q", out)
	}
	if !strings.Contains(notes, "the bundle holds the last 3 lines (170 of 9000 bytes)") {
		t.Errorf("a cut log is not said to be cut: %q", notes)
	}
	out, notes, _ = run(t, b, "crictl", "logs", "--tail", "1", "-t", ctrID)
	if out != "2026-11-24T09:00:02Z warn: slow\n" || notes != "" {
		t.Errorf("logs --tail 1 -t = %q (notes %q)", out, notes)
	}
	// The sidecar's log is not in the index: the error names the source.
	_, _, err = run(t, b, "crictl", "logs", "47e90")
	var nc *NotCollectedError
	if !errors.As(err, &nc) || nc.Source != "logs" || nc.Status != "ok" {
		t.Errorf("logs of an uncollected file: %v", err)
	}
}

func TestReadOnlyAndUsage(t *testing.T) {
	b := open(t, labSpec(t))
	for _, args := range [][]string{{"crictl", "rm", ctrID}, {"crictl", "-r", "/x", "stopp", podID}, {"docker", "run", "busybox"},
		{"docker", "container", "rm", "x"}, {"ctr", "-n", "k8s.io", "tasks", "kill", ctrID}, {"ctr", "images", "pull", "x"}} {
		_, _, err := run(t, b, args[0], args[1:]...)
		var ue *UsageError
		if !errors.Is(err, ErrReadOnly) || !errors.As(err, &ue) {
			t.Errorf("%v: %v, want read-only usage error", args, err)
		}
	}
	for _, args := range [][]string{{"crictl", "ps", "--name", "("}, {"crictl", "ps", "--bogus"}, {"crictl", "ps", "-o", "xml"},
		{"crictl", "-r", "/run/other.sock", "ps"}, {"crictl"}, {"crictl", "frobnicate"}, {"docker", "logs", "--tail", "x", "a"}} {
		_, _, err := run(t, b, args[0], args[1:]...)
		var ue *UsageError
		if !errors.As(err, &ue) || errors.Is(err, ErrReadOnly) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

func TestMissingNamesTheSource(t *testing.T) {
	b := open(t, labSpec(t))
	_, _, err := run(t, b, "docker", "ps")
	var nc *NotCollectedError
	if !errors.As(err, &nc) || !strings.Contains(err.Error(), `docker/containers.json: source "docker" is skipped (not present: /var/run/docker.sock)`) {
		t.Errorf("docker ps on a bundle without docker: %v", err)
	}
	// The healthy bundletest's cri source timed out: every crictl command says so.
	b = open(t, bundletest.TimedOut())
	_, _, err = run(t, b, "crictl", "ps")
	if !errors.As(err, &nc) || nc.Status != bundle.StatusTimeout || !strings.Contains(err.Error(), "context deadline exceeded") {
		t.Errorf("crictl ps with cri timed out: %v", err)
	}
}

func TestSeveralEndpointsNeedR(t *testing.T) {
	s := labSpec(t)
	s.Files["cri/run_rtsnap-lab_cd2_containerd/version.json"] = `{"endpoint":"/run/rtsnap-lab/cd2/containerd.sock","code":"Unavailable","error":"connection refused"}`
	b := open(t, s)
	_, _, err := run(t, b, "crictl", "ps")
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "/run/rtsnap-lab/cd2/containerd.sock, /run/rtsnap-lab/cd17/containerd.sock") && !strings.Contains(err.Error(), "pick one with -r") {
		t.Errorf("two endpoints, no -r: %v", err)
	}
	if out, _, err := run(t, b, "crictl", "-r", "unix:///run/rtsnap-lab/cd17/containerd.sock", "ps", "-q"); err != nil || out != ctrID+"\n" {
		t.Errorf("-r cd17: %q %v", out, err)
	}
	// An endpoint that did not answer says so instead of printing nothing.
	if _, _, err := run(t, b, "crictl", "-r", "/run/rtsnap-lab/cd2/containerd.sock", "version"); err == nil || !strings.Contains(err.Error(), "Unavailable") {
		t.Errorf("version of an unreachable endpoint: %v", err)
	}
}

// Hostile input: a log line of 8 MiB without a newline, a log of a million
// short lines, malformed JSON where a record should be.
func TestHostileInput(t *testing.T) {
	s := labSpec(t)
	s.Files["logs/pods/lab/web-cd17/app/0.log"] = "2026-11-24T09:00:00Z stdout F " + strings.Repeat("x", 8<<20) + "\n" + strings.Repeat("2026-11-24T09:00:00Z stdout F y\n", 1<<20)
	s.Files["cri/"+slug+"/images.json"] = `{"images": [`
	b := open(t, s)
	start := time.Now()
	out, _, err := run(t, b, "crictl", "logs", "--tail", "2", ctrID)
	if err != nil || out != "y\ny\n" {
		t.Errorf("logs --tail 2 of a hostile log: %q %v", out, err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("hostile log took %v", d)
	}
	if _, _, err := run(t, b, "crictl", "images"); err == nil || !strings.Contains(err.Error(), "images.json") {
		t.Errorf("malformed images.json: %v", err)
	}
}

// docker ps prints through the docker CLI's formatter, whose CREATED
// counts to now (as the CLI's does): the container was created 65 minutes
// before the test runs.
func TestDockerFormats(t *testing.T) {
	s := labSpec(t)
	s.Files["docker/containers.json"] = `[{"Id":"3664bd4c0b33a0c1c3a4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6","Names":["/lab-docker-web"],"Image":"rtsnap-lab/busybox:1","Command":"/bin/sh -c 'while true; do echo tick; sleep 5; done'","Created":` +
		itoa64(time.Now().Add(-65*time.Minute).Unix()) + `,"State":"running","Status":"Up About an hour","Ports":[]}]`
	s.Files["docker/inspect.json"] = `[{"Id":"3664bd4c0b33a0c1c3a4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6","Name":"/lab-docker-web","State":{"Status":"running","Pid":4242}}]`
	for i := range s.Manifest.Sources {
		if s.Manifest.Sources[i].Name == "docker" {
			s.Manifest.Sources[i].Status = bundle.StatusOK
		}
	}
	b := open(t, s)
	out, _, err := run(t, b, "docker", "ps")
	want := "CONTAINER ID   IMAGE                  COMMAND                  CREATED             STATUS             PORTS     NAMES\n" +
		"3664bd4c0b33   rtsnap-lab/busybox:1   \"/bin/sh -c 'while t…\"   About an hour ago   Up About an hour             lab-docker-web\n"
	if err != nil || out != want {
		t.Errorf("docker ps:\n%s\nwant\n%s (%v)", out, want, err)
	}
	out, _, err = run(t, b, "docker", "inspect", "lab-docker-web")
	if err != nil || out != "[\n    {\n        \"Id\": \"3664bd4c0b33a0c1c3a4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6\",\n        \"Name\": \"/lab-docker-web\",\n        \"State\": {\n            \"Status\": \"running\",\n            \"Pid\": 4242\n        }\n    }\n]\n" {
		t.Errorf("docker inspect:\n%s (%v)", out, err)
	}
	if _, _, err := run(t, b, "docker", "inspect", "nothere"); err == nil {
		t.Error("docker inspect of an absent container succeeded")
	}
}

func itoa64(i int64) string { b, _ := json.Marshal(i); return string(b) }

// Kubelet sets a container's image to the image id (sha256:...), which
// crictl cuts to 13 hex digits. Rows from a public crictl ps output
// (https://github.com/kubernetes-sigs/cri-tools/pull/888, KubeVirt pods),
// rebuilt as CRI records; compared field by field (the sample is cut, so
// its column widths are not this table's) with v1.37's NAMESPACE added.
func TestCrictlPsKubeletImageIDs(t *testing.T) {
	s := labSpec(t)
	at := bundletest.T0.Add(-15 * 24 * time.Hour).UnixNano() // "2 weeks ago"
	rec := func(id, img, name string, attempt uint32, pod, podName string) *cri.ContainerRecord {
		return &cri.ContainerRecord{Container: &criapi.Container{Id: id + strings.Repeat("0", 64-len(id)), PodSandboxId: pod + strings.Repeat("0", 64-len(pod)),
			Metadata: &criapi.ContainerMetadata{Name: name, Attempt: attempt}, Image: &criapi.ImageSpec{Image: "sha256:" + img + strings.Repeat("a", 64-len(img))},
			State: criapi.ContainerState_CONTAINER_RUNNING, CreatedAt: at,
			Labels: map[string]string{"io.kubernetes.pod.name": podName, "io.kubernetes.pod.namespace": "kubevirt"}}}
	}
	s.Files["cri/"+slug+"/containers.json"] = mustJSON(t, cri.ContainerList{Containers: []*cri.ContainerRecord{
		rec("0ad4683fc9548", "269223fff922b", "virt-operator", 2, "676ebb03e169c", "virt-operator-66dd67d78f-v5r59"),
		rec("3b23cf549905f", "8deacd130927c", "virt-controller", 1, "7cf86a6e98285", "virt-controller-6d7f9f9cf8-9kzbh"),
		rec("85a2b70d91c3a", "269223fff922b", "virt-operator", 1, "4f3bff1980882", "virt-operator-66dd67d78f-jhjg7"),
	}})
	out, _, err := run(t, open(t, s), "crictl", "ps")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"CONTAINER IMAGE CREATED STATE NAME ATTEMPT POD ID POD NAMESPACE",
		"0ad4683fc9548 269223fff922b 2 weeks ago Running virt-operator 2 676ebb03e169c virt-operator-66dd67d78f-v5r59 kubevirt",
		"3b23cf549905f 8deacd130927c 2 weeks ago Running virt-controller 1 7cf86a6e98285 virt-controller-6d7f9f9cf8-9kzbh kubevirt",
		"85a2b70d91c3a 269223fff922b 2 weeks ago Running virt-operator 1 4f3bff1980882 virt-operator-66dd67d78f-jhjg7 kubevirt",
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("crictl ps:\n%s", out)
	}
	for i := range want {
		if g := strings.Join(strings.Fields(got[i]), " "); g != want[i] {
			t.Errorf("row %d: %q, want %q", i, g, want[i])
		}
	}
	// --no-trunc keeps the whole id and the image id with its algorithm.
	out, _, _ = run(t, open(t, s), "crictl", "ps", "--no-trunc")
	if !strings.Contains(out, "sha256:269223fff922b") {
		t.Errorf("--no-trunc cut the image id:\n%s", out)
	}
}

// A list the collector cut or filtered is said to be so; a whole one is not.
func TestCrictlListNotes(t *testing.T) {
	s := labSpec(t)
	_, notes, _ := run(t, open(t, s), "crictl", "ps")
	if notes != "" {
		t.Errorf("notes on a whole list: %q", notes)
	}
	var list cri.ContainerList
	if err := json.Unmarshal([]byte(s.Files["cri/"+slug+"/containers.json"]), &list); err != nil {
		t.Fatal(err)
	}
	list.Truncated, list.Filtered = true, 7
	s.Files["cri/"+slug+"/containers.json"] = mustJSON(t, list)
	_, notes, _ = run(t, open(t, s), "crictl", "ps")
	if !strings.Contains(notes, "cut at rtsnap collect --max-containers") || !strings.Contains(notes, "7 containers were left out by rtsnap collect --pod-namespace") {
		t.Errorf("notes = %q", notes)
	}
}

// crictl 1.37 prints -o json|yaml before it looks at -q (outputContainers,
// outputPodSandboxes, images): so does printList.
func TestCrictlOutputBeforeQuiet(t *testing.T) {
	b := open(t, labSpec(t))
	for _, sub := range []string{"ps", "pods", "images"} {
		out, _, err := run(t, b, "crictl", sub, "-q", "-o", "json")
		if err != nil || !strings.HasPrefix(out, "{") {
			t.Errorf("crictl %s -q -o json: %q %v", sub, out, err)
		}
		out, _, _ = run(t, b, "crictl", sub, "-q")
		if strings.HasPrefix(out, "{") || !strings.Contains(out, "sha256:") && sub == "images" {
			t.Errorf("crictl %s -q: %q", sub, out)
		}
	}
}

// crictl logs --since: a duration counts back from the collection's start,
// a time is absolute; lines before it are left out.
func TestCrictlLogsSince(t *testing.T) {
	b := open(t, labSpec(t))
	for _, c := range []struct{ since, want string }{
		{"2026-11-24T09:00:01.55Z", "part two\nwarn: slow\n"}, // the partial line's first half is older
		{"2026-11-24T09:00:00Z", "app ok\npart one, part two\nwarn: slow\n"},
		{"1795510801", "part one, part two\nwarn: slow\n"}, // Unix seconds: 2026-11-24T09:00:01Z
		{"2026-11-25", ""},
	} {
		out, _, err := run(t, b, "crictl", "logs", "--since", c.since, ctrID)
		if err != nil || out != c.want {
			t.Errorf("logs --since %s = %q (%v), want %q", c.since, out, err, c.want)
		}
	}
	if _, _, err := run(t, b, "crictl", "logs", "--since", "yesterday", ctrID); err == nil {
		t.Error("--since yesterday: no error")
	}
	// A duration: the bundle was taken at T0; a window reaching back past the log's lines keeps them all.
	at := bundletest.T0.Sub(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)) + time.Minute
	out, _, err := run(t, b, "crictl", "logs", "--since", at.String(), ctrID)
	if err != nil || out != "app ok\npart one, part two\nwarn: slow\n" {
		t.Errorf("logs --since %s = %q (%v)", at, out, err)
	}
	// T0 is half an hour after the last line: the last 29 minutes hold none.
	if out, _, _ = run(t, b, "crictl", "logs", "--since", "29m", ctrID); out != "" {
		t.Errorf("logs --since 29m = %q", out)
	}
}

// omitStatus makes the app container's record what the cri source writes
// for a running container on a node of more than
// collect.StatusContainersUpTo containers: the list entry only, marked, with
// the labels the kubelet gives every container; attempt is its restart.
func omitStatus(t *testing.T, s bundletest.Spec, attempt uint32) {
	t.Helper()
	var list cri.ContainerList
	if err := json.Unmarshal([]byte(s.Files["cri/"+slug+"/containers.json"]), &list); err != nil {
		t.Fatal(err)
	}
	r := list.Containers[0]
	r.Status, r.Info, r.StatusOmitted = nil, nil, true
	r.Container.Metadata.Attempt = attempt
	r.Container.Labels = map[string]string{"io.kubernetes.pod.name": "web-cd17", "io.kubernetes.pod.namespace": "lab",
		"io.kubernetes.pod.uid": "uid", "io.kubernetes.container.name": "app"}
	list.StatusOmitted = "1 of 2 containers are running and their status was not asked"
	s.Files["cri/"+slug+"/containers.json"] = mustJSON(t, list)
	s.Files["logs/index.json"] = `{"files":[{"kind":"cri","path":"/var/log/pods/lab_web-cd17_uid/app/0.log","stored":"pods/lab/web-cd17/app/0.log","namespace":"lab","pod":"web-cd17","pod_uid":"uid","container":"app","lines":3,"kept_bytes":170,"size_bytes":9000,"truncated":true}]}`
}

// A container whose status was not collected: crictl logs finds its log by
// the kubelet's labels and attempt, crictl inspect says why there is no
// status and how to get one.
func TestCrictlWithoutStatus(t *testing.T) {
	s := labSpec(t)
	omitStatus(t, s, 0)
	b := open(t, s)
	out, _, err := run(t, b, "crictl", "logs", ctrID)
	if err != nil || out != "app ok\npart one, part two\nwarn: slow\n" {
		t.Errorf("logs = %q, %v", out, err)
	}
	_, _, err = run(t, b, "crictl", "inspect", ctrID)
	if err == nil || !strings.Contains(err.Error(), "did not ask the status") || !strings.Contains(err.Error(), "--cri-status-all") {
		t.Errorf("inspect without a status: %v", err)
	}
	// Another attempt's log was not collected: no file of another attempt stands in.
	s = labSpec(t)
	omitStatus(t, s, 1)
	_, _, err = run(t, open(t, s), "crictl", "logs", ctrID)
	if err == nil || !strings.Contains(err.Error(), "has no log path") {
		t.Errorf("logs of attempt 1 with only 0.log collected: %v", err)
	}
}
