package cri

import (
	"context"
	"fmt"
	"sort"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/collect"
)

// maxImageStatus bounds the per-image verbose calls.
const maxImageStatus = 500

// podNamespaceLabel is the label kubelet puts on every container: it places
// a container whose pod is not in the pod list (removed meanwhile, or cut by
// --max-containers) in its namespace.
const podNamespaceLabel = "io.kubernetes.pod.namespace"

// pods lists pod sandboxes, newest first, filtered by --pod-namespace and cut
// at --max-containers, with each kept pod's status. It also returns every
// listed pod's namespace by id, filtered or not, for the containers.
//
// The status is verbose for every sandbox on a node of up to
// collect.VerbosePodsUpTo sandboxes; above it only for those not ready (for
// all with --cri-verbose-pods). A verbose PodSandboxStatus is two round trips
// to the sandbox's shim on containerd (the task, then its status) plus the
// spec and container records; without verbose it is the runtime's memory.
// On the scale lab (250 pods, docs/benchmarks.md) the verbose calls took a
// median of 164 ms during a collection, 51 s of calls in all; 250 without
// verbose took 11 s of calls (17 ms median) in the same conditions. What the
// verbose info holds of a ready sandbox is elsewhere in the bundle (its pid
// and state in runc, its spec and namespaces in containerd, its processes in
// proc) except the CNI result's interface details; the IPs are in the plain
// status. A sandbox that is not ready is where the info explains something
// (netns closed, task gone), and its shim is usually gone too, so the verbose
// call is cheap there.
func (c *client) pods(ctx context.Context) (PodList, map[string]string) {
	res := PodList{Pods: []*PodRecord{}}
	namespaces := map[string]string{}
	var list *criapi.ListPodSandboxResponse
	if err := c.call(ctx, "ListPodSandbox", func(ctx context.Context) (err error) {
		list, err = c.rt.ListPodSandbox(ctx, &criapi.ListPodSandboxRequest{})
		return err
	}); err != nil {
		res.Error = c.env.Redactor.String(err.Error())
		return res, namespaces
	}
	items := list.Items
	sort.SliceStable(items, func(i, j int) bool { return items[i].CreatedAt > items[j].CreatedAt })
	for _, p := range items {
		ns := p.GetMetadata().GetNamespace()
		namespaces[p.GetId()] = ns
		if !c.env.PodNamespaceAllowed(ns) {
			res.Filtered++
			continue
		}
		if c.env.MaxContainers > 0 && len(res.Pods) >= c.env.MaxContainers {
			res.Truncated = true
			continue
		}
		res.Pods = append(res.Pods, &PodRecord{Pod: p})
	}
	asksVerbose, plain := fullWhere(len(res.Pods), collect.VerbosePodsUpTo, c.env.CRIVerbosePods, func(i int) bool {
		return res.Pods[i].Pod.GetState() == criapi.PodSandboxState_SANDBOX_READY
	})
	if plain > 0 {
		res.InfoOmitted = fmt.Sprintf("%d of %d sandboxes are ready and were asked without verbose info, as on every node of more than %d sandboxes (their pid, spec and namespaces are in the runc, containerd and proc sources; the CNI result's interfaces are not): --cri-verbose-pods asks every one",
			plain, len(res.Pods), collect.VerbosePodsUpTo)
	}
	c.parallel(ctx, len(res.Pods), func(i int) {
		rec := res.Pods[i]
		var st *criapi.PodSandboxStatusResponse
		verbose := asksVerbose[i]
		method := "PodSandboxStatus"
		if verbose {
			// calls.json tells the two apart (their costs differ
			// tenfold), as the containerd source names a snapshotter.
			method += "/verbose"
		}
		if err := c.call(ctx, method, func(ctx context.Context) (err error) {
			st, err = c.rt.PodSandboxStatus(ctx, &criapi.PodSandboxStatusRequest{PodSandboxId: rec.Pod.Id, Verbose: verbose})
			return err
		}); err != nil {
			rec.Error = c.env.Redactor.String(err.Error())
			return
		}
		rec.Status, rec.Info = st.Status, decodeInfo(st.Info)
	})
	return res, namespaces
}

