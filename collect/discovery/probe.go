package discovery

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
)

// probeAll stats and dials every candidate. A socket listed under several
// origins (well-known and kubelet's, say) is dialled once: a hung daemon then
// costs one call timeout, not one per origin. Probes run concurrently;
// env.Call keeps the calls per runtime bounded.
func probeAll(ctx context.Context, env *collect.Env, cands []endpoints.Endpoint) []Socket {
	type result struct {
		once sync.Once
		s    Socket
	}
	var mu sync.Mutex
	byPath := map[string]*result{}
	resultOf := func(e endpoints.Endpoint) *result {
		key := e.Path
		if r, err := filepath.EvalSymlinks(env.HostPath(e.Path)); err == nil {
			key = r
		}
		mu.Lock()
		defer mu.Unlock()
		if byPath[key] == nil {
			byPath[key] = &result{}
		}
		return byPath[key]
	}
	out := make([]Socket, len(cands))
	var wg sync.WaitGroup
	for i, e := range cands {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := resultOf(e)
			r.once.Do(func() { r.s = probe(ctx, env, e) })
			s := r.s
			s.Endpoint = e
			out[i] = s
		}()
	}
	wg.Wait()
	return out
}

// probe records what the socket file is and whether a daemon answers on it.
func probe(ctx context.Context, env *collect.Env, e endpoints.Endpoint) Socket {
	s := Socket{Endpoint: e}
	if !e.Unix() {
		// tcp://host:port: nothing to stat; the dial says what is there.
		return dial(ctx, env, e, s)
	}
	fi, err := os.Stat(env.HostPath(e.Path))
	if err != nil {
		s.Error = env.Redactor.String(checkOr(env, e, err).Error())
		return s
	}
	s.Exists, s.IsSocket, s.Mode = true, fi.Mode()&os.ModeSocket != 0, fi.Mode().String()
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.UID, s.GID = int(st.Uid), int(st.Gid)
		if u, err := user.LookupId(strconv.Itoa(s.UID)); err == nil {
			s.Owner = u.Username
		}
		if g, err := user.LookupGroupId(strconv.Itoa(s.GID)); err == nil {
			s.Group = g.Name
		}
	}
	if err := endpoints.Check(env.Local(e)); err != nil {
		// Not a socket, or not ours to connect to: say which.
		s.Error = env.Redactor.String(err.Error())
		return s
	}
	return dial(ctx, env, e, s)
}

// checkOr is endpoints.Check's explanation of a failed stat, else err.
func checkOr(env *collect.Env, e endpoints.Endpoint, err error) error {
	if c := endpoints.Check(env.Local(e)); c != nil {
		return c
	}
	return err
}

// dial asks the endpoint who it is and records the answer or the dial error.
func dial(ctx context.Context, env *collect.Env, e endpoints.Endpoint, s Socket) Socket {
	var err error
	start, stalled := time.Now(), env.Stalled()
	if e.Kind == endpoints.Docker {
		err = pingDocker(ctx, env, e.Path, &s)
	} else {
		err = criVersion(ctx, env, e, &s)
	}
	s.LatencyMS = time.Since(start).Milliseconds()
	s.CollectorStalledMS = (env.Stalled() - stalled).Milliseconds()
	if err != nil {
		s.Code, s.Error = codeOf(err), env.Redactor.String(err.Error())
	} else {
		s.Answers, s.Code = true, "OK"
	}
	return s
}

// criVersion asks the CRI Version call, the cheapest one every CRI runtime
// serves; its answer names the runtime.
func criVersion(ctx context.Context, env *collect.Env, e endpoints.Endpoint, s *Socket) error {
	return env.Call(ctx, e.Path, func(ctx context.Context) error {
		conn, err := grpc.NewClient(env.Local(e).Target(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return err
		}
		defer conn.Close()
		v, err := criapi.NewRuntimeServiceClient(conn).Version(ctx, &criapi.VersionRequest{})
		if err == nil {
			s.Runtime = v.RuntimeName + " " + v.RuntimeVersion
		}
		return err
	})
}

// pingDocker asks Docker's /_ping: Docker's own socket speaks HTTP, not CRI.
func pingDocker(ctx context.Context, env *collect.Env, path string, s *Socket) error {
	return env.Call(ctx, path, func(ctx context.Context) error {
		hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", env.HostPath(path))
		}}}
		defer hc.CloseIdleConnections()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/_ping", nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		s.Runtime = "docker " + resp.Header.Get("Api-Version")
		if resp.StatusCode != http.StatusOK {
			return errors.New(resp.Status)
		}
		return nil
	})
}

// codeOf names an error the way calls.json of the cri source does: a gRPC
// code, DeadlineExceeded for a deadline, Unavailable for a socket nobody
// listens on (Docker's HTTP dial), else Unknown.
func codeOf(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "DeadlineExceeded"
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) {
		return "Unavailable"
	}
	if st, ok := status.FromError(err); ok {
		return st.Code().String()
	}
	return "Unknown"
}
