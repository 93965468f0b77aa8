package rules

import (
	"fmt"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// Family 1: runtime down or unreachable.
func runtimeDown() []Rule {
	return []Rule{
		{ID: "RT0101-endpoint-unreachable", Family: 1, Title: "Runtime endpoint does not answer",
			Reads: []string{"discovery/endpoints.json", "cri/<endpoint>/version.json"}, Check: endpointUnreachable},
		{ID: "RT0102-endpoint-missing", Family: 1, Title: "Runtime socket is missing",
			Reads: []string{"discovery/endpoints.json"}, Check: endpointMissing},
		{ID: "RT0103-runtime-calls-timed-out", Family: 1, Title: "Runtime calls timed out",
			Reads: []string{"cri/<endpoint>/calls.json", "containerd/<endpoint>/calls.json"}, Check: callsTimedOut},
		{ID: "RT0104-unit-failed-or-restarting", Family: 1, Title: "Runtime unit failed or restarting",
			Reads: []string{"host/units.json"}, Check: unitsFailed},
	}
}

// unreachableCodes are gRPC codes that mean nobody served the call; an
// endpoint answering Unimplemented (Docker's private containerd has no CRI)
// is alive and not reported.
func unreachable(code, errText string) bool {
	switch code {
	case "DeadlineExceeded", "Unavailable", "Canceled":
		return true
	case "", "OK", "Unimplemented":
		return code == "" && errText != ""
	}
	return false
}

// starvedWait reports whether the collector was kept from running for at
// least three quarters of a wait (discovery's collector_stalled_ms).
func starvedWait(stalledMS, waitedMS int64) bool {
	return waitedMS > 0 && stalledMS*4 >= waitedMS*3
}

func endpointUnreachable(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for i, e := range n.Discovery.Endpoints {
		if !e.Exists || e.Answers || !unreachable(e.Code, e.Error) {
			continue
		}
		hung := e.Code == "DeadlineExceeded" || containsFold(e.Error, "deadline exceeded")
		what := "refused or failed the connection"
		rem := []string{"Check the daemon: `systemctl status " + unitFor(string(e.Kind)) + "`, its log, and whether its process exists (host/processes.json).",
			"Restart the runtime only after collecting its goroutine dump (`rtsnap collect --active`) if it is hung."}
		sev, title := finding.Critical, fmt.Sprintf("%s endpoint %s does not answer", kindName(string(e.Kind)), e.Path)
		consequence := "Kubelet sees the same: pods on this runtime cannot be created, stopped or inspected, and PLEG reports the runtime unhealthy."
		if hung {
			what = "accepted the connection but did not answer before the deadline (\"context deadline exceeded\"): the daemon is hung or overloaded"
			if starvedWait(e.CollectorStalledMS, e.LatencyMS) {
				// The collector spent most of the wait in the run queue: the
				// deadline is the node's load as much as the daemon's.
				sev, title = finding.Warning, title+" while the collector was starved of CPU"
				consequence = fmt.Sprintf("The collector itself was kept from running for %d of the %d ms it waited, so this bundle cannot tell a hung daemon from a saturated node: look at the load (host/, proc/), the runtime's own calls (RT0103, calls.json) and collect again when the node is calmer.",
					e.CollectorStalledMS, e.LatencyMS)
				rem = append([]string{"Check the node's load first (`uptime`, `top`): every process on it, kubelet and the runtime included, waits for a CPU."}, rem...)
			}
		}
		out = append(out, finding.Finding{
			Severity:    sev,
			Title:       title,
			Subject:     finding.Subject{Endpoint: e.Path},
			Explanation: fmt.Sprintf("The socket exists but %s (code %s). %s", what, orDash(e.Code), consequence),
			Evidence:    []finding.Evidence{ev(facts.Ref{Path: "discovery/endpoints.json", Pointer: fmt.Sprintf("/%d", i)}, e)},
			Remediation: rem,
		})
	}
	return out
}

func endpointMissing(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for i, e := range n.Discovery.Endpoints {
		// Well-known paths that do not exist are just runtimes not installed;
		// an endpoint someone named (flag, crictl, kubelet) must exist.
		if e.Exists || e.Origin == "well-known" || e.Origin == "" {
			continue
		}
		out = append(out, finding.Finding{
			Severity: finding.Critical,
			Title:    fmt.Sprintf("Runtime socket %s does not exist", e.Path),
			Subject:  finding.Subject{Endpoint: e.Path},
			Explanation: fmt.Sprintf("The endpoint was named (%s) but there is no socket at that path: the daemon is not running, or listens elsewhere. Everything that uses this endpoint fails with \"connection refused\" or \"no such file or directory\".",
				e.Origin),
			Evidence:    []finding.Evidence{ev(facts.Ref{Path: "discovery/endpoints.json", Pointer: fmt.Sprintf("/%d", i)}, e)},
			Remediation: []string{"Start the runtime (`systemctl start " + unitFor(string(e.Kind)) + "`) and read why it stopped in its journal.", "If it listens elsewhere, fix the endpoint in kubelet's --container-runtime-endpoint and /etc/crictl.yaml."},
		})
	}
	return out
}

func callsTimedOut(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	report := func(endpoint, path string, calls []struct{ Method, Code, Error string }) {
		var timedOut []string
		first := -1
		for i, c := range calls {
			if c.Code == "DeadlineExceeded" || containsFold(c.Error, "deadline exceeded") {
				timedOut = append(timedOut, c.Method)
				if first < 0 {
					first = i
				}
			}
		}
		if first < 0 {
			return
		}
		out = append(out, finding.Finding{
			Severity: finding.Error,
			Title:    fmt.Sprintf("%s to %s timed out", plural(len(timedOut), "call"), endpoint),
			Subject:  finding.Subject{Endpoint: endpoint},
			Explanation: fmt.Sprintf("These calls hit their deadline (\"context deadline exceeded\"): %s. A runtime that answers some calls and times out on others is usually stuck on one container (a hung shim, a frozen cgroup, a stuck mount).",
				strings.Join(uniq(timedOut), ", ")),
			Evidence:    []finding.Evidence{ev(facts.Ref{Path: path, Pointer: fmt.Sprintf("/%d", first)}, calls[first])},
			Remediation: []string{"Look for frozen or desynced containers among the other findings.", "Collect the daemon's goroutines with `rtsnap collect --active` to see where it waits."},
		})
	}
	for _, slug := range facts.SortedKeys(n.CRI) {
		ep := n.CRI[slug]
		var cs []struct{ Method, Code, Error string }
		for _, c := range ep.Calls {
			cs = append(cs, struct{ Method, Code, Error string }{c.Method, c.Code, c.Error})
		}
		report(ep.Endpoint(), ep.Dir+"/calls.json", cs)
	}
	for _, slug := range facts.SortedKeys(n.Containerd) {
		ep := n.Containerd[slug]
		var cs []struct{ Method, Code, Error string }
		for _, c := range ep.Calls {
			cs = append(cs, struct{ Method, Code, Error string }{c.Method, c.Code, c.Error})
		}
		report(ep.Endpoint()+" (containerd API)", ep.Dir+"/calls.json", cs)
	}
	return out
}

func unitsFailed(n *facts.Node) []finding.Finding {
	if n.Host.Units == nil {
		return nil
	}
	var out []finding.Finding
	for i, u := range n.Host.Units.Units {
		if u.LoadState == "not-found" {
			continue
		}
		failed := u.ActiveState == "failed" || (u.ActiveState != "active" && u.ActiveState != "inactive" && u.ActiveState != "")
		if !failed && u.NRestarts == 0 {
			continue
		}
		sev, what := finding.Warning, fmt.Sprintf("has restarted %d times since it was loaded", u.NRestarts)
		if failed {
			sev, what = finding.Error, fmt.Sprintf("is %s/%s (last exit status %d, %d restarts)", u.ActiveState, u.SubState, u.ExecMainStatus, u.NRestarts)
		}
		out = append(out, finding.Finding{
			Severity: sev, Title: fmt.Sprintf("%s %s", u.Name, strings.SplitN(what, " (", 2)[0]),
			Subject:     finding.Subject{Source: "host", File: u.Name},
			Explanation: fmt.Sprintf("systemd says %s %s. A runtime that restarts loses its in-memory state each time; containers started by the old instance depend on their shims surviving.", u.Name, what),
			Evidence:    []finding.Evidence{ev(facts.Ref{Path: "host/units.json", Pointer: fmt.Sprintf("/units/%d", i)}, u)},
			Remediation: []string{"Read the unit's journal around the restarts (journal/<unit>.jsonl, or `journalctl -u " + u.Name + "`)."},
		})
	}
	return out
}

func unitFor(kind string) string {
	switch kind {
	case "docker":
		return "docker"
	case "crio":
		return "crio"
	case "cri-dockerd":
		return "cri-docker"
	}
	return "containerd"
}

func kindName(kind string) string {
	if kind == "" {
		return "Runtime"
	}
	return kind
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
