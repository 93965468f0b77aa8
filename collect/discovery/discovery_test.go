package discovery

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func sockets(t *testing.T, env *collect.Env) map[string]Socket {
	t.Helper()
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var ss []Socket
	if err := json.Unmarshal(out.Files["endpoints.json"], &ss); err != nil {
		t.Fatal(err)
	}
	m := map[string]Socket{}
	for _, s := range ss {
		m[s.Path] = s
	}
	var ds []Daemon
	json.Unmarshal(out.Files["daemons.json"], &ds)
	if len(ds) < 4 {
		t.Fatalf("daemons: %+v", ds)
	}
	return m
}

func TestLabEndpoints(t *testing.T) {
	le := lab.Require(t)
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{le["RTSNAP_LAB_CD16_SOCK"], le["RTSNAP_LAB_CD2_SOCK"]}
	m := sockets(t, env)
	for _, k := range []string{"RTSNAP_LAB_CD16_SOCK", "RTSNAP_LAB_CD2_SOCK"} {
		if s := m[le[k]]; !s.Answers || !s.IsSocket || s.Owner != "root" || s.Runtime == "" {
			t.Errorf("%s: %+v", k, s)
		}
	}
	if s := m["/var/run/docker.sock"]; !s.Answers {
		t.Errorf("docker: %+v", s)
	}
	if s := m["/run/crio/crio.sock"]; s.Exists {
		t.Errorf("crio socket reported present: %+v", s)
	}
}

func TestDownAndHungEndpoints(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "down")
	lab.Fault(t, "hang")
	env := collect.NewTestEnv()
	env.CallTimeout = time.Second
	env.RuntimeEndpoints = []string{le["RTSNAP_LAB_CD17_SOCK"], le["RTSNAP_LAB_HANG_SOCK"]}
	start := time.Now()
	m := sockets(t, env)
	if time.Since(start) > 10*time.Second {
		t.Fatalf("took %s", time.Since(start))
	}
	if s := m[le["RTSNAP_LAB_CD17_SOCK"]]; s.Answers {
		t.Errorf("stopped cd17 answers: %+v", s)
	}
	if s := m[le["RTSNAP_LAB_HANG_SOCK"]]; s.Answers || s.Code != "DeadlineExceeded" {
		t.Errorf("hang socket: %+v", s)
	}
}
