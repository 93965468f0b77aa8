package crio

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	schema "github.com/rtsnap/rtsnap/internal/schema/crio"
	"github.com/rtsnap/rtsnap/redact"
)

// CRI-O's inspect endpoints (cri-o v1.34.0 server/inspect.go). Only these
// GETs are ever sent: the same mux serves /pause and /unpause, which change
// a container, and the collector never changes runtime state.
const (
	pathInfo       = "/info"
	pathConfig     = "/config"
	pathContainers = "/containers/"
)

// httpClient talks HTTP to one unix socket; every request still runs under
// env.Call's deadline and the per-runtime bound.
func httpClient(sock string) *http.Client {
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", sock)
		},
		DisableKeepAlives:     false,
		MaxIdleConns:          1,
		ResponseHeaderTimeout: 10 * time.Second,
	}}
}

type inspector struct {
	env    *collect.Env
	sock   string // the host's path, for records and the call bound
	client *http.Client
	calls  []schema.Call
}

// get fetches one inspect path, bounded; non-200 answers are errors.
func (in *inspector) get(ctx context.Context, p string) ([]byte, error) {
	start := time.Now()
	rec := schema.Call{Path: p}
	var body []byte
	err := in.env.Call(ctx, in.sock, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://crio"+p, nil)
		if err != nil {
			return err
		}
		resp, err := in.client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		rec.Status = resp.StatusCode
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		if len(body) > maxBody {
			return fmt.Errorf("%s: answer over %d bytes", p, maxBody)
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: HTTP %d", p, resp.StatusCode)
		}
		return nil
	})
	rec.DurationMS = time.Since(start).Milliseconds()
	if err != nil {
		rec.Error = in.env.Redactor.String(err.Error())
	}
	in.calls = append(in.calls, rec)
	return body, err
}

// inspectSocket asks CRI-O's inspect endpoints what `crio status info`,
// `crio status config` and `crio status containers --id` print.
func inspectSocket(ctx context.Context, env *collect.Env, out collect.Output, dir, sock string, ids []string) (s schema.Socket) {
	s.Path = sock
	local := env.Local(endpoints.Endpoint{Path: sock})
	if err := endpoints.Check(local); err != nil {
		s.Calls = []schema.Call{{Path: pathInfo, Error: env.Redactor.String(err.Error())}}
		out.Partial(fmt.Sprintf("%s: %v", sock, err))
		return s
	}
	in := &inspector{env: env, sock: sock, client: httpClient(local.Path)}
	defer in.client.CloseIdleConnections()
	defer func() { s.Calls = in.calls }()
	raw, err := in.get(ctx, pathInfo)
	if err != nil {
		out.Partial(fmt.Sprintf("%s: %v", sock, err))
		return s
	}
	s.Answers = true
	var info schema.Info
	if err := json.Unmarshal(raw, &info); err == nil {
		s.Info = &info
	}
	if raw, err := in.get(ctx, pathConfig); err == nil {
		name := path.Join(dir, "status-config.toml")
		if werr := out.WriteFile(name, redact.TOML, raw); werr == nil {
			s.ConfigFile = name
		}
	}
	for i, id := range ids {
		if ctx.Err() != nil {
			break
		}
		if i >= maxInspect {
			s.ContainersTruncated = true
			out.Partial(fmt.Sprintf("%s: container inspect cut at %d", sock, maxInspect))
			break
		}
		raw, err := in.get(ctx, pathContainers+id)
		if err != nil {
			continue // an infra container or one removed meanwhile: the call record says
		}
		var ci schema.ContainerInfo
		if json.Unmarshal(raw, &ci) == nil {
			ci.ID = id
			s.Containers = append(s.Containers, ci)
		}
	}
	return s
}

// criVersion is the daemon's RuntimeVersion over CRI ("1.34.0"), "" when it
// does not answer.
func criVersion(ctx context.Context, env *collect.Env, sock string) string {
	local := env.Local(endpoints.Endpoint{Path: sock})
	conn, err := grpc.NewClient("unix://"+local.Path, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return ""
	}
	defer conn.Close()
	var v string
	_ = env.Call(ctx, sock, func(ctx context.Context) error {
		r, err := cri.NewRuntimeServiceClient(conn).Version(ctx, &cri.VersionRequest{})
		if err == nil {
			v = r.RuntimeVersion
		}
		return err
	})
	return v
}
