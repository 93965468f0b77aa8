package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// Families 9 (disk), 10 (metadata DB) and 11 (leaks).
func storage() []Rule {
	return []Rule{
		{ID: "RT0901-disk-pressure", Family: 9, Title: "Runtime filesystem almost full",
			Reads: []string{"host/host.json#/disks"}, Check: diskPressure(false)},
		{ID: "RT0902-inode-pressure", Family: 9, Title: "Runtime filesystem almost out of inodes",
			Reads: []string{"host/host.json#/disks"}, Check: diskPressure(true)},
		{ID: "RT0903-no-space-left", Family: 9, Title: "\"no space left on device\" in logs",
			Reads: []string{"journal/*.jsonl", "journal/files/*.log"}, CheckWork: noSpaceLeft},
		{ID: "RT1001-metadb-check-failed", Family: 10, Title: "containerd metadata DB check failed",
			Reads: []string{"metadb/<pid>.json"}, Check: metadbFailed},
		{ID: "RT1002-metadb-invalid-logged", Family: 10, Title: "Runtime logged a corrupt metadata DB",
			Reads: []string{"journal/*.jsonl", "journal/files/*.log"}, CheckWork: metadbLogged},
		{ID: "RT1101-lease-holds-content", Family: 11, Title: "Leases without expiry holding content",
			Reads: []string{"containerd/<endpoint>/<ns>/leases.json"}, Check: leaseLeaks},
		{ID: "RT1102-unused-snapshots", Family: 11, Title: "Active snapshots no container uses",
			Reads: []string{"containerd/<endpoint>/<ns>/snapshots.json", "containerd/<endpoint>/<ns>/containers.json"}, Check: unusedSnapshots},
		{ID: "RT1103-stale-ingests", Family: 11, Title: "Content ingests left behind",
			Reads: []string{"containerd/<endpoint>/<ns>/content.json"}, Check: staleIngests},
		{ID: "RT1104-exited-containers-pile", Family: 11, Title: "Many exited containers",
			Reads: []string{"cri/<endpoint>/containers.json", "docker/containers.json"}, Check: exitedPile},
	}
}

// Disk thresholds, as kubelet's default hard eviction (imagefs.available<15%,
// nodefs.inodesFree<5%) would see them.
const (
	diskWarnPercent  = 85.0
	diskErrorPercent = 95.0
)

func diskPressure(inodes bool) func(*facts.Node) []finding.Finding {
	return func(n *facts.Node) []finding.Finding {
		if n.Host.Facts == nil {
			return nil
		}
		var out []finding.Finding
		for i, d := range n.Host.Facts.Disks {
			used, what := d.UsedPercent, "space"
			if inodes {
				used, what = d.InodesUsedP, "inodes"
			}
			if !d.Exists || used < diskWarnPercent || d.FSType == "tmpfs" && !inodes && strings.HasPrefix(d.Path, "/dev/shm") {
				continue
			}
			sev := finding.Warning
			if used >= diskErrorPercent {
				sev = finding.Error
			}
			out = append(out, finding.Finding{
				Severity: sev,
				Title:    fmt.Sprintf("%s is %.1f%% full (%s)", d.Path, used, what),
				Subject:  finding.Subject{File: d.Path},
				Explanation: fmt.Sprintf("%s (%s) has %.1f%% of its %s in use. Kubelet evicts pods and garbage-collects images under disk pressure; at 100%% pulls, unpacking, container creation and log writes fail with \"no space left on device\".",
					d.Path, orDash(d.FSType), used, what),
				Evidence:    []finding.Evidence{ev(facts.Ref{Path: "host/host.json", Pointer: fmt.Sprintf("/disks/%d", i)}, d)},
				Remediation: []string{"Free space: `crictl -r unix://" + nodeCRISocket(n) + " rmi --prune`, remove exited containers, rotate logs; look for leaked snapshots and ingests (RT11xx).", "Inodes run out with many small files: often container logs or a leaking application writing to its writable layer."},
			})
		}
		return out
	}
}

