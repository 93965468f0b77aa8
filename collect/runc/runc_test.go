package runc

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func states(t *testing.T) States {
	t.Helper()
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), collect.NewTestEnv(), out); err != nil {
		t.Fatal(err)
	}
	var s States
	if err := json.Unmarshal(out.Files["states.json"], &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLabContainersAlive(t *testing.T) {
	lab.Require(t)
	s := states(t)
	alive := 0
	owners := map[string]bool{}
	for _, st := range s.States {
		if st.Liveness.Verdict == "alive" && st.Liveness.StartMatches && st.Bundle != "" {
			alive++
		}
		owners[st.Owner] = true
		if strings.Contains(string(mustJSON(st)), "\"env\"") {
			t.Fatal("state kept the container environment")
		}
	}
	if alive < 8 || !owners["containerd"] || !owners["docker"] {
		t.Fatalf("%d alive of %d, owners %v", alive, len(s.States), owners)
	}
}

func TestDeadInitIsFlagged(t *testing.T) {
	lab.Require(t)
	ids := lab.Fault(t, "dead")
	var victim string
	for _, f := range strings.Fields(ids) {
		if v, ok := strings.CutPrefix(f, "container="); ok {
			victim = v
		}
	}
	for _, st := range states(t).States {
		if st.ID == victim {
			if st.Liveness.Verdict == "alive" {
				t.Fatalf("dead victim judged alive: %+v", st.Liveness)
			}
			return
		}
	}
	t.Fatalf("victim %s has no state.json", victim)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
