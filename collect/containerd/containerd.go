// Package containerd is the "containerd" source: containerd's own view in
// every namespace (what ctr shows) through its native API, for every
// containerd endpoint: version, introspection, plugins, namespaces,
// containers with specs, tasks (and containers missing from the task list),
// images with layer digests, content, snapshots and leases.
package containerd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/core/images"
	"github.com/containerd/containerd/v2/core/leases"
	"github.com/containerd/containerd/v2/core/snapshots"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/errdefs"
	"github.com/containerd/platforms"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/grpc/status"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
)

// Bounds on per-namespace lists.
const (
	maxImages    = 1000
	maxSnapshots = 20000
	maxLeases    = 5000
	maxSandboxes = 5000
	// maxManifestReads bounds the images whose manifest is read from the
	// content store for layer digests (each read is its own call).
	maxManifestReads = 200
	// maxTaskGets bounds the direct task lookups done when the task list
	// itself failed (each can wait for a shim that does not answer).
	maxTaskGets = 100
)

// taskGetTimeout is the deadline of a direct lookup of one task that the
// task list left out: its shim is likely gone or stuck, so do not wait long.
const taskGetTimeout = 2 * time.Second

// Source collects containerd's native view.
type Source struct {
	// taskListUpTo is collect.TaskListUpTo when 0; tests set -1 to take
	// the way without the task list in every namespace.
	taskListUpTo int
}

// New returns the containerd source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "containerd" }
func (Source) Description() string {
	return "containerd's native view in every namespace (what ctr shows): containers, tasks, images, content, snapshots, leases, plugins"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 48 << 20 }

func (src Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	// A flagged socket of unknown kind is tried too: it is most often a
	// containerd under another name, and a wrong guess costs one failed call.
	all := env.Endpoints()
	eps := append(endpoints.Of(all, endpoints.Containerd), endpoints.Of(all, endpoints.Unknown)...)
	if len(eps) == 0 {
		// On a CRI-O node no containerd is expected: say so, so the skip
		// does not read as a containerd that should be there and is not.
		if crio := endpoints.Of(all, endpoints.CRIO); len(crio) > 0 {
			out.Skip("not used on this node: its runtime is CRI-O (" + crio[0].Path + "), which the cri and crio sources collect; no containerd socket")
			return nil
		}
		out.Skip("not present: no containerd socket (looked for /run/containerd/containerd.sock, k3s and rke2 paths)")
		return nil
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
	)
	for _, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := src.collectEndpoint(ctx, env, out, ep); err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
				out.Partial(fmt.Sprintf("%s: %v", ep.Path, err))
			}
		}()
	}
	wg.Wait()
	if failed == len(eps) {
		return fmt.Errorf("no containerd endpoint answered (%d tried)", len(eps))
	}
	return nil
}

type session struct {
	env   *collect.Env
	ep    endpoints.Endpoint
	c     *client.Client
	out   collect.Output
	dir   string
	mu    sync.Mutex
	calls []Call
	// taskListUpTo: namespaces of more containers are not asked the task
	// list (tasks.go); get is getTask (a fake in tests of what follows
	// from the answers).
	taskListUpTo int
	get          func(ctx context.Context, ns, id string, timeout time.Duration) (*Task, MissingTask)
}

func (s *session) call(ctx context.Context, ns, method string, fn func(ctx context.Context) error) error {
	start := time.Now()
	if ns != "" {
		ctx = namespaces.WithNamespace(ctx, ns)
	}
	err := s.env.Call(ctx, s.ep.Path, fn)
	rec := Call{Method: method, Namespace: ns, DurationMS: time.Since(start).Milliseconds(), Code: "OK"}
	if err != nil {
		rec.Code, rec.Error = codeOf(err), s.env.Redactor.String(err.Error())
	}
	s.mu.Lock()
	if len(s.calls) < 5000 {
		s.calls = append(s.calls, rec)
	}
	s.mu.Unlock()
	return err
}

func codeOf(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "DeadlineExceeded"
	case errdefs.IsNotFound(err):
		return "NotFound"
	case errdefs.IsNotImplemented(err):
		return "Unimplemented"
	case errdefs.IsUnavailable(err):
		return "Unavailable"
	}
	if st, ok := status.FromError(err); ok {
		return st.Code().String()
	}
	return "Unknown"
}

