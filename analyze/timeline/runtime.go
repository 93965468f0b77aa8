package timeline

import (
	"fmt"
	"time"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// Runtime gives each container's lifecycle as every runtime layer recorded
// it, on the runtime's own clock: CRI created/started/finished (Unix ns),
// containerd's container created/updated and its task's exit, runc's
// created. Seeing the three side by side is how a desync or a slow start shows.
func Runtime(n *facts.Node) []Event {
	var out []Event
	for _, c := range n.Containers {
		subj := finding.Subject{Endpoint: c.Endpoint, Namespace: c.PodNamespace, Pod: c.Pod, Container: c.Name}
		if subj.Namespace == "" {
			subj.Namespace = c.Namespace
		}
		if subj.Container == "" && !c.Sandbox {
			subj.Container = facts.ShortID(c.ID)
		}
		who := c.Label() + " [" + facts.ShortID(c.ID) + "]"
		add := func(t time.Time, kind, src, msg string, r facts.Ref) {
			if t.IsZero() || t.Unix() <= 0 {
				return
			}
			out = append(out, Event{Time: t.UTC(), Source: src, Clock: ClockRuntime, Kind: kind, Subject: subj,
				Message: who + " " + msg, Evidence: finding.Evidence{Path: r.Path, Pointer: r.Pointer}})
		}
		if c.CRIPod != nil && c.CRIPod.Pod != nil {
			add(unixNS(c.CRIPod.Pod.CreatedAt), "cri-sandbox-created", "cri", "sandbox created (CRI)", c.CRIRef)
		}
		if c.CRI != nil && c.CRI.Container != nil {
			add(unixNS(c.CRI.Container.CreatedAt), "cri-created", "cri", fmt.Sprintf("created (CRI, attempt %d)", c.CRI.Container.GetMetadata().GetAttempt()), c.CRIRef)
			if st := c.CRI.Status; st != nil {
				add(unixNS(st.StartedAt), "cri-started", "cri", "started (CRI)", c.CRIRef)
				add(unixNS(st.FinishedAt), "cri-finished", "cri", fmt.Sprintf("finished (CRI): exit code %d %s", st.ExitCode, st.Reason), c.CRIRef)
			}
		}
		if c.Containerd != nil {
			add(c.Containerd.CreatedAt, "containerd-created", "containerd", "container created (containerd)", c.CDRef)
			if !c.Containerd.UpdatedAt.Equal(c.Containerd.CreatedAt) {
				add(c.Containerd.UpdatedAt, "containerd-updated", "containerd", "container updated (containerd)", c.CDRef)
			}
		}
		if c.Task != nil {
			add(c.Task.ExitedAt, "task-exited", "containerd", fmt.Sprintf("task exited (containerd): status %d", c.Task.ExitStatus), c.TaskRef)
		}
		if c.Runc != nil {
			add(c.Runc.Created, "runc-created", "runc", fmt.Sprintf("created (runc state, init pid %d, now %s)", c.Runc.InitPID, c.Runc.Liveness.Verdict), c.RuncRef)
		}
	}
	return out
}

func unixNS(ns int64) time.Time {
	if ns <= 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
