package containerd

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	tasksapi "github.com/containerd/containerd/api/services/tasks/v1"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/collect/cgroup"
	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/internal/runcstate"
	schema "github.com/rtsnap/rtsnap/internal/schema/containerd"
)

// Why containerd's task list is not always asked: Tasks.List asks every
// shim for its task's state, one after the other (containerd's
// plugins/services/tasks/local.go, addTasks → getProcessState, 2 s each, in
// 1.6, 1.7 and 2.x alike). At 2,250 tasks one `ctr tasks ls` cost containerd
// 1.2 s and its shims 0.9 s of CPU on a loaded 2-core node, CPU taken from
// kubelet and every other client (docs/benchmarks.md). The runc state files
// and /proc, which the collector reads anyway, already say for a healthy
// container what the shim would: the init's pid and that it runs. So above
// collect.TaskListUpTo containers in a namespace only the tasks they do not
// vouch for are asked, plus a sample of the shims they do, so that a shim
// that does not answer still becomes a finding.

const (
	// shimSample bounds the shims asked although the runc state vouches for
	// their containers: one Get each (a shim groups a pod's containers).
	shimSample = 64
	// maxStateGets bounds the Gets of containers the runc state does not
	// vouch for; above it the task list is asked instead (one call, and
	// a node where that many disagree wants containerd's whole view).
	maxStateGets = collect.TaskListUpTo
	// shimGetTimeout is a little above containerd's own 2 s deadline on a
	// shim's state (stateTimeout), so that containerd's answer for a shim
	// that does not answer (status UNKNOWN) arrives before this deadline.
	shimGetTimeout = 3 * time.Second
)

// Reasons a task is asked directly (TaskQuery.AskedWhy).
const (
	whySample    = "sample of healthy shims"
	whyNoState   = "no runc state"
	whyNotRunc   = "not a runc state"
	whyDead      = "init not alive" // gone, zombie, stopped, reused pid
	whyCreated   = "init not started yet"
	whyNoShim    = "init's parent is not a live shim of this containerd"
	whyFrozen    = "cgroup frozen or freezer unknown"
	whyAmbiguous = "several runc states for the id"
	whySameShim  = "its shim answered something else for another container"
)

// tasks writes <ns>/tasks.json: containerd's task list on a namespace of up
// to collect.TaskListUpTo containers (or with --containerd-task-list), else
// the tasks the runc state and /proc do not vouch for, asked one by one.
func (s *session) tasks(ctx context.Context, ns string, ctrs []Container) Tasks {
	if len(ctrs) > s.taskListUpTo && !s.env.ContainerdTaskList {
		if res, ok := s.tasksWhereNeeded(ctx, ns, ctrs); ok {
			return res
		}
	}
	return s.listTasks(ctx, ns, ctrs)
}

// listTasks is containerd's task list, then a direct Get for every
// container the list left out.
func (s *session) listTasks(ctx context.Context, ns string, ctrs []Container) Tasks {
	var res Tasks
	listed := map[string]bool{}
	if err := s.call(ctx, ns, "Tasks.List", func(ctx context.Context) error {
		resp, err := s.c.TaskService().List(ctx, &tasksapi.ListTasksRequest{})
		if err != nil {
			return err
		}
		for _, t := range resp.Tasks {
			listed[t.ID] = true
			tk := Task{ID: t.ID, PID: t.Pid, Status: statusName(int32(t.Status)), ExitStatus: t.ExitStatus}
			if t.ExitedAt != nil && t.ExitedAt.Seconds > 0 {
				tk.ExitedAt = t.ExitedAt.AsTime()
			}
			res.Tasks = append(res.Tasks, tk)
		}
		return nil
	}); err != nil {
		// Without the list, look tasks up one by one (bounded): a list that
		// timed out is most often one stuck shim among many healthy ones.
		res.Error = s.env.Redactor.String(err.Error())
		if len(ctrs) > maxTaskGets {
			ctrs = ctrs[:maxTaskGets]
		}
	}
	for _, ct := range ctrs {
		if listed[ct.ID] || ctx.Err() != nil {
			continue
		}
		// Found or not, a container the list left out is kept as such:
		// the list and a direct Get disagreeing says something.
		_, m := s.get(ctx, ns, ct.ID, taskGetTimeout)
		res.WithoutTask = append(res.WithoutTask, m)
	}
	return res
}

