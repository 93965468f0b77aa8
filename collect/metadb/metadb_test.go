package metadb

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	cdsrc "github.com/rtsnap/rtsnap/collect/containerd"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func TestMain(m *testing.M) {
	MaybeRunChild()
	os.Exit(m.Run())
}

const labDB = "/var/lib/rtsnap-lab/cd2/root/io.containerd.metadata.v1.bolt/meta.db"

// The DB check's counts agree with what the containerd API returns for the
// same daemon.
func TestCountsAgreeWithTheAPI(t *testing.T) {
	le := lab.Require(t)
	c := CheckLive(context.Background(), labDB)
	if !c.OK || c.TxID == 0 || c.PageSize == 0 {
		t.Fatalf("live lab DB: %+v", c)
	}
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{le["RTSNAP_LAB_CD2_SOCK"]}
	out := collect.NewCapture()
	if err := cdsrc.New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	slug := endpoints.Parse(le["RTSNAP_LAB_CD2_SOCK"]).Slug()
	for _, ns := range []string{"k8s.io", "rtsnap-native"} {
		var ctrs []cdsrc.Container
		var imgs []cdsrc.Image
		json.Unmarshal(out.Files[slug+"/"+ns+"/containers.json"], &ctrs)
		json.Unmarshal(out.Files[slug+"/"+ns+"/images.json"], &imgs)
		got := c.Namespaces[ns]
		if got == nil || got.Containers != len(ctrs) || got.Images != len(imgs) || len(ctrs) == 0 {
			t.Errorf("%s: DB %+v, API %d containers %d images", ns, got, len(ctrs), len(imgs))
		}
	}
}

func TestCorruptCopyIsReported(t *testing.T) {
	lab.Require(t)
	raw, err := os.ReadFile(labDB)
	if err != nil {
		t.Fatal(err)
	}
	good := CheckBytes(context.Background(), raw)
	if !good.OK {
		t.Fatalf("clean copy reported: %v", good.Errors)
	}
	// Overwrite the pages after the meta and freelist pages with garbage:
	// branch and leaf pages of the buckets.
	ps := good.PageSize
	bad := append([]byte(nil), raw...)
	for p := 4; p*ps+64 < len(bad) && p < 12; p++ {
		for i := 0; i < 64; i++ {
			bad[p*ps+i] ^= 0xA5
		}
	}
	c := CheckBytes(context.Background(), bad)
	if c.OK || len(c.Errors) == 0 {
		t.Fatalf("corrupted copy passed: %+v", c)
	}
	// A truncated file is not a DB at all.
	p := filepath.Join(t.TempDir(), "x")
	os.WriteFile(p, raw[:100], 0o600)
	if c := CheckLive(context.Background(), p); c.OK {
		t.Fatal("truncated DB passed")
	}
}
