package journal

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
)

func TestIsOOM(t *testing.T) {
	for m, want := range map[string]bool{
		"Memory cgroup out of memory: Killed process 4242 (stress)": true,
		"oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null)":      true,
		"eth0: link becomes ready":                                  false,
		"EXT4-fs (sda1): mounted filesystem":                        false,
	} {
		if isOOM(m) != want {
			t.Errorf("isOOM(%q) = %v", m, !want)
		}
	}
}

func TestMatchesIdentifierWithoutUnit(t *testing.T) {
	u := Units[0]
	if !matches(map[string]string{"SYSLOG_IDENTIFIER": "containerd"}, u) {
		t.Fatal("identifier-only entry not matched")
	}
	if !matches(map[string]string{"_COMM": "containerd"}, u) {
		t.Fatal("comm-only entry not matched")
	}
	if matches(map[string]string{"_SYSTEMD_UNIT": "ssh.service", "SYSLOG_IDENTIFIER": "sshd"}, u) {
		t.Fatal("sshd matched as containerd")
	}
}

func TestEncodeStreamKeepsNewestWithinBound(t *testing.T) {
	var es []Entry
	big := strings.Repeat("x", 100<<10)
	for i := 0; i < 60; i++ { // 6 MB of messages, more than PerUnitBytes
		es = append(es, Entry{RealtimeUsec: uint64(60 - i), Time: time.UnixMicro(int64(60 - i)), Message: big, Cursor: "c" + itoa(uint64(60-i))})
	}
	st, data := encodeStream(&streamResult{entries: es})
	if len(data) > PerUnitBytes || !st.Truncated || st.LastCursor != "c60" {
		t.Fatalf("bytes %d truncated %v last %s", len(data), st.Truncated, st.LastCursor)
	}
	var first Entry
	line, _, _ := strings.Cut(string(data), "\n")
	if err := json.Unmarshal([]byte(line), &first); err != nil || first.RealtimeUsec <= 20 {
		t.Fatalf("oldest kept %d (%v): the newest should be kept", first.RealtimeUsec, err)
	}
	if st, data := encodeStream(&streamResult{entries: es[:2]}); st.Truncated || strings.Count(string(data), "\n") != 2 {
		t.Fatalf("small stream: %+v", st)
	}
}

// A journal directory that is not there: both readers fail, the source says
// so in meta.json and does not fail or hang.
func TestMissingJournalDir(t *testing.T) {
	for _, force := range []bool{false, true} {
		env := collect.NewTestEnv()
		env.JournalDirs = []string{t.TempDir() + "/absent"}
		env.ProcRoot = t.TempDir() // no daemons, no daemon log files
		out := collect.NewCapture()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := (&Source{ForceJournalctl: force}).Collect(ctx, env, out)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		var m Meta
		if err := json.Unmarshal(out.Files["meta.json"], &m); err != nil {
			t.Fatal(err)
		}
		r := m.Readers[len(m.Readers)-1]
		if r.Journal != env.JournalDirs[0] || r.Error == "" || len(out.Partials) == 0 {
			t.Fatalf("force=%v: absent journal not reported: %+v partials %q", force, r, out.Partials)
		}
		if m.Streams["containerd"] != nil && m.Streams["containerd"].Entries > 0 && len(m.Readers) == 1 {
			t.Fatalf("force=%v: entries from an absent journal: %+v", force, m.Streams)
		}
	}
}

// A cancelled context stops the source at once, whichever reader runs.
func TestCancelledContextStops(t *testing.T) {
	for _, force := range []bool{false, true} {
		env := collect.NewTestEnv()
		env.Since = 365 * 24 * time.Hour
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		err := (&Source{ForceJournalctl: force}).Collect(ctx, env, collect.NewCapture())
		if err == nil || time.Since(start) > 5*time.Second {
			t.Fatalf("force=%v: err %v after %v", force, err, time.Since(start))
		}
	}
}
