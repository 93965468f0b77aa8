package facts

import (
	"fmt"
	"unicode/utf8"

	"github.com/rtsnap/rtsnap/bundle"
)

// MaxManifestText bounds each text field of the manifest the analyzer keeps
// and shows (note, case id, host names, source reasons, command line and
// option values): the reader allows a 64 MiB manifest, and a 60 MB note
// was written whole into inspect --json and the HTML report.
const MaxManifestText = 4 << 10

// MaxManifestList bounds the command line and the options kept.
const MaxManifestList = 1000

// boundManifestText cuts the manifest's text fields at MaxManifestText
// bytes (on a rune boundary, marked) and its lists at MaxManifestList,
// recording each cut. Linear in the manifest.
func (n *Node) boundManifestText() {
	m := n.Manifest
	field := func(name string, s *string) {
		if len(*s) <= MaxManifestText {
			return
		}
		total := len(*s)
		i := MaxManifestText
		for i > 0 && !utf8.RuneStart((*s)[i]) {
			i--
		}
		*s = (*s)[:i] + "…" // a new string: the long one's memory is freed
		n.cut(bundle.ManifestPath, name, fmt.Sprintf("%d bytes: the first %d are kept", total, i))
	}
	for name, s := range map[string]*string{"note": &m.Note, "case_id": &m.CaseID, "operator": &m.Operator,
		"truncated_reason": &m.TruncatedReason, "interrupted_reason": &m.InterruptedReason,
		"host.hostname": &m.Host.Hostname, "host.boot_id": &m.Host.BootID, "host.kernel": &m.Host.Kernel,
		"host.cgroup_mode": &m.Host.CgroupMode, "host.machine_id_sha256": &m.Host.MachineIDSHA256,
		"collector.name": &m.Collector.Name, "collector.version": &m.Collector.Version,
		"collector.commit": &m.Collector.Commit, "collector.go_version": &m.Collector.GoVersion,
		"redaction.rule_set_version": &m.Redaction.RuleSetVersion} {
		field(name, s)
	}
	if len(m.CommandLine) > MaxManifestList {
		n.cut(bundle.ManifestPath, "command_line", fmt.Sprintf("%d arguments: the first %d are kept", len(m.CommandLine), MaxManifestList))
		m.CommandLine = m.CommandLine[:MaxManifestList]
	}
	for i := range m.CommandLine {
		field(fmt.Sprintf("command_line[%d]", i), &m.CommandLine[i])
	}
	if len(m.Options) > MaxManifestList {
		n.cut(bundle.ManifestPath, "options", fmt.Sprintf("%d options: %d are kept", len(m.Options), MaxManifestList))
		kept := 0
		for k := range m.Options {
			if kept >= MaxManifestList {
				delete(m.Options, k)
				continue
			}
			kept++
		}
	}
	for k, v := range m.Options {
		if len(k) > MaxManifestText || len(v) > MaxManifestText {
			delete(m.Options, k)
			ks, vs := k, v
			field("options key", &ks)
			field("options["+ks+"]", &vs)
			m.Options[ks] = vs
		}
	}
	for i := range m.Sources {
		s := &m.Sources[i]
		field(fmt.Sprintf("sources[%d].name", i), &s.Name)
		field(fmt.Sprintf("sources[%d].status", i), &s.Status)
		field(fmt.Sprintf("sources[%d].reason", i), &s.Reason)
	}
	for i := range m.ActiveActions {
		field(fmt.Sprintf("active_actions[%d]", i), &m.ActiveActions[i])
	}
}
