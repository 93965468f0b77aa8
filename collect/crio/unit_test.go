package crio

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
)

// Container ids from storage go into inspect URLs: only 64 hex digits pass,
// so a hostile containers.json cannot make the collector ask for /pause/ID
// or any other path.
func TestContainerIDsOnlyHex(t *testing.T) {
	good := strings.Repeat("ab", 32)
	raw := `[{"id":"` + good + `"},{"id":"../pause/` + good + `"},{"id":"` + strings.ToUpper(good) + `"},{"id":"` + good[:63] + `"},{"id":7}]`
	if ids := containerIDs([]byte(raw)); len(ids) != 0 {
		// the element {"id":7} makes the whole document fail to decode as
		// []struct{ID string}: nothing is taken from a malformed file
		t.Fatalf("ids from a malformed file: %v", ids)
	}
	raw = `[{"id":"` + good + `"},{"id":"../pause/` + good + `"},{"id":"` + strings.ToUpper(good) + `"},{"id":"` + good[:63] + `"}]`
	ids := containerIDs([]byte(raw))
	if len(ids) != 1 || ids[0] != good {
		t.Fatalf("ids %v", ids)
	}
}

// Storage state files: copied when within the bound, counted, and one over
// the bound is recorded as truncated and not copied (never cut mid-JSON).
func TestStorageBoundedAndCounted(t *testing.T) {
	root := t.TempDir()
	id := strings.Repeat("0f", 32)
	for name, body := range map[string]string{
		"overlay-containers/containers.json": `[{"id":"` + id + `","names":["k8s_app"]}]`,
		"overlay-images/images.json":         `[{"id":"a"},{"id":"b"}]`,
		"overlay-layers/layers.json":         `not json`,
	} {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o600)
	}
	big := filepath.Join(root, "overlay-layers/volatile-layers.json")
	f, _ := os.Create(big)
	f.Truncate(maxStorageFile + 1)
	f.Close()
	out := collect.NewCapture()
	files, ids := storageOf(context.Background(), collect.NewTestEnv(), out, "d", root, "")
	if len(ids) != 1 || ids[0] != id {
		t.Fatalf("ids %v", ids)
	}
	got := map[string]int{}
	for _, sf := range files {
		got[filepath.Base(sf.Path)] = sf.Entries
		if filepath.Base(sf.Path) == "volatile-layers.json" && (!sf.Truncated || sf.File != "") {
			t.Fatalf("oversized file: %+v", sf)
		}
	}
	if got["containers.json"] != 1 || got["images.json"] != 2 || got["layers.json"] != -1 || len(files) != 4 {
		t.Fatalf("files %+v", files)
	}
	if len(out.Partials) != 1 || !strings.Contains(out.Partials[0], "not copied") {
		t.Fatalf("partials %v", out.Partials)
	}
	if _, ok := out.Files["d/storage/root/overlay-images/images.json"]; !ok {
		t.Fatalf("images.json not stored: %v", out.Files)
	}
}

// mountinfo escapes spaces and the like as octal; a truncated escape is kept as is.
func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		`/run/netns/a\040b`: "/run/netns/a b",
		`/plain`:            "/plain",
		`/x\04`:             `/x\04`,
		`/x\999`:            `/x\999`,
	} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

// A namespaces_dir with files that are not mounts: listed, not live, no inode.
func TestNamespacesNotMounted(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "netns"), 0o755)
	os.WriteFile(filepath.Join(dir, "netns", "leftover"), nil, 0o644)
	ns := namespaces(collect.NewTestEnv(), []string{dir, dir, ""})
	if len(ns.Dirs) != 1 || len(ns.Namespaces) != 1 || ns.Namespaces[0].Mounted || ns.Namespaces[0].Inode != 0 || ns.Namespaces[0].Type != "net" {
		t.Fatalf("%+v", ns)
	}
}

// A hostile or broken server on CRI-O's socket: an answer over the bound,
// a non-200 answer and garbage JSON are recorded per call and never kept
// whole; the source never asks anything but its fixed GETs.
func TestInspectSocketHostileServer(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "crio.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var asked []string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.Method+" "+r.URL.Path)
		mu.Unlock()
		switch {
		case r.URL.Path == "/info":
			w.Write([]byte(`{"cgroup_driver":`)) // cut JSON
		case r.URL.Path == "/config":
			w.Write(bytes.Repeat([]byte("x = 1\n"), maxBody/6+10)) // over the bound
		default:
			http.Error(w, "can't find the container", http.StatusNotFound)
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()
	env := collect.NewTestEnv()
	out := collect.NewCapture()
	id := strings.Repeat("ab", 32)
	s := inspectSocket(context.Background(), env, out, "d", sock, []string{id})
	if !s.Answers || s.Info != nil || s.ConfigFile != "" || len(s.Containers) != 0 || len(out.Files) != 0 {
		t.Fatalf("socket %+v, files %d", s, len(out.Files))
	}
	if len(s.Calls) != 3 || s.Calls[1].Error == "" || !strings.Contains(s.Calls[1].Error, "over") || s.Calls[2].Status != http.StatusNotFound {
		t.Fatalf("calls %+v", s.Calls)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, a := range asked {
		if !strings.HasPrefix(a, "GET ") || strings.Contains(a, "pause") {
			t.Fatalf("asked %v", asked)
		}
	}
}
