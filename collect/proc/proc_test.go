package proc

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func TestLabDaemonsAndInits(t *testing.T) {
	lab.Require(t)
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), collect.NewTestEnv(), out); err != nil {
		t.Fatal(err)
	}
	var ps []Process
	if err := json.Unmarshal(out.Files["processes.json"], &ps); err != nil {
		t.Fatal(err)
	}
	labLogs, inits := 0, 0
	for _, p := range ps {
		if p.Role == "containerd" && strings.HasPrefix(p.Stdout, "/var/log/rtsnap-lab/") {
			labLogs++
		}
		if p.Role == "init" && p.ContainerID != "" && len(strings.Fields(p.Status["NSpid"])) == 2 && p.Namespaces["pid"] != "" {
			inits++
		}
		if p.Role == "init" && (p.Stdout != "" || p.ProxyEnv != nil) {
			t.Errorf("container init %d: daemon-only fields collected", p.PID)
		}
	}
	if labLogs < 3 || inits < 8 {
		t.Fatalf("lab daemons logging to files: %d, container inits: %d", labLogs, inits)
	}
}
