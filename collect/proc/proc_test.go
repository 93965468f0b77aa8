package proc

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
	"github.com/rtsnap/rtsnap/internal/procscan"
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
	// Each lab containerd runs with --config /var/lib/rtsnap-lab/<d>/config.toml
	// and logs to /var/log/rtsnap-lab/<d>.log.
	daemons := map[string]bool{}
	dockerd, inits, shims := false, 0, 0
	for _, p := range ps {
		switch p.Role {
		case string(procscan.RoleContainerd):
			for _, d := range []string{"cd16", "cd17", "cd2"} {
				if strings.Contains(strings.Join(p.CommandLine, " "), "/rtsnap-lab/"+d+"/") && p.Stdout == "/var/log/rtsnap-lab/"+d+".log" {
					daemons[d] = true
				}
			}
		case string(procscan.RoleDockerd):
			dockerd = p.Stdout != "" && p.Status["State"] != "" && p.Limits["open_files"].Soft != ""
		case string(procscan.RoleShim):
			shims++
		case RoleInit:
			if p.ContainerID != "" && len(strings.Fields(p.Status["NSpid"])) == 2 && p.Namespaces["pid"] != "" && !p.StartedAt.IsZero() {
				inits++
			}
			if p.Stdout != "" || p.ProxyEnv != nil {
				t.Errorf("container init %d: daemon-only fields collected", p.PID)
			}
		}
	}
	if len(daemons) != 3 || !dockerd || inits < 8 || shims < 3 {
		t.Fatalf("lab containerds logging to their files: %v, dockerd %v, container inits with 2 NSpid entries: %d, shims %d", daemons, dockerd, inits, shims)
	}
}

func TestMaxContainersBoundsShimsAndInits(t *testing.T) {
	lab.Require(t)
	env := collect.NewTestEnv()
	env.MaxContainers = 2
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var ps []Process
	json.Unmarshal(out.Files["processes.json"], &ps)
	n := map[string]int{}
	for _, p := range ps {
		n[p.Role]++
	}
	if n["shim"] > 2 || n[RoleInit] > 2 || n["containerd"] < 3 || len(out.Partials) == 0 {
		t.Fatalf("roles %v partials %v", n, out.Partials)
	}
}
