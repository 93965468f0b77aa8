package containerd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/internal/runcstate"
	schema "github.com/rtsnap/rtsnap/internal/schema/containerd"
)

func TestSampledPicksKEvenlySpread(t *testing.T) {
	for _, n := range []int{1, 5, 63, 64, 65, 100, 250, 2250} {
		picked, last, widest := 0, -1, 0
		for i := 0; i < n; i++ {
			if sampled(i, n, shimSample) {
				picked++
				widest, last = max(widest, i-last), i
			}
		}
		if want := min(n, shimSample); picked != want {
			t.Errorf("n=%d: %d picked, want %d", n, picked, want)
		}
		// Spread: no gap wider than one k-th of the range, rounded up.
		if limit := (n + shimSample - 1) / shimSample; widest > limit {
			t.Errorf("n=%d: a gap of %d between picks, want at most %d", n, widest, limit)
		}
	}
}

// fakeNode is a node as the plan sees it: runc states, a process table, and
// freezer files under a temporary /sys.
type fakeNode struct {
	t      *testing.T
	sys    string
	states []runcstate.State
	procs  []procscan.Process
	pid    int
}

const (
	testSock = "/run/containerd/containerd.sock"
	testNS   = "k8s.io"
)

func newFakeNode(t *testing.T) *fakeNode {
	return &fakeNode{t: t, sys: t.TempDir(), pid: 1000}
}

// shim adds a shim process of containerd at sock in namespace ns.
func (n *fakeNode) shim(sock, ns, state string) int {
	n.pid++
	n.procs = append(n.procs, procscan.Process{PID: n.pid, PPID: 1, Comm: "containerd-shim", State: state, Role: procscan.RoleShim,
		Args: []string{"/usr/bin/containerd-shim-runc-v2", "-namespace", ns, "-id", fmt.Sprintf("sandbox-%d", n.pid), "-address", sock}})
	return n.pid
}

// container adds a running container under shim, its freezer in state
// freezer ("" writes no freezer file), and returns its state for changes.
func (n *fakeNode) container(id string, shim int, freezer string) *runcstate.State {
	n.pid++
	n.procs = append(n.procs, procscan.Process{PID: n.pid, PPID: shim, Comm: "sleep", State: "S", StartTicks: 500})
	cg := "/sys/fs/cgroup/freezer/kubepods/" + id
	if freezer != "" {
		dir := filepath.Join(n.sys, "fs/cgroup/freezer/kubepods", id)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			n.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "freezer.state"), []byte(freezer+"\n"), 0o644); err != nil {
			n.t.Fatal(err)
		}
	}
	n.states = append(n.states, runcstate.State{Root: "/run/containerd/runc/" + testNS, Owner: "containerd", Runtime: "runc", Namespace: testNS,
		ID: id, InitPID: n.pid, InitStart: 500, CgroupPaths: map[string]string{"freezer": cg},
		Liveness: runcstate.Liveness{PIDExists: true, StartTicks: 500, StartMatches: true, Verdict: runcstate.VerdictAlive}})
	return &n.states[len(n.states)-1]
}

func (n *fakeNode) proc(pid int) *procscan.Process {
	for i := range n.procs {
		if n.procs[i].PID == pid {
			return &n.procs[i]
		}
	}
	n.t.Fatalf("no pid %d", pid)
	return nil
}

func testSession(sys string, get func(ctx context.Context, ns, id string, timeout time.Duration) (*Task, MissingTask)) *session {
	env := collect.NewTestEnv()
	env.SysRoot = sys
	env.Now = time.Unix(0, 0)
	return &session{env: env, ep: endpoints.Endpoint{Path: testSock}, get: get}
}