// getTask asks containerd for one container's task (what Task().Status()
// does; read-only). m is what the Get said (GetCode "OK", with the status
// and pid, when it found a task); tk is the task when it found one.
func (s *session) getTask(ctx context.Context, ns, id string, timeout time.Duration) (tk *Task, m MissingTask) {
	m = MissingTask{ContainerID: id, GetCode: "OK"}
	err := s.call(ctx, ns, "Tasks.Get", func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		resp, err := s.c.TaskService().Get(ctx, &tasksapi.GetRequest{ContainerID: id})
		if err == nil && resp.Process != nil {
			p := resp.Process
			tk = &Task{ID: id, PID: p.Pid, Status: statusName(int32(p.Status)), ExitStatus: p.ExitStatus}
			if p.ExitedAt != nil && p.ExitedAt.Seconds > 0 {
				tk.ExitedAt = p.ExitedAt.AsTime()
			}
			m.Status, m.PID = tk.Status, tk.PID
		}
		return err
	})
	if err != nil {
		m.GetCode, m.GetError = codeOf(err), s.env.Redactor.String(err.Error())
		tk = nil
	}
	return tk, m
}

// vouched is a container whose task the runc state and /proc describe.
type vouched struct {
	id      string
	initPID int
	shimPID int
}

// plan sorts a namespace's containers into those the runc state vouches for
// (by the shim serving them) and those to ask, with the reason.
type plan struct {
	byShim map[int][]vouched
	shims  []int // in the order first seen, for the sample
	ask    []string
	why    map[string]string
	// stateGets counts the asks with a runc state (a shim to ask).
	stateGets int
}

// tasksWhereNeeded is tasks.json without containerd's task list; ok is
// false when the cheap sources cannot stand in for it here (the runc scan
// was cut, no process table, too many containers they do not vouch for).
func (s *session) tasksWhereNeeded(ctx context.Context, ns string, ctrs []Container) (Tasks, bool) {
	_, states, truncated := s.env.RuncStates()
	procs, err := s.env.Processes()
	if truncated || err != nil {
		return Tasks{}, false
	}
	p := s.plan(ns, ctrs, states, procs)
	if p.stateGets > maxStateGets {
		return Tasks{}, false
	}
	return s.ask(ctx, ns, len(ctrs), p), true
}

// ask asks what plan says to ask, and the sample of the shims the runc state
// vouches for, and writes the rest from the runc state.
func (s *session) ask(ctx context.Context, ns string, containers int, p plan) Tasks {
	q := &schema.TaskQuery{Containers: containers, Shims: len(p.shims), AskedWhy: map[string]int{},
		Reason: fmt.Sprintf("%d containers, more than %d: containerd's task list asks every shim in turn, so only the tasks the runc state and /proc do not vouch for were asked, and a sample of the shims they do (--containerd-task-list asks the list)",
			containers, s.taskListUpTo)}
	res := Tasks{Query: q}
	// The sample moves with the run's time, so that repeated collections
	// ask other shims.
	off := 0
	if n := int64(len(p.shims)); n > 0 {
		off = int(s.env.Now.Unix() % n)
	}
	isSampled := func(i int) bool { return sampled((i+off)%len(p.shims), len(p.shims), shimSample) }
	// The containers not vouched for and the sample are asked at once, each
	// Get through the runtime's limit of calls in flight (Env.Call): one
	// after the other they took 64 x 45 ms at load 9 (docs/benchmarks.md).
	first := append([]string(nil), p.ask...)
	for i, shim := range p.shims {
		if isSampled(i) {
			first = append(first, p.byShim[shim][0].id)
		}
	}
	answers := s.getAll(ctx, ns, first)
	ask := func(id, why string) (*Task, string) {
		a, ok := answers[id]
		if !ok {
			if ctx.Err() != nil {
				return nil, ""
			}
			a.tk, a.m = s.get(ctx, ns, id, shimGetTimeout)
		}
		q.Gets++
		q.AskedWhy[why]++
		if a.tk != nil {
			res.Tasks = append(res.Tasks, *a.tk)
		} else {
			res.WithoutTask = append(res.WithoutTask, a.m)
		}
		return a.tk, a.m.GetCode
	}
	for _, id := range p.ask {
		if ctx.Err() != nil {
			return res
		}
		ask(id, p.why[id])
	}
	for i, shim := range p.shims {
		if ctx.Err() != nil {
			return res
		}
		group := p.byShim[shim]
		if !isSampled(i) {
			for _, v := range group {
				res.Tasks = append(res.Tasks, fromRuncState(v))
				q.FromRuncState++
			}
			continue
		}
		q.ShimsAsked++
		first := group[0]
		tk, code := ask(first.id, whySample)
		switch {
		case tk != nil && tk.Status == "RUNNING" && int(tk.PID) == first.initPID:
			// The shim answers, and as its runc state says: vouch for the rest.
			for _, v := range group[1:] {
				res.Tasks = append(res.Tasks, fromRuncState(v))
				q.FromRuncState++
			}
		case code == "DeadlineExceeded" || tk != nil && tk.Status == "UNKNOWN":
			// The shim does not answer: asking its other containers would
			// wait as long again for each.
			q.Unanswered = append(q.Unanswered, fmt.Sprintf("shim pid %d (asked for %s)", shim, first.id))
			for _, v := range group[1:] {
				res.Tasks = append(res.Tasks, Task{ID: v.id, Status: "UNKNOWN", From: schema.TaskFromSameShim})
				q.FromSameShim++
			}
		default:
			// It answered otherwise than the runc state says: ask each.
			for _, v := range group[1:] {
				if ctx.Err() != nil {
					return res
				}
				ask(v.id, whySameShim)
			}
		}
	}
	return res
}