// fullWhere decides which of n records get the full treatment (a verbose
// status; for containers on the largest nodes, a status at all): every one
// when all is set or n is at most upTo, else those healthy(i) is false for
// (a ready sandbox, a running container gets less). rest counts the others.
func fullWhere(n, upTo int, all bool, healthy func(i int) bool) (full []bool, rest int) {
	full = make([]bool, n)
	for i := range full {
		full[i] = all || n <= upTo || !healthy(i)
		if !full[i] {
			rest++
		}
	}
	return full, rest
}

// containers lists containers in every state, newest first, keeping those
// whose pod namespace passes --pod-namespace (a container whose namespace is
// unknown is left out when a filter is set: the filter exists to keep other
// tenants out), cut at --max-containers, with each one's status.
//
// The status is verbose for every container on a node of up to
// collect.VerboseContainersUpTo containers; above it only for those not
// running (for all with --cri-verbose-containers). The verbose info of a
// containerd container is about 9 KB of JSON (its OCI spec, the CRI config,
// the snapshot and runtime) that containerd reads from its metadata store
// and encodes for each call, and the collector redacts; at 2,000 containers
// that was 18 MB per collection, and asking the running ones plainly halved
// the cri source's CPU on both sides (docs/benchmarks.md). What it holds of
// a running container is elsewhere in the bundle: the spec, snapshot and
// runtime in the containerd source, the pid in runc, the processes in proc;
// the plain status keeps the mounts, log path, times and resources. A
// container that is not running is where the info explains something
// (its pid, the removing flag), and there are few of them.
//
// On a node of more than collect.StatusContainersUpTo containers a running
// one is not asked its status at all (for all with --cri-status-all): on
// containerd 2.x even a plain status decodes its spec, and at 2,000
// containers those calls were most of what the collection cost the
// runtime. Its record is the list entry, marked StatusOmitted.
func (c *client) containers(ctx context.Context, podNamespace map[string]string) ContainerList {
	res := ContainerList{Containers: []*ContainerRecord{}}
	var list *criapi.ListContainersResponse
	if err := c.call(ctx, "ListContainers", func(ctx context.Context) (err error) {
		list, err = c.rt.ListContainers(ctx, &criapi.ListContainersRequest{})
		return err
	}); err != nil {
		res.Error = c.env.Redactor.String(err.Error())
		return res
	}
	items := list.Containers
	sort.SliceStable(items, func(i, j int) bool { return items[i].CreatedAt > items[j].CreatedAt })
	for _, ct := range items {
		if !c.containerAllowed(ct, podNamespace) {
			res.Filtered++
			continue
		}
		if c.env.MaxContainers > 0 && len(res.Containers) >= c.env.MaxContainers {
			res.Truncated = true
			continue
		}
		res.Containers = append(res.Containers, &ContainerRecord{Container: ct})
	}
	running := func(i int) bool {
		return res.Containers[i].Container.GetState() == criapi.ContainerState_CONTAINER_RUNNING
	}
	asked, unasked := fullWhere(len(res.Containers), collect.StatusContainersUpTo, c.env.CRIStatusAll, running)
	if unasked > 0 {
		res.StatusOmitted = fmt.Sprintf("%d of %d containers are running and their status was not asked, as on every node of more than %d containers (their state, image, labels and creation time are in this list, their start time in runc and proc, their mounts and resources in the containerd source's spec, their logs in the logs source): --cri-status-all asks every one",
			unasked, len(res.Containers), collect.StatusContainersUpTo)
	}
	asksVerbose, _ := fullWhere(len(res.Containers), collect.VerboseContainersUpTo, c.env.CRIVerboseContainers, running)
	plain := 0 // asked, but without verbose info
	for i := range asked {
		if asked[i] && !asksVerbose[i] {
			plain++
		}
	}
	if plain > 0 {
		res.InfoOmitted = fmt.Sprintf("%d of %d containers are running and were asked without verbose info, as on every node of more than %d containers (their spec, snapshot and runtime are in the containerd source, their pid in runc, their processes in proc): --cri-verbose-containers asks every one",
			plain, len(res.Containers), collect.VerboseContainersUpTo)
	}
	c.parallel(ctx, len(res.Containers), func(i int) {
		rec := res.Containers[i]
		if !asked[i] {
			rec.StatusOmitted = true
			return
		}
		var st *criapi.ContainerStatusResponse
		verbose := asksVerbose[i]
		method := "ContainerStatus"
		if verbose {
			method += "/verbose"
		}
		if err := c.call(ctx, method, func(ctx context.Context) (err error) {
			st, err = c.rt.ContainerStatus(ctx, &criapi.ContainerStatusRequest{ContainerId: rec.Container.Id, Verbose: verbose})
			return err
		}); err != nil {
			rec.Error = c.env.Redactor.String(err.Error())
			return
		}
		rec.Status, rec.Info = st.Status, decodeInfo(st.Info)
	})
	return res
}

