package rules

import (
	"regexp"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// signature maps a runtime log message to its cause and fix (family 13).
type signature struct {
	ID, Title, Cause string
	Match            *regexp.Regexp
	Severity         finding.Severity
	Fix              []string
}

var signatures = []signature{
	{ID: "RT1301-oci-runtime-create-failed", Title: "OCI runtime create failed", Severity: finding.Error,
		Match: regexp.MustCompile(`(?i)OCI runtime (create|start|exec) failed`),
		Cause: "runc refused to create or start a container; the text after \"runc create failed:\" is its reason (exec format error, no such file or directory, permission denied, cgroup or mount errors).",
		Fix:   []string{"Read the sub-reason in the excerpt: a missing entrypoint or wrong architecture is the image's; mount, cgroup and seccomp errors are the node's or the pod spec's."}},
	{ID: "RT1302-shim-task-create-failed", Title: "failed to create shim task", Severity: finding.Error,
		Match: regexp.MustCompile(`(?i)failed to create shim task|failed to start shim`),
		Cause: "containerd could not start the shim or the shim could not create the task: usually the OCI runtime's error follows in the same message.",
		Fix:   []string{"Check that the runtime binary (runc) in the runtime's options exists and runs; read the OCI error in the message."}},
	{ID: "RT1303-shim-exited", Title: "shim exited unexpectedly", Severity: finding.Error,
		Match: regexp.MustCompile(`(?i)shim exited unexpectedly|failed to connect to shim|shim.*unexpected (EOF|exit)|shim (was )?killed`),
		Cause: "A container's shim died (OOM-killed, crashed, or killed by hand). Its containers lose their manager: CRI may keep them RUNNING (see RT0201).",
		Fix:   []string{"Look for OOM kills of containerd-shim in the kernel log; restarting the pod recreates the shim."}},
	{ID: "RT1304-cgroup-mountpoint-missing", Title: "cgroup mountpoint does not exist", Severity: finding.Error,
		Match: regexp.MustCompile(`(?i)cgroups?: cgroup mountpoint does not exist|cgroup mountpoint does not exist`),
		Cause: "runc looked for a cgroup v1 hierarchy that is not mounted (a v2-only host with an old runc, or a missing name=systemd hierarchy).",
		Fix:   []string{"Upgrade runc/containerd to versions that support the host's cgroup layout, or mount the missing hierarchy."}},
	{ID: "RT1305-pull-error", Title: "image pull error", Severity: finding.Warning,
		Match: regexp.MustCompile(`(?i)failed to pull|unauthorized|x509:|i/o timeout|no such host|failed to resolve reference`),
		Cause: "The runtime could not fetch an image: authentication, TLS, DNS, network or a missing tag (RT0402 groups them per image with the class).",
		Fix:   []string{"See RT0402 for the image and its error class."}},
	{ID: "RT1306-extract-failed", Title: "layer extraction failed", Severity: finding.Error,
		Match: regexp.MustCompile(`(?i)failed to extract layer|failed to (apply|unpack) layer|invalid checksum|unexpected EOF.*layer|digest mismatch`),
		Cause: "A downloaded layer did not unpack: a corrupt or truncated download, a full disk, or a mismatched digest from a broken mirror.",
		Fix:   []string{"Remove the image (`crictl rmi`) and its stale ingests, check disk space, and pull again; check the mirror if it repeats."}},
	{ID: "RT1307-overlay-invalid-argument", Title: "overlay mount: invalid argument", Severity: finding.Error,
		Match: regexp.MustCompile(`(?i)overlay.*invalid argument|mount source: "overlay".*invalid argument`),
		Cause: "The kernel refused an overlayfs mount: too many lower layers for the mount option size, an unsupported backing filesystem (xfs without d_type), or leftover index/workdir state.",
		Fix:   []string{"Check the backing filesystem (xfs needs ftype=1), the kernel's overlay module, and the layer count of the image."}},
	{ID: "RT1308-snapshot-create-failed", Title: "failed to create snapshot", Severity: finding.Error,
		Match: regexp.MustCompile(`(?i)failed to (create|prepare) (extraction )?snapshot|snapshot .* already exists|failed to stat parent`),
		Cause: "The snapshotter could not prepare a container's filesystem: a missing parent (a deleted or corrupt image), a leftover key, or a full disk.",
		Fix:   []string{"Remove and re-pull the image; look for unused snapshots (RT1102) and disk pressure (RT0901)."}},
	{ID: "RT1309-cni-not-initialized", Title: "cni plugin not initialized", Severity: finding.Error,
		Match: regexp.MustCompile(`(?i)cni plugin not initialized|network plugin is not ready|NetworkPluginNotReady|no networks found in`),
		Cause: "The runtime found no usable CNI configuration: pods stay ContainerCreating and the node NotReady until the CNI plugin (its daemonset) writes its config.",
		Fix:   []string{"Check the CNI conf dir (configs/) and bin dir (configs/cni-plugins.json), and that the CNI daemonset runs on the node."}},
}

func logSignatures() []Rule {
	var out []Rule
	for _, s := range signatures {
		s := s
		out = append(out, Rule{ID: s.ID, Family: 13, Title: "Log signature: " + s.Title,
			Reads: []string{"journal/*.jsonl", "journal/files/*.log"},
			Check: func(n *facts.Node) []finding.Finding {
				hits := scanLogs(n, func(p string, r facts.LogRecord) bool {
					return runtimeLogs(p) && !chatter(r.Message) && s.Match.MatchString(r.Message)
				})
				if len(hits) == 0 {
					return nil
				}
				return []finding.Finding{{
					Severity: s.Severity, Title: "\"" + s.Title + "\" in the runtime's logs (" + plural(len(hits), "line") + ")",
					Subject:     finding.Subject{Source: "journal"},
					Explanation: s.Cause + " Latest: " + finding.Cut(hits[len(hits)-1].Rec.Message, 300),
					Evidence:    hitsEvidence(lastHits(hits)),
					Count:       len(hits), LastSeen: lastSeen(hits),
					Remediation: s.Fix,
				}}
			}})
	}
	return out
}
