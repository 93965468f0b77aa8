package endpoints

import (
	"strconv"
	"strings"

	"github.com/rtsnap/rtsnap/internal/procscan"
)

// daemonFlag is a command-line flag by which a daemon names a socket.
type daemonFlag struct {
	names []string
	kind  Kind // of the daemon at that socket
}

// daemonFlags: where dockerd listens, where cri-dockerd serves CRI and which
// dockerd it talks to, where CRI-O listens.
func daemonFlags(r procscan.Role) []daemonFlag {
	switch r {
	case procscan.RoleDockerd:
		return []daemonFlag{{[]string{"H", "host"}, Docker}}
	case procscan.RoleCRIDockerd:
		return []daemonFlag{{[]string{"container-runtime-endpoint"}, CRIDockerd}, {[]string{"docker-endpoint"}, Docker}}
	case procscan.RoleCRIO:
		return []daemonFlag{{[]string{"listen"}, CRIO}}
	}
	return nil
}

// FromDaemons lists the sockets running runtime daemons name on their command
// lines (dockerd -H, cri-dockerd --container-runtime-endpoint and
// --docker-endpoint, crio --listen): a daemon moved off its default path is
// found without --runtime-endpoint. Origin is "<role> pid <pid>"; only unix
// sockets are listed (fd:// and tcp:// have no file), in process order.
func FromDaemons(procs []procscan.Process) []Endpoint {
	var out []Endpoint
	for _, p := range procs {
		for _, f := range daemonFlags(p.Role) {
			for _, v := range procscan.FlagValues(p.Args, f.names...) {
				if !strings.HasPrefix(v, "unix://") && !strings.HasPrefix(v, "/") {
					continue
				}
				e := Parse(v)
				e.Kind, e.Origin = f.kind, string(p.Role)+" pid "+strconv.Itoa(p.PID)
				out = append(out, e)
			}
		}
	}
	return out
}
