package rules

import (
	"fmt"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/catalog"
)

// ruleDoc is what docs/rules.md says about a rule beyond its id, title and reads.
type ruleDoc struct{ When, Do string }

// ruleDocs documents every rule; TestRulesDoc fails when one is missing or
// docs/rules.md is out of step (`go test ./analyze/rules -run RulesDoc -update` rewrites it).
var ruleDocs = map[string]ruleDoc{
	"RT0101-endpoint-unreachable":       {"a discovered socket exists but the connection is refused or times out (gRPC Unavailable/DeadlineExceeded; Unimplemented means alive and is ignored). A hung daemon shows as \"context deadline exceeded\"", "check the daemon process and unit, collect goroutines with --active before restarting a hung daemon"},
	"RT0102-endpoint-missing":           {"an endpoint named by a flag, crictl or kubelet has no socket at its path", "start the runtime or fix the endpoint in kubelet and crictl"},
	"RT0103-runtime-calls-timed-out":    {"CRI or containerd calls in calls.json ended in DeadlineExceeded", "look for the stuck container (frozen, desynced); goroutine dump"},
	"RT0104-unit-failed-or-restarting":  {"a runtime unit is failed/activating or NRestarts > 0", "read the unit's journal around the restarts"},
	"RT0201-running-but-init-gone":      {"CRI says RUNNING/READY (or containerd RUNNING for non-CRI) while runc's init is gone, a zombie or a reused pid, the task is UNKNOWN/STOPPED, or there is no task. Adds the containerd #10589/#10827 advisory when the daemon predates 1.6.36/1.7.22/2.0.0", "delete the pod through kubelet, crictl stopp/rmp if it stays; find why the shim died; upgrade containerd"},
	"RT0202-container-task-unreachable": {"a container's task Get answered something other than NotFound (the shim does not answer) and CRI does not call it running", "check the shim process; kill a hung shim after collecting its goroutines"},
	"RT0203-orphaned-shim":              {"host/processes.json marks a shim as orphaned (its parent is not a runtime daemon)", "match its container id against containerd's tasks; stop it if nobody owns it"},
	"RT0301-frozen-while-running":       {"freezer.state FROZEN (v1) or cgroup.events frozen 1 (v2) while the runtime does not consider the container paused", "find who froze it, then thaw the cgroup"},
	"RT0302-container-paused":           {"the cgroup is frozen and containerd's task is PAUSED: paused on purpose through the runtime", "resume it if the pause was not intended"},
	"RT0303-freeze-stuck":               {"freezer.state FREEZING, or cgroup.freeze 1 without frozen 1: a task in D state blocks the freeze", "find the D-state process and the mount it waits on; thaw"},
	"RT0401-crashloop":                  {"a pod container has exited attempts with non-zero exit codes and was restarted (attempt > 0): kubelet's CrashLoopBackOff, with exit codes, attempts and OOMKilled", "read the previous attempt's log; interpret the exit code"},
	"RT0402-image-pull-failed":          {"the runtime's logs (journal, daemon log files; not container output) hold failed pulls; grouped per image with the error class auth, tls, dns, timeout, not-found, network-unreachable, disk-full. A pull whose log records a failure-catalog class (family 13) names is reported once, by that class, which takes this rule's evidence and crictl pull command", "fix per class (credentials, CA, DNS, proxy, reference); reproduce with crictl pull"},
	"RT0403-sandbox-not-ready":          {"a pod's only sandbox is SANDBOX_NOTREADY (ContainerCreating)", "look for RunPodSandbox and CNI errors; recreate the pod"},
	"RT0404-network-not-ready":          {"CRI status has NetworkReady=false (error) or RuntimeReady=false (critical)", "install/repair the CNI config and plugins"},
	"RT0405-container-create-error":     {"a CRI container's reason is CreateContainerError, RunContainerError, StartError, ContainerCannotRun, or it exited 128", "fix the pod spec or node per the OCI runtime's message"},
	"RT0406-pod-status":                 {"a pod's status rebuilt from CRI state and the kubelet's sync errors (analyze/podstatus, kubectl's printPod) is not Running or Completed", "see the related finding for the cause; `kubectl describe pod`"},
	"RT0407-exited-not-restarted":       {"a CRI container exited non-zero, is the only attempt of its pod container (attempt 0) and nothing of it runs: kubelet did not restart it (restartPolicy Never/OnFailure, a Job, a container made outside kubelet); quotes the exit code, reason and the last lines of its log", "read its output; check restartPolicy and the Job's backoffLimit"},
	"RT0501-cgroup-driver-mismatch":     {"a kubelet's cgroupDriver (each kubelet of the host, named) differs from its own runtime's: containerd's SystemdCgroup (config dump), the runtime's RuntimeConfig or CRI config, or the Docker behind its cri-dockerd", "use the same driver on both sides (systemd on systemd hosts)"},
	"RT0502-cgroup-v1-deprecated":       {"containerd reports the cgroup-v1 deprecation in server.json, or a 2.x daemon runs on a v1/hybrid host", "move the host to cgroup v2"},
	"RT0503-pids-limit-reached":         {"a container's pids.events counts refused forks (max > 0; v1 and v2), or pids.current has reached a numeric pids.max", "find the fork or thread leak; raise podPidsLimit if the limit is too low"},
	"RT0601-sandbox-image-mismatch":     {"kubelet's --pod-infra-container-image differs from the runtime's sandbox image (sandbox_image / pinned_images.sandbox)", "set both to the same image"},
	"RT0602-sandbox-image-missing":      {"the runtime's sandbox image is not among its CRI images", "pull or import it and pin it"},
	"RT0701-registry-inline-config":     {"the CRI registry table in the effective config has mirrors, configs or auths", "move them to certs.d/<host>/hosts.toml under config_path; credentials to pull secrets"},
	"RT0702-registry-mirrors-ignored":   {"inline mirrors exist while config_path is set (they are ignored); names hosts without a hosts.toml", "write hosts.toml per mirror and delete the inline table"},
	"RT0703-registry-skip-verify":       {"a hosts.toml has skip_verify = true, or an inline config has tls.insecure_skip_verify", "install the registry CA instead"},
	"RT0801-kubelet-endpoint-missing":   {"a kubelet's runtime endpoint (each kubelet, named) is not discovered, does not exist, or does not answer", "point kubelet at the runtime's real socket or start the runtime"},
	"RT0802-kubelet-endpoint-not-cri":   {"a kubelet's endpoint is docker.sock or answers Unimplemented for CRI", "use cri-dockerd's socket or containerd"},
	"RT0804-kubelet-not-running":        {"the kubelet source found a kubelet's unit, flags or config file but no kubelet process; quotes the kubelet's last journal lines", "read why it exited (`journalctl -u kubelet`), fix it, restart kubelet"},
	"RT0803-socket-permissions":         {"a discovered socket lacks owner read/write, is not owned by root, or is not a socket", "let the runtime recreate its socket; find what changed it"},
	"RT0901-disk-pressure":              {"a runtime filesystem in host.json is ≥ 85 % full (≥ 95 %: error)", "prune images and exited containers, rotate logs, look for leaks"},
	"RT0902-inode-pressure":             {"inode use ≥ 85 % (≥ 95 %: error)", "find the many small files (logs, writable layers)"},
	"RT0903-no-space-left":              {"a runtime log line (not info/debug chatter) says \"no space left on device\"", "free space or inodes on the filesystem named"},
	"RT1001-metadb-check-failed":        {"metadb/<pid>.json has ok=false or errors from bbolt's check (or the checker's crash)", "stop containerd, back up meta.db, check, restore or rebuild"},
	"RT1002-metadb-invalid-logged":      {"a runtime log says \"database is not valid\" or similar", "as RT1001"},
	"RT1101-lease-holds-content":        {"a lease without containerd.io/gc.expire holds resources", "delete leases no operation owns"},
	"RT1102-unused-snapshots":           {"an active snapshot matches no container's snapshot key (snapshot list not truncated)", "remove unused snapshots when no pull runs"},
	"RT1103-stale-ingests":              {"a content ingest was not updated for over an hour before the collection", "remove the stale ingests"},
	"RT1104-exited-containers-pile":     {"≥ 50 exited containers on one CRI endpoint or in Docker", "prune them; fix the GC or what creates them"},
	"RT1201-container-oom-killed":       {"a container's cgroup has oom_kill > 0 or under_oom, or CRI says OOMKilled", "raise the limit or lower usage"},
	"RT1202-kernel-oom-kill":            {"journal/kernel-oom.jsonl (or any journal file) has \"Killed process\" / \"out of memory\"", "match pids to containers; reserve system memory"},
	"RT1300-log-catalog":                {"a daemon, kubelet or kernel log record (journal, daemon log files; not container output) lands in a class of the failure catalog (below): one finding per class with first/last time and count, current when the bundle's state shows the cause, resolved history (info) when the state contradicts it, else recent or history at warning at most. The patterns' work is paid from the log readers' shared budget (logwork.DefaultUnits; see RT1512): a bundle over it (records packed with many classes' signatures: crafted) gets the warning RT1300-log-catalog-stopped, naming the record where classification stopped and how many were left", "the class's fix steps, with this node's sockets"},
	"RT1401-vulnerable-version":         {"a containerd (server.json), runc (host/versions.json) or Docker (docker/version.json) version is before the fixed version of its branch in analyze/rules/data/advisories.json. When host/packages.json has the distribution package that ships it, the package revision decides: one at or after the first revision the table lists for that distribution release (os-release ID or ID_LIKE, VERSION_ID or its major; compared in dpkg's or rpm's order as host/packages.json's manager says; Debian 12's containerd 1.6.20~ds1-1+deb12u2 for CVE-2024-40635, docker.io 20.10.24+dfsg1-1+deb12u1 for CVE-2024-41110, runc 1.1.5+ds1-1+deb12u1 for CVE-2024-21626; Ubuntu's runc 1.1.7-0ubuntu1~22.04.2, Amazon Linux 2023's runc-1.1.11-1.amzn2023.0.1, RHEL 9's runc-4:1.1.12-1.el9_3) is not reported, an older one is at the advisory's severity; a distribution build the table does not know (or a distribution-looking version without a package record) is reported at warning at most", "upgrade to the fixed version or a distribution build with the fix"},
	"RT1501-source-timed-out":           {"a source's status is timeout", "collect again with a longer deadline; a hung runtime looks like this"},
	"RT1502-source-failed":              {"a source's status is error", "read the reason"},
	"RT1503-source-partial":             {"a source's status is partial (an endpoint failed, or --max-containers cut the list)", "read the reason; raise --max-containers"},
	"RT1504-source-skipped":             {"a source's status is skipped (the component is absent)", "nothing, unless the component should be there"},
	"RT1505-bundle-truncated":           {"the archive hit its size budget", "collect with a larger --max-size or fewer sources"},
	"RT1506-files-truncated":            {"files were cut at their limit", "narrow --since or raise limits"},
	"RT1507-unreadable-file":            {"a parser could not read a file (bad JSON, over limits, schema drift)", "check the collector and analyzer versions"},
	"RT1508-unredacted-bundle":          {"the bundle was collected without redaction", "handle it as secret"},
	"RT1509-redaction-report-missing":   {"redaction-report.json is absent", "collect again with a current collector"},
	"RT1510-source-deselected":          {"a source did not run because of --skip/--only", "collect again with it if its data matters"},
	"RT1511-over-analyzer-limits":       {"the analyzer's memory limit left files or log records out of this analysis", "analyze again with a larger --memory-limit on a machine that has it"},
	"RT1512-log-work-stopped":           {"the rules that read log records (RT0402, RT0403 and RT0406 through the pod verdicts, RT0804, RT0903, RT1002, RT1202, RT1300) share one work budget per bundle (logwork.DefaultUnits, in units of one byte read by a regexp, each rule charged before it reads, in rule id order, so the same bundle always gets the same findings); a rule other than the catalog that the spent budget refused is named here with the record it stopped at and how many records it did not read (the catalog reports its own stop: RT1300-log-catalog-stopped). A bundle from rtsnap collect stays far below the budget; records packed with what every rule looks for (crafted) are what spends it", "read the records not read by hand (rtsnap-analyze show); report the manifest if the bundle came from rtsnap collect"},
}

