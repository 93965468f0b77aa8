// Package docker is the "docker" source: the Docker Engine API over its unix
// socket, GET only: version, info, every container with its inspect, images,
// disk usage and events in the window.
package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	schema "github.com/rtsnap/rtsnap/internal/schema/docker"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/rtsnap/rtsnap/collect"
)

// maxResponse bounds one API response.
const maxResponse = 16 << 20

// Source collects Docker's view.
type Source struct{}

// New returns the docker source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "docker" }
func (Source) Description() string {
	return "Docker Engine API (GET only): version, info, containers with inspect, images, disk usage, events"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 32 << 20 }

type api struct {
	env   *collect.Env
	sock  string
	hc    *http.Client
	calls []Call
}

func (Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	sock := env.DockerHost
	if sock == "" {
		sock = "/var/run/docker.sock"
	}
	if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
		out.Skip("not present: no Docker socket at " + sock)
		return nil
	}
	a := &api{env: env, sock: sock, hc: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
		DisableKeepAlives: false, MaxIdleConnsPerHost: 4,
	}}}
	defer a.hc.CloseIdleConnections()
	write := func(name string, v any) {
		if err := out.WriteJSON(name, v); err != nil && !errors.Is(err, collect.ErrBudget) {
			out.Partial(err.Error())
		}
	}
	defer func() { write("calls.json", a.calls) }()

	version, err := a.get(ctx, "/version")
	if err != nil {
		return fmt.Errorf("docker at %s does not answer: %w", sock, err)
	}
	write("version.json", version)
	if info, err := a.get(ctx, "/info"); err == nil {
		write("info.json", info)
	} else {
		out.Partial("info: " + err.Error())
	}
	raw, err := a.get(ctx, "/containers/json?all=1")
	if err != nil {
		return fmt.Errorf("listing containers: %w", err)
	}
	write("containers.json", raw)
	var list []struct {
		ID string `json:"Id"`
	}
	json.Unmarshal(raw, &list)
	inspects := []json.RawMessage{}
	for i, c := range list {
		if env.MaxContainers > 0 && i >= env.MaxContainers {
			out.Partial(fmt.Sprintf("inspect cut at --max-containers %d of %d", env.MaxContainers, len(list)))
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if in, err := a.get(ctx, "/containers/"+url.PathEscape(c.ID)+"/json"); err == nil {
			inspects = append(inspects, in)
		}
	}
	write("inspect.json", inspects)
	if imgs, err := a.get(ctx, "/images/json"); err == nil {
		write("images.json", imgs)
	}
	// /system/df walks every layer and can take minutes on a busy node: its
	// own short deadline, and a timeout is recorded as data.
	dctx, cancel := context.WithTimeout(ctx, min(5*time.Second, env.CallTimeout))
	if df, err := a.get(dctx, "/system/df"); err == nil {
		write("df.json", df)
	} else {
		out.Partial("system/df: " + err.Error())
	}
	cancel()
	since, until := env.Now.Add(-env.Since).Unix(), env.Now.Unix()
	if ev, err := a.get(ctx, "/events?since="+strconv.FormatInt(since, 10)+"&until="+strconv.FormatInt(until, 10)); err == nil {
		write("events.json", decodeStream(ev))
	}
	return nil
}

// get performs one GET under the engine's per-runtime limit.
func (a *api) get(ctx context.Context, path string) (json.RawMessage, error) {
	start := time.Now()
	var body []byte
	status := 0
	err := a.env.Call(ctx, a.sock, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker"+path, nil)
		if err != nil {
			return err
		}
		resp, err := a.hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		status = resp.StatusCode
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
		if err != nil {
			return err
		}
		if len(body) > maxResponse {
			return fmt.Errorf("response over %d bytes", maxResponse)
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, body)
		}
		return nil
	})
	c := Call{Path: path, DurationMS: time.Since(start).Milliseconds(), Status: status}
	if err != nil {
		c.Error = a.env.Redactor.String(err.Error())
	}
	if len(a.calls) < 5000 {
		a.calls = append(a.calls, c)
	}
	return body, err
}

// decodeStream turns the events stream (concatenated JSON objects) into a list.
func decodeStream(raw []byte) []json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(raw))
	out := []json.RawMessage{}
	for {
		var m json.RawMessage
		if err := dec.Decode(&m); err != nil {
			return out
		}
		out = append(out, m)
	}
}

// The file types live in internal/schema/docker so the analyzer can read them
// without importing the collector.
type (
	Call = schema.Call
)
