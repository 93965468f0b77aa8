package metadb

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/rtsnap/rtsnap/internal/procscan"
)

// fakeDB writes a DB with containerd's v1 layout: ns "k8s.io" with 3
// containers, 2 images, 4 blobs, 1 ingest, 5 overlayfs snapshots, 1 lease
// and 1 sandbox; ns "default" empty.
func fakeDB(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "meta.db")
	db, err := bolt.Open(p, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		v1, _ := tx.CreateBucket([]byte("v1"))
		v1.Put([]byte("version"), []byte{3})
		ns, _ := v1.CreateBucket([]byte("k8s.io"))
		add := func(b *bolt.Bucket, n int) {
			for i := 0; i < n; i++ {
				o, _ := b.CreateBucket([]byte{byte('a' + i)})
				o.Put([]byte("createdat"), make([]byte, 15))
			}
		}
		for name, n := range map[string]int{"containers": 3, "images": 2, "leases": 1, "sandboxes": 1} {
			b, _ := ns.CreateBucket([]byte(name))
			add(b, n)
		}
		content, _ := ns.CreateBucket([]byte("content"))
		blob, _ := content.CreateBucket([]byte("blob"))
		add(blob, 4)
		ing, _ := content.CreateBucket([]byte("ingests"))
		add(ing, 1)
		snaps, _ := ns.CreateBucket([]byte("snapshots"))
		ovl, _ := snaps.CreateBucket([]byte("overlayfs"))
		add(ovl, 5)
		_, err := v1.CreateBucket([]byte("default"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCountsFromTheV1Layout(t *testing.T) {
	c := CheckLive(context.Background(), fakeDB(t))
	if !c.OK || c.TxID == 0 || c.PageSize == 0 || c.Copies != 1 || c.SizeBytes == 0 {
		t.Fatalf("%+v", c)
	}
	n := c.Namespaces["k8s.io"]
	if n == nil || n.Containers != 3 || n.Images != 2 || n.Leases != 1 || n.Sandboxes != 1 || n.Content != 4 || n.Ingests != 1 || n.Snapshots["overlayfs"] != 5 {
		t.Fatalf("k8s.io counts %+v", n)
	}
	if d := c.Namespaces["default"]; d == nil || d.Containers != 0 {
		t.Fatalf("default %+v", d)
	}
	if c.Buckets["v1"].Depth == 0 {
		t.Fatalf("bucket use %+v", c.Buckets)
	}
}

func TestCorruptPagesAreReported(t *testing.T) {
	raw, err := os.ReadFile(fakeDB(t))
	if err != nil {
		t.Fatal(err)
	}
	good := CheckBytes(context.Background(), raw)
	if !good.OK {
		t.Fatalf("clean copy: %v", good.Errors)
	}
	bad := CheckBytes(context.Background(), corrupt(raw, good.PageSize))
	if bad.OK || len(bad.Errors) == 0 {
		t.Fatalf("corrupt copy passed: %+v", bad)
	}
	// Not a DB at all.
	if c := CheckBytes(context.Background(), raw[:100]); c.OK || len(c.Errors) == 0 {
		t.Fatalf("truncated copy passed: %+v", c)
	}
}

func TestTooLargeIsNotCopied(t *testing.T) {
	p := fakeDB(t)
	c := checkLiveAll(context.Background(), []string{p}, 1024)[0]
	if c.OK || c.Copies != 0 || len(c.Errors) != 1 || !strings.HasPrefix(c.Errors[0], "too large") || c.SizeBytes == 0 {
		t.Fatalf("%+v", c)
	}
	if c := CheckLive(context.Background(), filepath.Join(t.TempDir(), "none")); c.OK || c.Copies != 0 {
		t.Fatalf("missing file: %+v", c)
	}
}

func TestDaemonPaths(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	os.WriteFile(cfg, []byte("version = 2\nroot = \"/data/ctd\"\nstate = \"/run/ctd\"\n[grpc]\n  address = \"/run/ctd/ctd.sock\"\n"), 0o600)
	for _, tc := range []struct {
		args          []string
		root, address string
	}{
		{[]string{"containerd"}, defaultRoot, defaultAddress},
		{[]string{"containerd", "--config", cfg}, "/data/ctd", "/run/ctd/ctd.sock"},
		{[]string{"containerd", "-c", cfg, "--root=/other"}, "/other", "/run/ctd/ctd.sock"},
		{[]string{"containerd", "--config", cfg, "--address", "/x.sock"}, "/data/ctd", "/x.sock"},
		{[]string{"containerd", "--config", filepath.Join(dir, "missing.toml")}, defaultRoot, defaultAddress},
	} {
		// No proc root: paths are read as they are.
		d := daemonOf("", procscan.Process{PID: 1, Args: tc.args})
		if d.Root != tc.root || d.Address != tc.address {
			t.Errorf("%v: root %s address %s, want %s %s", tc.args, d.Root, d.Address, tc.root, tc.address)
		}
	}
}

// Free pages are counted (a read-only open skips the freelist unless asked).
func TestFreePagesCounted(t *testing.T) {
	p := fakeDB(t)
	db, err := bolt.Open(p, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket([]byte("scratch"))
		return b.Put([]byte("k"), make([]byte, 64<<10))
	})
	db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("scratch")) })
	db.Close()
	if c := CheckLive(context.Background(), p); !c.OK || c.FreePages == 0 {
		t.Fatalf("free pages %d: %+v", c.FreePages, c.Errors)
	}
}

