// Package collect is the collector: an engine that runs named sources under
// deadlines and byte budgets, and the sources themselves, one file each.
package collect

import (
	"context"
	"errors"
	"time"

	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/hostroot"
	"github.com/rtsnap/rtsnap/redact"
)

// ErrBudget is returned (wrapped) by Output writes once a source's byte budget
// or the archive's budget is spent. What fitted is kept and marked truncated.
var ErrBudget = errors.New("byte budget spent")

// Source is one thing the collector reads from the node. A source declares what
// it reads; the engine owns deadlines, budgets, concurrency and status, so no
// source re-implements a bound.
type Source interface {
	// Name is the stable identifier used by --only/--skip and as the bundle
	// directory the source's files live under.
	Name() string
	// Description is one line for --help and docs/sources.md.
	Description() string
	// DefaultEnabled says whether the source runs without --only.
	DefaultEnabled() bool
	// Budget is the most uncompressed bytes the source may store.
	Budget() int64
	// Collect reads and writes through out. It must honour ctx: the engine
	// abandons it at its deadline. Returning an error marks the source failed;
	// out.Skip marks it skipped (component not present) and is not an error.
	Collect(ctx context.Context, env *Env, out Output) error
}

// Output is how a source stores data. Every byte passes through the redactor
// and the source's budget before it reaches the bundle. Safe for concurrent use
// by the goroutines of one source.
type Output interface {
	// WriteFile stores data as <source>/<name>, redacted as kind says.
	// It returns ErrBudget (wrapped) once the budget is spent; what fits is kept
	// and marked truncated.
	WriteFile(name string, kind redact.Kind, data []byte) error
	// WriteJSON marshals v (indented) and stores it as <source>/<name>, redacted structurally.
	WriteJSON(name string, v any) error
	// Skip records that the component is absent; reason says what was looked for.
	Skip(reason string)
	// Partial records that some data could not be read (one call failed, a
	// limit was hit); the source still counts as having produced what it wrote.
	Partial(reason string)
}

// Redactor is the part of *redact.Redactor sources use for text they build
// themselves (an error message, a command line inside a struct).
type Redactor interface {
	String(s string) string
}

// Env is what every source may read: the run's options and shared limits.
type Env struct {
	// Now is the run's reference time (start of collection, UTC).
	Now time.Time
	// Since is the window for logs, journals and events, counted back from Now.
	Since time.Duration
	// Namespaces filters containerd namespaces (empty: all).
	Namespaces []string
	// PodNamespaces filters Kubernetes namespaces (empty: all).
	PodNamespaces []string
	// MaxContainers bounds per-container work (0: unlimited).
	MaxContainers int
	// RuntimeEndpoints overrides discovery when non-empty ("unix:///run/containerd/containerd.sock" or a path).
	RuntimeEndpoints []string
	// DockerHosts are explicitly given Docker Engine sockets (--docker-socket,
	// repeatable): each must exist and be a socket, else the docker source
	// fails saying why. None means the default /var/run/docker.sock (skipped
	// when absent) and the sockets running dockerd and cri-dockerd name.
	DockerHosts []string
	// JournalDirs are extra journal directories to read besides the system journal.
	JournalDirs []string
	// ProcRoot and SysRoot let tests point sources at other trees ("/proc", "/sys").
	ProcRoot, SysRoot string
	// KubeletRoot and PodLogsDir override kubelet's --root-dir and
	// podLogsDir for non-default layouts (--kubelet-root, --pod-logs-dir).
	KubeletRoot, PodLogsDir string
	// Host is where the host's / is (--host-root); the zero value is the
	// host itself. Sources open HostPath(p) and record p.
	Host hostroot.Root
	// Active enables the one action that is not read-only: asking daemons for a
	// goroutine dump (SIGUSR1). Recorded in the manifest as an active action.
	Active bool
	// CRIStats adds ListContainerStats and ListPodSandboxStats to the cri
	// source: expensive for the runtime on busy nodes, and the cgroup source
	// has the same figures.
	CRIStats bool
	// CRIVerbosePods asks every pod sandbox's status with verbose info; by
	// default only the sandboxes not ready get it (collect/cri: pods).
	CRIVerbosePods bool
	// CRIVerboseContainers asks every container's status with verbose
	// info; by default only up to VerboseContainersUpTo containers, above
	// that the containers not running (collect/cri: containers).
	CRIVerboseContainers bool
	// CRIStatusAll asks every container's status; by default only up to
	// StatusContainersUpTo containers, above that the containers not
	// running (collect/cri: containers).
	CRIStatusAll bool
	// ContainerdTaskList asks containerd's task list (every shim's state)
	// in every namespace; by default only up to TaskListUpTo containers
	// (collect/containerd: tasks).
	ContainerdTaskList bool
	// CallTimeout bounds a single runtime call inside a source.
	CallTimeout time.Duration
	// Redactor is for text a source builds itself.
	Redactor Redactor

	limits *runtimeLimits
	cache  *runCache
	stalls *stallClock
}

// Stalled is how long the collector was kept from running so far in the run
// (zero outside one): a call that waits while it grows by most of the wait
// timed out on the node's load, not necessarily on the daemon.
func (e *Env) Stalled() time.Duration { return e.stalls.stalled() }

// HostPath resolves a host path (a file, directory or socket) to the path to
// open, under --host-root when the collector runs in a container.
func (e *Env) HostPath(p string) string { return e.Host.Path(p) }

// Local is ep as this process reaches it: a unix socket's path under
// --host-root (the endpoint's recorded path stays the host's own).
func (e *Env) Local(ep endpoints.Endpoint) endpoints.Endpoint {
	if ep.Unix() {
		ep.Path = e.HostPath(ep.Path)
	}
	return ep
}

// PodNamespaceAllowed reports whether a Kubernetes namespace passes --pod-namespace.
func (e *Env) PodNamespaceAllowed(ns string) bool {
	return allowed(e.PodNamespaces, ns)
}

// NamespaceAllowed reports whether a containerd namespace passes --namespace.
func (e *Env) NamespaceAllowed(ns string) bool {
	return allowed(e.Namespaces, ns)
}

func allowed(filter []string, v string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, f := range filter {
		if f == v {
			return true
		}
	}
	return false
}

// Call runs fn with at most the runtime's current limit of calls in flight
// against runtime key (a socket path; the limit adapts to the runtime's
// latency, up to --per-runtime-calls), under CallTimeout. It is how sources keep from
// starving kubelet: every RPC to a runtime goes through Call.
func (e *Env) Call(ctx context.Context, key string, fn func(ctx context.Context) error) error {
	release, err := e.limits.acquire(ctx, key)
	if err != nil {
		return err
	}
	timeout := e.CallTimeout
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	// The call's latency moves the runtime's limit (limits.go).
	defer func() { release(time.Since(start)) }()
	return fn(cctx)
}
