package facts

import (
	"errors"
	"fmt"
	"path"
	"strings"

	cgschema "github.com/rtsnap/rtsnap/internal/schema/cgroup"
	cfgschema "github.com/rtsnap/rtsnap/internal/schema/configs"
	cdschema "github.com/rtsnap/rtsnap/internal/schema/containerd"
	crischema "github.com/rtsnap/rtsnap/internal/schema/cri"
	discschema "github.com/rtsnap/rtsnap/internal/schema/discovery"
	dockerschema "github.com/rtsnap/rtsnap/internal/schema/docker"
	hostschema "github.com/rtsnap/rtsnap/internal/schema/host"
	jschema "github.com/rtsnap/rtsnap/internal/schema/journal"
	kubeletschema "github.com/rtsnap/rtsnap/internal/schema/kubelet"
	logschema "github.com/rtsnap/rtsnap/internal/schema/logs"
	mdbschema "github.com/rtsnap/rtsnap/internal/schema/metadb"
	procschema "github.com/rtsnap/rtsnap/internal/schema/proc"
	runcschema "github.com/rtsnap/rtsnap/internal/schema/runc"
)

// MaxJSONBytes bounds one structured file the analyzer decodes. The bundle
// reader already bounds files; this keeps one hostile file from costing more
// than a few times its size in memory.
const MaxJSONBytes = 64 << 20

// CRIEndpoint is everything cri/<slug>/ holds for one CRI endpoint.
type CRIEndpoint struct {
	Slug       string
	Dir        string
	Version    *crischema.VersionRecord
	Status     *crischema.StatusRecord
	Pods       *crischema.PodList
	Containers *crischema.ContainerList
	Images     *crischema.ImageList
	// RuntimeConfig is runtime_config.json (the cgroup driver the runtime uses).
	RuntimeConfig *crischema.RuntimeConfigRecord
	Calls         []crischema.Call
}

// ContainerdEndpoint is containerd/<slug>/ for one containerd socket.
type ContainerdEndpoint struct {
	Slug       string
	Dir        string
	Server     *cdschema.Server
	Plugins    []cdschema.Plugin
	Calls      []cdschema.Call
	Namespaces map[string]*ContainerdNS
}

// ContainerdNS is one containerd namespace's files.
type ContainerdNS struct {
	Name       string
	Containers []cdschema.Container
	Tasks      *cdschema.Tasks
	Images     []cdschema.Image
	Content    *cdschema.Content
	Snapshots  *cdschema.Snapshots
	Leases     []cdschema.Lease
}

// Docker holds docker/*.json (the first daemon read) or docker/<slug>/*.json
// (each further one) as the Engine API returned it (raw JSON maps).
type Docker struct {
	// Dir is the bundle directory: "docker" or "docker/<slug>".
	Dir string
	// Endpoint is the socket, from docker/endpoints.json ("" in bundles
	// from collectors that predate it).
	Endpoint   string
	Version    map[string]any
	Info       map[string]any
	Containers []map[string]any
	Inspect    []map[string]any
	Images     []map[string]any
}

// Discovery is discovery/*.json.
type Discovery struct {
	Endpoints []discschema.Socket
	// Kubelet is discovery/kubelet.json (the first kubelet only); Kubelets
	// is discovery/kubelets.json (every running one, nil in bundles that
	// predate it). Rules read Node.Kubelets, which merges both with
	// kubelet/kubelet.json (kubelet.go).
	Kubelet  *discschema.Kubelet
	Kubelets []discschema.KubeletRuntime
	Crictl   *discschema.Crictl
	Daemons  []discschema.Daemon
}

// Host is host/*.json.
type Host struct {
	Facts     *hostschema.Facts
	Versions  []hostschema.Version
	Processes []hostschema.Process
	Units     *hostschema.Units
	// Packages is the package manager's record of the runtime packages
	// (nil in bundles from collectors that predate it).
	Packages *hostschema.Packages
}

// Configs is configs/*.json (the config files themselves are read as text
// through Node.File by the rules that need them).
type Configs struct {
	Index      []cfgschema.Entry
	Containerd []cfgschema.Daemon
	Certs      []cfgschema.Cert
}

// Runtime facts parsed from the source files. Each is nil or empty when the
// source did not run or its file was unreadable (then a ParseError says so).
type sourceFacts struct {
	CRI        map[string]*CRIEndpoint
	Containerd map[string]*ContainerdEndpoint
	Docker     *Docker
	// DockerOthers are the further Docker daemons, by slug (docker/<slug>/).
	DockerOthers map[string]*Docker
	// DockerEndpoints is docker/endpoints.json: which socket is in which dir.
	DockerEndpoints []dockerschema.Endpoint
	Discovery       Discovery
	Host            Host
	Configs         Configs
	Runc            *runcschema.States
	Procs           []procschema.Process
	CgroupMode      *cgschema.Mode
	Cgroups         []cgschema.Container
	MetaDB          map[string]*mdbschema.Check
	Journal         *jschema.Meta
	LogIndex        *logschema.Index
	// Kubelet is kubelet/kubelet.json: every kubelet's effective settings.
	Kubelet *kubeletschema.Instances
	// Kubelets is every kubelet of the node, running or not, each from all
	// the files that know it (kubelet.go): what kubelet-scoped rules judge.
	Kubelets []Kubelet
	// CRIO is the crio source's files (facts_crio.go).
	CRIO CRIO
}

