// Package journal is the "journal" source: journal entries of the runtime
// units (containerd, docker, cri-docker, crio, kubelet) and kernel OOM
// messages within --since, as JSON lines, read from the journal files by
// jfile, a pure-Go reader (so the collector needs neither cgo nor
// libsystemd), else by go-systemd's sdjournal when built with the sdjournal
// tag, else by the journalctl binary; plus the tail of daemon log files for
// daemons that do not log to the journal.
package journal

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	schema "github.com/rtsnap/rtsnap/internal/schema/journal"
	"github.com/rtsnap/rtsnap/redact"
)

// Units are the journal streams collected: the file name and how entries are
// matched. Daemons started outside systemd (or entries forwarded from
// elsewhere) carry no unit, so identifier and command name match too.
var Units = []Unit{
	{Name: "containerd", Matches: []string{"_SYSTEMD_UNIT=containerd.service", "SYSLOG_IDENTIFIER=containerd", "_COMM=containerd"}},
	{Name: "docker", Matches: []string{"_SYSTEMD_UNIT=docker.service", "SYSLOG_IDENTIFIER=dockerd", "_COMM=dockerd"}},
	{Name: "cri-docker", Matches: []string{"_SYSTEMD_UNIT=cri-docker.service", "SYSLOG_IDENTIFIER=cri-dockerd", "_COMM=cri-dockerd"}},
	{Name: "crio", Matches: []string{"_SYSTEMD_UNIT=crio.service", "SYSLOG_IDENTIFIER=crio", "_COMM=crio"}},
	{Name: "kubelet", Matches: []string{"_SYSTEMD_UNIT=kubelet.service", "SYSLOG_IDENTIFIER=kubelet", "_COMM=kubelet"}},
	{Name: "kernel-oom", Matches: []string{"_TRANSPORT=kernel", "SYSLOG_IDENTIFIER=kernel"}, Filter: isOOM},
}

// Unit is one journal stream.
type Unit struct {
	Name    string
	Matches []string // OR-ed
	Filter  func(message string) bool
}

func isOOM(m string) bool {
	l := strings.ToLower(m)
	return strings.Contains(l, "out of memory") || strings.Contains(l, "oom-kill") || strings.Contains(l, "oom_reaper") || strings.Contains(l, "killed process")
}

// systemJournalDirs are where journald keeps the system journal.
var systemJournalDirs = []string{"/var/log/journal", "/run/log/journal"}

// Source collects journals.
type Source struct {
	// ForceJournalctl skips the file readers (tests use it to exercise the fallback).
	ForceJournalctl bool
}

// New returns the journal source.
func New() collect.Source { return &Source{} }

func (*Source) Name() string { return "journal" }
func (*Source) Description() string {
	return "journal entries of containerd, docker, cri-docker, crio, kubelet and kernel OOM kills within --since; daemon log files"
}
func (*Source) DefaultEnabled() bool { return true }
func (*Source) Budget() int64        { return 24 << 20 }

// journalTarget is one journal to read: dir "" means the system journal,
// whose directories (resolved under --host-root) are systemDirs; root is
// --host-root for journalctl ("" on the host itself).
type journalTarget struct {
	dir, label string
	systemDirs []string
	root       string
}

func (s *Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	since := env.Now.Add(-env.Since)
	meta := Meta{Since: since, Streams: map[string]*Stream{}}
	targets := journalTargets(env)
	results := map[string]*streamResult{}
	methods := map[string]bool{}
	read := 0
	for _, t := range targets {
		meta.Journals = append(meta.Journals, t.label)
		res, r := s.read(ctx, t, since)
		if r.Error != "" {
			r.Error = env.Redactor.String(r.Error)
			meta.Errors = append(meta.Errors, r.Error)
			out.Partial("journal " + r.Journal + ": " + r.Error)
		}
		if r.Method != "none" {
			methods[r.Method] = true
			read++
		}
		meta.Readers = append(meta.Readers, r)
		merge(results, res)
	}
	meta.Method = methodName(methods)
	for _, u := range Units {
		st, data := encodeStream(results[u.Name])
		if st == nil {
			continue
		}
		meta.Streams[u.Name] = st
		if err := out.WriteFile(u.Name+".jsonl", redact.JSONLines, data); err != nil {
			if errors.Is(err, collect.ErrBudget) {
				st.Truncated = true
				break
			}
			return err
		}
	}
	if ctx.Err() == nil {
		meta.Files = daemonLogs(ctx, env, out)
	}
	if err := out.WriteJSON("meta.json", meta); err != nil {
		return err
	}
	if read == 0 && len(meta.Files) == 0 {
		out.Skip("not present: no journald journal readable (looked for " + strings.Join(systemJournalDirs, ", ") +
			" and --journal-dir; the file reader, sdjournal and journalctl) and no daemon log files")
	}
	return ctx.Err()
}