func runtimeLogs(p string) bool { return !strings.HasPrefix(p, "logs/") }

// chatter is a daemon line logged at info or debug level: the runtime's
// normal narration (e.g. "shim disconnected" on every container exit), not a failure.
func chatter(msg string) bool {
	return strings.Contains(msg, "level=info ") || strings.Contains(msg, "level=debug ")
}

func logSignature(n *facts.Node, w *Work, needles []string, sev finding.Severity, title, explain string, rem []string) []finding.Finding {
	return logSignatureExcept(n, w, needles, nil, sev, title, explain, rem)
}

// logSignatureExcept is logSignature without the lines holding one of
// except (lowercase): another cause that says the same words.
func logSignatureExcept(n *facts.Node, w *Work, needles, except []string, sev finding.Severity, title, explain string, rem []string) []finding.Finding {
	hits := w.scanLogs(n, runtimeLogs, func(r facts.LogRecord) bool {
		if chatter(r.Message) {
			return false
		}
		// A needle first: nearly every line has none, and then the
		// exceptions need no look.
		for _, s := range needles {
			if containsFold(r.Message, s) {
				for _, e := range except {
					if containsFold(r.Message, e) {
						return false
					}
				}
				return true
			}
		}
		return false
	}, nil)
	if len(hits) == 0 {
		return nil
	}
	return []finding.Finding{{
		Severity: sev, Title: fmt.Sprintf("%s (%s)", title, plural(len(hits), "line")),
		Explanation: explain + " First: " + finding.Cut(hits[0].Rec.Message, 300),
		Evidence:    hitsEvidence(lastHits(hits)),
		Seen:        seenOf(hits),
		Remediation: rem,
	}}
}

// notAFullDisk are the ENOSPC lines that name no filesystem: inotify's
// watch limit (RT1341) and cgroup writes and mkdirs (memory cgroup ids
// exhausted, RT1759; an empty cpuset), which the catalog names.
var notAFullDisk = []string{"inotify", "/sys/fs/cgroup"}

func noSpaceLeft(n *facts.Node, w *Work) []finding.Finding {
	return logSignatureExcept(n, w, []string{"no space left on device"}, notAFullDisk, finding.Error, "\"no space left on device\" in the runtime's logs",
		"A write by the runtime failed because a filesystem was full (or out of inodes): pulls, snapshot creation, container start or log writes fail.",
		[]string{"Find the filesystem (the path in the message) and free space or inodes; see RT0901/RT0902 for the runtime roots."})
}

func metadbFailed(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, p := range facts.SortedKeys(n.MetaDB) {
		c := n.MetaDB[p]
		if c.OK && len(c.Errors) == 0 {
			continue
		}
		out = append(out, finding.Finding{
			Severity: finding.Critical,
			Title:    fmt.Sprintf("containerd metadata DB %s fails its consistency check", c.Path),
			Subject:  finding.Subject{File: c.Path},
			Explanation: fmt.Sprintf("bbolt's check of a copy of meta.db (daemon pid %d) reported: %s. A corrupt meta.db makes containerd fail at start (\"database is not valid\") or lose containers, images and snapshots on the next write.",
				c.DaemonPID, finding.Cut(strings.Join(c.Errors, "; "), 400)),
			Evidence: []finding.Evidence{ev(facts.Ref{Path: p, Pointer: "/errors"}, c.Errors)},
			Remediation: []string{"Stop containerd and back up meta.db before anything else.",
				"`bbolt check` the backup; if it is corrupt, restore from a backup or move meta.db away and let containerd rebuild it (images must be pulled again; running containers must be recreated)."},
			References: []string{"https://github.com/etcd-io/bbolt#troubleshooting"},
		})
	}
	return out
}