// A check that crashes its child or hangs is that DB's finding, and the
// DBs after it are still checked (by a new child), in order.
func TestACrashingOrHangingCheckIsThatDBsFinding(t *testing.T) {
	raw, err := os.ReadFile(fakeDB(t))
	if err != nil {
		t.Fatal(err)
	}
	var mems []*os.File
	for _, img := range [][]byte{raw, []byte(crashMark), raw, []byte(hangMark), raw} {
		m, err := newMemfd()
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		if _, err := m.Write(img); err != nil {
			t.Fatal(err)
		}
		mems = append(mems, m)
	}
	got := checkFiles(context.Background(), mems, 2*time.Second)
	if len(got) != len(mems) {
		t.Fatalf("%d checks for %d DBs: %+v", len(got), len(mems), got)
	}
	for _, i := range []int{0, 2, 4} {
		if !got[i].OK || got[i].TxID == 0 {
			t.Errorf("DB %d, a good one, did not pass: %+v", i, got[i])
		}
	}
	if c := got[1]; c.OK || len(c.Errors) != 1 || !strings.HasPrefix(c.Errors[0], "the check crashed") || !strings.Contains(c.Errors[0], "panic") {
		t.Errorf("crashing check: %+v", c)
	}
	if c := got[3]; c.OK || len(c.Errors) != 1 || !strings.HasPrefix(c.Errors[0], "the check did not finish in time") {
		t.Errorf("hanging check: %+v", c)
	}
}

// A crashing child's stderr is quoted by its first line and not buffered
// whole: a child that prints floodBytes before it dies costs the collector
// a few KiB, not the flood.
func TestACrashingChildsStderrIsCut(t *testing.T) {
	m, err := newMemfd()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Write([]byte(floodMark)); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := checkFiles(context.Background(), []*os.File{m}, 30*time.Second)
	runtime.ReadMemStats(&after)
	if len(got) != 1 || got[0].OK || len(got[0].Errors) != 1 || !strings.HasPrefix(got[0].Errors[0], "the check crashed") {
		t.Fatalf("flooding check: %+v", got)
	}
	if !strings.Contains(got[0].Errors[0], "goroutine 1 [running]") || len(got[0].Errors[0]) > 500 {
		t.Errorf("the error quotes %q: want the first line of stderr, cut", got[0].Errors[0])
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > floodBytes/4 {
		t.Errorf("a child's %d MiB of stderr allocated %d MiB in the collector", floodBytes>>20, grew>>20)
	}
}
