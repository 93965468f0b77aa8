package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/facts"
)

// MaxRuntimeChanges bounds the per-source changes one comparison reports.
const MaxRuntimeChanges = 5_000

// Runtime compares what the runtimes hold: pods and containers added,
// removed or changed state (CRI, containerd task, runc liveness, freezer),
// restart counts, image tags whose digest moved, and runtime, runc, Docker
// and kernel versions. Ids and pids are volatile (a restarted container
// gets a new id), so containers are keyed by runtime and Kubernetes name.
func Runtime(a, b *facts.Node, opts Options, r *Result) {
	var out []Change
	cmpMaps := func(section string, ma, mb map[string]string) {
		keys := map[string]bool{}
		for k := range ma {
			keys[k] = true
		}
		for k := range mb {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			va, okA := ma[k]
			vb, okB := mb[k]
			if okA && okB && va == vb {
				continue
			}
			if !okA {
				va = Absent
			}
			if !okB {
				vb = Absent
			}
			out = append(out, Change{Section: section, Field: k, Before: va, After: vb})
		}
	}
	cmpMaps("containers", containerStates(a), containerStates(b))
	cmpMaps("images", imageDigests(a), imageDigests(b))
	cmpMaps("versions", versions(a), versions(b))
	if len(out) > MaxRuntimeChanges {
		out = append(out[:MaxRuntimeChanges], Change{Section: "containers", Field: "(more)", Before: "", After: fmt.Sprintf("%d more changes left out", len(out)-MaxRuntimeChanges)})
	}
	r.Changes = append(r.Changes, out...)
}

// containerKey names a container stably across bundles.
func containerKey(c *facts.Container) string {
	ep := c.EndpointSlug
	if ep == "" {
		ep = c.Namespace
	}
	switch {
	case c.Pod != "" && c.Sandbox:
		return fmt.Sprintf("%s %s/%s (sandbox)", ep, c.PodNamespace, c.Pod)
	case c.Pod != "":
		return fmt.Sprintf("%s %s/%s/%s", ep, c.PodNamespace, c.Pod, c.Name)
	}
	return fmt.Sprintf("%s %s/%s", ep, c.Namespace, c.ID)
}

// containerStates maps each container key's fields to values: the state of
// its newest attempt as each layer reports it, and its restart count.
func containerStates(n *facts.Node) map[string]string {
	out := map[string]string{}
	newest := map[string]uint32{}
	for _, c := range n.Containers {
		k := containerKey(c)
		attempt := uint32(0)
		if c.CRI != nil && c.CRI.Container != nil {
			attempt = c.CRI.Container.GetMetadata().GetAttempt()
		}
		if prev, seen := newest[k]; seen && attempt < prev {
			continue
		}
		newest[k] = attempt
		for _, f := range []string{".cri", ".task", ".runc", ".freezer", ".restarts"} {
			delete(out, k+f)
		}
		if s := c.CRIState(); s != "" {
			out[k+".cri"] = s
		}
		if c.Task != nil {
			out[k+".task"] = c.Task.Status
		} else if c.NoTask != nil {
			out[k+".task"] = "(no task: " + c.NoTask.GetCode + ")"
		}
		if c.Runc != nil {
			out[k+".runc"] = c.Runc.Liveness.Verdict
		}
		if c.Cgroup != nil && (c.Cgroup.Freeze.State != "" || c.Cgroup.Freeze.V2Frozen != "") {
			out[k+".freezer"] = c.Cgroup.Freeze.State + c.Cgroup.Freeze.V2Frozen
		}
		if c.CRI != nil {
			restarts := fmt.Sprint(attempt)
			if c.CRI.Status != nil {
				if rc := c.CRI.Status.Annotations["io.kubernetes.container.restartCount"]; rc != "" {
					restarts = rc
				}
			}
			if !c.Sandbox {
				out[k+".restarts"] = restarts
			}
		}
	}
	return out
}

// imageDigests maps "<endpoint> <tag>" to the image id/digest it resolves to.
func imageDigests(n *facts.Node) map[string]string {
	out := map[string]string{}
	for _, slug := range facts.SortedKeys(n.CRI) {
		ep := n.CRI[slug]
		if ep.Images == nil {
			continue
		}
		for _, im := range ep.Images.Images {
			if im == nil || im.Image == nil {
				continue
			}
			for _, t := range im.Image.RepoTags {
				out[slug+" "+t] = im.Image.Id
			}
		}
	}
	for _, slug := range facts.SortedKeys(n.Containerd) {
		for _, nsName := range facts.SortedKeys(n.Containerd[slug].Namespaces) {
			if nsName == facts.CRINamespace {
				continue // the CRI view above already has them
			}
			for _, im := range n.Containerd[slug].Namespaces[nsName].Images {
				if !strings.HasPrefix(im.Name, "sha256:") {
					out[slug+" "+nsName+" "+im.Name] = im.Digest
				}
			}
		}
	}
	return out
}

// versions maps each component to its version string.
func versions(n *facts.Node) map[string]string {
	out := map[string]string{}
	for _, slug := range facts.SortedKeys(n.Containerd) {
		if s := n.Containerd[slug].Server; s != nil && s.Version != "" {
			out["containerd "+slug] = s.Version
		}
	}
	for _, slug := range facts.SortedKeys(n.CRI) {
		if v := n.CRI[slug].Version; v != nil && v.Version != nil {
			out["cri "+slug] = v.Version.RuntimeName + " " + v.Version.RuntimeVersion
		}
	}
	for _, v := range n.Host.Versions {
		if v.Output != "" {
			line, _, _ := strings.Cut(v.Output, "\n")
			out[v.Binary+" "+v.Path] = strings.TrimSpace(line)
		}
	}
	if n.Docker != nil && n.Docker.Version != nil {
		if s, ok := n.Docker.Version["Version"].(string); ok {
			out["docker engine"] = s
		}
	}
	if h := n.Host.Facts; h != nil {
		if h.KernelVersion != "" {
			out["kernel version"] = h.KernelVersion
		}
		if h.CgroupMode != "" {
			out["cgroup mode"] = h.CgroupMode
		}
	}
	return out
}
