package cri

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
)

// maxRecvMsg is the most a CRI daemon sends in one message (containerd's limit).
const maxRecvMsg = 16 << 20

// writer stores files and remembers when the budget is spent, so the
// endpoints stop asking their runtimes for data that could not be stored.
type writer struct {
	out   collect.Output
	spent atomic.Bool
}

func (w *writer) json(name string, v any) {
	if w.spent.Load() {
		return
	}
	if err := w.out.WriteJSON(name, v); err != nil {
		if errors.Is(err, collect.ErrBudget) {
			w.spent.Store(true)
			return
		}
		w.out.Partial(err.Error())
	}
}

func collectEndpoint(ctx context.Context, env *collect.Env, w *writer, ep endpoints.Endpoint) error {
	// A missing socket or a regular file in its place fails every call
	// with "connection refused"; say what it is instead.
	if err := endpoints.Check(env.Local(ep)); err != nil {
		msg := env.Redactor.String(err.Error())
		w.json(ep.Slug()+"/version.json", VersionRecord{Endpoint: ep.Path, Code: "Unavailable", Error: msg})
		return fmt.Errorf("unreachable: Unavailable: %s", msg)
	}
	// NewClient does not dial: the first call does, under its own deadline.
	conn, err := grpc.NewClient(env.Local(ep).Target(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvMsg)))
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	c := &client{env: env, ep: ep, rt: criapi.NewRuntimeServiceClient(conn), img: criapi.NewImageServiceClient(conn)}
	dir := ep.Slug() + "/"
	write := func(name string, v any) { w.json(dir+name, v) }
	defer func() {
		calls, dropped := c.recorded()
		write("calls.json", calls)
		if dropped > 0 {
			w.out.Partial(fmt.Sprintf("%s: calls.json: %d calls beyond the first %d not recorded", ep.Path, dropped, maxCalls))
		}
	}()

	var ver *criapi.VersionResponse
	if err := c.call(ctx, "Version", func(ctx context.Context) (err error) {
		ver, err = c.rt.Version(ctx, &criapi.VersionRequest{})
		return err
	}); err != nil {
		// A daemon that cannot answer Version answers nothing else: stop here
		// rather than spend one deadline per call on it.
		code, msg := codeOf(err), env.Redactor.String(err.Error())
		write("version.json", VersionRecord{Endpoint: ep.Path, Code: code, Error: msg})
		return fmt.Errorf("unreachable: %s: %s", code, msg)
	}
	write("version.json", VersionRecord{Endpoint: ep.Path, Version: ver, Code: "OK"})

	var st *criapi.StatusResponse
	if err := c.call(ctx, "Status", func(ctx context.Context) (err error) {
		st, err = c.rt.Status(ctx, &criapi.StatusRequest{Verbose: true})
		return err
	}); err == nil {
		write("status.json", StatusRecord{Status: st.Status, Info: decodeInfo(st.Info), RuntimeHandlers: st.RuntimeHandlers, Features: st.Features})
	}
	var rc *criapi.RuntimeConfigResponse
	rcErr := c.call(ctx, "RuntimeConfig", func(ctx context.Context) (err error) {
		rc, err = c.rt.RuntimeConfig(ctx, &criapi.RuntimeConfigRequest{})
		return err
	})
	write("runtime_config.json", RuntimeConfigRecord{Config: rc, Code: codeIfErr(rcErr)})

	if w.spent.Load() {
		return nil
	}
	pods, podNamespace := c.pods(ctx)
	write("pods.json", pods)
	if w.spent.Load() {
		return nil
	}
	containers := c.containers(ctx, podNamespace)
	write("containers.json", containers)
	if w.spent.Load() {
		return nil
	}
	write("images.json", c.images(ctx))

	var fs *criapi.ImageFsInfoResponse
	if err := c.call(ctx, "ImageFsInfo", func(ctx context.Context) (err error) {
		fs, err = c.img.ImageFsInfo(ctx, &criapi.ImageFsInfoRequest{})
		return err
	}); err == nil {
		write("imagefs.json", fs)
	}
	// The stats calls are off unless asked for: on containerd 1.7 with 100
	// pods ListPodSandboxStats alone keeps the daemon busy for ~6 s, and the
	// cgroup source reads the same memory, CPU and pids figures from the
	// kernel without touching the runtime.
	if env.CRIStats && !w.spent.Load() {
		c.stats(ctx, write, containers, pods)
	}
	return ctx.Err()
}

func codeIfErr(err error) string {
	if err == nil {
		return "OK"
	}
	return codeOf(err)
}

// decodeInfo turns verbose info (JSON in strings) into JSON, so the redactor
// sees its structure ({"key": "DB_PASSWORD", "value": ...} pairs included)
// and the analyzer decodes it without a second parse. A value that is not
// JSON is kept as a JSON string.
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
