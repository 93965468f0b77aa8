package cri

import (
	"context"
	"strings"
	"testing"
	"time"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// The faults that apply to cri-dockerd over dockerd 28, as the cri source sees them.

// crashloop: two attempts of "crasher" exited 3, as cri-dockerd reports them
// from the Docker containers it made.
func TestLabCRIDockerdCrashloop(t *testing.T) {
	env, le := labEnv(t, "RTSNAP_LAB_CRIDOCKERD_SOCK")
	lab.Fault(t, "cridockerd-crashloop")
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	slug := endpoints.Parse(le["RTSNAP_LAB_CRIDOCKERD_SOCK"]).Slug()
	attempts := map[uint32]int32{}
	for _, c := range decode[ContainerList](t, out, slug+"/containers.json").Containers {
		if c.Container.GetMetadata().GetName() == "crasher" && c.Status != nil && c.Status.State == criapi.ContainerState_CONTAINER_EXITED {
			attempts[c.Container.Metadata.Attempt] = c.Status.ExitCode
		}
	}
	if len(attempts) != 2 || attempts[0] != 3 || attempts[1] != 3 {
		t.Fatalf("crasher attempts (attempt: exit code) %v", attempts)
	}
}

// down: cri-dockerd stopped while dockerd 28 runs on: its endpoint is an
// error (Unavailable), not silently absent.
func TestLabCRIDockerdDown(t *testing.T) {
	env, le := labEnv(t, "RTSNAP_LAB_CRIDOCKERD_SOCK")
	lab.Fault(t, "cridockerd-down")
	out := collect.NewCapture()
	err := New().Collect(context.Background(), env, out)
	v := decode[VersionRecord](t, out, endpoints.Parse(le["RTSNAP_LAB_CRIDOCKERD_SOCK"]).Slug()+"/version.json")
	if err == nil || v.Code != "Unavailable" {
		t.Fatalf("cri-dockerd down: err=%v version record %+v", err, v)
	}
}

// hang: cri-dockerd stopped with SIGSTOP accepts and never answers: the
// call is cut at its deadline and recorded as DeadlineExceeded.
func TestLabCRIDockerdHang(t *testing.T) {
	env, le := labEnv(t, "RTSNAP_LAB_CRIDOCKERD_SOCK", "RTSNAP_LAB_CD2_SOCK")
	lab.Fault(t, "cridockerd-hang")
	env.CallTimeout = time.Second
	out := collect.NewCapture()
	start := time.Now()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err) // cd2 answered: partial, not failed
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("took %s", el)
	}
	v := decode[VersionRecord](t, out, endpoints.Parse(le["RTSNAP_LAB_CRIDOCKERD_SOCK"]).Slug()+"/version.json")
	if v.Code != "DeadlineExceeded" || !strings.Contains(strings.Join(out.Partials, ";"), "DeadlineExceeded") {
		t.Fatalf("hung cri-dockerd: %+v, partials %v", v, out.Partials)
	}
}

// pullfail: cri-dockerd's pull through dockerd 28 from a closed port fails;
// what CRI shows is the pod without a container and the image absent.
func TestLabCRIDockerdPullfail(t *testing.T) {
	env, le := labEnv(t, "RTSNAP_LAB_CRIDOCKERD_SOCK")
	lab.Fault(t, "cridockerd-pullfail")
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	requirePullFailureVisible(t, out, endpoints.Parse(le["RTSNAP_LAB_CRIDOCKERD_SOCK"]).Slug())
}