func metadbLogged(n *facts.Node, w *Work) []finding.Finding {
	return logSignature(n, w, []string{"database is not valid", "invalid database", "meta.db: invalid", "bolt: page"}, finding.Critical,
		"The runtime logged an invalid metadata database",
		"containerd could not open or read its bolt database.",
		[]string{"Back up <root>/io.containerd.metadata.v1.bolt/meta.db, check it with `bbolt check`, restore or rebuild it (see RT1001)."})
}

// gcExpire is the lease label that lets containerd's GC remove a lease.
const gcExpire = "containerd.io/gc.expire"

func leaseLeaks(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	forNamespaces(n, func(ep *facts.ContainerdEndpoint, ns *facts.ContainerdNS) {
		var evs []finding.Evidence
		held := 0
		for i, l := range ns.Leases {
			if _, ok := l.Labels[gcExpire]; ok || len(l.Resources) == 0 {
				continue
			}
			held++
			if len(evs) < maxEvidence {
				evs = append(evs, ev(facts.Ref{Path: ep.Dir + "/" + ns.Name + "/leases.json", Pointer: fmt.Sprintf("/%d", i)}, l))
			}
		}
		if held == 0 {
			return
		}
		out = append(out, finding.Finding{
			Severity: finding.Warning,
			Title:    fmt.Sprintf("%s without expiry hold content in %s", plural(held, "lease"), ns.Name),
			Subject:  finding.Subject{Endpoint: ep.Endpoint(), Namespace: ns.Name},
			Explanation: "A lease protects its resources (content, snapshots, ingests) from garbage collection until it is deleted or expires. " +
				"These have no " + gcExpire + " label, so whatever they hold is kept forever if the client that made them (an interrupted pull or build) never deletes them.",
			Evidence:    evs,
			Remediation: []string{"List them with `" + ctrCmd(ep, ns.Name) + " leases ls`; delete leases no running operation owns (`" + ctrCmd(ep, ns.Name) + " leases rm ID`) and let GC reclaim the space."},
		})
	})
	return out
}

func forNamespaces(n *facts.Node, fn func(*facts.ContainerdEndpoint, *facts.ContainerdNS)) {
	for _, slug := range facts.SortedKeys(n.Containerd) {
		ep := n.Containerd[slug]
		for _, name := range facts.SortedKeys(ep.Namespaces) {
			fn(ep, ep.Namespaces[name])
		}
	}
}

func unusedSnapshots(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	forNamespaces(n, func(ep *facts.ContainerdEndpoint, ns *facts.ContainerdNS) {
		if ns.Snapshots == nil || ns.Snapshots.Truncated || ns.Containers == nil {
			return
		}
		used := map[string]bool{}
		for _, c := range ns.Containers {
			used[c.SnapshotKey] = true
		}
		var evs []finding.Evidence
		count := 0
		for i, s := range ns.Snapshots.Snapshots {
			if s.Kind != "active" || used[s.Key] {
				continue
			}
			count++
			if len(evs) < maxEvidence {
				evs = append(evs, ev(facts.Ref{Path: ep.Dir + "/" + ns.Name + "/snapshots.json", Pointer: fmt.Sprintf("/snapshots/%d", i)}, s))
			}
		}
		if count == 0 {
			return
		}
		out = append(out, finding.Finding{
			Severity: finding.Warning,
			Title:    fmt.Sprintf("%s no container uses in %s", plural(count, "active snapshot"), ns.Name),
			Subject:  finding.Subject{Endpoint: ep.Endpoint(), Namespace: ns.Name},
			Explanation: "Active (writable) snapshots belong to containers or to unpacks in progress. These match no container's snapshot key: leftovers of deleted containers or interrupted unpacks (keys starting with extract-) that hold disk space. " +
				"(An unpack running during the collection also shows here.)",
			Evidence:    evs,
			Remediation: []string{"Check with `" + ctrCmd(ep, ns.Name) + " snapshots ls`; remove snapshots nothing uses (`" + ctrCmd(ep, ns.Name) + " snapshots rm <key>`) once no pull is running."},
		})
	})
	return out
}

