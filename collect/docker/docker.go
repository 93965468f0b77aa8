// Package docker is the "docker" source: the Docker Engine API over its unix
// sockets, GET only, no client library: version, info, every container with
// its inspect, images, disk usage and events in the window, for every Docker
// daemon on the node (the default socket and those running daemons name).
package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/procscan"
	schema "github.com/rtsnap/rtsnap/internal/schema/docker"
)

// defaultSocket is where dockerd listens unless told otherwise.
const defaultSocket = "/var/run/docker.sock"

// dfTimeout bounds /system/df: it walks every layer and volume and can take
// minutes on a busy node.
const dfTimeout = 5 * time.Second

// Source collects Docker's view.
type Source struct {
	// defaultSocket is used when --docker-socket is not given; tests point it elsewhere.
	defaultSocket string
}

// New returns the docker source.
func New() collect.Source { return Source{defaultSocket: defaultSocket} }

func (Source) Name() string { return "docker" }
func (Source) Description() string {
	return "Docker Engine API (GET only): version, info, containers with inspect, images, disk usage, events"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 32 << 20 }

func (s Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	socks, err := s.sockets(env, out)
	if err != nil {
		return err
	}
	if len(socks) == 0 {
		out.Skip("not present: " + s.defaultSocket)
		return nil
	}
	// The first socket keeps docker/*.json (the layout of one daemon);
	// each further one writes docker/<slug>/. endpoints.json says which is where.
	recs := make([]Endpoint, 0, len(socks))
	var failed []error
	for i, sock := range socks {
		dir := ""
		if i > 0 {
			dir = endpoints.Endpoint{Path: sock}.Slug() + "/"
		}
		rec := Endpoint{Path: sock, Dir: strings.TrimSuffix("docker/"+dir, "/")}
		if err := collectOne(ctx, env, out, sock, dir); err != nil {
			if errors.Is(err, collect.ErrBudget) {
				return nil // recorded by the engine as truncation
			}
			rec.Error = env.Redactor.String(err.Error())
			failed = append(failed, err)
		}
		recs = append(recs, rec)
	}
	w := &writer{out: out}
	w.write("endpoints.json", recs)
	if w.err != nil {
		return w.err
	}
	switch {
	case len(failed) == len(socks):
		return errors.Join(failed...)
	case len(failed) > 0:
		out.Partial(env.Redactor.String(errors.Join(failed...).Error()))
	}
	return ctx.Err()
}

// collectOne reads one daemon into dir ("" or "<slug>/").
func collectOne(ctx context.Context, env *collect.Env, out collect.Output, sock, dir string) error {
	a := newAPI(env, sock)
	defer a.hc.CloseIdleConnections()
	w := &writer{out: out, dir: dir}
	// calls.json is written last, whatever happened: it is the record of
	// every call's outcome, timeouts included.
	defer func() { w.write("calls.json", a.recorded()) }()

	if err := a.negotiate(ctx); err != nil {
		return fmt.Errorf("docker at %s does not answer: %w", sock, err)
	}
	version, err := a.get(ctx, "/version")
	if err != nil {
		return fmt.Errorf("docker at %s: version: %w", sock, err)
	}
	w.raw("version.json", version)
	if info, err := a.get(ctx, "/info"); err == nil {
		w.raw("info.json", info)
	} else {
		out.Partial(dir + "info: " + env.Redactor.String(err.Error()))
	}
	list, err := a.get(ctx, "/containers/json?all=1")
	if err != nil {
		return fmt.Errorf("docker at %s: listing containers: %w", sock, err)
	}
	w.raw("containers.json", list)
	if err := inspectAll(ctx, env, a, w, list); err != nil {
		return err
	}
	if imgs, err := a.get(ctx, "/images/json"); err == nil {
		w.raw("images.json", imgs)
	} else {
		out.Partial(dir + "images: " + env.Redactor.String(err.Error()))
	}
	dctx, cancel := context.WithTimeout(ctx, dfTimeout)
	df, err := a.get(dctx, "/system/df")
	cancel()
	if err == nil {
		w.raw("df.json", df)
	} else {
		// Recorded in calls.json with its code (DeadlineExceeded when slow).
		out.Partial(dir + "system/df: " + env.Redactor.String(err.Error()))
	}
	since, until := env.Now.Add(-env.Since).Unix(), env.Now.Unix()
	ev, err := a.get(ctx, "/events?since="+strconv.FormatInt(since, 10)+"&until="+strconv.FormatInt(until, 10))
	switch {
	case err == nil:
		w.write("events.json", decodeStream(ev))
	case errors.Is(err, errTooLarge):
		w.write("events.json", decodeStream(ev))
		out.Partial(fmt.Sprintf("%sevents: cut at %d bytes", dir, maxResponse))
	default:
		out.Partial(dir + "events: " + env.Redactor.String(err.Error()))
	}
	if w.spent {
		return collect.ErrBudget
	}
	return w.err
}

