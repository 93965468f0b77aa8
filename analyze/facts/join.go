package facts

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rtsnap/rtsnap/internal/runcstate"
	cgschema "github.com/rtsnap/rtsnap/internal/schema/cgroup"
	cdschema "github.com/rtsnap/rtsnap/internal/schema/containerd"
	crischema "github.com/rtsnap/rtsnap/internal/schema/cri"
	procschema "github.com/rtsnap/rtsnap/internal/schema/proc"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CRINamespace is the containerd namespace the CRI plugin uses. On
// containerd a CRI container id is the containerd container id and the runc
// id, so one id joins all of them.
const CRINamespace = "k8s.io"

// Container is one row of the join table: every view of one container (or
// pod sandbox) id, each with where it was read, so rules can cite evidence.
type Container struct {
	ID string
	// Sandbox is true for a pod sandbox (the pause container).
	Sandbox bool
	// Endpoint is the runtime socket the CRI or containerd view came from,
	// EndpointSlug its bundle directory name.
	Endpoint, EndpointSlug string
	// Namespace is the containerd (or runc root's) namespace.
	Namespace string
	// Pod, PodNamespace, Name: Kubernetes names from CRI metadata or labels.
	Pod, PodNamespace, PodUID, Name string

	CRI        *crischema.ContainerRecord
	CRIPod     *crischema.PodRecord
	CRIRef     Ref
	Containerd *cdschema.Container
	CDRef      Ref
	Task       *cdschema.Task
	TaskRef    Ref
	NoTask     *cdschema.MissingTask
	NoTaskRef  Ref
	Runc       *runcstate.State
	RuncRef    Ref
	Cgroup     *cgschema.Container
	CgroupRef  Ref
	Init       *procschema.Process
	InitRef    Ref
}

// Ref locates a record in the bundle: file path and JSON pointer.
type Ref struct{ Path, Pointer string }

// CRIState is the CRI state name (CONTAINER_RUNNING, SANDBOX_READY, ...), "" when CRI does not know the id.
func (c *Container) CRIState() string {
	switch {
	case c.CRI != nil && c.CRI.Container != nil:
		st := c.CRI.Container.State
		if c.CRI.Status != nil {
			st = c.CRI.Status.State
		}
		return criapi.ContainerState_name[int32(st)]
	case c.CRIPod != nil && c.CRIPod.Pod != nil:
		return criapi.PodSandboxState_name[int32(c.CRIPod.Pod.State)]
	}
	return ""
}

// CRIRunning says CRI reports the container running or the sandbox ready.
func (c *Container) CRIRunning() bool {
	s := c.CRIState()
	return s == "CONTAINER_RUNNING" || s == "SANDBOX_READY"
}

// Label is a short human name: namespace/pod/container, else the id.
func (c *Container) Label() string {
	if c.Pod != "" {
		if c.Sandbox {
			return c.PodNamespace + "/" + c.Pod + " (sandbox)"
		}
		return c.PodNamespace + "/" + c.Pod + "/" + c.Name
	}
	if c.Name != "" {
		return c.Name
	}
	return ShortID(c.ID)
}

// ShortID is the first 12 characters of a 64-character generated id, as
// crictl and docker show it; names people chose are left whole.
func ShortID(id string) string {
	if len(id) == 64 {
		return id[:12]
	}
	return id
}

