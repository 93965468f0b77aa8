package metadb

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	cdsrc "github.com/rtsnap/rtsnap/collect/containerd"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func TestMain(m *testing.M) {
	maybeRunChild(faultyCheck)
	os.Exit(m.Run())
}

// Marks a DB image starts with to make the test binary's child check crash
// (a panic in a goroutine of its own, as bbolt's on some corrupt pages:
// no recover catches it) or hang.
const (
	crashMark = "rtsnap-test: crash"
	hangMark  = "rtsnap-test: hang"
	floodMark = "rtsnap-test: flood" // floodBytes of stderr, then a crash
)

// floodBytes is what the flooding check writes to stderr before it crashes:
// a Go child's crash prints every goroutine's stack, which can be as large.
const floodBytes = 64 << 20

// faultyCheck is checkInProcess but for the marked images.
func faultyCheck(ctx context.Context, path string) Check {
	head := make([]byte, 64)
	if f, err := os.Open(path); err == nil {
		n, _ := f.ReadAt(head, 0)
		head = head[:n]
		f.Close()
	}
	switch {
	case bytes.HasPrefix(head, []byte(hangMark)):
		select {}
	case bytes.HasPrefix(head, []byte(floodMark)):
		line := bytes.Repeat([]byte("goroutine 1 [running]: stack frame\n"), 1<<12)
		for n := 0; n < floodBytes; n += len(line) {
			os.Stderr.Write(line)
		}
		panic("bbolt-like panic after a flood of stderr")
	case bytes.HasPrefix(head, []byte(crashMark)):
		go func() { panic("bbolt-like panic on a corrupt page") }()
		select {}
	}
	return checkInProcess(ctx, path)
}

// The DB check's counts agree with what the containerd API returns for the
// same daemon, on every lab daemon; the source finds each DB through the
// daemon's process and names it by the daemon's socket.
func TestCountsAgreeWithTheAPI(t *testing.T) {
	le := lab.Require(t)
	socks := []string{le["RTSNAP_LAB_CD16_SOCK"], le["RTSNAP_LAB_CD17_SOCK"], le["RTSNAP_LAB_CD2_SOCK"]}
	env := collect.NewTestEnv()
	dbs := collect.NewCapture()
	if err := New().Collect(context.Background(), env, dbs); err != nil {
		t.Fatal(err)
	}
	env.RuntimeEndpoints = socks
	api := collect.NewCapture()
	if err := cdsrc.New().Collect(context.Background(), env, api); err != nil {
		t.Fatal(err)
	}
	for _, sock := range socks {
		slug := endpoints.Parse(sock).Slug()
		var c Check
		if err := json.Unmarshal(dbs.Files[slug+"/check.json"], &c); err != nil {
			t.Fatalf("%s: %v (files %v)", slug, err, keys(dbs.Files))
		}
		if !c.OK || c.TxID == 0 || c.PageSize == 0 || c.Copies == 0 || c.DaemonPID == 0 || !strings.HasPrefix(c.Path, "/var/lib/rtsnap-lab/") {
			t.Fatalf("%s: %+v", slug, c)
		}
		var nss []cdsrc.Namespace
		json.Unmarshal(api.Files[slug+"/namespaces.json"], &nss)
		if len(nss) == 0 || len(nss) != len(c.Namespaces) {
			t.Errorf("%s: API namespaces %v, DB %v", slug, nss, keys(c.Namespaces))
		}
		for _, ns := range nss {
			var ctrs []cdsrc.Container
			var imgs []cdsrc.Image
			json.Unmarshal(api.Files[slug+"/"+ns.Name+"/containers.json"], &ctrs)
			json.Unmarshal(api.Files[slug+"/"+ns.Name+"/images.json"], &imgs)
			got := c.Namespaces[ns.Name]
			// Containers can come and go between the two reads (other
			// tests run on the lab), images in the lab do not.
			if got == nil || got.Images != len(imgs) || abs(got.Containers-len(ctrs)) > 2 {
				t.Errorf("%s %s: DB %+v, API %d containers %d images", slug, ns.Name, got, len(ctrs), len(imgs))
			}
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A copy of the lab's own meta.db with bytes flipped in its bucket pages is
// reported as corrupt, with errors; the untouched copy is not.
func TestCorruptLabCopyIsReported(t *testing.T) {
	lab.Require(t)
	raw, err := os.ReadFile("/var/lib/rtsnap-lab/cd2/root/io.containerd.metadata.v1.bolt/meta.db")
	if err != nil {
		t.Fatal(err)
	}
	good := CheckBytes(context.Background(), raw)
	if !good.OK {
		t.Fatalf("clean copy reported: %v", good.Errors)
	}
	p := filepath.Join(t.TempDir(), "meta.db")
	if err := os.WriteFile(p, corrupt(raw, good.PageSize), 0o600); err != nil {
		t.Fatal(err)
	}
	c := CheckLive(context.Background(), p)
	if c.OK || len(c.Errors) == 0 || c.Copies != 1 {
		t.Fatalf("corrupted copy passed: %+v", c)
	}
}

// corrupt flips bytes in the pages after the two meta pages and the
// freelist: the branch and leaf pages of the buckets.
func corrupt(raw []byte, pageSize int) []byte {
	bad := append([]byte(nil), raw...)
	for p := 3; (p+1)*pageSize <= len(bad) && p < 12; p++ {
		for i := 0; i < 64; i++ {
			bad[p*pageSize+i] ^= 0xA5
		}
	}
	return bad
}
