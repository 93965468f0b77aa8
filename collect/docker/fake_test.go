package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
)

// fakeDaemon serves a small Engine API on a unix socket in a temp dir and
// records every request's method and path.
type fakeDaemon struct {
	mu       sync.Mutex
	requests []string
	dfDelay  time.Duration
}

func (f *fakeDaemon) serve(t *testing.T) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/_ping", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		fmt.Fprint(w, "OK")
	})
	mux.HandleFunc("/v1.41/version", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"Version":"20.10.24","ApiVersion":"1.41"}`)
	})
	mux.HandleFunc("/v1.41/info", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"Containers":3,"CgroupDriver":"cgroupfs"}`)
	})
	mux.HandleFunc("/v1.41/containers/json", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("all") != "1" {
			http.Error(w, "want all=1", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, `[{"Id":"c1"},{"Id":"c2"},{"Id":"c3"}]`)
	})
	mux.HandleFunc("/v1.41/containers/", func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1.41/containers/"), "/json")
		fmt.Fprintf(w, `{"Id":%q,"State":{"Running":true}}`, id)
	})
	mux.HandleFunc("/v1.41/images/json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"Id":"sha256:1","RepoTags":["busybox:1"]}]`)
	})
	mux.HandleFunc("/v1.41/system/df", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(f.dfDelay):
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, `{"LayersSize":1}`)
	})
	mux.HandleFunc("/v1.41/events", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("until") == "" {
			t.Error("events without until never ends")
		}
		fmt.Fprint(w, `{"Type":"container","Action":"start"}`+"\n"+`{"Type":"container","Action":"die"}`+"\n")
	})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Method+" "+r.URL.Path)
		f.mu.Unlock()
		mux.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return sock
}

func TestFakeDaemon(t *testing.T) {
	f := &fakeDaemon{dfDelay: 10 * time.Second}
	env := collect.NewTestEnv()
	env.DockerHosts = []string{f.serve(t)}
	env.MaxContainers = 2
	env.CallTimeout = 300 * time.Millisecond // also bounds /system/df here
	out := collect.NewCapture()
	start := time.Now()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("slow /system/df held the source %s", time.Since(start))
	}
	for _, r := range f.requests {
		if !strings.HasPrefix(r, "GET ") {
			t.Errorf("non-GET request %s", r)
		}
		if !strings.HasPrefix(r, "GET /v1.41/") && r != "GET /_ping" {
			t.Errorf("request without the negotiated version: %s", r)
		}
	}
	var inspects []struct{ ID string }
	json.Unmarshal(out.Files["inspect.json"], &inspects)
	if len(inspects) != 2 || inspects[1].ID != "c2" {
		t.Errorf("inspect bound: %+v", inspects)
	}
	var events []struct{ Action string }
	json.Unmarshal(out.Files["events.json"], &events)
	if len(events) != 2 || events[1].Action != "die" {
		t.Errorf("events %+v", events)
	}
	if _, ok := out.Files["df.json"]; ok {
		t.Error("df.json written though /system/df timed out")
	}
	var calls []Call
	json.Unmarshal(out.Files["calls.json"], &calls)
	codes := map[string]string{}
	for _, c := range calls {
		codes[c.Path] = c.Code
	}
	if codes["/v1.41/system/df"] != "DeadlineExceeded" || codes["/v1.41/version"] != "OK" {
		t.Errorf("call codes %v", codes)
	}
	joined := strings.Join(out.Partials, "; ")
	if !strings.Contains(joined, "system/df") || !strings.Contains(joined, "max-containers") {
		t.Errorf("partials %q", joined)
	}
}

func TestFastDFIsKept(t *testing.T) {
	f := &fakeDaemon{}
	env := collect.NewTestEnv()
	env.DockerHosts = []string{f.serve(t)}
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out.Files["df.json"]), "LayersSize") || len(out.Partials) != 0 {
		t.Errorf("df %s partials %v", out.Files["df.json"], out.Partials)
	}
}

// The default socket absent (no Docker on this node): skipped, not an error.
func TestAbsentDefaultSocketIsSkipped(t *testing.T) {
	env := collect.NewTestEnv()
	env.ProcRoot = t.TempDir() // no daemon naming another socket
	def := filepath.Join(t.TempDir(), "docker.sock")
	out := collect.NewCapture()
	if err := (Source{defaultSocket: def}).Collect(context.Background(), env, out); err != nil || out.Skipped != "not present: "+def {
		t.Fatalf("absent docker: err=%v skip=%q", err, out.Skipped)
	}
}

// An explicitly given --docker-socket that is missing, or not a socket, is
// an error saying which (the issue: it was "skipped", hiding a typo).
func TestExplicitSocketMustExist(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "docker.sock")
	os.WriteFile(file, []byte("x"), 0o600)
	for path, want := range map[string]string{
		filepath.Join(dir, "dokcer.sock"): "--docker-socket: " + filepath.Join(dir, "dokcer.sock") + " does not exist",
		file:                              "--docker-socket: " + file + " is a regular file, not a socket",
		"tcp://127.0.0.1:2375":            "--docker-socket tcp://127.0.0.1:2375: only a unix socket is supported",
	} {
		env := collect.NewTestEnv()
		env.DockerHosts = []string{path}
		out := collect.NewCapture()
		err := (Source{defaultSocket: filepath.Join(dir, "absent.sock")}).Collect(context.Background(), env, out)
		if err == nil || err.Error() != want || out.Skipped != "" {
			t.Errorf("--docker-socket %s: err=%v skip=%q; want %q", path, err, out.Skipped, want)
		}
	}
}