// errCut: a file left undecoded for the memory budget; the cut is
// recorded in Node.Cuts, so it is not also a parse error.
var errCut = errors.New("not decoded: over the analyzer's memory limit")

// decode reads one JSON document into v, rejecting trailing garbage. Its
// estimated decoded size is charged to the node's budget first: the byte
// limit alone let `[{"":0},...]` cost 60 times its size (issue #15).
func (n *Node) decode(p string, data []byte, v any) error {
	if len(data) > MaxJSONBytes {
		return fmt.Errorf("%d bytes is over the analyzer's %d-byte limit for one JSON file", len(data), MaxJSONBytes)
	}
	if cost := decodeCost(data, decodesIntoMaps(v)); !n.budget.charge(cost) {
		n.cut(p, "file not decoded", fmt.Sprintf("decoding it would take about %d MiB; %s", cost>>20, n.budget))
		return errCut
	}
	unmarshal := n.unmarshal
	if unmarshal == nil {
		unmarshal = defaultUnmarshal
	}
	if err := unmarshal(data, v); err != nil {
		return fmt.Errorf("not the expected JSON: %w", err)
	}
	return nil
}

// split returns a path's directory parts.
func split(p string) []string { return strings.Split(p, "/") }

func structuredParser() Parser {
	return Parser{
		Name: "sources",
		Match: func(p string) bool {
			return strings.HasSuffix(p, ".json") && p != "manifest.json" && p != "redaction-report.json" &&
				!strings.HasPrefix(p, "configs/etc/") && !strings.HasPrefix(p, "configs/var/") && !strings.HasPrefix(p, "configs/root/") &&
				!strings.HasPrefix(p, "configs/home/")
		},
		Parse: parseSourceFile,
	}
}

