package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	schema "github.com/rtsnap/rtsnap/internal/schema/docker"
)

// maxResponse bounds one API response.
const maxResponse = 16 << 20

// maxCalls bounds calls.json.
const maxCalls = 5000

// errTooLarge marks a response cut at maxResponse; the body returned with it
// holds the first maxResponse bytes.
var errTooLarge = errors.New("response over the size bound")

// httpError is a non-200 answer.
type httpError struct {
	status int
	body   string
}

func (e *httpError) Error() string { return fmt.Sprintf("HTTP %d: %.200s", e.status, e.body) }

// api is a GET-only Engine API client over one unix socket. Every request
// goes through env.Call with the socket as key, so it shares the run's
// per-runtime limit and call deadline.
type api struct {
	env     *collect.Env
	sock    string
	hc      *http.Client
	version string // negotiated API version ("1.41"); "" until negotiated

	mu    sync.Mutex
	calls []Call
}

func newAPI(env *collect.Env, sock string) *api {
	return &api{env: env, sock: sock, hc: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", env.HostPath(sock))
		},
		MaxIdleConnsPerHost: 4,
	}}}
}

// negotiate asks /_ping for the daemon's API version (the Api-Version
// header), falling back to /version's ApiVersion when /_ping answers without
// one. A daemon that does not answer /_ping at all is not asked again.
func (a *api) negotiate(ctx context.Context) error {
	hdr, _, err := a.do(ctx, "/_ping")
	if v := hdr.Get("Api-Version"); v != "" {
		a.version = v
		return nil
	}
	var he *httpError
	if err != nil && !errors.As(err, &he) {
		return err
	}
	_, body, err := a.do(ctx, "/version")
	if err != nil {
		return err
	}
	var v struct{ APIVersion string }
	if jerr := json.Unmarshal(body, &v); jerr != nil || v.APIVersion == "" {
		return fmt.Errorf("no API version in /_ping or /version: %v", jerr)
	}
	a.version = v.APIVersion
	return nil
}

// get performs GET /v<version><path>.
func (a *api) get(ctx context.Context, path string) ([]byte, error) {
	if a.version != "" {
		path = "/v" + a.version + path
	}
	_, body, err := a.do(ctx, path)
	return body, err
}

func (a *api) do(ctx context.Context, path string) (http.Header, []byte, error) {
	start := time.Now()
	var (
		body   []byte
		hdr    = http.Header{}
		status int
	)
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
		status, hdr = resp.StatusCode, resp.Header
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
		if err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		if len(body) > maxResponse {
			body = body[:maxResponse]
			return errTooLarge
		}
		if resp.StatusCode != http.StatusOK {
			return &httpError{status: resp.StatusCode, body: strings.TrimSpace(string(body))}
		}
		return nil
	})
	a.record(Call{Path: path, DurationMS: time.Since(start).Milliseconds(), Status: status, Code: code(err), Error: a.errText(err)})
	return hdr, body, err
}

func (a *api) errText(err error) string {
	if err == nil {
		return ""
	}
	return a.env.Redactor.String(err.Error())
}

func (a *api) record(c Call) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.calls) < maxCalls {
		a.calls = append(a.calls, c)
	}
}

func (a *api) recorded() []Call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Call{}, a.calls...)
}

// code classifies an error for calls.json, so the analyzer need not match strings.
func code(err error) string {
	var he *httpError
	var oe *net.OpError
	switch {
	case err == nil:
		return schema.CodeOK
	case errors.Is(err, context.DeadlineExceeded):
		return schema.CodeDeadlineExceeded
	case errors.Is(err, context.Canceled):
		return schema.CodeCanceled
	case errors.Is(err, errTooLarge):
		return schema.CodeTooLarge
	case errors.As(err, &he) && he.status == http.StatusNotFound:
		return schema.CodeNotFound
	case errors.As(err, &he):
		return schema.CodeHTTPError
	case errors.As(err, &oe) && oe.Op == "dial":
		return schema.CodeUnavailable
	}
	return schema.CodeUnknown
}
