package timeline

import (
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/bundle"
)

func TestKlogTime(t *testing.T) {
	ref := time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC)
	for line, want := range map[string]time.Time{
		// kubelet via crictl, https://github.com/kubesphere/kubekey/issues/1613
		`E1117 23:32:58.710418    2450 remote_image.go:238] "PullImage from image service failed" err="rpc error: code = Unknown desc = failed to pull and unpack image"`: time.Date(2026, 11, 17, 23, 32, 58, 710418000, time.UTC),
		// https://github.com/ciiiii/cloudflare-docker-proxy/issues/98
		`E0102 21:10:37.610356   13696 remote_image.go:180] "PullImage from image service failed"`: time.Date(2026, 1, 2, 21, 10, 37, 610356000, time.UTC),
		// The lab's kubelet, the morning of the collection.
		`I1201 10:17:59.710862    6833 flags.go:64] FLAG: --v="2"`: time.Date(2026, 12, 1, 10, 17, 59, 710862000, time.UTC),
		// Late December read in early January belongs to the year before.
		`W1231 23:59:59.000001       1 x.go:1] late`: time.Date(2025, 12, 31, 23, 59, 59, 1000, time.UTC),
	} {
		r := ref
		if want.Year() == 2025 {
			r = time.Date(2026, 1, 1, 0, 5, 0, 0, time.UTC)
		}
		got, ok := klogTime(line, r)
		if !ok || !got.Equal(want) {
			t.Errorf("klogTime(%.30q) = %v, %v; want %v", line, got, ok, want)
		}
	}
	for _, bad := range []string{"", "E1117", "X1117 23:32:58.710418 1 a.go:1] x", "E1399 23:32:58.710418 1 a.go:1] x",
		"E1117 25:32:58.710418 1 a.go:1] x", "E1117 23:32:58.710418", "time=\"2026-11-24T22:10:01Z\" level=error", "E1117T23:32:58.710418 1 a.go:1]"} {
		if got, ok := klogTime(bad, ref); ok {
			t.Errorf("klogTime(%q) = %v, want no time", bad, got)
		}
	}
	if _, ok := klogTime(`I1201 10:17:59.710862 1 a.go:1] x`, time.Time{}); ok {
		t.Error("a klog time without a collection time to take the year from")
	}
}

// FuzzKlogTime: any input, no panic, and a time only for a line that
// starts with a klog header the stdlib parses.
func FuzzKlogTime(f *testing.F) {
	f.Add(`E1117 23:32:58.710418    2450 remote_image.go:238] "x"`)
	f.Add("I0229 00:00:00.000000 ")
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := klogTime(s, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		if ok && (got.Year() < 2025 || got.Year() > 2026) {
			t.Fatalf("klogTime(%q) = %v", s, got)
		}
	})
}

func TestKubeletLogFileLinesAreTimed(t *testing.T) {
	files := map[string]string{"journal/files/kubelet.log": `I1124 09:29:58.100000    6833 flags.go:64] FLAG: --v="2"
E1124 09:29:59.500000    6833 remote_image.go:238] "PullImage from image service failed" err="connect: connection refused"
not a klog line
`}
	m := &bundle.Manifest{StartedAt: t0, Files: []bundle.FileEntry{{Path: "journal/files/kubelet.log"}}}
	n := facts.New("t", m, func(p string) ([]byte, bool) { s, ok := files[p]; return []byte(s), ok }, facts.DefaultParsers())
	tl := Build(n, []Extractor{Logs}, Filter{})
	if len(tl.Events) != 2 || tl.Untimed != 1 {
		t.Fatalf("events %+v, untimed %d", tl.Events, tl.Untimed)
	}
	if e := tl.Events[1]; !e.Time.Equal(t0.Add(-500*time.Millisecond)) || e.Evidence.LineStart != 2 || e.Clock != ClockRuntime {
		t.Fatalf("pull failure event = %+v", e)
	}
}
