package tail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

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
	data, size, truncated, err := File(p, 64<<10, time.Now().Add(-time.Hour))
	if err != nil || !truncated || size < 1<<20 {
		t.Fatalf("tail: %v truncated=%v size=%d", err, truncated, size)
	}
	if strings.Contains(string(data), "old line") || strings.Count(string(data), "recent line") != 10 || !strings.HasPrefix(string(data), `time="`) {
		t.Fatalf("tail kept:\n%.400s", data)
	}
}

func TestLineTimeFormats(t *testing.T) {
	for _, l := range []string{
		`time="2026-11-24T21:05:00.123456789Z" level=info msg=x`,
		`2026-11-24T21:05:00.123456789Z stdout F hello`,
		`{"log":"hello\n","stream":"stdout","time":"2026-11-24T21:05:00.123456789Z"}`,
	} {
		if ts, ok := lineTime(l, time.Now()); !ok || ts.Year() != 2026 {
			t.Errorf("no time in %q", l)
		}
	}
	// klog (the kubelet's log file): the year nearest the reference, local time.
	ref := time.Date(2027, 1, 2, 0, 0, 0, 0, time.Local)
	if ts, ok := lineTime("I1231 23:59:59.500000    6800 kubelet.go:2515] \"SyncLoop ADD\"", ref); !ok ||
		!ts.Equal(time.Date(2026, 12, 31, 23, 59, 59, 500000000, time.Local)) {
		t.Errorf("klog header late in the year before: %v %v", ts, ok)
	}
	if ts, ok := lineTime("E0101 00:00:01.000001 1 a.go:1] x", time.Date(2026, 12, 31, 0, 0, 0, 0, time.Local)); !ok || ts.Year() != 2027 {
		t.Errorf("klog header early in the year after: %v %v", ts, ok)
	}
	if _, ok := lineTime("I1124 21:05:00.123 kubelet.go:1] no year", time.Time{}); ok {
		t.Error("klog header parsed without a reference time")
	}
	if _, ok := lineTime("I1399 21:05:00.123 kubelet.go:1] bad date", ref); ok {
		t.Error("impossible klog date parsed")
	}
}

// A kubelet log file: klog lines before since are dropped like stamped ones.
func TestTailDropsOldKlogLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kubelet.log")
	now := time.Now()
	old, recent := now.Add(-2*time.Hour).Format("0102 15:04:05.000000"), now.Format("0102 15:04:05.000000")
	os.WriteFile(p, []byte("E"+old+"    6800 pod_workers.go:1324] \"Error syncing pod, skipping\" old\n"+
		"I"+recent+"    6800 kubelet.go:2515] \"SyncLoop ADD\" recent\n"), 0o600)
	data, _, _, err := File(p, 1<<20, now.Add(-time.Hour))
	if err != nil || strings.Contains(string(data), "old") || !strings.Contains(string(data), "recent") {
		t.Fatalf("kept %q (%v)", data, err)
	}
}
