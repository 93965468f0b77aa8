package journal

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func collectLab(t *testing.T, force bool, since time.Duration) (*collect.Capture, Meta) {
	t.Helper()
	le := lab.Require(t)
	env := collect.NewTestEnv()
	env.JournalDirs = []string{le["RTSNAP_LAB_JOURNAL_DIR"]}
	env.Since = since
	out := collect.NewCapture()
	if err := (&Source{ForceJournalctl: force}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var m Meta
	if err := json.Unmarshal(out.Files["meta.json"], &m); err != nil {
		t.Fatal(err)
	}
	return out, m
}

func TestLabJournalBothReaders(t *testing.T) {
	for _, force := range []bool{false, true} {
		out, m := collectLab(t, force, 30*24*time.Hour)
		want := map[bool]string{false: "native", true: "journalctl"}[force]
		if m.Method != want {
			t.Fatalf("method %s, want %s (errors %v)", m.Method, want, m.Errors)
		}
		for unit, text := range map[string]string{
			"containerd": "failed to pull image", "kubelet": "CrashLoopBackOff", "docker": "Daemon has completed initialization",
			"kernel-oom": "Killed process 4242"} {
			data := string(out.Files[unit+".jsonl"])
			if !strings.Contains(data, text) {
				t.Errorf("%s: %s.jsonl lacks %q:\n%.300s", want, unit, text, data)
			}
			var e Entry
			line, _, _ := strings.Cut(data, "\n")
			if err := json.Unmarshal([]byte(line), &e); err != nil || e.Time.IsZero() || e.Cursor == "" {
				t.Errorf("%s: %s entry %+v (%v)", want, unit, e, err)
			}
		}
		if m.Streams["containerd"] == nil || m.Streams["containerd"].Entries < 3 {
			t.Errorf("%s: containerd stream %+v", want, m.Streams["containerd"])
		}
	}
}

func TestSinceExcludesOldEntries(t *testing.T) {
	for _, force := range []bool{false, true} {
		out, m := collectLab(t, force, time.Millisecond)
		for unit, text := range map[string]string{"containerd": "failed to pull image", "kernel-oom": "Killed process 4242"} {
			if strings.Contains(string(out.Files[unit+".jsonl"]), text) {
				t.Errorf("force=%v: %s entry from before --since: %+v", force, unit, m.Streams[unit])
			}
		}
	}
}

func TestLabDaemonLogFiles(t *testing.T) {
	_, m := collectLab(t, false, 30*24*time.Hour)
	got := 0
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, "/var/log/rtsnap-lab/") && f.KeptBytes > 0 {
			got++
		}
	}
	if got < 3 {
		t.Fatalf("lab daemon logs tailed: %+v", m.Files)
	}
}

// The pure-Go reader and journalctl keep the same entries of the lab journal.
func TestLabNativeEqualsJournalctl(t *testing.T) {
	native, _ := collectLab(t, false, 30*24*time.Hour)
	jctl, _ := collectLab(t, true, 30*24*time.Hour)
	for _, u := range Units {
		a, b := cursors(t, native.Files[u.Name+".jsonl"]), cursors(t, jctl.Files[u.Name+".jsonl"])
		if strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Errorf("%s: native %d entries, journalctl %d", u.Name, len(a), len(b))
		}
	}
}

func cursors(t *testing.T, data []byte) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var e Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Cursor+" "+e.Message)
	}
	return out
}