func (s *session) write(name string, v any) {
	if err := s.out.WriteJSON(s.dir+name, v); err != nil && !errors.Is(err, collect.ErrBudget) {
		s.out.Partial(err.Error())
	}
}

func (src Source) collectEndpoint(ctx context.Context, env *collect.Env, out collect.Output, ep endpoints.Endpoint) error {
	c, err := client.New(env.HostPath(ep.Path), client.WithTimeout(env.CallTimeout))
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	defer c.Close()
	s := &session{env: env, ep: ep, c: c, out: out, dir: ep.Slug() + "/", taskListUpTo: collect.TaskListUpTo}
	if src.taskListUpTo != 0 {
		s.taskListUpTo = max(src.taskListUpTo, 0)
	}
	s.get = s.getTask
	defer func() { s.write("calls.json", s.calls) }()

	srv := Server{Endpoint: ep.Path}
	// containerd's dialer retries while the socket file does not exist, so a
	// missing socket would cost a whole call timeout and read as a timeout.
	if err := s.call(ctx, "", "Connect", func(context.Context) error {
		if !ep.Unix() {
			return fmt.Errorf("%w: containerd's API is served on a unix socket only", errdefs.ErrUnavailable)
		}
		if err := endpoints.Check(env.Local(ep)); err != nil {
			return fmt.Errorf("%w: %w", errdefs.ErrUnavailable, err)
		}
		return nil
	}); err != nil {
		srv.Code, srv.Error = codeOf(err), env.Redactor.String(err.Error())
		s.write("server.json", srv)
		// The reason, not only the code: "does not exist", "is a regular file".
		return fmt.Errorf("unreachable: %s", srv.Error)
	}
	var ver client.Version
	if err := s.call(ctx, "", "Version", func(ctx context.Context) (err error) {
		ver, err = c.Version(ctx)
		return err
	}); err != nil {
		srv.Code, srv.Error = codeOf(err), env.Redactor.String(err.Error())
		s.write("server.json", srv)
		return fmt.Errorf("unreachable: %s", srv.Code)
	}
	srv.Version, srv.Revision = ver.Version, ver.Revision
	_ = s.call(ctx, "", "Introspection.Server", func(ctx context.Context) error {
		resp, err := c.IntrospectionService().Server(ctx)
		if err != nil {
			return err
		}
		srv.UUID, srv.PID, srv.PIDNamespace = resp.UUID, resp.Pid, resp.Pidns
		for _, d := range resp.Deprecations {
			srv.Deprecations = append(srv.Deprecations, Deprecation{ID: d.ID, Message: d.Message, LastOccu: d.LastOccurrence.AsTime()})
		}
		return nil
	})
	s.write("server.json", srv)
	s.write("events.json", Events{Kept: false, Reason: "containerd keeps no event history; only a live subscription shows events, and a snapshot does not open one"})

	var plugins []Plugin
	snapshotters := []string{}
	_ = s.call(ctx, "", "Introspection.Plugins", func(ctx context.Context) error {
		resp, err := c.IntrospectionService().Plugins(ctx)
		if err != nil {
			return err
		}
		for _, p := range resp.Plugins {
			pl := Plugin{Type: p.Type, ID: p.ID, Requires: p.Requires}
			for _, pf := range p.Platforms {
				pl.Platforms = append(pl.Platforms, pf.OS+"/"+pf.Architecture)
			}
			if p.InitErr != nil {
				pl.InitError = env.Redactor.String(p.InitErr.Message)
			} else if p.Type == "io.containerd.snapshotter.v1" {
				snapshotters = append(snapshotters, p.ID)
			}
			plugins = append(plugins, pl)
		}
		return nil
	})
	s.write("plugins.json", plugins)

	var nss []Namespace
	if err := s.call(ctx, "", "Namespaces.List", func(ctx context.Context) error {
		names, err := c.NamespaceService().List(ctx)
		if err != nil {
			return err
		}
		sort.Strings(names)
		for _, n := range names {
			labels, _ := c.NamespaceService().Labels(ctx, n)
			nss = append(nss, Namespace{Name: n, Labels: labels})
		}
		return nil
	}); err != nil {
		return fmt.Errorf("listing namespaces: %s", codeOf(err))
	}
	s.write("namespaces.json", nss)
	for _, ns := range nss {
		if !env.NamespaceAllowed(ns.Name) || ctx.Err() != nil {
			continue
		}
		s.namespace(ctx, ns.Name, snapshotters)
	}
	return ctx.Err()
}