// read reads one journal with the first reader that opens it: the pure-Go
// file reader, sdjournal (when built in), journalctl.
func (s *Source) read(ctx context.Context, t journalTarget, since time.Time) (map[string]*streamResult, Reader) {
	r := Reader{Journal: t.label}
	var errs []string
	readers := []struct {
		name string
		read func(context.Context, journalTarget, time.Time) (map[string]*streamResult, error)
	}{{"native", readNative}}
	if sdjournalBuilt && t.root == "" {
		readers = append(readers, struct {
			name string
			read func(context.Context, journalTarget, time.Time) (map[string]*streamResult, error)
		}{"sdjournal", readSDJournal})
	}
	for _, rd := range readers {
		if s.ForceJournalctl {
			break
		}
		res, err := rd.read(ctx, t, since)
		if err == nil || !errors.Is(err, errOpen) {
			r.Method = rd.name
			if err != nil {
				r.Error = err.Error()
			}
			return res, r
		}
		errs = append(errs, err.Error())
	}
	r.Method = "journalctl"
	res, err := readJournalctl(ctx, t, since)
	if errors.Is(err, errNoJournalctl) {
		r.Method = "none"
	}
	if err != nil {
		errs = append(errs, err.Error())
	}
	r.Error = strings.Join(errs, "; ")
	return res, r
}

// journalTargets are the system journal (when journald keeps one here) and
// every --journal-dir (a host path, resolved under --host-root too).
func journalTargets(env *collect.Env) []journalTarget {
	var targets []journalTarget
	root := ""
	if !env.Host.IsHost() {
		root = env.Host.Dir()
	}
	var sys []string
	for _, d := range systemJournalDirs {
		if fi, err := os.Stat(env.HostPath(d)); err == nil && fi.IsDir() {
			sys = append(sys, env.HostPath(d))
		}
	}
	if len(sys) > 0 {
		targets = append(targets, journalTarget{label: "system", systemDirs: sys, root: root})
	}
	for _, d := range env.JournalDirs {
		targets = append(targets, journalTarget{dir: env.HostPath(d), label: filepath.Clean(d), root: root})
	}
	return targets
}

func merge(into, from map[string]*streamResult) {
	for name, r := range from {
		if r == nil {
			continue
		}
		cur := into[name]
		if cur == nil {
			cur = &streamResult{}
			into[name] = cur
		}
		cur.entries = append(cur.entries, r.entries...)
		cur.truncated = cur.truncated || r.truncated
	}
}

func methodName(m map[string]bool) string {
	var names []string
	for _, n := range []string{"native", "sdjournal", "journalctl"} {
		if m[n] {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "+")
}

// encodeStream orders a stream's entries by time and keeps the newest that
// fit PerUnitBytes, written oldest first. nil when there are none.
func encodeStream(r *streamResult) (*Stream, []byte) {
	if r == nil || len(r.entries) == 0 {
		return nil, nil
	}
	es := r.entries
	sort.SliceStable(es, func(a, b int) bool { return es[a].RealtimeUsec < es[b].RealtimeUsec })
	lines := make([][]byte, len(es))
	total, keepFrom := 0, 0
	for i := len(es) - 1; i >= 0; i-- {
		lines[i], _ = json.Marshal(es[i])
		if total+len(lines[i])+1 > PerUnitBytes {
			keepFrom = i + 1
			break
		}
		total += len(lines[i]) + 1
	}
	if keepFrom == len(es) {
		return nil, nil
	}
	kept := es[keepFrom:]
	st := &Stream{Entries: len(kept), First: kept[0].Time, Last: kept[len(kept)-1].Time,
		LastCursor: kept[len(kept)-1].Cursor, Truncated: r.truncated || keepFrom > 0}
	data := make([]byte, 0, total)
	for _, l := range lines[keepFrom:] {
		data = append(data, l...)
		data = append(data, '\n')
	}
	return st, data
}

// fromFields builds an entry from journal fields (both readers give these).
func fromFields(f map[string]string, label string) Entry {
	rt, _ := strconv.ParseUint(f["__REALTIME_TIMESTAMP"], 10, 64)
	mono, _ := strconv.ParseUint(f["__MONOTONIC_TIMESTAMP"], 10, 64)
	return Entry{Time: time.UnixMicro(int64(rt)).UTC(), RealtimeUsec: rt, MonotonicUsec: mono, BootID: f["_BOOT_ID"],
		Unit: f["_SYSTEMD_UNIT"], Identifier: f["SYSLOG_IDENTIFIER"], PID: f["_PID"], Priority: f["PRIORITY"], Message: f["MESSAGE"],
		Cursor: f["__CURSOR"], Journal: label}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// The file types live in internal/schema/journal so the analyzer can read them
// without importing the collector.
type (
	Entry  = schema.Entry
	Meta   = schema.Meta
	Stream = schema.Stream
	Reader = schema.Reader
)
