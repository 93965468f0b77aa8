package host

import (
	"context"
	"fmt"
	schema "github.com/rtsnap/rtsnap/internal/schema/host"
	"os"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
)

var runtimeUnits = []string{"containerd.service", "docker.service", "kubelet.service", "crio.service", "cri-docker.service", "cri-docker.socket", "docker.socket"}

// unitStates asks systemd over the system bus. Without systemd as init or
// without a bus the answer is "unavailable" with the reason, never an error.
func unitStates(ctx context.Context) Units {
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		return Units{Reason: "unavailable: systemd is not the init system (no /run/systemd/system)"}
	}
	conn, err := sdbus.NewSystemConnectionContext(ctx)
	if err != nil {
		return Units{Reason: fmt.Sprintf("unavailable: system bus: %v", err)}
	}
	defer conn.Close()
	res := Units{Available: true}
	for _, name := range runtimeUnits {
		props, err := conn.GetAllPropertiesContext(ctx, name)
		if err != nil {
			continue
		}
		u := Unit{Name: name}
		u.LoadState, _ = props["LoadState"].(string)
		if u.LoadState == "not-found" {
			continue
		}
		u.ActiveState, _ = props["ActiveState"].(string)
		u.SubState, _ = props["SubState"].(string)
		u.ActiveEnterTimestamp, _ = props["ActiveEnterTimestamp"].(uint64)
		if svc, err := conn.GetUnitTypePropertiesContext(ctx, name, "Service"); err == nil {
			u.NRestarts, _ = svc["NRestarts"].(uint32)
			u.ExecMainStatus, _ = svc["ExecMainStatus"].(int32)
			u.ExecMainPID, _ = svc["ExecMainPID"].(uint32)
			u.ExecMainStartTimestamp, _ = svc["ExecMainStartTimestamp"].(uint64)
		}
		res.Units = append(res.Units, u)
	}
	return res
}

// The file types live in internal/schema/host so the analyzer can read them
// without importing the collector.
type (
	Unit  = schema.Unit
	Units = schema.Units
)