// Markdown renders docs/rules.md from the registry and ruleDocs.
func Markdown(r *Registry) string {
	var b strings.Builder
	b.WriteString("# rtsnap-analyze rules\n\n")
	b.WriteString("Generated from the rule registry (`analyze/rules`) by `go test ./analyze/rules -run RulesDoc -update`; a test fails when this file is out of step.\n")
	b.WriteString("Each finding carries its evidence (bundle path plus JSON pointer or line range, with an excerpt), remediation steps and references; see [analyzer.md](analyzer.md) for the finding model.\n")
	b.WriteString("Version advisories live in `analyze/rules/data/advisories.json` (advisory id, component, fixed version per branch, and the first distribution package revision that carries each fix, compared with the package manager's record in host/packages.json).\n")
	family := -1
	for _, rule := range r.Rules() {
		if rule.Family != family {
			family = rule.Family
			fmt.Fprintf(&b, "\n## Family %d: %s\n\n| id | title | reads | fires when | what to do |\n|---|---|---|---|---|\n", family, familyNames[family])
		}
		d := ruleDocs[rule.ID]
		reads := make([]string, len(rule.Reads))
		for i, p := range rule.Reads {
			reads[i] = "`" + p + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", rule.ID, cell(rule.Title), strings.Join(reads, "<br>"), cell(d.When), cell(d.Do))
	}
	if cat, err := catalog.Load(); err == nil {
		b.WriteString(cat.Markdown())
	}
	return b.String()
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

var familyNames = map[int]string{
	1: "runtime down or unreachable", 2: "state desync", 3: "frozen or paused", 4: "pod status as kubelet names it",
	5: "cgroups", 6: "sandbox image", 7: "registry configuration", 8: "endpoints", 9: "disk and inodes",
	10: "metadata DB", 11: "leaks", 12: "OOM kills", 13: "log signatures", 14: "vulnerable versions", 15: "collection health",
}

// Documented says whether docs/rules.md has what-fires and what-to-do text for id.
func Documented(id string) bool {
	d, ok := ruleDocs[id]
	return ok && d.When != "" && d.Do != ""
}