// answer is what one Get said.
type answer struct {
	tk *Task
	m  MissingTask
}

// getsAtOnce bounds the Gets of getAll waiting for a slot at once; Env.Call
// bounds those in flight.
const getsAtOnce = 8

// getAll asks every id at once (up to getsAtOnce goroutines), until ctx ends.
func (s *session) getAll(ctx context.Context, ns string, ids []string) map[string]answer {
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		out = make(map[string]answer, len(ids))
		sem = make(chan struct{}, getsAtOnce)
	)
	for _, id := range ids {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			tk, m := s.get(ctx, ns, id, shimGetTimeout)
			mu.Lock()
			out[id] = answer{tk, m}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func fromRuncState(v vouched) Task {
	return Task{ID: v.id, PID: uint32(v.initPID), Status: "RUNNING", From: schema.TaskFromRuncState}
}

// sampled picks k of n evenly spread indexes (every one when n <= k).
func sampled(i, n, k int) bool {
	if n <= k {
		return true
	}
	// i is picked when it is the first index of its k-th of the range.
	return i*k/n != (i-1)*k/n || i == 0
}

// plan decides, container by container, whether the runc state and /proc
// vouch for its task: a runc state (one, for this id), its init alive and
// the pid runc started, past runc's init (started), its parent a live shim
// of this containerd and namespace, its cgroup not frozen. Anything else is
// asked: that is where a task's state says something the files do not.
func (s *session) plan(ns string, ctrs []Container, states []runcstate.State, procs []procscan.Process) plan {
	byID := map[string]*runcstate.State{}
	ambiguous := map[string]bool{}
	for i := range states {
		st := &states[i]
		if st.Owner != "containerd" || st.Namespace != ns {
			continue
		}
		if byID[st.ID] != nil {
			ambiguous[st.ID] = true
		}
		byID[st.ID] = st
	}
	byPID := make(map[int]*procscan.Process, len(procs))
	for i := range procs {
		byPID[procs[i].PID] = &procs[i]
	}
	p := plan{byShim: map[int][]vouched{}, why: map[string]string{}}
	for _, ct := range ctrs {
		v, why := s.vouch(ns, ct.ID, byID[ct.ID], ambiguous[ct.ID], byPID)
		if why != "" {
			p.ask = append(p.ask, ct.ID)
			p.why[ct.ID] = why
			// A container without a runc state is asked on the list's
			// path too (the list leaves it out), and costs no shim.
			if why != whyNoState {
				p.stateGets++
			}
			continue
		}
		if _, seen := p.byShim[v.shimPID]; !seen {
			p.shims = append(p.shims, v.shimPID)
		}
		p.byShim[v.shimPID] = append(p.byShim[v.shimPID], v)
	}
	return p
}

// vouch says why the files do not vouch for one container's task ("" when
// they do, with what they say).
func (s *session) vouch(ns, id string, st *runcstate.State, ambiguous bool, byPID map[int]*procscan.Process) (vouched, string) {
	switch {
	case st == nil:
		return vouched{}, whyNoState
	case ambiguous:
		return vouched{}, whyAmbiguous
	case st.Runtime != "runc" || st.Error != "":
		return vouched{}, whyNotRunc
	case st.Liveness.Verdict != runcstate.VerdictAlive:
		return vouched{}, whyDead
	}
	init := byPID[st.InitPID]
	if init == nil || init.StartTicks != st.InitStart {
		return vouched{}, whyDead
	}
	// runc's init waits for `runc start` as "runc:[2:INIT]": the task is
	// CREATED, not RUNNING.
	if strings.HasPrefix(init.Comm, "runc:[") {
		return vouched{}, whyCreated
	}
	shim := byPID[init.PPID]
	if shim == nil || shim.Role != procscan.RoleShim || shim.State == "T" || shim.State == "t" || shim.State == "Z" {
		return vouched{}, whyNoShim
	}
	if a, _ := procscan.FlagValue(shim.Args, "address"); a != s.ep.Path {
		return vouched{}, whyNoShim
	}
	if n, _ := procscan.FlagValue(shim.Args, "namespace"); n != ns {
		return vouched{}, whyNoShim
	}
	if cgroup.FreezeState(s.env.SysRoot, *st) != "THAWED" {
		return vouched{}, whyFrozen
	}
	return vouched{id: id, initPID: st.InitPID, shimPID: shim.PID}, ""
}
