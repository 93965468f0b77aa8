package runcstate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/internal/procscan"
)

// TestLivenessFromTable: an init the run's process table holds with the
// same start time is judged from the table (the fake /proc says otherwise,
// so the verdict shows which was read); one the table holds with another
// start time, or not at all, is read from /proc as before.
func TestLivenessFromTable(t *testing.T) {
	proc := t.TempDir()
	fakeProc(t, proc, 10, "S", "500")
	fakeProc(t, proc, 11, "S", "600")
	fakeProc(t, proc, 12, "S", "700")
	table := []procscan.Process{
		{PID: 10, State: "Z", StartTicks: 500}, // same process: the table's state is taken
		{PID: 11, State: "Z", StartTicks: 599}, // another process then: /proc is read
		{PID: 14, State: "S", StartTicks: 900}, // in the table, gone from /proc since
	}
	live := newLiveness(proc, table)
	for _, c := range []struct {
		name    string
		pid     int
		start   uint64
		verdict string
	}{
		{"table", 10, 500, VerdictZombie},
		{"table pid reused", 11, 600, VerdictAlive},
		{"not in table", 12, 700, VerdictAlive},
		{"not in table, reused", 12, 699, VerdictPIDReused},
		{"table, other start", 14, 901, VerdictGone},
		{"gone", 13, 800, VerdictGone},
	} {
		if l := live.check(c.pid, c.start); l.Verdict != c.verdict {
			t.Errorf("%s: %+v, want %s", c.name, l, c.verdict)
		}
	}
	// Without a table, the file decides.
	if l := newLiveness(proc, nil).check(10, 500); l.Verdict != VerdictAlive {
		t.Errorf("no table: %+v", l)
	}
}

// TestScanOrderAndBound: states are read by several goroutines but come
// back in directory order, every one of them, and the bound cuts the same
// first ones as a read one after the other would.
func TestScanOrderAndBound(t *testing.T) {
	base := t.TempDir()
	state, err := os.ReadFile("testdata/state.json")
	if err != nil {
		t.Fatal(err)
	}
	root := "/run/containerd/runc/k8s.io"
	const n = 103
	var want []string
	for i := range n {
		id := fmt.Sprintf("c%03d", i)
		dir := filepath.Join(base+root, id)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		// The id comes from the file when it names one: give each its own.
		doc := strings.Replace(string(state), `"id":"abc123"`, `"id":"`+id+`"`, 1)
		if doc == string(state) {
			t.Fatal("testdata/state.json has no id to replace")
		}
		if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	roots := []Root{{Path: root, Owner: "containerd", Namespace: "k8s.io"}}
	proc := t.TempDir()
	for _, bound := range []int{0, n, n - 1, 7, 1} {
		states, truncated := scanUnder(base, proc, roots, bound, nil)
		w := want
		if bound > 0 && bound < n {
			w = want[:bound]
		}
		if truncated != (len(w) < n) || len(states) != len(w) {
			t.Fatalf("bound %d: %d states, truncated %v", bound, len(states), truncated)
		}
		for i, st := range states {
			if st.ID != w[i] || st.File != root+"/"+w[i]+"/state.json" || st.Error != "" {
				t.Fatalf("bound %d: state %d is %s (%s, %q), want %s", bound, i, st.ID, st.File, st.Error, w[i])
			}
		}
	}
}
