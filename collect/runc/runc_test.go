package runc

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
	"github.com/rtsnap/rtsnap/internal/runcstate"
)

func states(t *testing.T, env *collect.Env) (States, *collect.Capture) {
	t.Helper()
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var s States
	if err := json.Unmarshal(out.Files["states.json"], &s); err != nil {
		t.Fatal(err)
	}
	return s, out
}

func TestLabContainersAlive(t *testing.T) {
	le := lab.Require(t)
	s, out := states(t, collect.NewTestEnv())
	if strings.Contains(string(out.Files["states.json"]), `"mounts"`) {
		t.Fatal("states.json kept the runtime config")
	}
	alive := 0
	owners := map[string]bool{}
	var native *State
	for i, st := range s.States {
		if st.Liveness.Verdict == runcstate.VerdictAlive && st.Liveness.StartMatches && st.Liveness.StartTicks == st.InitStart && st.Bundle != "" {
			alive++
		}
		owners[st.Owner] = true
		if st.ID == "native-sleeper" && st.Namespace == le["RTSNAP_LAB_NATIVE_NS"] {
			native = &s.States[i]
		}
	}
	if alive < 8 || !owners["containerd"] || !owners["docker"] {
		t.Fatalf("%d alive of %d, owners %v", alive, len(s.States), owners)
	}
	if native == nil {
		t.Fatal("native-sleeper's state not found under its namespace")
	}
	if native.Liveness.Verdict != runcstate.VerdictAlive || native.Root != "/run/containerd/runc/"+le["RTSNAP_LAB_NATIVE_NS"] ||
		!strings.HasSuffix(native.Bundle, "/native-sleeper") || native.Rootfs == "" || native.NamespacePaths["NEWPID"] == "" ||
		native.CgroupPaths["freezer"] == "" || native.Created.IsZero() {
		t.Fatalf("native-sleeper %+v", native)
	}
}

func TestNamespaceFilter(t *testing.T) {
	le := lab.Require(t)
	env := collect.NewTestEnv()
	env.Namespaces = []string{le["RTSNAP_LAB_NATIVE_NS"]}
	s, _ := states(t, env)
	for _, st := range s.States {
		if st.Owner == "containerd" && st.Namespace != le["RTSNAP_LAB_NATIVE_NS"] {
			t.Fatalf("namespace %s kept under --namespace %s", st.Namespace, le["RTSNAP_LAB_NATIVE_NS"])
		}
	}
}

// The dead fault stops cd16's victim's shim and kills the container's init:
// state.json stays while the pid is gone (or a zombie nobody reaps).
func TestDeadInitIsFlagged(t *testing.T) {
	lab.Require(t)
	msg := lab.Fault(t, "dead")
	var victim string
	for _, f := range strings.Fields(msg) {
		if v, ok := strings.CutPrefix(f, "container="); ok {
			victim = v
		}
	}
	if victim == "" {
		t.Fatalf("no container= in the fault output %q", msg)
	}
	s, _ := states(t, collect.NewTestEnv())
	others := 0
	var got *State
	for i, st := range s.States {
		switch {
		case st.ID == victim:
			got = &s.States[i]
		case st.Liveness.Verdict == runcstate.VerdictAlive:
			others++
		}
	}
	if got == nil {
		t.Fatalf("victim %s has no state", victim)
	}
	if v := got.Liveness.Verdict; v != runcstate.VerdictGone && v != runcstate.VerdictZombie {
		t.Fatalf("dead victim %s judged %s: %+v", victim, v, got.Liveness)
	}
	// The verdict is the victim's own: the others stay alive.
	if others < 8 {
		t.Fatalf("only %d other containers alive", others)
	}
}