// sockets are the Docker sockets to read. Explicitly given ones (--docker-socket,
// repeatable) must be sockets this process can connect to, else the source
// fails saying why (the operator named them: "skipped" would hide a typo).
// Otherwise: the default socket when present, then every other one a running
// dockerd listens on (-H unix://...) or a cri-dockerd talks to
// (--docker-endpoint): a node with cri-dockerd in front of a second dockerd
// has two. A found socket that cannot be reached is noted as partial.
func (s Source) sockets(env *collect.Env, out collect.Output) ([]string, error) {
	if len(env.DockerHosts) > 0 {
		var socks []string
		for _, explicit := range env.DockerHosts {
			ep := endpoints.Parse(explicit)
			if !ep.Unix() {
				return nil, fmt.Errorf("--docker-socket %s: only a unix socket is supported", explicit)
			}
			if err := endpoints.Check(env.Local(ep)); err != nil {
				return nil, fmt.Errorf("--docker-socket: %w", err)
			}
			socks = append(socks, ep.Path)
		}
		return dedupe(env, socks), nil
	}
	var socks []string
	err := endpoints.Check(env.Local(endpoints.Endpoint{Path: s.defaultSocket, Kind: endpoints.Docker}))
	switch {
	case err == nil:
		socks = append(socks, s.defaultSocket)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, endpoints.ErrNotSocket):
	default:
		return nil, err // there, but not ours to connect to: say so
	}
	procs, _ := env.Processes() // the discovery source records a failed process scan
	for _, p := range daemonSockets(procs) {
		if err := endpoints.Check(env.Local(endpoints.Endpoint{Path: p, Kind: endpoints.Docker})); err != nil {
			out.Partial("docker socket of a running daemon: " + env.Redactor.String(err.Error()))
			continue
		}
		socks = append(socks, p)
	}
	return dedupe(env, socks), nil
}

// maxSockets bounds how many Docker daemons one run reads: a node runs one
// or two; more means something is wrong, and the first few show it.
const maxSockets = 8

// daemonSockets are the Docker sockets running dockerd (-H) and cri-dockerd
// (--docker-endpoint) command lines name, in process order.
func daemonSockets(procs []procscan.Process) []string {
	var out []string
	for _, e := range endpoints.Of(endpoints.FromDaemons(procs), endpoints.Docker) {
		out = append(out, e.Path)
	}
	return out
}

// dedupe drops sockets that resolve to one already listed (/var/run is
// usually a link to /run) and keeps at most maxSockets.
func dedupe(env *collect.Env, socks []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range socks {
		key := s
		if r, err := filepath.EvalSymlinks(env.HostPath(s)); err == nil {
			key = r
		}
		if seen[key] || len(out) == maxSockets {
			continue
		}
		seen[key] = true
		out = append(out, s)
	}
	return out
}

// inspectAll writes inspect.json: /containers/<id>/json for each listed
// container, at most env.MaxContainers.
func inspectAll(ctx context.Context, env *collect.Env, a *api, w *writer, list []byte) error {
	var cs []struct {
		ID string `json:"Id"`
	}
	if err := json.Unmarshal(list, &cs); err != nil {
		w.out.Partial("containers list: " + err.Error())
	}
	inspects := []json.RawMessage{}
	failed := 0
	for i, c := range cs {
		if env.MaxContainers > 0 && i >= env.MaxContainers {
			w.out.Partial(fmt.Sprintf("inspect cut at --max-containers %d of %d", env.MaxContainers, len(cs)))
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		in, err := a.get(ctx, "/containers/"+url.PathEscape(c.ID)+"/json")
		if err != nil {
			failed++ // each failure is in calls.json with its code
			continue
		}
		inspects = append(inspects, in)
	}
	if failed > 0 {
		w.out.Partial(fmt.Sprintf("inspect failed for %d containers (see calls.json)", failed))
	}
	w.write("inspect.json", inspects)
	return nil
}

// writer writes files until the budget is spent, then stops quietly (the
// engine records the truncation); any other error is kept for the return.
type writer struct {
	out   collect.Output
	dir   string // "" or "<slug>/": where this daemon's files go
	spent bool
	err   error
}

func (w *writer) write(name string, v any) {
	if w.spent {
		return
	}
	if err := w.out.WriteJSON(w.dir+name, v); err != nil {
		if errors.Is(err, collect.ErrBudget) {
			w.spent = true
			return
		}
		if w.err == nil {
			w.err = err
		}
	}
}

// raw writes an API answer as it came (re-indented by WriteJSON).
func (w *writer) raw(name string, data []byte) {
	if !json.Valid(data) {
		w.out.Partial(w.dir + name + ": the daemon answered with invalid JSON")
		return
	}
	w.write(name, json.RawMessage(data))
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
	Call     = schema.Call
	Endpoint = schema.Endpoint
)
