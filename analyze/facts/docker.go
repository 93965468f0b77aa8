package facts

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Dockers lists every Docker daemon in the bundle: docker/ first, then
// docker/<slug>/ in slug order, each with its socket from endpoints.json.
func (n *Node) Dockers() []*Docker {
	var out []*Docker
	if n.Docker != nil {
		out = append(out, n.Docker)
	}
	for _, slug := range sortedKeys(n.DockerOthers) {
		out = append(out, n.DockerOthers[slug])
	}
	// The socket of each directory (the last endpoint naming it), looked
	// up: a scan of every endpoint per daemon was daemons x endpoints.
	var sockets map[string]string
	for _, d := range out {
		if d.Endpoint != "" {
			continue
		}
		if sockets == nil {
			sockets = map[string]string{}
			for _, e := range n.DockerEndpoints {
				sockets[e.Dir] = e.Path
			}
		}
		if p, ok := sockets[d.Dir]; ok {
			d.Endpoint = p
		}
	}
	return out
}

// dockerAt walks a raw Engine API object along path (nil when absent).
func dockerAt(m map[string]any, path ...string) any {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// DockerString reads a string field of a raw Engine API object ("" when absent).
func DockerString(m map[string]any, path ...string) string {
	s, _ := dockerAt(m, path...).(string)
	return s
}

// dockerLabels reads a string map of a raw Engine API object: Labels of a
// containers.json entry, Config.Labels of an inspect object.
func dockerLabels(m map[string]any, path ...string) map[string]string {
	raw, _ := dockerAt(m, path...).(map[string]any)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// KubeName is what cri-dockerd (and dockershim before it) encodes in a
// Docker container's name: k8s_<container>_<pod>_<namespace>_<uid>_<attempt>,
// the sandbox's container being "POD", and a random seventh field when the
// name was taken already (cri-dockerd core/naming.go tolerates it). Kubernetes
// names and UIDs hold no "_", so the fields split unambiguously.
type KubeName struct {
	Container, Pod, Namespace, UID string
	Attempt                        int
}

// ParseKubeName parses a Docker container name (with or without its leading
// "/"); ok is false for names not in that form.
func ParseKubeName(name string) (KubeName, bool) {
	f := strings.Split(strings.TrimPrefix(name, "/"), "_")
	if (len(f) != 6 && len(f) != 7) || f[0] != "k8s" || f[1] == "" || f[2] == "" || f[3] == "" {
		return KubeName{}, false
	}
	attempt, err := strconv.Atoi(f[5])
	if err != nil || attempt < 0 {
		return KubeName{}, false
	}
	return KubeName{Container: f[1], Pod: f[2], Namespace: f[3], UID: f[4], Attempt: attempt}, true
}

// DockerPodContainer is a Docker container that belongs to a pod (by its
// k8s_ name or io.kubernetes.* labels), joined to the CRI pod it belongs to
// when a CRI endpoint in the bundle lists that pod.
type DockerPodContainer struct {
	// DockerDir, DockerEndpoint: the daemon it was read from.
	DockerDir      string `json:"docker_dir"`
	DockerEndpoint string `json:"docker_endpoint,omitempty"`
	ID             string `json:"id"`
	Name           string `json:"name"`
	State          string `json:"state"`
	Sandbox        bool   `json:"sandbox"`
	// SandboxID is the pod's sandbox container id (the CRI pod id on cri-dockerd).
	SandboxID string `json:"sandbox_id,omitempty"`
	Pod       string `json:"pod"`
	Namespace string `json:"namespace"`
	UID       string `json:"uid,omitempty"`
	Container string `json:"container"`
	Attempt   int    `json:"attempt"`
	Ref       Ref    `json:"ref"`
	// The CRI pod it is joined to ("" when no CRI endpoint in the bundle lists it).
	CRIEndpoint     string `json:"cri_endpoint,omitempty"`
	CRIEndpointSlug string `json:"-"`
	CRIPodID        string `json:"cri_pod_id,omitempty"`
	CRIPodState     string `json:"cri_pod_state,omitempty"`
	CRIRef          Ref    `json:"cri_ref"`
}

// Joined says the CRI pod was found.
func (c DockerPodContainer) Joined() bool { return c.CRIPodID != "" }

// DockerPodContainers joins every pod-owned Docker container to its CRI pod:
// by sandbox id first (cri-dockerd's CRI pod id is the sandbox container's
// Docker id; its containers carry it as io.kubernetes.sandbox.id), else by
// the pod's namespace, name and uid. Sorted by daemon, pod, then name.
func (n *Node) DockerPodContainers() []DockerPodContainer {
	type podKey struct{ ns, name, uid string }
	type criPod struct {
		endpoint, slug, id, state string
		ref                       Ref
	}
	byID, byName := map[string]criPod{}, map[podKey]criPod{}
	for _, slug := range sortedKeys(n.CRI) {
		ep := n.CRI[slug]
		if ep.Pods == nil {
			continue
		}
		for i, p := range ep.Pods.Pods {
			if p == nil || p.Pod == nil {
				continue
			}
			cp := criPod{ep.Endpoint(), slug, p.Pod.Id, p.Pod.State.String(), Ref{ep.Dir + "/pods.json", fmt.Sprintf("/pods/%d", i)}}
			byID[p.Pod.Id] = cp
			if md := p.Pod.Metadata; md != nil {
				byName[podKey{md.Namespace, md.Name, md.Uid}] = cp
			}
		}
	}
	var out []DockerPodContainer
	for _, d := range n.Dockers() {
		for i, in := range d.Inspect {
			c, ok := dockerPodContainer(in)
			if !ok {
				continue
			}
			c.DockerDir, c.DockerEndpoint = d.Dir, d.Endpoint
			c.Ref = Ref{d.Dir + "/inspect.json", fmt.Sprintf("/%d", i)}
			cp, found := byID[c.SandboxID]
			if !found {
				cp, found = byName[podKey{c.Namespace, c.Pod, c.UID}]
			}
			if found {
				c.CRIEndpoint, c.CRIEndpointSlug, c.CRIPodID, c.CRIPodState, c.CRIRef = cp.endpoint, cp.slug, cp.id, cp.state, cp.ref
			}
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.DockerDir != b.DockerDir {
			return a.DockerDir < b.DockerDir
		}
		if a.Namespace+"/"+a.Pod != b.Namespace+"/"+b.Pod {
			return a.Namespace+"/"+a.Pod < b.Namespace+"/"+b.Pod
		}
		return a.Name < b.Name
	})
	return out
}

// dockerPodContainer reads one inspect object; ok is false for a container
// no pod owns. Labels win over the name: the name is cut at "_" boundaries
// and a label is what cri-dockerd set itself.
func dockerPodContainer(in map[string]any) (DockerPodContainer, bool) {
	c := DockerPodContainer{ID: DockerString(in, "Id"), Name: strings.TrimPrefix(DockerString(in, "Name"), "/"), State: DockerString(in, "State", "Status")}
	l := dockerLabels(in, "Config", "Labels")
	kn, named := ParseKubeName(c.Name)
	typ := l["io.kubernetes.docker.type"]
	if !named && typ == "" && l["io.kubernetes.pod.name"] == "" {
		return c, false
	}
	c.Sandbox = typ == "podsandbox" || (typ == "" && kn.Container == "POD")
	c.Pod = first(l["io.kubernetes.pod.name"], kn.Pod)
	c.Namespace = first(l["io.kubernetes.pod.namespace"], kn.Namespace)
	c.UID = first(l["io.kubernetes.pod.uid"], kn.UID)
	c.Container = first(l["io.kubernetes.container.name"], kn.Container)
	c.Attempt = kn.Attempt
	if c.Sandbox {
		c.SandboxID = c.ID
	} else {
		c.SandboxID = l["io.kubernetes.sandbox.id"]
	}
	return c, true
}
