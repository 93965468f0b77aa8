package containerd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/errdefs"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
)

func TestCodeOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("list: %w", context.DeadlineExceeded), "DeadlineExceeded"},
		{fmt.Errorf("get: %w", errdefs.ErrNotFound), "NotFound"},
		{errdefs.ErrNotImplemented, "Unimplemented"},
		{errdefs.ErrUnavailable, "Unavailable"},
		{status.Error(codes.PermissionDenied, "no"), "PermissionDenied"},
		{errors.New("something else"), "Unknown"},
	} {
		if got := codeOf(tc.err); got != tc.want {
			t.Errorf("codeOf(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestStatusName(t *testing.T) {
	for v, want := range map[int32]string{0: "UNKNOWN", 1: "CREATED", 2: "RUNNING", 3: "STOPPED", 4: "PAUSED", 5: "PAUSING", 9: "UNKNOWN"} {
		if got := statusName(v); got != want {
			t.Errorf("statusName(%d) = %s, want %s", v, got, want)
		}
	}
}

// A socket path with nothing behind it: the endpoint is recorded as
// unreachable with its code and reason, and with no other endpoint the source fails.
func TestMissingSocketIsRecorded(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "containerd.sock")
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{sock}
	env.CallTimeout = 2 * time.Second
	out := collect.NewCapture()
	start := time.Now()
	err := New().Collect(context.Background(), env, out)
	if el := time.Since(start); el > time.Second {
		t.Errorf("a missing socket took %s", el)
	}
	// The reason, not only the code: the "no endpoint answered" with no why.
	if err == nil || len(out.Partials) != 1 || !strings.Contains(out.Partials[0], sock+" does not exist") {
		t.Fatalf("err %v, partials %v", err, out.Partials)
	}
	srv := decode[Server](t, out, endpoints.Parse(sock).Slug()+"/server.json")
	if srv.Code != "Unavailable" || srv.Error == "" {
		t.Fatalf("server %+v", srv)
	}
	calls := decode[[]Call](t, out, endpoints.Parse(sock).Slug()+"/calls.json")
	if len(calls) != 1 || calls[0].Method != "Connect" || calls[0].Code != "Unavailable" {
		t.Fatalf("calls %+v", calls)
	}
}

// A socket that accepts and never answers costs one call timeout, not more.
func TestSilentSocketTimesOut(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "containerd.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{sock}
	env.CallTimeout = 500 * time.Millisecond
	start := time.Now()
	out := collect.NewCapture()
	err = New().Collect(context.Background(), env, out)
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("took %s with a 500ms call timeout", el)
	}
	if err == nil || len(out.Partials) != 1 || !strings.Contains(out.Partials[0], "DeadlineExceeded") {
		t.Fatalf("err %v, partials %v", err, out.Partials)
	}
}

func TestNoEndpointSkips(t *testing.T) {
	// Another kind only: Docker's socket, then CRI-O's. On a CRI-O node the
	// skip says containerd is not used there rather than missing (issue 16).
	for sock, want := range map[string]string{
		"/var/run/docker.sock": "not present",
		"/run/crio/crio.sock":  "not used on this node: its runtime is CRI-O (/run/crio/crio.sock)",
	} {
		env := collect.NewTestEnv()
		env.RuntimeEndpoints = []string{sock}
		out := collect.NewCapture()
		if err := New().Collect(context.Background(), env, out); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out.Skipped, want) || len(out.Files) != 0 {
			t.Fatalf("%s: skipped %q, files %d", sock, out.Skipped, len(out.Files))
		}
	}
}
