package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/internal/cli"
)

// TestTimelineSelection runs the timeline's selection flags on the healthy
// fixture: journal lines at 08:30 and 08:31, the collection from 09:30.
func TestTimelineSelection(t *testing.T) {
	_, healthy, _, _ := fixtures(t)
	for _, c := range []struct {
		args      []string
		want, not []string
	}{
		{nil, []string{"starting containerd", "RunPodSandbox", "journal", "collector's own event(s) hidden"}, []string{"collection-started"}},
		{[]string{"--collector"}, []string{"collection-started", "source-ok", "starting containerd"}, []string{"hidden"}},
		{[]string{"--source", "rtsnap"}, []string{"collection-started"}, []string{"starting containerd"}},
		{[]string{"--since", "2026-11-24T08:30:30Z"}, []string{"RunPodSandbox", "outside --since"}, []string{"starting containerd"}},
		{[]string{"--until", "2026-11-24T08:30:00Z"}, []string{"starting containerd"}, []string{"RunPodSandbox"}},
		{[]string{"--since", "59m"}, []string{"RunPodSandbox"}, []string{"starting containerd"}}, // 59 minutes before 09:30
		{[]string{"--since", "1h"}, []string{"starting containerd"}, nil},                        // the bound is inclusive
		{[]string{"--grep", "(?i)runpod"}, []string{"RunPodSandbox"}, []string{"starting containerd"}},
		{[]string{"--width", "12"}, []string{"RunPodSandbo…"}, []string{"returns sandbox id"}},
		{[]string{"--width", "0"}, []string{"returns sandbox id"}, nil},
	} {
		code, out, errOut := runCmd(append(append([]string{"timeline"}, c.args...), healthy)...)
		if code != 0 {
			t.Errorf("%v: exit %d %s", c.args, code, errOut)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: lacks %q:\n%s", c.args, w, out)
			}
		}
		for _, n := range c.not {
			if strings.Contains(out, n) {
				t.Errorf("%v: has %q:\n%s", c.args, n, out)
			}
		}
	}
	// The fixture's host/ records no boot time: --since boot cannot be resolved.
	for _, bad := range [][]string{{"--since", "yesterday"}, {"--until", "-5m"}, {"--grep", "("}, {"--since", "boot"}, {"--width", "x"}} {
		if code, _, errOut := runCmd(append(append([]string{"timeline"}, bad...), healthy)...); code != cli.Usage || !strings.Contains(errOut, "--help") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", bad, code, errOut)
		}
	}
	code, out, _ := runCmd("timeline", "--json", "--source", "journal", healthy)
	var doc struct {
		Omitted struct{ Collector, Other int }
		Legend  []struct{ Source, Clock string }
		Events  []struct{ Source string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || len(doc.Events) != 2 || len(doc.Legend) != 1 || doc.Legend[0].Source != "journal" || doc.Omitted.Collector != 10 {
		t.Fatalf("--json: exit %d, %v, %+v", code, err, doc)
	}
}
