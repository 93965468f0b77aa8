// Package journal is the "journal" source: journal entries of the runtime
// units (containerd, docker, cri-docker, crio, kubelet) and kernel OOM
// messages within --since, as JSON lines, read with go-systemd's sdjournal,
// or with the journalctl binary when libsystemd cannot be loaded; plus the
// tail of daemon log files for daemons that do not log to the journal.
package journal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	schema "github.com/rtsnap/rtsnap/internal/schema/journal"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/redact"
)

// Units are the journal streams collected: the file name and how entries are matched.
var Units = []Unit{
	{Name: "containerd", Matches: []string{"_SYSTEMD_UNIT=containerd.service", "SYSLOG_IDENTIFIER=containerd"}},
	{Name: "docker", Matches: []string{"_SYSTEMD_UNIT=docker.service", "SYSLOG_IDENTIFIER=dockerd"}},
	{Name: "cri-docker", Matches: []string{"_SYSTEMD_UNIT=cri-docker.service", "SYSLOG_IDENTIFIER=cri-dockerd"}},
	{Name: "crio", Matches: []string{"_SYSTEMD_UNIT=crio.service", "SYSLOG_IDENTIFIER=crio"}},
	{Name: "kubelet", Matches: []string{"_SYSTEMD_UNIT=kubelet.service", "SYSLOG_IDENTIFIER=kubelet"}},
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

// perUnitBytes bounds each unit's JSON lines.
const perUnitBytes = 4 << 20

// Source collects journals.
type Source struct {
	// ForceJournalctl skips sdjournal (tests use it to exercise the fallback).
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

// journalTarget is one journal to read: "" means the system journal.
type journalTarget struct{ dir, label string }

func (s *Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	since := env.Now.Add(-env.Since)
	meta := Meta{Since: since, Streams: map[string]*Stream{}}
	var targets []journalTarget
	for _, d := range []string{"/var/log/journal", "/run/log/journal"} {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			targets = append(targets, journalTarget{"", "system"})
			break
		}
	}
	for _, d := range env.JournalDirs {
		targets = append(targets, journalTarget{d, d})
	}
	for _, t := range targets {
		meta.Journals = append(meta.Journals, t.label)
	}
	entries := map[string][]Entry{}
	if len(targets) > 0 {
		var err error
		if !s.ForceJournalctl {
			err = readSDJournal(ctx, targets, since, entries)
			meta.Method = "sdjournal"
		}
		if s.ForceJournalctl || errors.Is(err, errNoLibsystemd) {
			if err != nil {
				meta.Errors = append(meta.Errors, err.Error())
			}
			meta.Method = "journalctl"
			err = readJournalctl(ctx, targets, since, entries)
		}
		if err != nil {
			meta.Errors = append(meta.Errors, env.Redactor.String(err.Error()))
			out.Partial(env.Redactor.String(err.Error()))
		}
	} else {
		meta.Method = "none"
	}
	for _, u := range Units {
		es := entries[u.Name]
		if len(es) == 0 {
			continue
		}
		// Keep the newest entries that fit the per-unit bound, written oldest first.
		lines := make([][]byte, len(es))
		total, keepFrom := 0, 0
		for i := len(es) - 1; i >= 0; i-- {
			lines[i], _ = json.Marshal(es[i])
			if total+len(lines[i])+1 > perUnitBytes {
				keepFrom = i + 1
				break
			}
			total += len(lines[i]) + 1
		}
		st := &Stream{First: es[keepFrom].Time, Last: es[len(es)-1].Time, LastCursor: es[len(es)-1].Cursor, Truncated: keepFrom > 0}
		var ordered strings.Builder
		ordered.Grow(total)
		for _, l := range lines[keepFrom:] {
			ordered.Write(l)
			ordered.WriteByte('\n')
		}
		es = es[keepFrom:]
		st.Entries = len(es)
		meta.Streams[u.Name] = st
		if err := out.WriteFile(u.Name+".jsonl", redact.JSONLines, []byte(ordered.String())); err != nil {
			return err
		}
	}
	meta.Files = daemonLogs(ctx, env, out)
	if err := out.WriteJSON("meta.json", meta); err != nil {
		return err
	}
	if len(targets) == 0 && len(meta.Files) == 0 {
		out.Skip("not present: no journal (looked for /var/log/journal, /run/log/journal) and no daemon log files")
	}
	return nil
}

// fromFields builds an entry from journal fields (both readers give these).
func fromFields(f map[string]string, label string) Entry {
	rt, _ := strconv.ParseUint(f["__REALTIME_TIMESTAMP"], 10, 64)
	mono, _ := strconv.ParseUint(f["__MONOTONIC_TIMESTAMP"], 10, 64)
	unit := f["_SYSTEMD_UNIT"]
	return Entry{Time: time.UnixMicro(int64(rt)).UTC(), RealtimeUsec: rt, MonotonicUsec: mono, BootID: f["_BOOT_ID"],
		Unit: unit, Identifier: f["SYSLOG_IDENTIFIER"], PID: f["_PID"], Priority: f["PRIORITY"], Message: f["MESSAGE"],
		Cursor: f["__CURSOR"], Journal: label}
}

var errNoLibsystemd = errors.New("libsystemd cannot be loaded")

// maxEntriesPerUnit bounds the work per stream before the byte budget applies.
const maxEntriesPerUnit = 50000

func dirLabel(t journalTarget) string {
	if t.dir == "" {
		return "system"
	}
	return filepath.Clean(t.dir)
}

func wrapf(format string, a ...any) error { return fmt.Errorf(format, a...) }

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// The file types live in internal/schema/journal so the analyzer can read them
// without importing the collector.
type (
	Entry  = schema.Entry
	Meta   = schema.Meta
	Stream = schema.Stream
)
