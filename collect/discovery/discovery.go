// Package discovery is the "discovery" source: which runtime endpoints exist
// and answer, with their permissions, what crictl and kubelet are configured
// to use, and which runtime daemons run with which command lines.
package discovery

import (
	"context"
	"errors"
	schema "github.com/rtsnap/rtsnap/internal/schema/discovery"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"sigs.k8s.io/yaml"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/procscan"
)

// Source discovers runtimes.
type Source struct{}

// New returns the discovery source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "discovery" }
func (Source) Description() string {
	return "runtime endpoints (existence, permissions, whether they answer), crictl and kubelet endpoints, runtime daemons"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 2 << 20 }

func (Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	procs, _ := procscan.List(env.ProcRoot)
	cands := endpoints.WellKnown()
	for i := range cands {
		cands[i].Origin = "well-known"
	}
	for _, f := range env.RuntimeEndpoints {
		cands = append(cands, endpoints.Parse(f))
	}
	crictl := readCrictl()
	if crictl.RuntimeEndpoint != "" {
		e := endpoints.Parse(crictl.RuntimeEndpoint)
		e.Origin = "crictl.yaml"
		cands = append(cands, e)
	}
	kub := kubelet(procs, env)
	if kub.RuntimeEndpoint != "" {
		e := endpoints.Parse(kub.RuntimeEndpoint)
		e.Origin = "kubelet"
		cands = append(cands, e)
	}
	seen := map[string]bool{}
	var socks []Socket
	for _, e := range cands {
		key := e.Path + "|" + e.Origin
		if seen[key] {
			continue
		}
		seen[key] = true
		socks = append(socks, probe(ctx, env, e))
	}
	var daemons []Daemon
	for _, p := range procscan.Runtime(procs) {
		if p.Role == procscan.RoleShim || p.Role == procscan.RoleRunc {
			continue
		}
		args := strings.Split(env.Redactor.String(strings.Join(p.Args, "\x00")), "\x00")
		daemons = append(daemons, Daemon{PID: p.PID, Role: string(p.Role), CommandLine: args})
	}
	for name, v := range map[string]any{"endpoints.json": socks, "crictl.json": crictl, "kubelet.json": kub, "daemons.json": daemons} {
		if err := out.WriteJSON(name, v); err != nil {
			return err
		}
	}
	return nil
}

func probe(ctx context.Context, env *collect.Env, e endpoints.Endpoint) Socket {
	s := Socket{Endpoint: e}
	fi, err := os.Stat(e.Path)
	if err != nil {
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
	if !s.IsSocket {
		return s
	}
	start := time.Now()
	if e.Kind == endpoints.Docker {
		err = pingDocker(ctx, env, e.Path, &s)
	} else {
		err = env.Call(ctx, e.Path, func(ctx context.Context) error {
			conn, err := grpc.NewClient("unix://"+e.Path, grpc.WithTransportCredentials(insecure.NewCredentials()))
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
	s.LatencyMS = time.Since(start).Milliseconds()
	if err != nil {
		s.Code, s.Error = codeOf(err), env.Redactor.String(err.Error())
	} else {
		s.Answers, s.Code = true, "OK"
	}
	return s
}

func pingDocker(ctx context.Context, env *collect.Env, path string, s *Socket) error {
	return env.Call(ctx, path, func(ctx context.Context) error {
		hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}}}
		defer hc.CloseIdleConnections()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/_ping", nil)
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

func codeOf(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "DeadlineExceeded"
	}
	if st, ok := status.FromError(err); ok {
		return st.Code().String()
	}
	return "Unknown"
}

func readCrictl() Crictl {
	raw, err := os.ReadFile("/etc/crictl.yaml")
	if err != nil || len(raw) > 1<<20 {
		return Crictl{}
	}
	var c struct {
		RuntimeEndpoint string `json:"runtime-endpoint"`
		ImageEndpoint   string `json:"image-endpoint"`
		Timeout         int    `json:"timeout"`
	}
	yaml.Unmarshal(raw, &c)
	return Crictl{Present: true, RuntimeEndpoint: c.RuntimeEndpoint, ImageEndpoint: c.ImageEndpoint, Timeout: c.Timeout}
}

// kubelet finds kubelet's runtime endpoint: its command line first (it
// wins), then its config file.
func kubelet(procs []procscan.Process, env *collect.Env) Kubelet {
	for _, p := range procs {
		if p.Role != procscan.RoleKubelet {
			continue
		}
		k := Kubelet{Running: true, PID: p.PID, ConfigPath: "/var/lib/kubelet/config.yaml"}
		if v, ok := procscan.FlagValue(p.Args, "config"); ok {
			k.ConfigPath = v
		}
		k.PodInfraImage, _ = procscan.FlagValue(p.Args, "pod-infra-container-image")
		var cfg struct {
			ContainerRuntimeEndpoint string `json:"containerRuntimeEndpoint"`
			CgroupDriver             string `json:"cgroupDriver"`
		}
		if raw, err := os.ReadFile(filepath.Clean(k.ConfigPath)); err == nil && len(raw) < 1<<20 {
			yaml.Unmarshal(raw, &cfg)
		}
		k.CgroupDriver = cfg.CgroupDriver
		if v, ok := procscan.FlagValue(p.Args, "container-runtime-endpoint"); ok {
			k.RuntimeEndpoint, k.EndpointFrom = v, "command line"
		} else if cfg.ContainerRuntimeEndpoint != "" {
			k.RuntimeEndpoint, k.EndpointFrom = cfg.ContainerRuntimeEndpoint, "config"
		}
		if v, ok := procscan.FlagValue(p.Args, "cgroup-driver"); ok {
			k.CgroupDriver = v
		}
		return k
	}
	return Kubelet{}
}

// The file types live in internal/schema/discovery so the analyzer can read them
// without importing the collector.
type (
	Socket  = schema.Socket
	Kubelet = schema.Kubelet
	Crictl  = schema.Crictl
	Daemon  = schema.Daemon
)
