// Package docker is the "docker" source: the Docker Engine API over its unix
// socket, GET only, no client library: version, info, every container with
// its inspect, images, disk usage and events in the window.
package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strconv"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
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
	sock, err := s.socket(env)
	if err != nil {
		return err
	}
	if sock == "" {
		out.Skip("not present: " + s.defaultSocket)
		return nil
	}
	a := newAPI(env, sock)
	defer a.hc.CloseIdleConnections()
	w := &writer{out: out}
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
		out.Partial("info: " + env.Redactor.String(err.Error()))
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
		out.Partial("images: " + env.Redactor.String(err.Error()))
	}
	dctx, cancel := context.WithTimeout(ctx, dfTimeout)
	df, err := a.get(dctx, "/system/df")
	cancel()
	if err == nil {
		w.raw("df.json", df)
	} else {
		// Recorded in calls.json with its code (DeadlineExceeded when slow).
		out.Partial("system/df: " + env.Redactor.String(err.Error()))
	}
	since, until := env.Now.Add(-env.Since).Unix(), env.Now.Unix()
	ev, err := a.get(ctx, "/events?since="+strconv.FormatInt(since, 10)+"&until="+strconv.FormatInt(until, 10))
	switch {
	case err == nil:
		w.write("events.json", decodeStream(ev))
	case errors.Is(err, errTooLarge):
		w.write("events.json", decodeStream(ev))
		out.Partial(fmt.Sprintf("events: cut at %d bytes", maxResponse))
	default:
		out.Partial("events: " + env.Redactor.String(err.Error()))
	}
	return w.err
}

// socket is the Docker socket to read: an explicitly given one must be a
// socket this process can connect to, else the source fails saying why (the
// operator named it: "skipped" would hide a typo). The default one may be
// absent (no Docker on this node): "" then, and the source is skipped.
func (s Source) socket(env *collect.Env) (string, error) {
	if explicit := env.DockerHost; explicit != "" {
		ep := endpoints.Parse(explicit)
		if !ep.Unix() {
			return "", fmt.Errorf("--docker-socket %s: only a unix socket is supported", explicit)
		}
		if err := endpoints.Check(env.Local(ep)); err != nil {
			return "", fmt.Errorf("--docker-socket: %w", err)
		}
		return ep.Path, nil
	}
	err := endpoints.Check(env.Local(endpoints.Endpoint{Path: s.defaultSocket, Kind: endpoints.Docker}))
	switch {
	case err == nil:
		return s.defaultSocket, nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, endpoints.ErrNotSocket):
		return "", nil
	}
	return "", err // there, but not ours to connect to: say so
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
	spent bool
	err   error
}

func (w *writer) write(name string, v any) {
	if w.spent {
		return
	}
	if err := w.out.WriteJSON(name, v); err != nil {
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
		w.out.Partial(name + ": the daemon answered with invalid JSON")
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
	Call = schema.Call
)
