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
		if ts, ok := lineTime(l); !ok || ts.Year() != 2026 {
			t.Errorf("no time in %q", l)
		}
	}
	if _, ok := lineTime("I1124 21:05:00.123 kubelet.go:1] no year"); ok {
		t.Error("klog header parsed")
	}
}