func (c *client) containerAllowed(ct *criapi.Container, podNamespace map[string]string) bool {
	if len(c.env.PodNamespaces) == 0 {
		return true
	}
	ns, ok := podNamespace[ct.GetPodSandboxId()]
	if !ok {
		ns, ok = ct.GetLabels()[podNamespaceLabel]
	}
	return ok && c.env.PodNamespaceAllowed(ns)
}

// images lists images (node-wide: not filtered by namespace) with the
// verbose status of the first maxImageStatus.
func (c *client) images(ctx context.Context) ImageList {
	res := ImageList{Images: []*ImageRecord{}}
	var list *criapi.ListImagesResponse
	if err := c.call(ctx, "ListImages", func(ctx context.Context) (err error) {
		list, err = c.img.ListImages(ctx, &criapi.ListImagesRequest{})
		return err
	}); err != nil {
		res.Error = c.env.Redactor.String(err.Error())
		return res
	}
	for _, im := range list.Images {
		res.Images = append(res.Images, &ImageRecord{Image: im})
	}
	if len(res.Images) > maxImageStatus {
		res.StatusSkipped = len(res.Images) - maxImageStatus
	}
	c.parallel(ctx, min(len(res.Images), maxImageStatus), func(i int) {
		rec := res.Images[i]
		var st *criapi.ImageStatusResponse
		if err := c.call(ctx, "ImageStatus", func(ctx context.Context) (err error) {
			st, err = c.img.ImageStatus(ctx, &criapi.ImageStatusRequest{Image: &criapi.ImageSpec{Image: rec.Image.Id}, Verbose: true})
			return err
		}); err != nil {
			rec.Error = c.env.Redactor.String(err.Error())
			return
		}
		rec.Info = decodeInfo(st.Info)
	})
	return res
}

// stats writes the stats of the containers and pods kept above.
func (c *client) stats(ctx context.Context, write func(string, any), containers ContainerList, pods PodList) {
	keptContainers := map[string]bool{}
	for _, r := range containers.Containers {
		keptContainers[r.Container.GetId()] = true
	}
	keptPods := map[string]bool{}
	for _, r := range pods.Pods {
		keptPods[r.Pod.GetId()] = true
	}
	var cs *criapi.ListContainerStatsResponse
	if err := c.call(ctx, "ListContainerStats", func(ctx context.Context) (err error) {
		cs, err = c.rt.ListContainerStats(ctx, &criapi.ListContainerStatsRequest{})
		return err
	}); err == nil {
		keep := []*criapi.ContainerStats{}
		for _, s := range cs.Stats {
			if keptContainers[s.GetAttributes().GetId()] {
				keep = append(keep, s)
			}
		}
		write("container_stats.json", keep)
	}
	var ps *criapi.ListPodSandboxStatsResponse
	if err := c.call(ctx, "ListPodSandboxStats", func(ctx context.Context) (err error) {
		ps, err = c.rt.ListPodSandboxStats(ctx, &criapi.ListPodSandboxStatsRequest{})
		return err
	}); err == nil {
		keep := []*criapi.PodSandboxStats{}
		for _, s := range ps.Stats {
			if keptPods[s.GetAttributes().GetId()] {
				keep = append(keep, s)
			}
		}
		write("pod_stats.json", keep)
	}
}