// Each reason the files do not vouch for a task makes it asked, and only a
// container whose every check passes is vouched for.
func TestPlanVouchesOnlyForWhatTheFilesShow(t *testing.T) {
	n := newFakeNode(t)
	shim := n.shim(testSock, testNS, "S")
	n.container("healthy", shim, "THAWED")
	n.container("healthy-too", shim, "THAWED")
	// Two states for one id (two daemons sharing a runc root): which is it?
	n.container("twice", shim, "THAWED")
	n.container("twice", shim, "THAWED")
	n.container("crun", shim, "THAWED").Runtime = "crun"
	n.container("unreadable", shim, "THAWED").Error = "parsing state.json: unexpected EOF"
	n.container("gone", shim, "THAWED").Liveness = runcstate.Liveness{Verdict: runcstate.VerdictGone}
	n.container("zombie", shim, "THAWED").Liveness.Verdict = runcstate.VerdictZombie
	// The table read earlier saw another process at that pid.
	reused := n.container("reused", shim, "THAWED")
	n.proc(reused.InitPID).StartTicks = 999
	n.proc(n.container("created", shim, "THAWED").InitPID).Comm = "runc:[2:INIT]"
	n.proc(n.container("orphan", shim, "THAWED").InitPID).PPID = 1
	stopped := n.shim(testSock, testNS, "T")
	n.container("stopped-shim", stopped, "THAWED")
	other := n.shim("/run/other/containerd.sock", testNS, "S")
	n.container("other-daemon", other, "THAWED")
	otherNS := n.shim(testSock, "moby", "S")
	n.container("other-ns", otherNS, "THAWED")
	n.container("frozen", shim, "FROZEN")
	n.container("freezing", shim, "FREEZING")
	n.container("no-freezer", shim, "")
	v2 := n.container("v2", shim, "")
	v2.CgroupPaths = map[string]string{"": "/sys/fs/cgroup/kubepods/v2"}
	writeFile(t, filepath.Join(n.sys, "fs/cgroup/kubepods/v2/cgroup.freeze"), "0\n")
	v2f := n.container("v2-frozen", shim, "")
	v2f.CgroupPaths = map[string]string{"": "/sys/fs/cgroup/kubepods/v2f"}
	writeFile(t, filepath.Join(n.sys, "fs/cgroup/kubepods/v2f/cgroup.freeze"), "1\n")

	want := map[string]string{
		"healthy": "", "healthy-too": "", "v2": "",
		"no-state": whyNoState, "twice": whyAmbiguous, "crun": whyNotRunc, "unreadable": whyNotRunc,
		"gone": whyDead, "zombie": whyDead, "reused": whyDead, "created": whyCreated,
		"orphan": whyNoShim, "stopped-shim": whyNoShim, "other-daemon": whyNoShim, "other-ns": whyNoShim,
		"frozen": whyFrozen, "freezing": whyFrozen, "no-freezer": whyFrozen, "v2-frozen": whyFrozen,
	}
	var ctrs []Container
	for id := range want {
		ctrs = append(ctrs, Container{ID: id})
	}
	p := testSession(n.sys, nil).plan(testNS, ctrs, n.states, n.procs)
	for id, why := range want {
		if got := p.why[id]; got != why {
			t.Errorf("%s: asked because %q, want %q", id, got, why)
		}
	}
	if len(p.shims) != 1 || p.shims[0] != shim || len(p.byShim[shim]) != 3 {
		t.Errorf("vouched for by shim: %v %v, want the 3 healthy ones under %d", p.shims, p.byShim, shim)
	}
	if want := len(want) - 3 - 1; p.stateGets != want {
		t.Errorf("%d asks with a runc state, want %d (no-state is asked on the list's way too)", p.stateGets, want)
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// What follows from the answers: a sampled shim that answers as its runc
// state says vouches for its other containers, one that does not answer
// leaves them UNKNOWN without waiting on each, one that answers otherwise
// has every container asked; a container the files do not vouch for is
// asked and, without a task, is kept as such.
func TestAskFollowsTheAnswers(t *testing.T) {
	n := newFakeNode(t)
	answers := map[string]func(v *runcstate.State) (*Task, MissingTask){}
	ok := func(v *runcstate.State) (*Task, MissingTask) {
		return &Task{ID: v.ID, PID: uint32(v.InitPID), Status: "RUNNING"}, MissingTask{ContainerID: v.ID, GetCode: "OK"}
	}
	groups := map[string]func(v *runcstate.State) (*Task, MissingTask){
		"fine": ok,
		"hung": func(v *runcstate.State) (*Task, MissingTask) {
			return &Task{ID: v.ID, Status: "UNKNOWN"}, MissingTask{GetCode: "OK"}
		},
		"slow": func(v *runcstate.State) (*Task, MissingTask) {
			return nil, MissingTask{ContainerID: v.ID, GetCode: "DeadlineExceeded", GetError: "context deadline exceeded"}
		},
		"stopped": func(v *runcstate.State) (*Task, MissingTask) {
			return &Task{ID: v.ID, PID: uint32(v.InitPID), Status: "STOPPED", ExitStatus: 137}, MissingTask{GetCode: "OK"}
		},
	}
	var ctrs []Container
	for _, g := range []string{"fine", "hung", "slow", "stopped"} {
		shim := n.shim(testSock, testNS, "S")
		for i := 0; i < 3; i++ {
			st := n.container(fmt.Sprintf("%s-%d", g, i), shim, "THAWED")
			answers[st.ID] = groups[g]
			ctrs = append(ctrs, Container{ID: st.ID})
		}
	}
	ctrs = append(ctrs, Container{ID: "exited"})
	byID := map[string]runcstate.State{}
	for _, st := range n.states {
		byID[st.ID] = st
	}
	var mu sync.Mutex // Gets run at once
	asked := map[string]int{}
	get := func(_ context.Context, ns, id string, timeout time.Duration) (*Task, MissingTask) {
		mu.Lock()
		asked[id]++
		mu.Unlock()
		if timeout != shimGetTimeout || ns != testNS {
			t.Errorf("get %s in %s with timeout %s", id, ns, timeout)
		}
		if id == "exited" {
			return nil, MissingTask{ContainerID: id, GetCode: "NotFound", GetError: "no running task found"}
		}
		st := byID[id]
		return answers[id](&st)
	}
	s := testSession(n.sys, get)
	res := s.ask(context.Background(), testNS, len(ctrs), s.plan(testNS, ctrs, n.states, n.procs))

	from := map[string]Task{}
	for _, tk := range res.Tasks {
		from[tk.ID] = tk
	}
	for id, want := range map[string]struct {
		asks   int
		from   string
		status string
	}{
		"fine-0": {1, "", "RUNNING"}, "fine-1": {0, schema.TaskFromRuncState, "RUNNING"}, "fine-2": {0, schema.TaskFromRuncState, "RUNNING"},
		"hung-0": {1, "", "UNKNOWN"}, "hung-1": {0, schema.TaskFromSameShim, "UNKNOWN"}, "hung-2": {0, schema.TaskFromSameShim, "UNKNOWN"},
		"slow-1": {0, schema.TaskFromSameShim, "UNKNOWN"}, "slow-2": {0, schema.TaskFromSameShim, "UNKNOWN"},
		"stopped-0": {1, "", "STOPPED"}, "stopped-1": {1, "", "STOPPED"}, "stopped-2": {1, "", "STOPPED"},
	} {
		if asked[id] != want.asks || from[id].From != want.from || from[id].Status != want.status {
			t.Errorf("%s: asked %d times, task %+v; want %d asks, from %q, %s", id, asked[id], from[id], want.asks, want.from, want.status)
		}
	}
	if from["fine-1"].PID != uint32(byID["fine-1"].InitPID) {
		t.Errorf("vouched task without the init pid: %+v", from["fine-1"])
	}
	missing := map[string]string{}
	for _, m := range res.WithoutTask {
		missing[m.ContainerID] = m.GetCode
	}
	if len(missing) != 2 || missing["slow-0"] != "DeadlineExceeded" || missing["exited"] != "NotFound" {
		t.Errorf("containers without task: %v", missing)
	}
	q := res.Query
	if q == nil || q.Containers != 13 || q.Shims != 4 || q.ShimsAsked != 4 || q.Gets != 7 || q.FromRuncState != 2 || q.FromSameShim != 4 ||
		q.AskedWhy[whySample] != 4 || q.AskedWhy[whySameShim] != 2 || q.AskedWhy[whyNoState] != 1 || len(q.Unanswered) != 2 ||
		!strings.Contains(q.Reason, "--containerd-task-list") {
		t.Errorf("query %+v", q)
	}
}

// Above shimSample shims only the sample is asked; the rest is written from
// the runc state, every container once.
func TestAskSamplesAtMostShimSampleShims(t *testing.T) {
	n := newFakeNode(t)
	var ctrs []Container
	for i := 0; i < 3*shimSample; i++ {
		shim := n.shim(testSock, testNS, "S")
		for j := 0; j < 2; j++ {
			ctrs = append(ctrs, Container{ID: n.container(fmt.Sprintf("c%d-%d", i, j), shim, "THAWED").ID})
		}
	}
	pids := map[string]int{}
	for _, st := range n.states {
		pids[st.ID] = st.InitPID
	}
	var gets, inFlight, most atomic.Int64 // Gets run at once
	s := testSession(n.sys, func(_ context.Context, _, id string, _ time.Duration) (*Task, MissingTask) {
		gets.Add(1)
		now := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		time.Sleep(2 * time.Millisecond) // a shim's answer takes a while
		return &Task{ID: id, PID: uint32(pids[id]), Status: "RUNNING"}, MissingTask{GetCode: "OK"}
	})
	res := s.ask(context.Background(), testNS, len(ctrs), s.plan(testNS, ctrs, n.states, n.procs))
	if gets.Load() != shimSample || res.Query.ShimsAsked != shimSample || res.Query.FromRuncState != len(ctrs)-shimSample {
		t.Errorf("%d gets, query %+v", gets.Load(), res.Query)
	}
	// The sample is asked at once, never more than getsAtOnce at a time
	// (Env.Call bounds the calls in flight below that).
	if m := most.Load(); m < 2 || m > getsAtOnce {
		t.Errorf("at most %d Gets at once, want 2 to %d", m, getsAtOnce)
	}
	seen := map[string]bool{}
	for _, tk := range res.Tasks {
		if seen[tk.ID] || tk.Status != "RUNNING" || int(tk.PID) != pids[tk.ID] {
			t.Errorf("task %+v (seen before: %v)", tk, seen[tk.ID])
		}
		seen[tk.ID] = true
	}
	if len(seen) != len(ctrs) || len(res.WithoutTask) != 0 {
		t.Errorf("%d tasks for %d containers, %d without", len(seen), len(ctrs), len(res.WithoutTask))
	}
}
