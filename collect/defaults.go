package collect

import "time"

// Defaults of a collection run: Options' zero values mean these, and
// `rtsnap collect`'s flags show them. One definition for both.
const (
	DefaultTimeout         = 60 * time.Second
	DefaultSourceTimeout   = 15 * time.Second
	DefaultCallTimeout     = 5 * time.Second
	DefaultMaxSize         = 64 << 20
	DefaultParallel        = 4
	DefaultPerRuntimeCalls = 4
	DefaultSince           = time.Hour
	// DefaultMaxContainers covers every container of the busiest nodes
	// people run: kubelet's max-pods is 110 by default and 250 at the upper
	// end (OpenShift's default), and a pod with init and sidecar containers
	// has up to ten; the scale lab (250 pods x 8, docs/benchmarks.md) is
	// collected whole. The bound is there for a runaway node, not a busy one:
	// the sources' byte budgets are sized for it.
	DefaultMaxContainers = 5000
	// VerbosePodsUpTo: on a node with up to this many pod sandboxes the cri
	// source asks every sandbox's status with verbose info, as crictl
	// inspectp does; above it only the sandboxes not ready (and all with
	// --cri-verbose-pods). 110 is kubelet's default max-pods. A verbose
	// PodSandboxStatus on containerd is two round trips to the sandbox's
	// shim: at 250 pods during a collection on a loaded node they took a
	// median of 164 ms, 51 s of calls (docs/benchmarks.md).
	VerbosePodsUpTo = 110
	// VerboseContainersUpTo: on a node with up to this many CRI containers
	// the cri source asks every container's status with verbose info, as
	// crictl inspect does; above it only the containers not running (and
	// all with --cri-verbose-containers). The verbose info is about 9 KB per
	// container that containerd reads and encodes and the collector
	// redacts: at 2,000 containers asking the running ones plainly halved
	// the cri source's CPU in the collector and in containerd
	// (docs/benchmarks.md). 250 is the busiest common node's pod count.
	VerboseContainersUpTo = 250
	// StatusContainersUpTo: on a node with up to this many CRI containers
	// the cri source asks every container's status (ContainerStatus), as
	// crictl inspect does; above it only the containers not running (and
	// all with --cri-status-all). On containerd 2.x even a plain status
	// decodes the container's OCI spec from the metadata store (for its
	// process's user, toCRIContainerUser): at 2,000 containers the calls
	// cost containerd 0.85–1.15 CPU-s, half a millisecond each, against
	// 0.07 for 250 PodSandboxStatus, and they set the cri source's wall
	// time (docs/benchmarks.md). What the status holds of a running
	// container is elsewhere in the bundle: its state, image, labels,
	// annotations and creation time in the list, its start time in runc
	// and proc, its mounts and resources in the containerd source's spec,
	// its log in the logs source. A node at kubelet's default max-pods (110)
	// with nine containers a pod stays under it.
	StatusContainersUpTo = 1000
	// TaskListUpTo: in a containerd namespace of up to this many
	// containers the containerd source asks containerd's task list, as
	// `ctr tasks ls` does; above it only the tasks the runc state and /proc
	// do not vouch for, and a sample of the shims they do (all with
	// --containerd-task-list). The list asks every shim in turn: at 2,250
	// tasks one list cost containerd 1.2 s and the shims 0.9 s of CPU on a
	// loaded 2-core node (docs/benchmarks.md), about 1 ms per task, so up
	// to here it costs the runtime a quarter of a second at most.
	TaskListUpTo = 250
	// DefaultMemoryLimit is the soft limit on the collector's Go memory
	// (debug.SetMemoryLimit, as GOMEMLIMIT; --memory-limit). The collector
	// lives seconds, so the GC's default pace (GOGC 100) is kept: at 2,000
	// containers GOGC 200 used no less CPU (docs/benchmarks.md), and the
	// limit is what bounds the heap. Since the list documents are written
	// record by record the live heap stays under it there too.
	DefaultMemoryLimit = 100 << 20
	// MinTimeout is the shortest whole-run bound: the archive is written
	// in the last commitReserve of it, and sources need the rest.
	MinTimeout = 2 * commitReserve
	// ExitMargin: the process normally exits within --timeout + ExitMargin.
	// Sources stop commitReserve before --timeout and the archive, already
	// compressed in memory, is written after.
	ExitMargin = 2 * time.Second
	// CommitGrace is how much longer than --timeout + ExitMargin the archive
	// may take to write on a node so loaded that the collector gets a sliver
	// of a CPU (a support case's node is often that one). By then everything
	// collected is in memory and losing it to a deadline is the worst outcome;
	// past the grace the process exits without a bundle. The fleet Job's
	// deadline (--timeout + 1 min) leaves room for it.
	CommitGrace = 30 * time.Second
)
