// Package cri is the "cri" source: what crictl shows, for every CRI
// endpoint: version, status with its verbose info, runtime config, pods and
// containers with verbose status, images, image filesystems and stats.
package cri

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
)

// maxRecvMsg is the most a CRI daemon sends in one message (containerd's limit).
const maxRecvMsg = 16 << 20

// Source collects CRI state.
type Source struct{}

// New returns the cri source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "cri" }
func (Source) Description() string {
	return "CRI state of every CRI endpoint (what crictl shows): pods, containers, images, status, stats"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 32 << 20 }

func (Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	var eps []endpoints.Endpoint
	for _, e := range endpoints.Discover(env.RuntimeEndpoints) {
		if e.CRI() {
			eps = append(eps, e)
		}
	}
	if len(eps) == 0 {
		out.Skip("not present: no CRI socket (looked for " + wellKnownCRI() + ")")
		return nil
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []string
	)
	for _, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := collectEndpoint(ctx, env, out, ep); err != nil {
				mu.Lock()
				failed = append(failed, ep.Path)
				mu.Unlock()
				out.Partial(fmt.Sprintf("%s: %v", ep.Path, err))
			}
		}()
	}
	wg.Wait()
	if len(failed) == len(eps) {
		return fmt.Errorf("no CRI endpoint answered (%d tried)", len(eps))
	}
	return nil
}

func wellKnownCRI() string {
	s := ""
	for _, e := range endpoints.WellKnown() {
		if e.CRI() {
			if s != "" {
				s += ", "
			}
			s += e.Path
		}
	}
	return s
}

// client wraps one endpoint's CRI clients with call recording.
type client struct {
	env   *collect.Env
	ep    endpoints.Endpoint
	rt    criapi.RuntimeServiceClient
	img   criapi.ImageServiceClient
	mu    sync.Mutex
	calls []Call
}

// call runs one RPC through the engine's per-runtime limit and records it.
func (c *client) call(ctx context.Context, method string, fn func(ctx context.Context) error) error {
	start := time.Now()
	err := c.env.Call(ctx, c.ep.Path, fn)
	rec := Call{Method: method, DurationMS: time.Since(start).Milliseconds(), Code: "OK"}
	if err != nil {
		rec.Code = codeOf(err)
		rec.Error = c.env.Redactor.String(err.Error())
	}
	c.mu.Lock()
	if len(c.calls) < 5000 {
		c.calls = append(c.calls, rec)
	}
	c.mu.Unlock()
	return err
}

func codeOf(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "DeadlineExceeded"
	}
	if s, ok := status.FromError(err); ok {
		return s.Code().String()
	}
	return "Unknown"
}