// ingestStale is how old an unfinished ingest must be to count as left behind.
const ingestStale = time.Hour

func staleIngests(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	at := n.Manifest.StartedAt
	forNamespaces(n, func(ep *facts.ContainerdEndpoint, ns *facts.ContainerdNS) {
		if ns.Content == nil {
			return
		}
		var evs []finding.Evidence
		count := 0
		for i, in := range ns.Content.Ingests {
			if !at.IsZero() && !in.UpdatedAt.IsZero() && at.Sub(in.UpdatedAt) < ingestStale {
				continue
			}
			count++
			if len(evs) < maxEvidence {
				evs = append(evs, ev(facts.Ref{Path: ep.Dir + "/" + ns.Name + "/content.json", Pointer: fmt.Sprintf("/ingests/%d", i)}, in))
			}
		}
		if count == 0 {
			return
		}
		out = append(out, finding.Finding{
			Severity:    finding.Warning,
			Title:       fmt.Sprintf("%s left behind in %s", plural(count, "ingest"), ns.Name),
			Subject:     finding.Subject{Endpoint: ep.Endpoint(), Namespace: ns.Name},
			Explanation: "Ingests are partial downloads; these were not updated for over an hour. They hold disk space in <root>/io.containerd.content.v1.content/ingest and can make a later pull of the same blob wait on a stale lock (\"ref ... locked\").",
			Evidence:    evs,
			Remediation: []string{"Remove them with `" + ctrCmd(ep, ns.Name) + " content active` / `" + ctrCmd(ep, ns.Name) + " content rm`, or by deleting the ingest directories while no pull runs."},
		})
	})
	return out
}

// exitedPileMin is how many exited containers on one runtime make a pile.
const exitedPileMin = 50

func exitedPile(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, slug := range facts.SortedKeys(n.CRI) {
		ep := n.CRI[slug]
		if ep.Containers == nil {
			continue
		}
		exited := 0
		for _, c := range ep.Containers.Containers {
			if c != nil && c.Container != nil && c.Container.State == 2 { // CONTAINER_EXITED
				exited++
			}
		}
		if exited >= exitedPileMin {
			out = append(out, pileFinding(ep.Endpoint(), exited, facts.Ref{Path: ep.Dir + "/containers.json", Pointer: "/containers"}, "kubelet's container GC (--maximum-dead-containers, per-pod limits) is not removing them, or pods crash faster than it runs"))
		}
	}
	if n.Docker != nil {
		exited := 0
		for _, c := range n.Docker.Containers {
			if s, _ := c["State"].(string); s == "exited" || s == "dead" {
				exited++
			}
		}
		if exited >= exitedPileMin {
			out = append(out, pileFinding("docker", exited, facts.Ref{Path: "docker/containers.json"}, "nothing removes stopped containers (no --rm, no `docker container prune`)"))
		}
	}
	return out
}

func pileFinding(ep string, count int, r facts.Ref, why string) finding.Finding {
	return finding.Finding{
		Severity: finding.Warning, Title: fmt.Sprintf("%d exited containers on %s", count, ep),
		Subject:     finding.Subject{Endpoint: ep},
		Explanation: fmt.Sprintf("%d exited containers keep their snapshots, logs and metadata: %s. They slow every list call and hold disk space.", count, why),
		Evidence:    []finding.Evidence{{Path: r.Path, Pointer: r.Pointer, Excerpt: fmt.Sprintf("%d containers in state exited", count)}},
		Remediation: []string{"Remove them (`crictl -r unix://" + sockPath(ep, "/run/containerd/containerd.sock") + " rm $(crictl -r unix://" + sockPath(ep, "/run/containerd/containerd.sock") + " ps -a -q --state exited)`, `docker container prune`) and fix what creates them."},
	}
}