func (s *session) namespace(ctx context.Context, ns string, snapshotters []string) {
	dir := ns + "/"
	var ctrs []Container
	_ = s.call(ctx, ns, "Containers.List", func(ctx context.Context) error {
		list, err := s.c.ContainerService().List(ctx)
		if err != nil {
			return err
		}
		sort.Slice(list, func(i, j int) bool { return list[i].CreatedAt.After(list[j].CreatedAt) })
		for _, ct := range list {
			if s.env.MaxContainers > 0 && len(ctrs) >= s.env.MaxContainers {
				s.out.Partial(fmt.Sprintf("%s %s: containers cut at --max-containers %d", s.ep.Path, ns, s.env.MaxContainers))
				break
			}
			rec := Container{ID: ct.ID, Image: ct.Image, Runtime: ct.Runtime.Name, Snapshotter: ct.Snapshotter,
				SnapshotKey: ct.SnapshotKey, SandboxID: ct.SandboxID, Labels: ct.Labels, CreatedAt: ct.CreatedAt, UpdatedAt: ct.UpdatedAt}
			if ct.Spec != nil && json.Valid(ct.Spec.GetValue()) {
				rec.Spec = json.RawMessage(ct.Spec.GetValue())
			}
			ctrs = append(ctrs, rec)
		}
		return nil
	})
	s.write(dir+"containers.json", ctrs)
	s.write(dir+"tasks.json", s.tasks(ctx, ns, ctrs))
	s.write(dir+"sandboxes.json", s.sandboxes(ctx, ns))
	s.write(dir+"images.json", s.images(ctx, ns))
	s.write(dir+"content.json", s.content(ctx, ns))
	s.write(dir+"snapshots.json", s.snapshots(ctx, ns, snapshotters))
	s.write(dir+"leases.json", s.leases(ctx, ns))
}

// statusName follows containerd's task status enum.
func statusName(v int32) string {
	switch v {
	case 1:
		return "CREATED"
	case 2:
		return "RUNNING"
	case 3:
		return "STOPPED"
	case 4:
		return "PAUSED"
	case 5:
		return "PAUSING"
	}
	return "UNKNOWN"
}

func (s *session) images(ctx context.Context, ns string) []Image {
	var (
		out     []Image
		targets []ocispec.Descriptor
	)
	_ = s.call(ctx, ns, "Images.List", func(ctx context.Context) error {
		list, err := s.c.ImageService().List(ctx)
		if err != nil {
			return err
		}
		for i, im := range list {
			if i >= maxImages {
				s.out.Partial(fmt.Sprintf("%s %s: images cut at %d", s.ep.Path, ns, maxImages))
				break
			}
			out = append(out, Image{Name: im.Name, Digest: im.Target.Digest.String(), MediaType: im.Target.MediaType, Size: im.Target.Size,
				Labels: im.Labels, CreatedAt: im.CreatedAt, UpdatedAt: im.UpdatedAt})
			targets = append(targets, im.Target)
		}
		return nil
	})
	// Layer digests for the host platform, read from the content store: one
	// call per image so a slow store costs one image's layers, not the list.
	for i := range out {
		if i >= maxManifestReads || ctx.Err() != nil {
			out[i].ManifestErr = "not read: bound of manifest reads reached"
			continue
		}
		err := s.call(ctx, ns, "Content.ReadManifest", func(ctx context.Context) error {
			cs := s.c.ContentStore()
			m, err := images.Manifest(ctx, cs, targets[i], platforms.Default())
			for _, l := range m.Layers {
				out[i].LayerDigests = append(out[i].LayerDigests, l.Digest.String())
			}
			if err != nil {
				return err
			}
			// What `ctr images ls` shows: the host platform's size and the
			// platforms the index holds (the same few blobs, now cached).
			im := images.Image{Name: out[i].Name, Target: targets[i]}
			if out[i].PlatformSize, err = im.Size(ctx, cs, platforms.Default()); err != nil {
				return err
			}
			specs, err := images.Platforms(ctx, cs, targets[i])
			for _, p := range specs {
				out[i].Platforms = append(out[i].Platforms, platforms.Format(p))
			}
			return err
		})
		if err != nil {
			out[i].ManifestErr = s.env.Redactor.String(err.Error())
		}
	}
	return out
}

