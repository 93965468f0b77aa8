package collect

import (
	"fmt"
	"strings"

	"github.com/rtsnap/rtsnap/internal/endpoints"
)

// rootOnly says what a source cannot read without root, by source name: ""
// when it reads what any user can (host identity, cgroup files). These are
// the paths' usual modes on a node (sockets 0660 root:root, runc state and
// pod logs 0700/0640 root, meta.db 0644 under a 0700 dir).
func rootOnly(name string) string {
	switch name {
	case "discovery":
		return "whether the runtime sockets answer (root-only sockets)"
	case "cri":
		return "all CRI state (the runtime sockets are root-only)"
	case "containerd":
		return "containerd's own view (its socket is root-only)"
	case "docker":
		return "Docker's view, unless this user is in the docker group"
	case "runc":
		return "runc state under /run/containerd/runc and /run/docker/runtime-runc (root-only)"
	case "proc":
		return "the runtime processes' open files, environment and limits (root-only for other users' processes)"
	case "journal":
		return "the system journal, unless this user is in the systemd-journal or adm group"
	case "logs":
		return "container logs under /var/log/pods and /var/log/containers (root-only)"
	case "configs":
		return "runtime configuration files readable only by root"
	case "metadb":
		return "containerd's meta.db (under a root-only directory)"
	case "goroutines":
		return "goroutine dumps (signalling the daemons needs root)"
	}
	return ""
}

// PrivilegeWarning is what to tell the operator before collecting when the
// collector does not run as root (euid != 0): that, and what the selected
// sources will miss, so a nearly empty bundle is no surprise. "" as root.
func PrivilegeWarning(euid int, sources []Source) string {
	if euid == 0 {
		return ""
	}
	var missing []string
	for _, s := range sources {
		if what := rootOnly(s.Name()); what != "" {
			missing = append(missing, fmt.Sprintf("  %-11s %s", s.Name(), what))
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("not running as root (euid %d): the runtimes' sockets and state are root-only, so this bundle will likely miss:\n%s\nrun it as root (sudo rtsnap collect ...) for a complete bundle",
		euid, strings.Join(missing, "\n"))
}

// EndpointProblems checks the endpoints the operator named (--runtime-endpoint,
// --docker-socket) before collecting, so a typo is reported at once and not
// only in the summary a minute later. The sources record the same reasons.
func EndpointProblems(env *Env) []string {
	var out []string
	for _, e := range env.RuntimeEndpoints {
		if err := endpoints.Check(env.Local(endpoints.Parse(e))); err != nil {
			out = append(out, "--runtime-endpoint "+e+": "+err.Error())
		}
	}
	for _, h := range env.DockerHosts {
		if err := endpoints.Check(env.Local(endpoints.Parse(h))); err != nil {
			out = append(out, "--docker-socket "+h+": "+err.Error())
		}
	}
	return out
}