// parseSourceFile dispatches on the bundle path documented in docs/sources.md.
func parseSourceFile(n *Node, p string, data []byte) error {
	parts := split(p)
	base := path.Base(p)
	switch parts[0] {
	case "cri":
		if len(parts) != 3 {
			return nil
		}
		ep := n.criEndpoint(parts[1])
		switch base {
		case "version.json":
			return decodeInto(n, p, data, &ep.Version)
		case "status.json":
			return decodeInto(n, p, data, &ep.Status)
		case "pods.json":
			return decodeInto(n, p, data, &ep.Pods)
		case "containers.json":
			return decodeInto(n, p, data, &ep.Containers)
		case "images.json":
			return decodeInto(n, p, data, &ep.Images)
		case "runtime_config.json":
			return decodeInto(n, p, data, &ep.RuntimeConfig)
		case "calls.json":
			return n.decode(p, data, &ep.Calls)
		}
	case "containerd":
		if len(parts) == 3 {
			ep := n.containerdEndpoint(parts[1])
			switch base {
			case "server.json":
				return decodeInto(n, p, data, &ep.Server)
			case "plugins.json":
				return n.decode(p, data, &ep.Plugins)
			case "calls.json":
				return n.decode(p, data, &ep.Calls)
			}
			return nil
		}
		if len(parts) != 4 {
			return nil
		}
		ns := n.containerdEndpoint(parts[1]).namespace(parts[2])
		switch base {
		case "containers.json":
			return n.decode(p, data, &ns.Containers)
		case "tasks.json":
			return decodeInto(n, p, data, &ns.Tasks)
		case "images.json":
			return n.decode(p, data, &ns.Images)
		case "content.json":
			return decodeInto(n, p, data, &ns.Content)
		case "snapshots.json":
			return decodeInto(n, p, data, &ns.Snapshots)
		case "leases.json":
			return n.decode(p, data, &ns.Leases)
		}
	case "docker":
		if p == "docker/endpoints.json" {
			return n.decode(p, data, &n.DockerEndpoints)
		}
		var d *Docker
		switch len(parts) {
		case 2:
			if n.Docker == nil {
				n.Docker = &Docker{Dir: "docker"}
			}
			d = n.Docker
		case 3:
			if n.DockerOthers == nil {
				n.DockerOthers = map[string]*Docker{}
			}
			if d = n.DockerOthers[parts[1]]; d == nil {
				d = &Docker{Dir: "docker/" + parts[1]}
				n.DockerOthers[parts[1]] = d
			}
		default:
			return nil
		}
		switch base {
		case "version.json":
			return n.decode(p, data, &d.Version)
		case "info.json":
			return n.decode(p, data, &d.Info)
		case "containers.json":
			return n.decode(p, data, &d.Containers)
		case "inspect.json":
			return n.decode(p, data, &d.Inspect)
		case "images.json":
			return n.decode(p, data, &d.Images)
		}
	case "kubelet":
		if p == "kubelet/kubelet.json" {
			return decodeInto(n, p, data, &n.Kubelet)
		}
	case "discovery":
		switch p {
		case "discovery/endpoints.json":
			return n.decode(p, data, &n.Discovery.Endpoints)
		case "discovery/kubelet.json":
			return decodeInto(n, p, data, &n.Discovery.Kubelet)
		case "discovery/kubelets.json":
			var ks []discschema.KubeletRuntime
			if err := n.decode(p, data, &ks); err != nil {
				return err
			}
			if ks == nil {
				ks = []discschema.KubeletRuntime{} // present, none running: not an old bundle
			}
			n.Discovery.Kubelets = ks
			return nil
		case "discovery/crictl.json":
			return decodeInto(n, p, data, &n.Discovery.Crictl)
		case "discovery/daemons.json":
			return n.decode(p, data, &n.Discovery.Daemons)
		}
	case "host":
		switch p {
		case "host/host.json":
			return decodeInto(n, p, data, &n.Host.Facts)
		case "host/versions.json":
			return n.decode(p, data, &n.Host.Versions)
		case "host/processes.json":
			return n.decode(p, data, &n.Host.Processes)
		case "host/units.json":
			return decodeInto(n, p, data, &n.Host.Units)
		case "host/packages.json":
			return decodeInto(n, p, data, &n.Host.Packages)
		}
	case "configs":
		switch p {
		case "configs/index.json":
			return n.decode(p, data, &n.Configs.Index)
		case "configs/containerd.json":
			return n.decode(p, data, &n.Configs.Containerd)
		case "configs/certs.json":
			return n.decode(p, data, &n.Configs.Certs)
		}
	case "crio":
		return n.parseCRIO(p, data)
	case "runc":
		if p == "runc/states.json" {
			return decodeInto(n, p, data, &n.Runc)
		}
	case "proc":
		if p == "proc/processes.json" {
			return n.decode(p, data, &n.Procs)
		}
	case "cgroup":
		switch p {
		case "cgroup/mode.json":
			return decodeInto(n, p, data, &n.CgroupMode)
		case "cgroup/containers.json":
			return n.decode(p, data, &n.Cgroups)
		}
	case "metadb":
		// metadb/<pid>.json, or metadb/<endpoint>/check.json.
		if len(parts) <= 3 {
			var c *mdbschema.Check
			if err := decodeInto(n, p, data, &c); err != nil {
				return err
			}
			if c != nil {
				n.MetaDB[p] = c
			}
		}
	case "journal":
		if p == "journal/meta.json" {
			return decodeInto(n, p, data, &n.Journal)
		}
	case "logs":
		if p == "logs/index.json" {
			return decodeInto(n, p, data, &n.LogIndex)
		}
	}
	return nil
}

// decodeInto decodes into a fresh value and stores it only on success, so a
// half-decoded hostile file never reaches the rules.
func decodeInto[T any](n *Node, p string, data []byte, dst **T) error {
	v := new(T)
	if err := n.decode(p, data, v); err != nil {
		return err
	}
	*dst = v
	return nil
}

func (n *Node) criEndpoint(slug string) *CRIEndpoint {
	ep := n.CRI[slug]
	if ep == nil {
		ep = &CRIEndpoint{Slug: slug, Dir: "cri/" + slug}
		n.CRI[slug] = ep
	}
	return ep
}

func (n *Node) containerdEndpoint(slug string) *ContainerdEndpoint {
	ep := n.Containerd[slug]
	if ep == nil {
		ep = &ContainerdEndpoint{Slug: slug, Dir: "containerd/" + slug, Namespaces: map[string]*ContainerdNS{}}
		n.Containerd[slug] = ep
	}
	return ep
}

func (ep *ContainerdEndpoint) namespace(name string) *ContainerdNS {
	ns := ep.Namespaces[name]
	if ns == nil {
		ns = &ContainerdNS{Name: name}
		ep.Namespaces[name] = ns
	}
	return ns
}

// Endpoint is the socket path: as the collector recorded it, else guessed
// back from the slug (a path with "/" replaced by "_").
func (ep *CRIEndpoint) Endpoint() string {
	if ep.Version != nil && ep.Version.Endpoint != "" {
		return ep.Version.Endpoint
	}
	return slugPath(ep.Slug)
}

// Endpoint is the socket path, as for CRIEndpoint.
func (ep *ContainerdEndpoint) Endpoint() string {
	if ep.Server != nil && ep.Server.Endpoint != "" {
		return ep.Server.Endpoint
	}
	return slugPath(ep.Slug)
}

func slugPath(slug string) string { return "/" + strings.ReplaceAll(slug, "_", "/") + ".sock" }
