package journal

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
)

// writeJournal writes export-format entries into a real journal file with
// systemd-journal-remote, as the lab does.
func writeJournal(t *testing.T, export string) string {
	t.Helper()
	const remote = "/lib/systemd/systemd-journal-remote"
	if _, err := os.Stat(remote); err != nil {
		t.Fatalf("%s: %v (lab/lab.sh install puts systemd-journal-remote on the machine)", remote, err)
	}
	dir := t.TempDir()
	cmd := exec.Command(remote, "--output="+filepath.Join(dir, "t.journal"), "-")
	cmd.Stdin = strings.NewReader(export)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("journal-remote: %v: %s", err, out)
	}
	return dir
}

// A coloured message (docker's journald driver passing an app's escapes
// on) is what journalctl -o json writes as an array of bytes: both readers
// keep it with the same text (the engine redacts it at commit, as any
// message: the lab's planted journal_colour_password proves that).
func TestColouredEntryBothReaders(t *testing.T) {
	msg := "\x1b[31mERROR\x1b[0m [db] connect to postgres://app:pw@db:5432/app failed"
	dir := writeJournal(t, "__REALTIME_TIMESTAMP=1795512600000000\n__MONOTONIC_TIMESTAMP=1000000\n_BOOT_ID=6a1f0c6e3d1b4c559f0e6a2b1c3d4e5f\n"+
		"_HOSTNAME=h\n_SYSTEMD_UNIT=docker.service\nSYSLOG_IDENTIFIER=web\nPRIORITY=3\nMESSAGE="+msg+"\n\n")
	raw, err := exec.Command("journalctl", "--directory="+dir, "-o", "json").Output()
	if err != nil || !strings.Contains(string(raw), `"MESSAGE":[27,91,`) {
		t.Fatalf("journalctl -o json no longer writes a byte array here (%v): %s", err, raw)
	}
	for _, force := range []bool{false, true} {
		env := collect.NewTestEnv()
		env.JournalDirs = []string{dir}
		env.Since = 30 * 24 * time.Hour
		out := collect.NewCapture()
		if err := (&Source{ForceJournalctl: force}).Collect(context.Background(), env, out); err != nil {
			t.Fatal(err)
		}
		line, _, _ := strings.Cut(string(out.Files["docker.jsonl"]), "\n")
		var e Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("force=%v: docker.jsonl %q: %v", force, line, err)
		}
		if e.Message != msg {
			t.Errorf("force=%v: message %q, want %q", force, e.Message, msg)
		}
	}
}
