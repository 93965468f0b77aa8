package journal

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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
		want := map[bool]string{false: "sdjournal", true: "journalctl"}[force]
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
	_, m := collectLab(t, false, time.Millisecond)
	if len(m.Streams) != 0 {
		t.Fatalf("entries from before --since: %+v", m.Streams)
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

func TestTailIsBoundedAndStartsAtALine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.log")
	f, _ := os.Create(p)
	old := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339Nano)
	recent := time.Now().UTC().Format(time.RFC3339Nano)
	for i := 0; i < 200000; i++ {
		f.WriteString(`time="` + old + `" level=info msg="old line"` + "\n")
	}
	for i := 0; i < 10; i++ {
		f.WriteString(`time="` + recent + `" level=info msg="recent line"` + "\n")
	}
	f.Close()
	data, size, truncated, err := Tail(p, 64<<10, time.Now().Add(-time.Hour))
	if err != nil || !truncated || size < 1<<20 {
		t.Fatalf("tail: %v truncated=%v size=%d", err, truncated, size)
	}
	if strings.Contains(string(data), "old line") || strings.Count(string(data), "recent line") != 10 || !strings.HasPrefix(string(data), `time="`) {
		t.Fatalf("tail kept:\n%.400s", data)
	}
}