func (s *session) sandboxes(ctx context.Context, ns string) Sandboxes {
	res := Sandboxes{Sandboxes: []Sandbox{}, Code: "OK"}
	err := s.call(ctx, ns, "Sandboxes.List", func(ctx context.Context) error {
		list, err := s.c.SandboxStore().List(ctx)
		for i, sb := range list {
			if i >= maxSandboxes {
				res.Truncated = true
				break
			}
			res.Sandboxes = append(res.Sandboxes, Sandbox{ID: sb.ID, Sandboxer: sb.Sandboxer, Runtime: sb.Runtime.Name,
				Labels: sb.Labels, CreatedAt: sb.CreatedAt, UpdatedAt: sb.UpdatedAt})
		}
		return err
	})
	if err != nil {
		res.Code, res.Error = codeOf(err), s.env.Redactor.String(err.Error())
	}
	return res
}

func (s *session) content(ctx context.Context, ns string) Content {
	var res Content
	if err := s.call(ctx, ns, "Content.Walk", func(ctx context.Context) error {
		return s.c.ContentStore().Walk(ctx, func(info content.Info) error {
			res.Blobs++
			res.TotalBytes += info.Size
			return ctx.Err()
		})
	}); err != nil {
		res.Error = s.env.Redactor.String(err.Error())
	}
	_ = s.call(ctx, ns, "Content.ListStatuses", func(ctx context.Context) error {
		sts, err := s.c.ContentStore().ListStatuses(ctx)
		for _, st := range sts {
			res.Ingests = append(res.Ingests, Ingest{Ref: st.Ref, Offset: st.Offset, Total: st.Total, StartedAt: st.StartedAt, UpdatedAt: st.UpdatedAt})
		}
		return err
	})
	return res
}

func (s *session) snapshots(ctx context.Context, ns string, snapshotters []string) Snapshots {
	res := Snapshots{Snapshots: []Snapshot{}}
	for _, name := range snapshotters {
		err := s.call(ctx, ns, "Snapshots.Walk/"+name, func(ctx context.Context) error {
			return s.c.SnapshotService(name).Walk(ctx, func(ctx context.Context, info snapshots.Info) error {
				if len(res.Snapshots) >= maxSnapshots {
					res.Truncated = true
					return nil
				}
				res.Snapshots = append(res.Snapshots, Snapshot{Snapshotter: name, Key: info.Name, Parent: info.Parent,
					Kind: info.Kind.String(), Labels: info.Labels, CreatedAt: info.Created})
				return ctx.Err()
			})
		})
		if err != nil {
			if res.Errors == nil {
				res.Errors = map[string]string{}
			}
			res.Errors[name] = s.env.Redactor.String(err.Error())
		}
	}
	return res
}

func (s *session) leases(ctx context.Context, ns string) []Lease {
	var out []Lease
	_ = s.call(ctx, ns, "Leases.List", func(ctx context.Context) error {
		list, err := s.c.LeasesService().List(ctx)
		if err != nil {
			return err
		}
		for i, l := range list {
			if i >= maxLeases {
				break
			}
			rec := Lease{ID: l.ID, CreatedAt: l.CreatedAt, Labels: l.Labels}
			if rs, err := s.c.LeasesService().ListResources(ctx, leases.Lease{ID: l.ID}); err == nil {
				for j, r := range rs {
					if j >= 100 {
						break
					}
					rec.Resources = append(rec.Resources, r.Type+"/"+r.ID)
				}
			}
			out = append(out, rec)
		}
		return nil
	})
	return out
}
