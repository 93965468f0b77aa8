package host

import (
	"context"
	"fmt"
	schema "github.com/rtsnap/rtsnap/internal/schema/host"
	"os"
	"strconv"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	"github.com/rtsnap/rtsnap/collect"
)

var runtimeUnits = []string{"containerd.service", "docker.service", "kubelet.service", "crio.service", "cri-docker.service", "cri-docker.socket", "docker.socket"}

// unitStates asks systemd over the system bus. Without systemd as init or
// without a bus the answer is "unavailable" with the reason, never an error.
// Under --host-root the bus is the host's, dialled at its socket under the root.
func unitStates(ctx context.Context, env *collect.Env) Units {
	if _, err := os.Stat(env.HostPath("/run/systemd/system")); err != nil {
		return Units{Reason: "unavailable: systemd is not the init system (no /run/systemd/system)"}
	}
	var conn *sdbus.Conn
	var err error
	if env.Host.IsHost() {
		conn, err = sdbus.NewSystemConnectionContext(ctx)
	} else {
		conn, err = sdbus.NewConnection(func() (*dbus.Conn, error) {
			return hostBus(ctx, env.HostPath("/run/dbus/system_bus_socket"))
		})
	}
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

// hostBus connects to the host's system bus socket as the current user
// (root: the collector runs privileged), as go-systemd's own dialler does.
func hostBus(ctx context.Context, sock string) (*dbus.Conn, error) {
	c, err := dbus.Dial("unix:path="+sock, dbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if err := c.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(os.Getuid()))}); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.Hello(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// The file types live in internal/schema/host so the analyzer can read them
// without importing the collector.
type (
	Unit  = schema.Unit
	Units = schema.Units
)