func collectEndpoint(ctx context.Context, env *collect.Env, out collect.Output, ep endpoints.Endpoint) error {
	conn, err := grpc.NewClient("unix://"+ep.Path,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvMsg)))
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	c := &client{env: env, ep: ep, rt: criapi.NewRuntimeServiceClient(conn), img: criapi.NewImageServiceClient(conn)}
	dir := ep.Slug() + "/"
	write := func(name string, v any) {
		if err := out.WriteJSON(dir+name, v); err != nil && !errors.Is(err, collect.ErrBudget) {
			out.Partial(err.Error())
		}
	}
	defer func() { write("calls.json", c.calls) }()

	var ver *criapi.VersionResponse
	if err := c.call(ctx, "Version", func(ctx context.Context) (err error) {
		ver, err = c.rt.Version(ctx, &criapi.VersionRequest{})
		return err
	}); err != nil {
		// A daemon that cannot answer Version answers nothing else: stop here.
		write("version.json", VersionRecord{Endpoint: ep.Path, Error: env.Redactor.String(err.Error()), Code: codeOf(err)})
		return fmt.Errorf("unreachable: %s", codeOf(err))
	}
	write("version.json", VersionRecord{Endpoint: ep.Path, Version: ver})

	var st *criapi.StatusResponse
	if err := c.call(ctx, "Status", func(ctx context.Context) (err error) {
		st, err = c.rt.Status(ctx, &criapi.StatusRequest{Verbose: true})
		return err
	}); err == nil {
		write("status.json", StatusRecord{Status: st.Status, Info: decodeInfo(st.Info)})
	}
	var rc *criapi.RuntimeConfigResponse
	rcErr := c.call(ctx, "RuntimeConfig", func(ctx context.Context) (err error) {
		rc, err = c.rt.RuntimeConfig(ctx, &criapi.RuntimeConfigRequest{})
		return err
	})
	write("runtime_config.json", RuntimeConfigRecord{Config: rc, Code: codeIfErr(rcErr)})

	pods := c.pods(ctx)
	write("pods.json", pods)
	allowed := map[string]bool{}
	for _, p := range pods.Pods {
		allowed[p.Pod.GetId()] = true
	}
	containers := c.containers(ctx, allowed, len(env.PodNamespaces) > 0)
	write("containers.json", containers)
	write("images.json", c.images(ctx))

	var fs *criapi.ImageFsInfoResponse
	if err := c.call(ctx, "ImageFsInfo", func(ctx context.Context) (err error) {
		fs, err = c.img.ImageFsInfo(ctx, &criapi.ImageFsInfoRequest{})
		return err
	}); err == nil {
		write("imagefs.json", fs)
	}
	var cs *criapi.ListContainerStatsResponse
	if err := c.call(ctx, "ListContainerStats", func(ctx context.Context) (err error) {
		cs, err = c.rt.ListContainerStats(ctx, &criapi.ListContainerStatsRequest{})
		return err
	}); err == nil {
		write("container_stats.json", filterStats(cs.Stats, containers))
	}
	var ps *criapi.ListPodSandboxStatsResponse
	if err := c.call(ctx, "ListPodSandboxStats", func(ctx context.Context) (err error) {
		ps, err = c.rt.ListPodSandboxStats(ctx, &criapi.ListPodSandboxStatsRequest{})
		return err
	}); err == nil {
		var keep []*criapi.PodSandboxStats
		for _, s := range ps.Stats {
			if allowed[s.GetAttributes().GetId()] {
				keep = append(keep, s)
			}
		}
		write("pod_stats.json", keep)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

func codeIfErr(err error) string {
	if err == nil {
		return "OK"
	}
	return codeOf(err)
}

// decodeInfo turns verbose info (JSON in strings) into JSON, so the redactor
// sees its structure ({"key": "DB_PASSWORD", "value": ...} pairs included).
func decodeInfo(info map[string]string) map[string]json.RawMessage {
	if len(info) == 0 {
		return nil
	}
	out := make(map[string]json.RawMessage, len(info))
	for k, v := range info {
		if json.Valid([]byte(v)) {
			out[k] = json.RawMessage(v)
		} else {
			b, _ := json.Marshal(v)
			out[k] = b
		}
	}
	return out
}

func (c *client) pods(ctx context.Context) PodList {
	var res PodList
	var list *criapi.ListPodSandboxResponse
	if err := c.call(ctx, "ListPodSandbox", func(ctx context.Context) (err error) {
		list, err = c.rt.ListPodSandbox(ctx, &criapi.ListPodSandboxRequest{})
		return err
	}); err != nil {
		res.Error = c.env.Redactor.String(err.Error())
		return res
	}
	items := list.Items
	sort.Slice(items, func(i, j int) bool { return items[i].CreatedAt > items[j].CreatedAt })
	for _, p := range items {
		if !c.env.PodNamespaceAllowed(p.GetMetadata().GetNamespace()) {
			res.Filtered++
			continue
		}
		if c.env.MaxContainers > 0 && len(res.Pods) >= c.env.MaxContainers {
			res.Truncated = true
			break
		}
		res.Pods = append(res.Pods, &PodRecord{Pod: p})
	}
	c.parallel(ctx, len(res.Pods), func(i int) {
		rec := res.Pods[i]
		var st *criapi.PodSandboxStatusResponse
		if err := c.call(ctx, "PodSandboxStatus", func(ctx context.Context) (err error) {
			st, err = c.rt.PodSandboxStatus(ctx, &criapi.PodSandboxStatusRequest{PodSandboxId: rec.Pod.Id, Verbose: true})
			return err
		}); err != nil {
			rec.Error = c.env.Redactor.String(err.Error())
			return
		}
		rec.Status, rec.Info = st.Status, decodeInfo(st.Info)
	})
	return res
}

func (c *client) containers(ctx context.Context, pods map[string]bool, filtered bool) ContainerList {
	var res ContainerList
	var list *criapi.ListContainersResponse
	if err := c.call(ctx, "ListContainers", func(ctx context.Context) (err error) {
		list, err = c.rt.ListContainers(ctx, &criapi.ListContainersRequest{})
		return err
	}); err != nil {
		res.Error = c.env.Redactor.String(err.Error())
		return res
	}
	items := list.Containers
	sort.Slice(items, func(i, j int) bool { return items[i].CreatedAt > items[j].CreatedAt })
	for _, ct := range items {
		if filtered && !pods[ct.PodSandboxId] {
			res.Filtered++
			continue
		}
		if c.env.MaxContainers > 0 && len(res.Containers) >= c.env.MaxContainers {
			res.Truncated = true
			break
		}
		res.Containers = append(res.Containers, &ContainerRecord{Container: ct})
	}
	c.parallel(ctx, len(res.Containers), func(i int) {
		rec := res.Containers[i]
		var st *criapi.ContainerStatusResponse
		if err := c.call(ctx, "ContainerStatus", func(ctx context.Context) (err error) {
			st, err = c.rt.ContainerStatus(ctx, &criapi.ContainerStatusRequest{ContainerId: rec.Container.Id, Verbose: true})
			return err
		}); err != nil {
			rec.Error = c.env.Redactor.String(err.Error())
			return
		}
		rec.Status, rec.Info = st.Status, decodeInfo(st.Info)
	})
	return res
}

func (c *client) images(ctx context.Context) ImageList {
	var res ImageList
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

// maxImageStatus bounds the per-image verbose calls.
const maxImageStatus = 500

// parallel runs fn for 0..n-1 from a few goroutines; the engine's
// per-runtime limit decides how many calls are really in flight.
func (c *client) parallel(ctx context.Context, n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 8 && w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func filterStats(stats []*criapi.ContainerStats, kept ContainerList) []*criapi.ContainerStats {
	ids := map[string]bool{}
	for _, c := range kept.Containers {
		ids[c.Container.Id] = true
	}
	var out []*criapi.ContainerStats
	for _, s := range stats {
		if ids[s.GetAttributes().GetId()] {
			out = append(out, s)
		}
	}
	return out
}