// ContainerByID returns the join row for an id in any namespace.
func (n *Node) ContainerByID(id string) *Container {
	for _, c := range n.Containers {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// MaxJoinRows bounds the join table; a bundle is bounded by --max-containers
// already, this guards against a hand-made one.
const MaxJoinRows = 100_000

// join builds Node.Containers from the parsed per-source facts.
func (n *Node) join() {
	rows := map[string]*Container{}
	get := func(ns, id string) *Container {
		if id == "" {
			return nil
		}
		k := ns + "\x00" + id
		if c := rows[k]; c != nil {
			return c
		}
		if c := criRow(rows, ns, id); c != nil {
			return c
		}
		if len(rows) >= MaxJoinRows {
			return nil
		}
		c := &Container{ID: id, Namespace: ns}
		rows[k] = c
		return c
	}
	for _, slug := range sortedKeys(n.CRI) {
		ep := n.CRI[slug]
		if ep.Pods != nil {
			for i, p := range ep.Pods.Pods {
				if p == nil || p.Pod == nil {
					continue
				}
				c := get(CRINamespace, p.Pod.Id)
				if c == nil {
					continue
				}
				c.Sandbox, c.CRIPod = true, p
				c.CRIRef = Ref{ep.Dir + "/pods.json", fmt.Sprintf("/pods/%d", i)}
				c.Endpoint, c.EndpointSlug = ep.Endpoint(), slug
				if md := p.Pod.Metadata; md != nil {
					c.Pod, c.PodNamespace, c.PodUID = md.Name, md.Namespace, md.Uid
				}
			}
		}
		if ep.Containers != nil {
			pods := map[string]*criapi.PodSandboxMetadata{}
			if ep.Pods != nil {
				for _, p := range ep.Pods.Pods {
					if p != nil && p.Pod != nil {
						pods[p.Pod.Id] = p.Pod.Metadata
					}
				}
			}
			for i, r := range ep.Containers.Containers {
				if r == nil || r.Container == nil {
					continue
				}
				c := get(CRINamespace, r.Container.Id)
				if c == nil {
					continue
				}
				c.CRI = r
				c.CRIRef = Ref{ep.Dir + "/containers.json", fmt.Sprintf("/containers/%d", i)}
				c.Endpoint, c.EndpointSlug = ep.Endpoint(), slug
				if md := r.Container.Metadata; md != nil {
					c.Name = md.Name
				}
				if md := pods[r.Container.PodSandboxId]; md != nil {
					c.Pod, c.PodNamespace, c.PodUID = md.Name, md.Namespace, md.Uid
				} else {
					c.Pod = r.Container.Labels["io.kubernetes.pod.name"]
					c.PodNamespace = r.Container.Labels["io.kubernetes.pod.namespace"]
				}
			}
		}
	}
	for _, slug := range sortedKeys(n.Containerd) {
		ep := n.Containerd[slug]
		for _, nsName := range sortedKeys(ep.Namespaces) {
			ns := ep.Namespaces[nsName]
			base := ep.Dir + "/" + nsName
			for i := range ns.Containers {
				cd := &ns.Containers[i]
				c := get(nsName, cd.ID)
				if c == nil {
					continue
				}
				c.Containerd, c.CDRef = cd, Ref{base + "/containers.json", fmt.Sprintf("/%d", i)}
				if c.Endpoint == "" {
					c.Endpoint, c.EndpointSlug = ep.Endpoint(), slug
				}
				fillFromLabels(c, cd.Labels)
			}
			if ns.Tasks == nil {
				continue
			}
			for i := range ns.Tasks.Tasks {
				t := &ns.Tasks.Tasks[i]
				if c := get(nsName, t.ID); c != nil {
					c.Task, c.TaskRef = t, Ref{base + "/tasks.json", fmt.Sprintf("/tasks/%d", i)}
				}
			}
			for i := range ns.Tasks.WithoutTask {
				m := &ns.Tasks.WithoutTask[i]
				if c := get(nsName, m.ContainerID); c != nil {
					c.NoTask, c.NoTaskRef = m, Ref{base + "/tasks.json", fmt.Sprintf("/containers_without_task/%d", i)}
				}
			}
		}
	}
	if n.Runc != nil {
		for i := range n.Runc.States {
			s := &n.Runc.States[i]
			if c := get(s.Namespace, s.ID); c != nil {
				c.Runc, c.RuncRef = s, Ref{"runc/states.json", fmt.Sprintf("/states/%d", i)}
				labels := map[string]string{}
				for _, l := range s.Labels {
					if k, v, ok := strings.Cut(l, "="); ok {
						labels[k] = v
					}
				}
				fillFromLabels(c, labels)
			}
		}
	}
	n.joinCRIO(get)
	for i := range n.Cgroups {
		g := &n.Cgroups[i]
		if c := get(g.Namespace, g.ID); c != nil {
			c.Cgroup, c.CgroupRef = g, Ref{"cgroup/containers.json", fmt.Sprintf("/%d", i)}
		}
	}
	for i := range n.Procs {
		p := &n.Procs[i]
		if p.Role != "init" || p.ContainerID == "" {
			continue
		}
		c := rows[p.Namespace+"\x00"+p.ContainerID]
		if c == nil {
			c = criRow(rows, p.Namespace, p.ContainerID)
		}
		if c != nil {
			c.Init, c.InitRef = p, Ref{"proc/processes.json", fmt.Sprintf("/%d", i)}
		}
	}
	n.Containers = make([]*Container, 0, len(rows))
	for _, c := range rows {
		n.Containers = append(n.Containers, c)
	}
	sort.Slice(n.Containers, func(i, j int) bool {
		a, b := n.Containers[i], n.Containers[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.ID < b.ID
	})
}

// criRow is the CRI row of id for a record without a namespace: CRI-O's
// runtime root has no namespace directory, so its runc states, cgroups and
// init processes carry none, while CRI rows live in CRINamespace. Ids are
// 64 random hex digits: one id is one container.
func criRow(rows map[string]*Container, ns, id string) *Container {
	if ns != "" {
		return nil
	}
	if c := rows[CRINamespace+"\x00"+id]; c != nil && (c.CRI != nil || c.CRIPod != nil) {
		return c
	}
	return nil
}

// fillFromLabels takes Kubernetes names from CRI's labels on containerd
// containers and runc states when CRI itself did not give them.
func fillFromLabels(c *Container, l map[string]string) {
	if c.Pod == "" {
		c.Pod = first(l["io.kubernetes.pod.name"], l["io.kubernetes.cri.sandbox-name"])
		c.PodNamespace = first(l["io.kubernetes.pod.namespace"], l["io.kubernetes.cri.sandbox-namespace"])
	}
	if c.Name == "" {
		c.Name = first(l["io.kubernetes.container.name"], l["io.kubernetes.cri.container-name"])
	}
	if l["io.cri-containerd.kind"] == "sandbox" || l["io.kubernetes.cri.container-type"] == "sandbox" {
		c.Sandbox = true
	}
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SortedKeys lists a map's keys in order (for deterministic rules).
func SortedKeys[V any](m map[string]V) []string { return sortedKeys(m) }
